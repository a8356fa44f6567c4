//===- OptimOps.h - Optim dialect operations --------------------*- C++ -*-===//
//
// Declares the operations of the `optim` dialect.
//
//===----------------------------------------------------------------------===//

#ifndef OPTIM_DIALECT_OPTIM_IR_OPTIMOPS_H
#define OPTIM_DIALECT_OPTIM_IR_OPTIMOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "optim/Dialect/Optim/IR/OptimDialect.h"
#include "optim/Dialect/Optim/IR/OptimInterfaces.h"

#define GET_OP_CLASSES
#include "optim/Dialect/Optim/IR/OptimOps.h.inc"

#endif // OPTIM_DIALECT_OPTIM_IR_OPTIMOPS_H
