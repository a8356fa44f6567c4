//===- Passes.td - OptimMLIR GPU transformation passes -----*- tablegen -*-===//
//
// Passes that turn bufferized elementwise code into GPU kernels and keep the
// kernels' arithmetic exact. They act on any qualifying op, not only on what
// optim ops lower to.
//
//===----------------------------------------------------------------------===//

#ifndef OPTIM_TRANSFORMS_GPU_PASSES_TD
#define OPTIM_TRANSFORMS_GPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def OptimMapElementwiseToGPUPass
    : Pass<"optim-map-elementwise-to-gpu", "func::FuncOp"> {
  let summary = "Map elementwise linalg.generic ops on buffers to grid-stride "
                "gpu.launch kernels";
  let description = [{
    Expects bufferized elementwise `linalg.generic` ops, as OptimMLIR's
    matcher defines them (`optim/Transforms/Utils/Elementwise.h`, shared with
    `optim-vectorize-elementwise`): loops all parallel, identity indexing
    maps, strided memref operands of integers or floats of 8, 16, 32 or 64
    bits (each operand its own element type), and a body of scalar
    elementwise ops (`linalg::hasOnlyScalarElementwiseOp`) without memory
    effects; what `convert-optim-to-linalg` gives after bufferization. Each
    becomes one `gpu.launch` whose threads walk the elements in a grid-stride
    loop, so the grid stays bounded (`max-blocks`) whatever the size of the
    tensor. N-D generics are first collapsed to 1-D (`memref.collapse_shape`
    views) where their operands' strides allow; where they do not (rows of a
    wider buffer), the kernel splits each element index into N-D indices,
    innermost fastest, and runs scalar code only. Bodies that read their
    indices (`linalg.index`) get scalar code only too:

    - work items `[0, nVec)` are vectors of `elements-per-thread` elements,
      read and written with aligned `vector.load`/`vector.store` (128-bit
      loads and stores for f32 with the default width);
    - the remaining elements are scalar work items handled by the same loop.

    A vector holds 128 bits of the narrowest element (4 f32, 2 f64, 8 lanes
    of every operand when bf16 meets f32: one 128-bit access of bf16, two of
    f32). `nVec` is computed on the host: it
    is 0 when the first element of any operand is not aligned to its vector's
    bytes, or when an operand is not contiguous, so misaligned data is still
    correct, only scalar. The scalar body is the generic's body, cloned once
    per element; the vector body is the generic on vector-sized views,
    vectorised by `linalg::vectorize`, with its in-bounds transfers turned
    into aligned `vector.load`/`vector.store`. Values the body takes from
    above (the step scalars) are computed on the host, once per launch, and
    become kernel arguments. Every operand is read once and every output
    written once.

    With `multi-tensor`, the generics of one block that share their operands'
    element types and are not separated by other side effects are launched
    as one kernel. A table in device memory lists, per tensor, the address of
    each operand, the element and vector counts, the tensor's first thread,
    which body variant it uses (generics whose bodies differ, e.g. AdamW with
    and without weight decay, are variants of the same kernel) and the
    scalars its body takes from above. The threads walk the concatenation of all tensors
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
           "a power of two up to 64 (0: 128 bits of the narrowest element, 4 "
           "for f32, 2 for f64, 8 for bf16; 1: scalar code only)">,
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
    : Pass<"optim-gpu-check-mapped", "ModuleOp"> {
  let summary = "Fail if host code still touches buffers meant for the GPU";
  let description = [{
    Run after the GPU mapping passes. Device buffers are those that reach a
    kernel: used inside a `gpu.launch` (or by a `gpu.launch_func`), directly
    or through views, returned to a caller, or passed to a function whose
    argument reaches a kernel (a fixed point over the module's functions);
    and `gpu.alloc`'s. Host code that touches them would be wrong rather
    than merely slow, and kernels cannot use host memory. It reports an error
    for every op outside GPU kernels that
    - is a `linalg` op or an `scf.parallel` loop (the upstream parallel-loop
      mapping leaves loops it cannot map in place without a diagnostic);
    - reads or writes a device buffer, e.g. a `memref.copy` of a step's
      argument;
    - holds host memory that reaches a kernel: a `memref.alloc`,
      `memref.alloca` or `memref.get_global`, e.g. what one-shot
      bufferization makes for a constant tensor or for a copy of a tensor
      that cannot be updated in place;
    and for every kernel launched inside another, which results when a loop
    around an op mapped to a kernel is mapped too. `gpu` ops, which the
    runtime executes, are not reported. Host memory that no kernel reaches
    is the host's: a harness (a test's reference, the table of a
    multi-tensor launch) may fill and read it and copy it with
    `gpu.memcpy`.
  }];
}

def OptimGPUCheckToolkitPass
    : Pass<"optim-gpu-check-toolkit", "ModuleOp"> {
  let summary = "Fail unless the CUDA toolkit has what a binary format needs";
  let description = [{
    Run before `gpu-module-to-binary`: with `format` `bin` it fails unless
    `<toolkit>/bin/ptxas` is an executable, with `fatbin` unless
    `<toolkit>/bin/fatbinary` is one too; `isa` needs neither. Given a
    toolkit that does not exist, `gpu-module-to-binary` reports an error and
    then goes on with whatever `ptxas` it finds elsewhere, so that the
    pipeline succeeds with another toolkit than the one asked for.
  }];
  let options = [
    Option<"toolkit", "toolkit", "std::string", /*default=*/"",
           "The CUDA toolkit gpu-module-to-binary is given">,
    Option<"format", "format", "std::string", /*default=*/"\"fatbin\"",
           "What the GPU modules become: isa, bin or fatbin">,
  ];
}

#endif // OPTIM_TRANSFORMS_GPU_PASSES_TD
