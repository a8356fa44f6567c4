//===- OptimBase.td - Optim dialect definition -------------*- tablegen -*-===//
//
// The `optim` dialect: optimizer update steps for neural-network training.
//
//===----------------------------------------------------------------------===//

#ifndef OPTIM_DIALECT_OPTIM_IR_OPTIMBASE_TD
#define OPTIM_DIALECT_OPTIM_IR_OPTIMBASE_TD

include "mlir/IR/OpBase.td"

def Optim_Dialect : Dialect {
  let name = "optim";
  let cppNamespace = "::mlir::optim";
  let summary = "Optimizer steps for neural-network training";
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

#endif // OPTIM_DIALECT_OPTIM_IR_OPTIMBASE_TD
