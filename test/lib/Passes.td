//===- Passes.td - OptimMLIR test-only passes --------------*- tablegen -*-===//
//
// Passes that exist only to test OptimMLIR; they are not part of a pipeline.
//
//===----------------------------------------------------------------------===//

#ifndef OPTIM_TEST_PASSES_TD
#define OPTIM_TEST_PASSES_TD

include "mlir/Pass/PassBase.td"

def TestOptimGPUToCPUPass : Pass<"test-optim-gpu-to-cpu", "ModuleOp"> {
  let summary = "Run gpu.launch bodies as sequential loops on the host";
  let description = [{
    Turns every synchronous `gpu.launch` into scf.for loops over the block
    ids and, inside them, the thread ids (z, y, x, outermost first), with the
    launch body inlined into the innermost loop. The very kernel body a GPU
    would run can then be executed on the CPU, e.g. by `mlir-runner`.

    Threads may exchange values with `gpu.shuffle xor` (as in a butterfly
    reduction) between the ops of a one-block body: the body then runs in
    phases split at its shuffles, each phase for every thread of a block
    before the next, as a warp's lanes meet at a shuffle. A value a later
    phase uses is kept per thread (a shuffle reads its partner's, lane ^
    offset in a warp of 32, or its own where the partner is out of the
    width or the block), constants and views are made again, and each
    static `memref.alloca` becomes a row per thread of one buffer.

    Other communication cannot be replayed in program order: the pass fails
    on shuffles inside control flow or of other modes, barriers, workgroup
    or private attributions, dynamic shared memory, clusters and
    asynchronous launches. Synchronous
    `gpu.alloc`, `gpu.memcpy`, `gpu.memset` and `gpu.dealloc` become their
    `memref` counterparts, and `gpu.wait` without operands disappears, since
    host and "device" share one memory.
  }];
  let dependentDialects = [
    "memref::MemRefDialect",
    "scf::SCFDialect",
  ];
}

#endif // OPTIM_TEST_PASSES_TD
