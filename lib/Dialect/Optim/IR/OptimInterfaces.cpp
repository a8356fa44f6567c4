//===- OptimInterfaces.cpp - Optim op interfaces ----------------*- C++ -*-===//
//
// `StepOpInterface` and the result types and memory effects that the ops of
// the `Optim_StepOp` family derive from their declared inputs and states.
//
//===----------------------------------------------------------------------===//

#include "optim/Dialect/Optim/IR/OptimInterfaces.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/PatternMatch.h"

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

bufferization::AliasingValueList
mlir::optim::getStepAliasingValues(StepOpInterface op, OpOperand &operand) {
  SmallVector<OpOperand *> states = op.getStateOperands();
  auto *it = llvm::find(states, &operand);
  if (it == states.end())
    return {};
  return {{op->getResult(it - states.begin()),
           bufferization::BufferRelation::Equivalent}};
}

LogicalResult
mlir::optim::bufferizeStep(StepOpInterface op, RewriterBase &rewriter,
                           const bufferization::BufferizationOptions &options,
                           bufferization::BufferizationState &state) {
  SmallVector<Value> operands;
  for (Value operand : op->getOperands()) {
    if (!isa<TensorType>(operand.getType())) {
      operands.push_back(operand);
      continue;
    }
    FailureOr<Value> buffer =
        bufferization::getBuffer(rewriter, operand, options, state);
    if (failed(buffer))
      return failure();
    operands.push_back(*buffer);
  }
  // The memref form: the same operands and attributes, no results.
  OperationState memrefForm(op->getLoc(), op->getName(), operands,
                            /*types=*/{}, op->getAttrs());
  rewriter.setInsertionPoint(op);
  rewriter.create(memrefForm);
  SmallVector<Value> buffers =
      llvm::map_to_vector(op.getStateOperands(), [&](OpOperand *state) {
        return operands[state->getOperandNumber()];
      });
  bufferization::replaceOpWithBufferizedValues(rewriter, op, buffers);
  return success();
}
