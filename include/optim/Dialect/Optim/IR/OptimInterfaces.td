//===- OptimInterfaces.td - Optim op interfaces ------------*- tablegen -*-===//
//
// The interface every optimizer-step op implements, through which one
// lowering serves them all.
//
//===----------------------------------------------------------------------===//

#ifndef OPTIM_DIALECT_OPTIM_IR_OPTIMINTERFACES_TD
#define OPTIM_DIALECT_OPTIM_IR_OPTIMINTERFACES_TD

include "mlir/IR/OpBase.td"

def Optim_StepOpInterface : OpInterface<"StepOpInterface"> {
  let cppNamespace = "::mlir::optim";
  let description = [{
    An optimizer step: an elementwise update of whole tensors. Some operands
    are only read (`inputs`, e.g. the gradient); the others are state that
    the step reads and writes (`states`, e.g. the parameter and the
    moments): in the tensor form each state has a result, in the memref form
    it is updated in place. Values that depend on the step but not on the
    element are computed once, in front of the elementwise loop
    (`buildStepScalars`); `buildElementwiseBody` then computes one element's
    new states from its inputs, its states and those scalars. The op
    declares its inputs and states in ODS (`Optim_StepOp`), and its result
    types and memory effects follow from them.
  }];
  let methods = [
    InterfaceMethod<
      "The operands the step only reads, in order.",
      "::llvm::SmallVector<::mlir::OpOperand *>", "getInputOperands">,
    InterfaceMethod<
      "The operands the step reads and writes, in the order of the results "
      "of the tensor form.",
      "::llvm::SmallVector<::mlir::OpOperand *>", "getStateOperands">,
    InterfaceMethod<
      "The 1-indexed step count.",
      "::mlir::Value", "getStepCount", (ins), [{ return $_op.getStep(); }]>,
    InterfaceMethod<
      "Emits, at the builder's insertion point, the values the elementwise "
      "body needs that do not depend on the element, and returns them.",
      "::llvm::SmallVector<::mlir::Value>", "buildStepScalars",
      (ins "::mlir::OpBuilder &":$builder, "::mlir::Location":$loc)>,
    InterfaceMethod<
      "Emits one element's update, inside the body of an elementwise "
      "`linalg.generic` (so that it may read the element's indices with "
      "`linalg.index`): from the element of every input, the element of "
      "every state and the step scalars, the new element of every state, "
      "which it returns (in the order of the states).",
      "::llvm::SmallVector<::mlir::Value>", "buildElementwiseBody",
      (ins "::mlir::OpBuilder &":$builder, "::mlir::Location":$loc,
           "::mlir::ValueRange":$inputs, "::mlir::ValueRange":$states,
           "::mlir::ValueRange":$scalars)>,
  ];
}

#endif // OPTIM_DIALECT_OPTIM_IR_OPTIMINTERFACES_TD
