//===- InitAllDialects.h - Register OptimMLIR's dialects --------*- C++ -*-===//
//
// One call that registers OptimMLIR's own dialects and interface extensions,
// and nothing of upstream: a tool adds upstream's itself
// (`mlir::registerAllDialects`, `mlir::registerAllExtensions`), and a plugin
// loaded into an upstream tool finds them registered already.
//
//===----------------------------------------------------------------------===//

#ifndef OPTIM_INITALLDIALECTS_H
#define OPTIM_INITALLDIALECTS_H

#include "optim/Dialect/Optim/IR/OptimDialect.h"

#include "mlir/IR/DialectRegistry.h"

namespace mlir::optim {

/// Registers the optim dialect in `registry`.
inline void registerAllDialects(DialectRegistry &registry) {
  registry.insert<OptimDialect>();
}

} // namespace mlir::optim

#endif // OPTIM_INITALLDIALECTS_H
