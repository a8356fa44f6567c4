//===- OptimOps.td - Optim dialect operations --------------*- tablegen -*-===//
//
// Operations of the `optim` dialect.
//
//===----------------------------------------------------------------------===//

#ifndef OPTIM_DIALECT_OPTIM_IR_OPTIMOPS_TD
#define OPTIM_DIALECT_OPTIM_IR_OPTIMOPS_TD

include "optim/Dialect/Optim/IR/OptimBase.td"

def Optim_AdamWStepOp
    : Optim_StepOp<"adamw_step", /*inputs=*/["Grad"],
                   /*states=*/["Param", "M", "V"],
                   /*optionalInputs=*/["GradScale", "FoundInf"],
                   /*optionalStates=*/["MaxV", "ParamCopy", "MAbsmax",
                                         "VAbsmax", "MaxVAbsmax"],
                   [AttrSizedOperandSegments]> {
  let summary = "One AdamW update (Adam with decoupled weight decay)";
  let description = [{
    Applies one step of AdamW (Loshchilov & Hutter) to every element of a
    parameter tensor. With `t = step` (1-indexed), `g = grad`, and the
    attributes `beta1`, `beta2`, `eps` and `weight_decay` (`wd`):

    ```
    m    = beta1 * m + (1 - beta1) * g
    v    = beta2 * v + (1 - beta2) * g * g
    mhat = m / (1 - beta1^t)
    vhat = v / (1 - beta2^t)
    p    = p - lr * (mhat / (sqrt(vhat) + eps) + wd * p)
    ```

    The decay term `wd * p` never enters `m` or `v`; `weight_decay = 0` is
    plain Adam. The defaults of the attributes are those of
    `torch.optim.AdamW`.

    The options of `torch.optim.Adam` and `AdamW`, in the order torch applies
    them:

    - `maximize`: the gradient is negated first (`g = -g`).
    - `decay l2`: L2 regularisation, `torch.optim.Adam`'s `weight_decay`:
      `g = g + wd * p` enters the moments, and `p` is not decayed. The
      default, `decay decoupled`, is AdamW's.
    - `max_v` (amsgrad): a fifth state, `max_v = max(max_v, v)` (NaN
      propagates), and the denominator uses `max_v` instead of `v`:
      `p = p - lr * (mhat / (sqrt(max_v / (1 - beta2^t)) + eps) + wd * p)`.

    Two optional 0-d operands carry mixed-precision loss scaling (what
    `torch.amp.GradScaler` hands torch's fused optimizers). They are read
    inside the step, so that a GPU kernel reads them from device memory and
    the host never waits for them:

    - `grad_scale`: the gradient is divided by it before anything else
      (`g = grad / grad_scale`, in the compute type).
    - `found_inf`: where it is nonzero (or NaN), the step writes every state
      back unchanged, as if it had not run.

    `param`, `grad`, `m` and `v` have the same shape, any rank including 0,
    static or dynamic dimensions, and each its own element type among `f64`,
    `f32`, `bf16` and `f16`: bf16 weights and gradients with f32 moments, or
    f32 weights with bf16 moments, are one op. The step computes in the
    compute type, `f64` when any of `param`, `m`, `v` and `max_v` is `f64`,
    else `f32`:
    every value read is converted to it, all arithmetic is done in it, and
    every value written is rounded to its operand's type (to nearest, ties to
    even). `step` is an `i64` and `lr` a scalar of the compute type; both are
    runtime values, so a new step or a learning-rate schedule never needs a
    new op.

    With the optional `param_copy` (bf16 or f16, of `param`'s shape) the op
    also writes the new parameter, rounded, into it: an f32 master and the
    low-precision weights a model computes with are updated in one pass.

    `rounding` says how the new parameter is rounded where it is written as
    bf16 or f16 (`param`, `param_copy`): `nearest` (the default; ties to
    even) or `stochastic`, which needs the `i64` operand `seed`. Stochastic
    rounding writes the nearest value below or above the exact value `x`,
    the one farther away with probability distance / spacing, so that
    updates smaller than the spacing are not lost on average. An f64 `x` is
    first rounded to f32. Its 32 random bits `r` for the element of
    row-major index `i` (in the whole tensor) are

    ```
    k = mix64(seed * 0x9E3779B97F4A7C15 + step)          (mod 2^64)
    r = mix32((i mod 2^32) ^ (k mod 2^32)) ^ (k >> 32)
    ```

    with splitmix64's finalizer `mix64(z)`: `z ^= z >> 30;
    z *= 0xBF58476D1CE4E5B9; z ^= z >> 27; z *= 0x94D049BB133111EB;
    z ^= z >> 31`, and Wellons' `lowbias32` `mix32(x)`: `x ^= x >> 16;
    x *= 0x21F0AAAD; x ^= x >> 15; x *= 0x735A2D97; x ^= x >> 15`. To bf16:
    `(bits(x) + (r & 0xFFFF)) & 0xFFFF0000` is the result's f32 pattern
    (NaN stays NaN). To f16: with `n` the nearest f16 value and `n'` its
    neighbour on the side of `x`, the result is `n'` where
    `(r >> 8) * 2^-24 * |n' - n| < |x - n|` (in f32, exact), else `n`; NaN,
    infinities and an infinite `n'` give `n`. A result is thus the same for
    any thread count, vector width, CPU or GPU, and reproducible from a
    checkpoint. `m` and `v` always round to nearest.

    `m` and `v` may instead hold 8-bit blockwise codes, the format of
    bitsandbytes' 8-bit optimizers: a `ui8` operand of param's shape with its
    `m_absmax` or `v_absmax`, a 1-d f32 operand with one element per block of
    `block_size` elements of the flattened (row-major) tensor, the last block
    possibly partial. Element `i` of block `b` stands for
    `code[state[i]] * absmax[b]`, with the code tables of bitsandbytes'
    `create_dynamic_map`: signed for `m` (127 negative values, 0, 127
    positive values and 1), unsigned for `v` (0, 254 positive values and 1).
    The values of decade `k` (`k = 0 .. 6`) are
    `f32(10^(k-6)) * (l[j] + l[j+1]) / 2`, `j = 0 .. n-2`, with `n` = 2^k + 1
    (signed) or 2^(k+1) + 1 (unsigned) and, in f32 with fused multiply-adds,
    `s = (1 - 0.1) / (n - 1)`, `l[j] = fma(s, j, 0.1)` for `j < n / 2`,
    else `fma(-s, n - 1 - j, 1)`. Per block, the step reads the codes,
    updates in the compute type (the new parameter from the new moments
    before they are rounded), and writes the moments back as codes: the new
    `absmax` is the largest magnitude in the block, and each element the
    index of the nearest code to `x * (1 / absmax)` (in f32, clamped to
    [-1, 1]; ties to the code nearer 0; a block of zeros has absmax 0 and the
    code of 0). A block is finished before the
    next is started, so the step still makes one pass over memory. With
    8-bit moments, `max_v` may be 8-bit too (unsigned map, with its
    `max_v_absmax`), `rounding` is `nearest`, and `found_inf` skips the whole
    step, codes and absmax included. The verifier checks an absmax's block
    count where the sizes are static; with dynamic sizes it must hold
    ceil(numel / block_size) elements, as the other operands must have
    `param`'s shape.

    On ranked tensors the op is in destination-passing style: it returns the
    new `param`, `m` and `v` (and `param_copy`), and after bufferization they are written into the
    buffers of the `param`, `m` and `v` operands. On memrefs it updates
    `param`, `m` and `v` in place and returns nothing.

    In the custom form the four state types are written once when they are
    equal and `lr` has their compute type; otherwise all five types are
    listed.

    Example:

    ```mlir
    // Tensor form: returns the updated param, m and v.
    %p1, %m1, %v1 = optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
        {weight_decay = 1.0e-01 : f64} : tensor<1024x768xf32>

    // Memref form: updates %p, %m and %v in place.
    optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
        {beta2 = 9.5e-01 : f64} : memref<?xf64>

    // bf16 weights and gradients, f32 moments; lr in the compute type, f32.
    optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
        : (memref<4096xbf16>, memref<4096xbf16>, memref<4096xf32>,
           memref<4096xf32>, f32)

    // torch.optim.Adam(amsgrad=True, maximize=True, weight_decay=0.1).
    optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
        max_v %mv : memref<4096xf32> decay l2 maximize
        {weight_decay = 1.0e-01 : f64} : memref<4096xf32>

    // f32 weights, 8-bit moments in blocks of 256, 16 blocks.
    optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
        m_absmax %am : memref<16xf32> v_absmax %av : memref<16xf32>
        : (memref<4096xf32>, memref<4096xf32>, memref<4096xui8>,
           memref<4096xui8>, f32)

    // f16 weights and moments, an unscaled gradient, a skippable step.
    optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
        grad_scale %scale : memref<f32> found_inf %inf : memref<f32>
        : memref<4096xf16>

    // An f32 master and its bf16 copy, rounded stochastically.
    optim.adamw_step %p, %g, %m, %v, step %t, lr %lr seed %s
        copy %c : memref<4096xbf16> rounding stochastic : memref<4096xf32>
    ```
  }];

  let arguments = (ins
    Optim_StateType:$param,
    Optim_StateType:$grad,
    Optim_MomentType:$m,
    Optim_MomentType:$v,
    Optional<Optim_MomentType>:$max_v,
    Optional<Optim_CopyType>:$param_copy,
    Optional<Optim_AbsmaxType>:$m_absmax,
    Optional<Optim_AbsmaxType>:$v_absmax,
    Optional<Optim_AbsmaxType>:$max_v_absmax,
    Optional<Optim_ScalarOperandType>:$grad_scale,
    Optional<Optim_ScalarOperandType>:$found_inf,
    Optim_StepType:$step,
    Optim_ScalarType:$lr,
    Optional<I64>:$seed,
    DefaultValuedAttr<Optim_RoundingAttr, "::mlir::optim::Rounding::nearest">:$rounding,
    UnitAttr:$maximize,
    DefaultValuedAttr<Optim_WeightDecayAttr,
                      "::mlir::optim::WeightDecay::decoupled">:$decay,
    DefaultValuedAttr<F64Attr, "0.9">:$beta1,
    DefaultValuedAttr<F64Attr, "0.999">:$beta2,
    DefaultValuedAttr<F64Attr, "1.0e-8">:$eps,
    DefaultValuedAttr<F64Attr, "1.0e-2">:$weight_decay,
    DefaultValuedAttr<I64Attr, "256">:$block_size
  );
  let assemblyFormat = [{
    $param `,` $grad `,` $m `,` $v `,` `step` $step `,` `lr` $lr
    (`max_v` $max_v^ `:` type($max_v))?
    (`grad_scale` $grad_scale^ `:` type($grad_scale))?
    (`found_inf` $found_inf^ `:` type($found_inf))?
    (`seed` $seed^)? (`copy` $param_copy^ `:` type($param_copy))?
    (`m_absmax` $m_absmax^ `:` type($m_absmax))?
    (`v_absmax` $v_absmax^ `:` type($v_absmax))?
    (`max_v_absmax` $max_v_absmax^ `:` type($max_v_absmax))?
    (`rounding` $rounding^)? (`decay` $decay^)? (`maximize` $maximize^)?
    attr-dict `:`
    custom<StateTypes>(type($param), type($grad), type($m), type($v),
                       type($step), type($lr))
  }];

  let hasVerifier = 1;

  let extraClassDeclaration = [{
    /// The part of `verify()` about `rounding` and `seed`.
    ::llvm::LogicalResult verifyRounding();
    /// The part of `verify()` about 8-bit states and their absmax.
    ::llvm::LogicalResult verifyQuantizedStates();
    /// True when `m` or `v` holds 8-bit blockwise codes.
    bool hasQuantizedStates() {
      return getMAbsmax() || getVAbsmax();
    }
    /// Appends to the step scalars `s` what stochastic rounding needs.
    void appendRandomScalars(::mlir::OpBuilder &b, ::mlir::Location loc,
                             ::llvm::SmallVectorImpl<::mlir::Value> &s);

    /// True for the tensor (value-semantics) form.
    bool hasPureTensorSemantics() {
      return ::llvm::isa<::mlir::RankedTensorType>(getParam().getType());
    }
    /// The type the step computes in, which `lr` has (of a verified op).
    ::mlir::Type getComputeType() {
      auto elementOf = [](::mlir::Value value) {
        return ::llvm::cast<::mlir::ShapedType>(value.getType())
            .getElementType();
      };
      ::llvm::SmallVector<::mlir::Type> types = {
          elementOf(getParam()), elementOf(getM()), elementOf(getV())};
      if (getMaxV())
        types.push_back(elementOf(getMaxV()));
      return getStepComputeType(types);
    }
  }];
}

#endif // OPTIM_DIALECT_OPTIM_IR_OPTIMOPS_TD
