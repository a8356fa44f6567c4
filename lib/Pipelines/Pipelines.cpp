//===- Pipelines.cpp - Register the OptimMLIR pipelines ---------*- C++ -*-===//
//
// Registers every OptimMLIR pipeline with the global pass-pipeline registry.
//
//===----------------------------------------------------------------------===//

#include "optim/Pipelines/Pipelines.h"

#include "optim/Conversion/Passes.h"
#include "optim/Transforms/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void optim::buildOptimToBuffersPipeline(OpPassManager &pm) {
  // The passes below reach only the functions directly in this module.
  pm.addPass(createOptimCheckTopLevelFunctionsPass());

  // The caller's affine loops become scf loops first: the GPU lowering would
  // leave their scf.for behind (it lowers affine after scf-to-cf, as
  // upstream's does), and on the CPU expand-strided-metadata would build
  // affine maps that take an affine.for's induction variable as a symbol,
  // which they may not (a subview of a subview inside the loop).
  pm.addPass(createLowerAffinePass());

  // optim -> linalg on tensors or memrefs.
  pm.addPass(createConvertOptimToLinalgPass());

  // Tensors -> buffers. Function arguments become identity-layout memrefs, and
  // the generics write into their `outs` buffers in place.
  bufferization::OneShotBufferizePassOptions bufferization;
  bufferization.bufferizeFunctionBoundaries = true;
  bufferization.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferization));
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());
}

void optim::registerOptimPipelines() {
  PassPipelineRegistration<>(
      "optim-to-buffers-pipeline",
      "Lower optim IR to elementwise linalg.generic ops on buffers that "
      "update the operands in place (the start of every optim pipeline)",
      buildOptimToBuffersPipeline);
  PassPipelineRegistration<OptimCPUToLLVMPipelineOptions>(
      "optim-cpu-to-llvm-pipeline",
      "Lower vectorised loops on buffers to the LLVM dialect (the end of "
      "optim-cpu-pipeline)",
      buildOptimCPUToLLVMPipeline);
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
