//===- OptimInterfaces.h - Optim op interfaces ------------------*- C++ -*-===//
//
// Declares `StepOpInterface` and what the ops of the `Optim_StepOp` family
// share through it.
//
//===----------------------------------------------------------------------===//

#ifndef OPTIM_DIALECT_OPTIM_IR_OPTIMINTERFACES_H
#define OPTIM_DIALECT_OPTIM_IR_OPTIMINTERFACES_H

#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "optim/Dialect/Optim/IR/OptimInterfaces.h.inc"

namespace mlir::optim {

/// The result types of a step op from its state operands: the tensor form has
/// one result of each state's type, the memref form none. (A state that is
/// not a ranked tensor while the first is gets the first's type, so that the
/// op's verifier, not the result constraint, names the mismatch.)
void inferStepResultTypes(ValueRange states,
                          SmallVectorImpl<Type> &inferredReturnTypes);

/// The memory effects of a step op: none in the tensor form; in the memref
/// form it reads its inputs and reads and writes its states.
void getStepEffects(
    StepOpInterface op,
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects);

/// The tensor form's bufferization: state operand `i` is written in place,
/// so it aliases result `i` and is its buffer.
bufferization::AliasingValueList getStepAliasingValues(StepOpInterface op,
                                                       OpOperand &operand);

/// Replaces a tensor-form step op by its memref form on the operands'
/// buffers.
LogicalResult bufferizeStep(StepOpInterface op, RewriterBase &rewriter,
                            const bufferization::BufferizationOptions &options,
                            bufferization::BufferizationState &state);

} // namespace mlir::optim

#endif // OPTIM_DIALECT_OPTIM_IR_OPTIMINTERFACES_H
