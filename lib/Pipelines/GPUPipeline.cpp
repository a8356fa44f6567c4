//===- GPUPipeline.cpp - The optim GPU pipeline -----------------*- C++ -*-===//
//
// Assembles `optim-gpu-pipeline`: optim IR to NVIDIA kernels and the host
// code that launches them.
//
//   optim -> linalg -> buffers                      (as on the CPU)
//     -> optim-map-elementwise-to-gpu: grid-stride gpu.launch, vector accesses, host-side
//        step scalars, optionally one launch for many tensors
//     -> any other linalg op: parallel loops tiled for blocks and threads,
//        mapped to gpu.launch
//     -> kernel outlining, launches chained on one stream
//     -> device: NVVM (IEEE sqrt/div), gpu-module-to-binary (PTX/cubin/fatbin)
//     -> host: gpu-to-llvm (calls to the mgpu* runtime functions)
//
//===----------------------------------------------------------------------===//

#include "optim/Pipelines/Pipelines.h"

#include "optim/Conversion/Passes.h"
#include "optim/Transforms/GPU/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

#ifndef OPTIM_CUDA_TOOLKIT_DIR
#define OPTIM_CUDA_TOOLKIT_DIR ""
#endif

void optim::buildOptimGPUPipeline(OpPassManager &pm,
                                  const OptimGPUPipelineOptions &options) {
  buildOptimToBuffersPipeline(pm);

  // Elementwise generics -> grid-stride kernels.
  OptimMapElementwiseToGPUPassOptions map;
  map.threadsPerBlock = options.threadsPerBlock;
  map.elementsPerThread = options.elementsPerThread;
  map.maxBlocks = options.maxBlocks;
  map.multiTensor = options.multiTensor;
  pm.addNestedPass<func::FuncOp>(createOptimMapElementwiseToGPUPass(map));

  // Whatever linalg is left (e.g. a broadcast, which no optim op makes):
  // parallel loops, tiled into blocks of threads. `canonicalize` runs between
  // tiling and mapping: it folds the single-iteration loops that tiling makes
  // of small static shapes, which would otherwise lose their mapping and stay
  // on the host. Then nothing may be left on the host.
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(
      createParallelLoopTilingPass({options.threadsPerBlock}));
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createGpuMapParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(createConvertParallelLoopToGpuPass());
  pm.addNestedPass<func::FuncOp>(createOptimGPUCheckMappedPass());

  // Kernels out of their functions; launches, copies and frees then become
  // asynchronous on one stream, synchronised before host code with side
  // effects (a multi-tensor table) and at the end.
  pm.addNestedPass<func::FuncOp>(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());

  // Shared lowering of host and device code (as gpu-lower-to-nvvm-pipeline).
  pm.addPass(createConvertVectorToSCFPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertNVVMToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  // Empty features let the NVPTX backend pick the lowest PTX version that
  // knows the chip.
  target.features = options.features;
  target.optLevel = options.optLevel;
  pm.addPass(createGpuNVVMAttachTarget(target));
  pm.addPass(createLowerAffinePass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  // Device code -> NVVM. Square roots first, so that they do not go through
  // libdevice's approximate `__nv_sqrtf`.
  pm.addNestedPass<gpu::GPUModuleOp>(createOptimNVVMPreciseMathPass());
  ConvertGpuOpsToNVVMOpsOptions nvvm;
  nvvm.indexBitwidth = 64;
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertGpuOpsToNVVMOps(nvvm));
  pm.addNestedPass<gpu::GPUModuleOp>(createCanonicalizerPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createCSEPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createReconcileUnrealizedCastsPass());

  // Host code -> LLVM, GPU modules -> binaries.
  pm.addPass(createGpuToLLVMConversionPass());
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = gpu::stringifyCompilationTarget(options.format);
  binary.toolkitPath = options.toolkit.empty()
                           ? std::string(OPTIM_CUDA_TOOLKIT_DIR)
                           : std::string(options.toolkit);
  pm.addPass(createGpuModuleToBinaryPass(binary));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}
