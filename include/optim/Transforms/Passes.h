//===- Passes.h - OptimMLIR transformation passes ---------------*- C++ -*-===//
//
// Declares the transformation passes of OptimMLIR.
//
//===----------------------------------------------------------------------===//

#ifndef OPTIM_TRANSFORMS_PASSES_H
#define OPTIM_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir::optim {

#define GEN_PASS_DECL
#define GEN_PASS_REGISTRATION
#include "optim/Transforms/Passes.h.inc"

} // namespace mlir::optim

#endif // OPTIM_TRANSFORMS_PASSES_H
