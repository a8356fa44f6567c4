//===- Passes.h - OptimMLIR GPU transformation passes -----------*- C++ -*-===//
//
// Declares the GPU transformation passes of OptimMLIR.
//
//===----------------------------------------------------------------------===//

#ifndef OPTIM_TRANSFORMS_GPU_PASSES_H
#define OPTIM_TRANSFORMS_GPU_PASSES_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Pass/Pass.h"

namespace mlir::optim {

#define GEN_PASS_DECL
#define GEN_PASS_REGISTRATION
#include "optim/Transforms/GPU/Passes.h.inc"

} // namespace mlir::optim

#endif // OPTIM_TRANSFORMS_GPU_PASSES_H
