//===- Pipelines.cpp - Register the OptimMLIR pipelines ---------*- C++ -*-===//
//
// Registers every OptimMLIR pipeline with the global pass-pipeline registry.
//
//===----------------------------------------------------------------------===//

#include "optim/Pipelines/Pipelines.h"

#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

void optim::registerOptimPipelines() {
  PassPipelineRegistration<OptimCPUPipelineOptions>(
      "optim-cpu-pipeline",
      "Lower optim IR (tensor or memref form) to the LLVM dialect for the "
      "host CPU: fused, vectorised loops, one pass over memory per op",
      buildOptimCPUPipeline);
  PassPipelineRegistration<OptimGPUPipelineOptions>(
      "optim-gpu-pipeline",
      "Lower optim IR to NVIDIA GPU kernels (PTX, cubin or fatbin) and the "
      "LLVM-dialect host code that launches them",
      buildOptimGPUPipeline);
}
