//===- InitAllDialects.h - Register OptimMLIR's dialects --------*- C++ -*-===//
//
// One call that registers the optim dialect together with every upstream
// dialect and interface extension its pipelines use.
//
//===----------------------------------------------------------------------===//

#ifndef OPTIM_INITALLDIALECTS_H
#define OPTIM_INITALLDIALECTS_H

#include "optim/Dialect/Optim/IR/OptimDialect.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"

namespace mlir::optim {

/// Registers the optim dialect, the upstream dialects and their interface
/// models (bufferization, tiling, LLVM lowering) in `registry`.
inline void registerAllDialects(DialectRegistry &registry) {
  registry.insert<OptimDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
}

} // namespace mlir::optim

#endif // OPTIM_INITALLDIALECTS_H
