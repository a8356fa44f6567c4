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

namespace mlir::optim {

/// True for the element types a step op's tensors may have: f64, f32, bf16
/// and f16.
bool isStepElementType(Type type);

/// The type a step computes in, given the element types of its states but
/// the copy (param, m, v and, with amsgrad, max_v): f64 when any of them is
/// f64, else f32. Every value read is widened (or rounded) to it, and every
/// value written rounded from it.
Type getStepComputeType(ArrayRef<Type> stateElementTypes);

} // namespace mlir::optim

#define GET_OP_CLASSES
#include "optim/Dialect/Optim/IR/OptimOps.h.inc"

#endif // OPTIM_DIALECT_OPTIM_IR_OPTIMOPS_H
