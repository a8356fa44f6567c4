//===- OptimDialect.h - Optim dialect ---------------------------*- C++ -*-===//
//
// Declares the `optim` dialect.
//
//===----------------------------------------------------------------------===//

#ifndef OPTIM_DIALECT_OPTIM_IR_OPTIMDIALECT_H
#define OPTIM_DIALECT_OPTIM_IR_OPTIMDIALECT_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/DialectImplementation.h"

#include "optim/Dialect/Optim/IR/OptimOpsDialect.h.inc"

#include "optim/Dialect/Optim/IR/OptimEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "optim/Dialect/Optim/IR/OptimAttrs.h.inc"

#endif // OPTIM_DIALECT_OPTIM_IR_OPTIMDIALECT_H
