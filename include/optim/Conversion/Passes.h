//===- Passes.h - Optim conversion passes -----------------------*- C++ -*-===//
//
// Declares the conversion passes of OptimMLIR.
//
//===----------------------------------------------------------------------===//

#ifndef OPTIM_CONVERSION_PASSES_H
#define OPTIM_CONVERSION_PASSES_H

#include "optim/Conversion/OptimToLinalg/OptimToLinalg.h"

#include "mlir/Pass/Pass.h"

namespace mlir::optim {

#define GEN_PASS_DECL
#define GEN_PASS_REGISTRATION
#include "optim/Conversion/Passes.h.inc"

} // namespace mlir::optim

#endif // OPTIM_CONVERSION_PASSES_H
