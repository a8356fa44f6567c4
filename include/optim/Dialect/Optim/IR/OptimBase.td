//===- OptimBase.td - Optim dialect definition -------------*- tablegen -*-===//
//
// The `optim` dialect: optimizer update steps for neural-network training.
//
//===----------------------------------------------------------------------===//

#ifndef OPTIM_DIALECT_OPTIM_IR_OPTIMBASE_TD
#define OPTIM_DIALECT_OPTIM_IR_OPTIMBASE_TD

include "optim/Dialect/Optim/IR/OptimInterfaces.td"
include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Optim_Dialect : Dialect {
  let name = "optim";
  let cppNamespace = "::mlir::optim";
  let summary = "Optimizer steps for neural-network training";
  let useDefaultAttributePrinterParser = 1;
  let description = [{
    The `optim` dialect expresses the per-parameter update of a training
    optimizer as a single op over whole tensors, so that a compiler can lower
    it to one fused, memory-bound loop (CPU) or kernel (GPU) instead of the
    chain of elementwise operations an eager framework executes.

    Every op comes in the two forms linalg ops have: on ranked tensors it is in
    destination-passing style and returns the updated state; on memrefs it
    updates the buffers in place and returns nothing.
  }];
}

class Optim_Op<string mnemonic, list<Trait> traits = []>
    : Op<Optim_Dialect, mnemonic, traits>;

def Optim_Rounding : I32EnumAttr<"Rounding",
    "How a step rounds what it writes to a narrower type", [
      I32EnumAttrCase<"nearest", 0>,
      I32EnumAttrCase<"stochastic", 1>
    ]> {
  let cppNamespace = "::mlir::optim";
  let genSpecializedAttr = 0;
}
def Optim_RoundingAttr : EnumAttr<Optim_Dialect, Optim_Rounding, "rounding">;

def Optim_WeightDecay : I32EnumAttr<"WeightDecay",
    "How a step applies weight decay", [
      // p = p - lr * wd * p, beside the moments (AdamW).
      I32EnumAttrCase<"decoupled", 0>,
      // g = g + wd * p before the moments (Adam with L2 regularisation).
      I32EnumAttrCase<"l2", 1>
    ]> {
  let cppNamespace = "::mlir::optim";
  let genSpecializedAttr = 0;
}
def Optim_WeightDecayAttr
    : EnumAttr<Optim_Dialect, Optim_WeightDecay, "weight_decay">;

// The operand types of the step ops. They are checked by the ops' verifiers,
// whose messages name the operand (`operand 'grad' has shape 4x8 but 'param'
// has shape 4x4`): ODS's own checks run before a verifier and name only an
// operand's position. These constraints therefore accept any type and only
// document what the verifier enforces.
class Optim_VerifiedType<string summary>
    : Type<CPred<"true">, summary>;

def Optim_StateType : Optim_VerifiedType<
    "ranked tensor or strided memref (default memory space) of f64, f32, bf16 "
    "or f16, of param's shape">;
def Optim_MomentType : Optim_VerifiedType<
    "ranked tensor or strided memref (default memory space) of f64, f32, bf16, "
    "f16 or ui8 (8-bit blockwise codes), of param's shape">;
def Optim_AbsmaxType : Optim_VerifiedType<
    "1-d ranked tensor or memref of f32, one element per block of the "
    "flattened param">;
def Optim_StepType : Optim_VerifiedType<"64-bit signless integer (i64)">;
def Optim_CopyType : Optim_VerifiedType<
    "ranked tensor or strided memref of bf16 or f16, of param's shape">;
def Optim_ScalarOperandType : Optim_VerifiedType<
    "0-d tensor (with tensor states) or 0-d memref (with memref states) of "
    "f64, f32, bf16 or f16">;
def Optim_ScalarType : Optim_VerifiedType<
    "float of the compute type (f64 when param, m, v or max_v is f64, else "
    "f32)">;

