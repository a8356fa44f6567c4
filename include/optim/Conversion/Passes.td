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

def OptimGPUMapPass : Pass<"optim-gpu-map", "func::FuncOp"> {
  let summary = "Map elementwise linalg.generic ops on buffers to grid-stride "
                "gpu.launch kernels";
  let description = [{
    Expects bufferized `linalg.generic` ops whose loops are parallel, whose
    indexing maps are identities, whose operands share one element type (an
    integer or float of 8, 16, 32, 64 or 128 bits) and are strided memrefs
    (what `convert-optim-to-linalg` gives after bufferization). Each becomes
    one `gpu.launch` whose threads walk the elements in a grid-stride loop, so
    the grid stays bounded (`max-blocks`) whatever the size of the tensor. N-D
    operands are seen through `memref.collapse_shape` where their strides
    allow; where they do not (rows of a wider buffer), the kernel splits each
    element index into N-D indices, innermost fastest, and runs scalar code
    only:

    - work items `[0, nVec)` are vectors of `elements-per-thread` elements,
      read and written with aligned `vector.load`/`vector.store` (128-bit
      loads and stores for f32 with the default width);
    - the remaining elements are scalar work items handled by the same loop.

    `nVec` is computed on the host: it is 0 when the first element of any
    operand is not aligned to the vector size, or when an operand is not
    contiguous, so misaligned data is still correct, only scalar. The body is
    the generic's body, cloned once per element (scalar) and once per vector
    (each op rebuilt on vector types); values it takes from above (the step
    scalars) are computed on the host, once per launch, and become kernel
    arguments. Every operand is read once and every output written once.

    With `multi-tensor`, the generics of one block that share an element type
    and are not separated by other side effects are launched as one kernel. A
    table in device memory lists, per tensor, the address of each operand,
    the element and vector counts, the tensor's first thread, which body
    variant it uses (generics whose bodies differ, e.g. AdamW with and without
    weight decay, are variants of the same kernel) and the scalars its body
    takes from above. The threads walk the concatenation of all tensors
    grid-stride, so one launch updates every tensor. Generics in a group must
    not alias each other; ones that share a buffer are not grouped, and a
    generic on a memref that is neither a view of a function argument nor of
    an allocation (e.g. one picked by `arith.select`) runs alone, in order.
    The table is allocated once, in the function's entry block.

    Other generics (reductions, non-identity indexing maps, ...) are left
    alone.
  }];
  let options = [
    Option<"threadsPerBlock", "threads-per-block", "int64_t",
           /*default=*/"256", "Threads per block">,
    Option<"elementsPerThread", "elements-per-thread", "int64_t",
           /*default=*/"0",
           "Contiguous elements a thread loads as one vector per iteration, "
           "a power of two up to 64 (0: 128 bits worth, 4 for f32 and 2 for "
           "f64; 1: scalar code only)">,
    Option<"maxBlocks", "max-blocks", "int64_t", /*default=*/"1024",
           "Upper bound of the grid; larger tensors take more iterations of "
           "the grid-stride loop">,
    Option<"multiTensor", "multi-tensor", "bool", /*default=*/"false",
           "Launch all eligible generics of a block that share an element "
           "type as one kernel over a table of tensors">,
  ];
  let dependentDialects = [
    "arith::ArithDialect",
    "gpu::GPUDialect",
    "LLVM::LLVMDialect",
    "memref::MemRefDialect",
    "scf::SCFDialect",
    "vector::VectorDialect",
  ];
}

def OptimNVVMPreciseMathPass
    : Pass<"optim-nvvm-precise-math", "gpu::GPUModuleOp"> {
  let summary = "Give kernels IEEE round-to-nearest square roots on NVVM";
  let description = [{
    Rewrites `math.sqrt` on f32 and f64 (scalars and 1-D vectors, one lane at a
    time) into calls of the `llvm.nvvm.sqrt.rn.f`/`.d` intrinsics, which become
    `sqrt.rn.f32`/`sqrt.rn.f64`, and `math.rsqrt` into `1 / sqrt` (libdevice's
    `__nv_rsqrt` is `rsqrt.approx`, in f64 too). Ops with the `afn` fast-math
    flag, which allows an approximation, are left alone. Run it on GPU modules
    before `convert-gpu-to-nvvm`: that pass would route `math.sqrt` through
    libdevice's `__nv_sqrtf`, which is `sqrt.approx.f32` unless
    `__CUDA_PREC_SQRT` is set through NVVM reflection, and which needs libdevice
    at compile time. Divisions need no such help: `arith.divf` without the
    `arcp`/`afn` flags becomes `div.rn`.
  }];
  let dependentDialects = [
    "LLVM::LLVMDialect",
    "arith::ArithDialect",
    "math::MathDialect",
    "vector::VectorDialect",
  ];
}

def OptimGPUCheckMappedPass
    : Pass<"optim-gpu-check-mapped", "func::FuncOp"> {
  let summary = "Fail if host code still touches buffers meant for the GPU";
  let description = [{
    Run after the GPU mapping passes. The buffers of a GPU pipeline live in
    device memory, so host code that touches them would be wrong rather than
    merely slow, and kernels cannot use host memory. It reports an error for
    every op outside GPU kernels that
    - is a `linalg` op or an `scf.parallel` loop (the upstream parallel-loop
      mapping leaves loops it cannot map in place without a diagnostic);
    - reads or writes a buffer other than one of the function's stack
      buffers (`memref.alloca`, where the host may prepare data that
      `gpu.memcpy` then copies), e.g. a `memref.copy`;
    - holds host memory: a `memref.alloc` or a `memref.get_global`, which
      one-shot bufferization makes for a constant tensor or for a copy of a
      tensor that cannot be updated in place;
    and for every kernel launched inside another, which results when a loop
    around an op mapped to a kernel is mapped too. `gpu` ops, which the
    runtime executes, are not reported.
  }];
}

#endif // OPTIM_CONVERSION_PASSES_TD
