//===- Optim.cpp - C API of OptimMLIR ---------------------------*- C++ -*-===//
//
// The definitions behind include/optim-c/Optim.h.
//
//===----------------------------------------------------------------------===//

#include "optim-c/Optim.h"

#include "optim/Dialect/Optim/IR/OptimDialect.h"
#include "optim/InitAllPasses.h"

#include "mlir/CAPI/Registration.h"

MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(Optim, optim, mlir::optim::OptimDialect)

void optimRegisterAllPasses(void) { mlir::optim::registerAllPasses(); }
