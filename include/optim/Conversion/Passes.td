//===- Passes.td - Optim conversion passes -----------------*- tablegen -*-===//
//
// Conversions out of the `optim` dialect.
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
  }];
  let dependentDialects = [
    "arith::ArithDialect",
    "linalg::LinalgDialect",
    "math::MathDialect",
  ];
}

#endif // OPTIM_CONVERSION_PASSES_TD
