//===- GPUPipeline.cpp - The optim GPU pipeline -----------------*- C++ -*-===//
//
// Assembles `optim-gpu-pipeline`: optim IR to NVIDIA kernels and the host
// code that launches them.
//
//   optim -> linalg -> buffers                      (as on the CPU)
//     -> optim-map-elementwise-to-gpu: grid-stride gpu.launch, vector
//        accesses, host-side step scalars, optionally one launch for many
//        tensors
//     -> any other linalg op: parallel loops tiled for blocks and threads,
//        mapped to gpu.launch
//     -> steps with 8-bit moments: a warp's lanes per block, parallel loops
//        with their own mapping, to gpu.launch with the others
//     -> kernel outlining, launches chained on one stream
//     -> device: NVVM (IEEE sqrt/div), gpu-module-to-binary (PTX/cubin/fatbin)
//     -> host: gpu-to-llvm (calls to the mgpu* runtime functions)
//     -> optim-check-lowered: only LLVM-dialect host code and GPU binaries
//
//===----------------------------------------------------------------------===//

#include "optim/Pipelines/Pipelines.h"

#include "optim/Conversion/Passes.h"
#include "optim/Transforms/GPU/Passes.h"
#include "optim/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

#ifndef OPTIM_CUDA_TOOLKIT_DIR
#define OPTIM_CUDA_TOOLKIT_DIR ""
#endif

/// The stages of upstream's `gpu-lower-to-nvvm-pipeline` (common, GPU
/// module, host), which `gpu::buildLowerToNVVMPassPipeline` builds only as a
/// whole, written out with three differences:
/// - `optim-nvvm-precise-math` runs on the GPU modules before
///   `convert-gpu-to-nvvm`, which would otherwise route square roots through
///   libdevice's approximate `__nv_sqrtf`;
/// - `gpu-module-to-binary` gets the `toolkit` option (upstream's options
///   have none), by default the CUDA toolkit found at configure time;
/// - outlining ran earlier, before `gpu-async-region`; upstream's common
///   stage outlines again, which finds nothing left to outline.
static void
buildLowerToNVVMStages(OpPassManager &pm,
                       const optim::OptimGPUPipelineOptions &options) {
  // Common: host and device code.
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

  // GPU modules -> NVVM.
  OpPassManager &device = pm.nest<gpu::GPUModuleOp>();
  device.addPass(createStripDebugInfoPass());
  device.addPass(optim::createOptimNVVMPreciseMathPass());
  ConvertGpuOpsToNVVMOpsOptions nvvm;
  nvvm.indexBitwidth = 64;
  device.addPass(createConvertGpuOpsToNVVMOps(nvvm));
  device.addPass(LLVM::createNVVMOptimizeForTargetPass());
  device.addPass(createCanonicalizerPass());
  device.addPass(createCSEPass());
  device.addPass(createReconcileUnrealizedCastsPass());

  // Host code -> LLVM, GPU modules -> binaries.
  pm.addPass(createGpuToLLVMConversionPass());
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = gpu::stringifyCompilationTarget(options.format);
  binary.toolkitPath = options.toolkit.empty()
                           ? std::string(OPTIM_CUDA_TOOLKIT_DIR)
                           : std::string(options.toolkit);
  // An empty path leaves the search for a toolkit to gpu-module-to-binary.
  if (!binary.toolkitPath.empty()) {
    optim::OptimGPUCheckToolkitPassOptions toolkit;
    toolkit.toolkit = binary.toolkitPath;
    toolkit.format = binary.compilationTarget;
    pm.addPass(optim::createOptimGPUCheckToolkitPass(toolkit));
  }
  pm.addPass(createGpuModuleToBinaryPass(binary));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createReconcileUnrealizedCastsPass());

  // Host code in the LLVM dialect, the kernels as binaries and their launches
  // (which the translation to LLVM IR lowers), nothing else.
  optim::OptimCheckLoweredPassOptions lowered;
  lowered.legalDialects = {"llvm"};
  lowered.legalOps = {"gpu.binary", "gpu.launch_func"};
  pm.addPass(optim::createOptimCheckLoweredPass(lowered));
}

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
  // Steps with 8-bit moments: parallel loops that carry their own mapping
  // (a group of lanes per block, 4 lanes' 16 bytes of f32 at a time), made
  // after the tiling and the greedy mapping, which would take them apart.
  // Their GPU blocks are whole warps, which the groups' shuffles need.
  OptimLowerQuantizedStepsPassOptions quantized;
  quantized.vectorWidth = 4;
  quantized.gpuThreads =
      std::max<int64_t>(32, options.threadsPerBlock / 32 * 32);
  pm.addPass(createOptimLowerQuantizedStepsPass(quantized));
  pm.addNestedPass<func::FuncOp>(createConvertParallelLoopToGpuPass());
  pm.addPass(createOptimGPUCheckMappedPass());

  // Kernels out of their functions; launches, copies and frees then become
  // asynchronous on one stream, synchronised before host code with side
  // effects (a multi-tensor table) and at the end.
  pm.addNestedPass<func::FuncOp>(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());

  buildLowerToNVVMStages(pm, options);
}