// An optimizer step (`StepOpInterface`). `inputs` and `states` name, by their
// accessors (`Grad` for `$grad`), the operands the step only reads and the ones
// it reads and writes, `optionalInputs` and `optionalStates` the optional ones;
// the tensor form returns the new states, in that order (the optional ones that
// are present last), and the memref form updates them in place. Result types,
// memory effects and the interface's operand lists follow from these lists;
// an op implements `buildStepScalars` and `buildElementwiseBody`.
class Optim_StepOp<string mnemonic, list<string> inputs, list<string> states,
                   list<string> optionalInputs = [],
                   list<string> optionalStates = [], list<Trait> traits = []>
    : Optim_Op<mnemonic, !listconcat([
        InferTypeOpAdaptor,
        DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
        DeclareOpInterfaceMethods<BufferizableOpInterface,
            ["bufferizesToMemoryRead", "bufferizesToMemoryWrite",
             "getAliasingValues", "bufferize"]>,
        DeclareOpInterfaceMethods<Optim_StepOpInterface>], traits)> {
  // Tensor form: one result per state; memref form: none.
  let results = (outs Variadic<AnyRankedTensor>:$results);

  let extraClassDefinition = [{
    ::llvm::SmallVector<::mlir::OpOperand *> $cppClass::getInputOperands() {
      ::llvm::SmallVector<::mlir::OpOperand *> inputs = {}] #
          !interleave(!foreach(name, inputs, "&get" # name # "Mutable()"),
                      ", ") # [{};}] #
      !interleave(!foreach(name, optionalInputs,
          "for (::mlir::OpOperand &operand : get" # name # "Mutable()) "
          "inputs.push_back(&operand);"), "\n") # [{
      return inputs;
    }
    ::llvm::SmallVector<::mlir::OpOperand *> $cppClass::getStateOperands() {
      ::llvm::SmallVector<::mlir::OpOperand *> states = {}] #
          !interleave(!foreach(name, states, "&get" # name # "Mutable()"),
                      ", ") # [{};}] #
      !interleave(!foreach(name, optionalStates,
          "for (::mlir::OpOperand &operand : get" # name # "Mutable()) "
          "states.push_back(&operand);"), "\n") # [{
      return states;
    }
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *, ::std::optional<::mlir::Location>,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &types) {
      ::llvm::SmallVector<::mlir::Value> states = {}] #
          !interleave(!foreach(name, states, "adaptor.get" # name # "()"),
                      ", ") # [{};}] #
      !interleave(!foreach(name, optionalStates,
          "if (::mlir::Value state = adaptor.get" # name # "()) "
          "states.push_back(state);"), "\n") # [{
      ::mlir::optim::inferStepResultTypes(states, types);
      return ::mlir::success();
    }
    bool $cppClass::bufferizesToMemoryRead(::mlir::OpOperand &,
        const ::mlir::bufferization::AnalysisState &) {
      return true;
    }
    bool $cppClass::bufferizesToMemoryWrite(::mlir::OpOperand &operand,
        const ::mlir::bufferization::AnalysisState &) {
      return ::llvm::is_contained(getStateOperands(), &operand);
    }
    ::mlir::bufferization::AliasingValueList $cppClass::getAliasingValues(
        ::mlir::OpOperand &operand,
        const ::mlir::bufferization::AnalysisState &) {
      return ::mlir::optim::getStepAliasingValues(*this, operand);
    }
    ::llvm::LogicalResult $cppClass::bufferize(::mlir::RewriterBase &rewriter,
        const ::mlir::bufferization::BufferizationOptions &options,
        ::mlir::bufferization::BufferizationState &state) {
      return ::mlir::optim::bufferizeStep(*this, rewriter, options, state);
    }
    void $cppClass::getEffects(
        ::llvm::SmallVectorImpl<::mlir::SideEffects::EffectInstance<
            ::mlir::MemoryEffects::Effect>> &effects) {
      ::mlir::optim::getStepEffects(*this, effects);
    }
  }];
}

#endif // OPTIM_DIALECT_OPTIM_IR_OPTIMBASE_TD
