//===- Passes.td - OptimMLIR transformation passes ---------*- tablegen -*-===//
//
// Passes that shape the lowered code of optimizer steps.
//
//===----------------------------------------------------------------------===//

#ifndef OPTIM_TRANSFORMS_PASSES_TD
#define OPTIM_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def OptimVectorizeElementwisePass : Pass<"optim-vectorize-elementwise"> {
  let summary = "Tile, peel and vectorise elementwise linalg.generic ops";
  let description = [{
    Expects bufferized elementwise `linalg.generic` ops, as OptimMLIR's
    matcher defines them (`optim/Transforms/Utils/Elementwise.h`, shared with
    `optim-map-elementwise-to-gpu`): loops all parallel, identity indexing
    maps, strided memref operands of integers or floats of 8, 16, 32 or 64
    bits (each operand its own element type), and a body of scalar
    elementwise ops (`linalg::hasOnlyScalarElementwiseOp`) without memory
    effects; what `convert-optim-to-linalg` produces after bufferization. A
    generic whose operands can all be viewed as 1-D is first collapsed to one
    dimension, without a copy, so that a multi-dimensional tensor becomes one
    flat loop. Each
    generic then becomes a loop over its innermost dimension in steps of
    `vector-width` lanes, peeled so that:

    - the main loop's body is the generic vectorised with plain, unmasked
      `vector.transfer_read`/`transfer_write` ops (in bounds), and
    - the remaining fewer than `vector-width` elements are handled once, by
      the same body vectorised with a mask computed once.

    Outer dimensions, if any remain, become scalar loops. `vector-width = 0`
    picks the host's vector registers: 512 bits with AVX-512, 256 with AVX,
    else 128, divided by the width of the widest float that the body reads,
    computes or writes (f32 for bf16 operands stepped in f32), so that each
    value is one register; without floats, by the narrowest element's width.

    A 1-D generic whose float operands are all bf16 and whose body computes
    in f32 gets twice as many lanes, and computes on each vector of bf16
    lanes as two f32 vectors, its even and odd lanes, which a shift and a
    mask of its 32-bit words give (`populateBF16PairPatterns` in
    `optim/Transforms/Utils/BF16.h`); rounding the halves back packs them
    into words again. Widening and narrowing then take no shuffle.

    With `num-threads = T > 1`, the flat generics of a block run together in
    one `scf.parallel` of T iterations, one per thread, where the last of
    them was: iteration k takes the k-th of T equal shares of all their
    elements together, each tensor counted in whole granules of 64 elements
    (or of the vector width, if that does not divide 64) so that a share
    starts on a whole vector of every tensor, and each generic's part of
    the share is vectorised as above. One large tensor and hundreds of small
    ones thus balance alike, in one fork and join. Generics join the loop
    while nothing between them touches memory (pure ops and allocations may
    sit between) and none writes a buffer another one uses; a generic on a
    buffer whose overlaps cannot be seen (not a function argument or an
    allocation) runs alone. With fewer than `parallel-threshold` elements in
    all, and always with none, the generics stay on one thread; for dynamic
    sizes the choice is made at run time by an `scf.if` between the two
    versions.

    Any other op is left alone (`i1` or `index` elements, layouts without
    strides, calls in the body, ...), and so are rank-0 generics and N-D
    generics on strided buffers that read their indices, which would not
    vectorise correctly; `convert-linalg-to-loops` takes them.
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"0",
           "Lanes per vector (0: the host's vector register width divided "
           "by the width of the widest float the body computes with, or of "
           "the narrowest element without floats)">,
    Option<"numThreads", "num-threads", "int64_t", /*default=*/"1",
           "Shares to split the elementwise ops of a block into, one per "
           "thread of an scf.parallel (1: single-threaded)">,
    Option<"parallelThreshold", "parallel-threshold", "int64_t",
           /*default=*/"262144",
           "Elements (of all the ops that run together) below which they "
           "stay on one thread">,
  ];
  let dependentDialects = [
    "affine::AffineDialect",
    "arith::ArithDialect",
    "memref::MemRefDialect",
    "scf::SCFDialect",
    "vector::VectorDialect",
  ];
}

