//===- Pipelines.h - OptimMLIR lowering pipelines ---------------*- C++ -*-===//
//
// The pass pipelines that take optim IR to executable code.
//
//===----------------------------------------------------------------------===//

#ifndef OPTIM_PIPELINES_PIPELINES_H
#define OPTIM_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;

namespace optim {

/// Options of `optim-cpu-pipeline`.
struct OptimCPUPipelineOptions
    : public PassPipelineOptions<OptimCPUPipelineOptions> {
  PassOptions::Option<int64_t> vectorWidth{
      *this, "vector-width",
      llvm::cl::desc("Lanes per vector (0: the host's vector register width "
                     "divided by the element width)"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> numThreads{
      *this, "num-threads",
      llvm::cl::desc("Threads for large tensors (an scf.parallel lowered "
                     "through OpenMP; 1: single-threaded)"),
      llvm::cl::init(1)};
  PassOptions::Option<int64_t> parallelThreshold{
      *this, "parallel-threshold",
      llvm::cl::desc("Elements below which an op stays on one thread"),
      llvm::cl::init(262144)};
  PassOptions::Option<bool> emitCInterface{
      *this, "emit-c-interface",
      llvm::cl::desc("Emit `_mlir_ciface_` wrappers for public functions so "
                     "that C and C++ code can call them"),
      llvm::cl::init(false)};
};

/// Builds the CPU pipeline: optim -> linalg -> one-shot bufferization ->
/// tiled, peeled and vectorised loops -> LLVM dialect. Accepts optim IR in
/// tensor or memref form, at module level.
void buildOptimCPUPipeline(OpPassManager &pm,
                           const OptimCPUPipelineOptions &options);

/// Registers `optim-cpu-pipeline` with the global pass-pipeline registry.
void registerOptimPipelines();

} // namespace optim
} // namespace mlir

#endif // OPTIM_PIPELINES_PIPELINES_H
