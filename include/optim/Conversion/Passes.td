//===- Passes.td - Optim conversion passes -----------------*- tablegen -*-===//
//
// Conversions out of the `optim` dialect, and the raising into it of what
// frontends emit.
//
//===----------------------------------------------------------------------===//

#ifndef OPTIM_CONVERSION_PASSES_TD
#define OPTIM_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertOptimToLinalgPass : Pass<"convert-optim-to-linalg"> {
  let summary = "Lower optim ops to fused elementwise linalg.generic ops";
  let description = [{
    Rewrites every `optim.adamw_step` into one elementwise `linalg.generic`
    that reads `param`, `grad`, `m` and `v` once and writes `param`, `m` and
    `v` once. The generic takes `grad` as its input and `param`, `m` and `v`
    as its outputs, which it also reads: the tensor form thus stays in
    destination-passing style and one-shot bufferization updates the
    caller's buffers in place, without a copy.

    Everything that depends on the step but not on the element (the bias
    corrections `1 - beta^t`, `lr / (1 - beta1^t)`, `1 / sqrt(1 - beta2^t)`
    and `1 - lr * weight_decay`) is computed once, in f64, before the generic.
    The body then needs one division and one square root per element, in the
    form PyTorch uses:

    ```
    m'    = beta1 * m + (1 - beta1) * g
    v'    = beta2 * v + (1 - beta2) * g * g
    denom = sqrt(v') * (1 / sqrt(1 - beta2^t)) + eps
    p'    = p * (1 - lr * wd) - (lr / (1 - beta1^t)) * m' / denom
    ```

    The body's floating-point ops carry the `contract` fast-math flag so that
    the backend may fuse multiply-adds; no other reassociation is allowed.

    A step whose moments are 8-bit codes (`ui8` with `m_absmax` and
    `v_absmax`) is not elementwise: each block's new absmax depends on all of
    its elements. The pass leaves it; one-shot bufferization takes its tensor
    form to the memref form (the op implements `BufferizableOpInterface`),
    and `optim-lower-quantized-steps` lowers that.
  }];
  let dependentDialects = [
    "arith::ArithDialect",
    "linalg::LinalgDialect",
    "math::MathDialect",
  ];
}

def OptimRaiseAdamWPass : Pass<"optim-raise-adamw"> {
  let summary = "Raise the AdamW updates that frontends trace into "
                "optim.adamw_step";
  let description = [{
    Finds, in linalg on tensors, each parameter's AdamW update as a frontend
    traces it (torch-mlir's export of `torch.optim.AdamW`, JAX's of
    `optax.adamw` through StableHLO), and replaces it with one tensor-form
    `optim.adamw_step` with the hyperparameters it computes with: betas, eps
    and weight decay that are constants, a learning rate that is one or a 0-d
    tensor read at run time (torch's capturable branch), and the step count
    of the frontend's state (torch's f32 step, optax's i32 count).

    The pass expects elementwise fusion first
    (`--linalg-fuse-elementwise-ops --canonicalize --cse`), after which an
    update is three generics: `m' = a*g + b*m`, `v' = c*g*g + d*v` and the
    parameter's, which reads `p`, `m'`, `v'` and 0-d scalars of the step
    count. Their bodies are recognised by what they compute, not by how it
    is written: they are evaluated in f64 at chosen points. `a + b` and
    `c + d` must be 1 (`beta1 = b`, `beta2 = d`); the learning rate, eps and
    weight decay follow in closed form from the parameter's update at a few
    points, and that update must then equal AdamW's at other points and at
    step counts 1 to 1000, to the program's precision. Anything else is left
    alone: Adam's L2 decay inside the moments, amsgrad's maximum, a missing
    or mismatched bias correction, a gradient used outside the moments, any
    other scalar the update reads at run time.

    The generics that only assert on the update's scalars (torch's checks
    that a bias correction is not zero, which the op's `step >= 1` makes
    true) go with it.
  }];
  let dependentDialects = [
    "arith::ArithDialect",
    "optim::OptimDialect",
    "tensor::TensorDialect",
  ];
}

#endif // OPTIM_CONVERSION_PASSES_TD