def OptimLowerQuantizedStepsPass
    : Pass<"optim-lower-quantized-steps", "ModuleOp"> {
  let summary = "Lower optim steps with 8-bit blockwise moments to vectorised "
                "block loops";
  let description = [{
    Lowers each memref-form `optim.adamw_step` whose `m` and `v` (and maybe
    amsgrad's `max_v`) are 8-bit codes (`ui8`, each with its absmax) to one
    pass over memory, a
    block of `block_size` elements at a time, `vector-width` lanes at a time
    (0: the host's vector registers of f32):

    1. the codes are read and looked up in the 256-entry code table, and
       scaled by the block's absmax; the step's elementwise body
       (`StepOpInterface`) computes the new parameter, written at once, and
       the new moments, kept in stack buffers of one block, whose largest
       magnitudes are the block's new absmax (an integer max of the patterns
       of |x|, which propagates NaN);
    2. each new moment times 1 / absmax, clamped to [-1, 1], is written as the
       index of its nearest code: its f32 pattern's exponent and top 7
       fraction bits pick a bucket, whose one table entry gives the nearest
       code of the bucket's lowest value and the midpoint to the next code,
       if the bucket holds it (`optim/Transforms/Utils/DynamicMap.h`). A
       negative value in the signed map takes the mirror of its magnitude's
       code.

    A lookup is a load per lane: without fast hardware gathers (AMD's), LLVM
    scalarizes `vector.gather` with 64-bit addresses, which cost a fifth
    more.

    The code tables are private constant `memref.global`s of the module. The
    last block, if partial, ends with one masked chunk. With `num-threads =
    T > 1` the blocks are split into T contiguous shares in one
    `scf.parallel` of T iterations, each with its own stack buffers, which
    `optim-parallel-to-openmp` turns into one thread each.

    With `gpu-threads = N > 0`, the loops are for a GPU: a group of G lanes
    (as many as a block has chunks of `vector-width`, a power of two, at
    most a warp's 32) steps one block. Lane l takes the chunks l, l + G,
    l + 2G, ... (neighbouring lanes read neighbouring memory) and keeps their
    new moments in a buffer of its own; the lanes' maxima meet in log2(G)
    rounds of `gpu.shuffle xor`, after which lane 0 writes the absmax. An
    `scf.parallel` over GPU blocks holds one over (lane, group) of N / G
    groups, each carrying its mapping (`#gpu.loop_dim_map`: GPU blocks;
    threads x and y) for `convert-parallel-loops-to-gpu`. A group past the
    last block, or any when `found_inf` is set, has no elements but still
    reaches the shuffles, which every lane of a warp must. The kernel reads
    `found_inf` and `grad_scale` itself, and the code tables, which kernel
    outlining copies into the GPU module, from global memory.

    `convert-optim-to-linalg` leaves these ops alone, and one-shot
    bufferization turns their tensor form into the memref form this pass
    takes.
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"0",
           "Lanes per vector (0: the host's vector registers of f32)">,
    Option<"numThreads", "num-threads", "int64_t", /*default=*/"1",
           "Shares of the blocks, one per thread of an scf.parallel "
           "(1: single-threaded)">,
    Option<"gpuThreads", "gpu-threads", "int64_t", /*default=*/"0",
           "Threads per GPU block of mapped loops for a GPU, a multiple of "
           "32 (0: CPU loops; num-threads is then ignored)">,
  ];
  let dependentDialects = [
    "arith::ArithDialect",
    "gpu::GPUDialect",
    "math::MathDialect",
    "memref::MemRefDialect",
    "scf::SCFDialect",
    "vector::VectorDialect",
  ];
}

def OptimLegalizeBF16Pass : Pass<"optim-legalize-bf16"> {
  let summary = "Rewrite the bf16 operations that x86 code generation lowers "
                "to library calls as integer ones";
  let description = [{
    Keeps bf16 to loads, stores and bitcasts, which every x86 host handles in
    registers:

    - `arith.truncf` from f32 to bf16 (scalar or vector, to nearest) becomes
      integer arithmetic on the f32 bit pattern: round to nearest, ties to
      even, by adding `0x7fff` plus the lowest kept bit and dropping the low
      16 bits; every NaN becomes the quiet NaN `0x7fc0`, as in torch.
    - `arith.extf` from bf16 shifts the pattern into the high half of an f32.
    - `llvm.intr.masked.load` and `llvm.intr.masked.store` of bf16 vectors
      (the masked remainder of a vectorised loop) move i16 vectors.

    The CPU pipeline runs it after `convert-vector-to-llvm`, which makes the
    masked intrinsics, and before `convert-arith-to-llvm`. Without it, LLVM
    lowers each of these to a call of `__truncsfbf2` per lane on hosts
    without AVX512-BF16, a symbol that runtime libraries before libgcc 13
    lack, and the truncation on hosts with it to `vcvtneps2bf16`, which
    flushes denormals to zero. Upstream's `arith-expand{include-bf16=true}`
    serves neither: its NaN case is a `select` of bf16 values, which needs
    the same calls.
  }];
  let dependentDialects = ["arith::ArithDialect"];
}

def OptimParallelToOpenMPPass
    : Pass<"optim-parallel-to-openmp", "ModuleOp"> {
  let summary = "Lower scf.parallel to OpenMP regions that split the outermost "
                "dimension by thread number";
  let description = [{
    Replaces every outermost `scf.parallel` without reductions by an
    `omp.parallel` region in which thread k of the n that the runtime starts
    (`omp_get_thread_num`, `omp_get_num_threads`, declared in the module)
    runs the k-th of n contiguous blocks of the outermost dimension, and all
    of the inner dimensions, as `scf.for` loops. Loops nested in another
    `scf.parallel`, and loops with reductions, are left alone.

    `convert-scf-to-openmp` makes the same split with a worksharing loop,
    `omp.wsloop`, and its implicit barrier. For the one large iteration per
    thread that `optim-vectorize-elementwise` creates, the runtime's set-up
    of such a loop (`__kmpc_for_static_init`) costs nearly as much as the
    fork and join of the region itself.
  }];
  let options = [
    Option<"numThreads", "num-threads", "int64_t", /*default=*/"0",
           "Threads each region asks for (0: the runtime's default)">,
  ];
  let dependentDialects = [
    "arith::ArithDialect",
    "func::FuncDialect",
    "omp::OpenMPDialect",
    "scf::SCFDialect",
  ];
}

def OptimEmitCInterfacePass : Pass<"optim-emit-c-interface", "ModuleOp"> {
  let summary = "Mark public functions to get C-compatible wrappers";
  let description = [{
    Sets the `llvm.emit_c_interface` unit attribute on every public
    `func.func` with a body directly in the module, so that
    `convert-func-to-llvm` also emits a `_mlir_ciface_<name>` wrapper that
    takes memref descriptors by pointer and can be called from C or C++.
  }];
}

def OptimCheckBarePtrSignaturesPass
    : Pass<"optim-check-bare-ptr-signatures", "ModuleOp"> {
  let summary = "Fail unless every function's memrefs can be passed as bare "
                "pointers";
  let description = [{
    Run before `convert-func-to-llvm="use-bare-ptr-memref-call-conv=1"`: it
    reports an error for every memref in a function signature that the
    bare-pointer calling convention cannot pass, i.e. one without a static
    shape, static strides and a static offset, or an unranked one.
    Upstream conversion leaves such a function unconverted without a
    diagnostic, and a later conversion may then give it memref descriptors
    after all.
  }];
}

def OptimCheckTopLevelFunctionsPass
    : Pass<"optim-check-top-level-functions", "ModuleOp"> {
  let summary = "Fail if a function is not directly in the module";
  let description = [{
    Run first in the optim pipelines: it reports an error for a `func.func`
    that is not directly in the module the pass runs on, e.g. one in a nested
    `builtin.module`. The pipelines lower the functions of the module they run
    on (one-shot bufferization of function boundaries, and passes nested on
    `func.func`, reach no further), so such a function would come out half
    lowered, without a diagnostic. Run the pipeline on the nested module
    instead, e.g.
    `--pass-pipeline='builtin.module(builtin.module(optim-cpu-pipeline))'`.
  }];
}

def OptimCheckLoweredPass : Pass<"optim-check-lowered", "ModuleOp"> {
  let summary = "Fail unless every op is one the target translates";
  let description = [{
    Run last in a pipeline: it reports an error for the first op (in
    pre-order) that is neither in one of `legal-dialects` nor one of
    `legal-ops`, and fails. Conversions that cannot convert an op may leave it
    in place without failing (partial conversion), or print an error and
    still succeed; without this check such a pipeline would report success
    on IR that `mlir-translate --mlir-to-llvmir` then rejects.
  }];
  let options = [
    ListOption<"legalDialects", "legal-dialects", "std::string",
               "Dialects whose ops may remain (e.g. llvm)">,
    ListOption<"legalOps", "legal-ops", "std::string",
               "Other ops that may remain (e.g. gpu.binary)">,
  ];
}

#endif // OPTIM_TRANSFORMS_PASSES_TD
