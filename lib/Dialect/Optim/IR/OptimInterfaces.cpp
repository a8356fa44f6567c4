//===- OptimInterfaces.cpp - Optim op interfaces ----------------*- C++ -*-===//
//
// `StepOpInterface` and the result types and memory effects that the ops of
// the `Optim_StepOp` family derive from their declared inputs and states.
//
//===----------------------------------------------------------------------===//

#include "optim/Dialect/Optim/IR/OptimInterfaces.h"

#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;
using namespace mlir::optim;

#include "optim/Dialect/Optim/IR/OptimInterfaces.cpp.inc"

void mlir::optim::inferStepResultTypes(
    ValueRange states, SmallVectorImpl<Type> &inferredReturnTypes) {
  Type first = states.front().getType();
  if (!isa<RankedTensorType>(first))
    return;
  for (Value state : states) {
    Type type = state.getType();
    inferredReturnTypes.push_back(isa<RankedTensorType>(type) ? type : first);
  }
}

void mlir::optim::getStepEffects(
    StepOpInterface op,
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  if (!isa<MemRefType>(op.getStateOperands().front()->get().getType()))
    return;
  for (OpOperand *input : op.getInputOperands())
    effects.emplace_back(MemoryEffects::Read::get(), input,
                         SideEffects::DefaultResource::get());
  for (OpOperand *state : op.getStateOperands()) {
    effects.emplace_back(MemoryEffects::Read::get(), state,
                         SideEffects::DefaultResource::get());
    effects.emplace_back(MemoryEffects::Write::get(), state,
                         SideEffects::DefaultResource::get());
  }
}
