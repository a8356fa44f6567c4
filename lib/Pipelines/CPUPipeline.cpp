//===- CPUPipeline.cpp - The optim CPU pipeline -----------------*- C++ -*-===//
//
// Assembles `optim-cpu-pipeline` from upstream and OptimMLIR passes.
//
//===----------------------------------------------------------------------===//

#include "optim/Pipelines/Pipelines.h"

#include "optim/Conversion/Passes.h"
#include "optim/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/Vector/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void optim::buildOptimCPUPipeline(OpPassManager &pm,
                                  const OptimCPUPipelineOptions &options) {
  buildOptimToBuffersPipeline(pm);
  if (options.barePtrCallConv)
    pm.addPass(optim::createOptimCheckBarePtrSignaturesPass());

  // Steps with 8-bit moments: vectorised block loops.
  OptimLowerQuantizedStepsPassOptions quantized;
  quantized.vectorWidth = options.vectorWidth;
  quantized.numThreads = options.numThreads;
  pm.addPass(createOptimLowerQuantizedStepsPass(quantized));

  // One vector loop and one masked remainder per elementwise op.
  OptimVectorizeElementwisePassOptions vectorize;
  vectorize.vectorWidth = options.vectorWidth;
  vectorize.numThreads = options.numThreads;
  vectorize.parallelThreshold = options.parallelThreshold;
  pm.addPass(createOptimVectorizeElementwisePass(vectorize));
  pm.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createLoopInvariantCodeMotionPass());
  pm.addPass(createCSEPass());

  OptimCPUToLLVMPipelineOptions toLLVM;
  toLLVM.numThreads = options.numThreads;
  toLLVM.barePtrCallConv = options.barePtrCallConv;
  toLLVM.emitCInterface = options.emitCInterface;
  buildOptimCPUToLLVMPipeline(pm, toLLVM);
}

void optim::buildOptimCPUToLLVMPipeline(
    OpPassManager &pm, const OptimCPUToLLVMPipelineOptions &options) {
  // Everything to the LLVM dialect. memref lowers before arith, so that
  // `memref.dim` does not leave an alloca inside the loop.
  pm.addNestedPass<func::FuncOp>(vector::createLowerVectorMaskPass());
  // N-D transfers (of generics on strided N-D buffers, which keep their
  // rank) unrolled into 1-D ones: as loops they would take a stack buffer in
  // every iteration of the enclosing row loop.
  pm.addPass(createConvertVectorToSCFPass(
      VectorTransferToSCFOptions().enableFullUnroll()));
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  if (options.numThreads > 1)
    pm.addPass(optim::createOptimParallelToOpenMPPass(
        optim::OptimParallelToOpenMPPassOptions{options.numThreads}));
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(optim::createOptimLegalizeBF16Pass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  if (options.emitCInterface)
    pm.addPass(optim::createOptimEmitCInterfacePass());
  ConvertFuncToLLVMPassOptions funcToLLVM;
  funcToLLVM.useBarePtrCallConv = options.barePtrCallConv;
  pm.addPass(createConvertFuncToLLVMPass(funcToLLVM));
  pm.addPass(createConvertControlFlowToLLVMPass());
  if (options.numThreads > 1)
    pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  // Nothing but what mlir-translate turns into LLVM IR.
  OptimCheckLoweredPassOptions lowered;
  lowered.legalDialects = {"llvm"};
  if (options.numThreads > 1)
    lowered.legalDialects.push_back("omp");
  pm.addPass(createOptimCheckLoweredPass(lowered));
}
