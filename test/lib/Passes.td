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

    This is only correct for kernels whose threads do not communicate:
    the pass fails on barriers, shuffles, workgroup or private attributions,
    dynamic shared memory, clusters and asynchronous launches. Synchronous
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
