//===- OptimDialect.h - Optim dialect ---------------------------*- C++ -*-===//
//
// Declares the `optim` dialect.
//
//===----------------------------------------------------------------------===//

#ifndef OPTIM_DIALECT_OPTIM_IR_OPTIMDIALECT_H
#define OPTIM_DIALECT_OPTIM_IR_OPTIMDIALECT_H

#include "mlir/IR/Dialect.h"

#include "optim/Dialect/Optim/IR/OptimOpsDialect.h.inc"

#endif // OPTIM_DIALECT_OPTIM_IR_OPTIMDIALECT_H
