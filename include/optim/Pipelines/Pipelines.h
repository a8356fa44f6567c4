//===- Pipelines.h - OptimMLIR lowering pipelines ---------------*- C++ -*-===//
//
// The pass pipelines that take optim IR to executable code.
//
//===----------------------------------------------------------------------===//

#ifndef OPTIM_PIPELINES_PIPELINES_H
#define OPTIM_PIPELINES_PIPELINES_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;

namespace optim {

/// The start every pipeline shares: optim -> one elementwise linalg.generic
/// per op -> one-shot bufferization (function boundaries included, identity
/// layouts), with the generics updating their operands' buffers in place.
void buildOptimToBuffersPipeline(OpPassManager &pm);

/// Options of `optim-cpu-pipeline`.
struct OptimCPUPipelineOptions
    : public PassPipelineOptions<OptimCPUPipelineOptions> {
  PassOptions::Option<int64_t> vectorWidth{
      *this, "vector-width",
      llvm::cl::desc("Lanes per vector (0: the host's vector register width "
                     "divided by the width of the widest float the body "
                     "computes with)"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> numThreads{
      *this, "num-threads",
      llvm::cl::desc("Threads, each an equal share of the elements of all "
                     "the steps of a block (an scf.parallel lowered through "
                     "OpenMP; 1: single-threaded)"),
      llvm::cl::init(1)};
  PassOptions::Option<int64_t> parallelThreshold{
      *this, "parallel-threshold",
      llvm::cl::desc("Elements (of all the steps that run together) below "
                     "which they stay on one thread"),
      llvm::cl::init(262144)};
  PassOptions::Option<bool> barePtrCallConv{
      *this, "bare-ptr-call-conv",
      llvm::cl::desc(
          "Pass statically shaped memrefs as bare pointers (upstream "
          "FuncToLLVM's bare-pointer convention): one argument per "
          "memref instead of a descriptor, which keeps calls with "
          "many tensors cheap to compile"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> emitCInterface{
      *this, "emit-c-interface",
      llvm::cl::desc("Emit `_mlir_ciface_` wrappers for public functions so "
                     "that C and C++ code can call them"),
      llvm::cl::init(false)};
};

/// Options of `optim-cpu-to-llvm-pipeline`.
struct OptimCPUToLLVMPipelineOptions
    : public PassPipelineOptions<OptimCPUToLLVMPipelineOptions> {
  PassOptions::Option<int64_t> numThreads{
      *this, "num-threads",
      llvm::cl::desc("Threads of the scf.parallel loops (lowered through "
                     "OpenMP; 1: there are none)"),
      llvm::cl::init(1)};
  PassOptions::Option<bool> barePtrCallConv{
      *this, "bare-ptr-call-conv",
      llvm::cl::desc("Pass statically shaped memrefs as bare pointers"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> emitCInterface{
      *this, "emit-c-interface",
      llvm::cl::desc("Emit `_mlir_ciface_` wrappers for public functions"),
      llvm::cl::init(false)};
};

/// Builds the tail of the CPU pipeline, which it shares with the tests that
/// run GPU kernels on the host: vectorised loops on buffers (vector, memref,
/// scf, affine, math, arith, and with `num-threads` > 1 `scf.parallel`) ->
/// LLVM dialect.
void buildOptimCPUToLLVMPipeline(OpPassManager &pm,
                                 const OptimCPUToLLVMPipelineOptions &options);

/// Builds the CPU pipeline: optim -> linalg -> one-shot bufferization ->
/// tiled, peeled and vectorised loops -> LLVM dialect. Accepts optim IR in
/// tensor or memref form, in functions directly in the module it runs on (a
/// function in a nested module is an error: run the pipeline on that module).
void buildOptimCPUPipeline(OpPassManager &pm,
                           const OptimCPUPipelineOptions &options);

//===----------------------------------------------------------------------===//
// GPU pipeline
//===----------------------------------------------------------------------===//

/// Options of `optim-gpu-pipeline`.
struct OptimGPUPipelineOptions
    : public PassPipelineOptions<OptimGPUPipelineOptions> {
  PassOptions::Option<std::string> chip{
      *this, "chip", llvm::cl::desc("NVIDIA architecture to compile for"),
      llvm::cl::init("sm_90")};
  PassOptions::Option<std::string> features{
      *this, "features",
      llvm::cl::desc("NVPTX features, e.g. +ptx87 (empty: the lowest PTX "
                     "version that knows the chip)"),
      llvm::cl::init("")};
  PassOptions::Option<gpu::CompilationTarget> format{
      *this, "format", llvm::cl::desc("What the GPU modules become"),
      llvm::cl::init(gpu::CompilationTarget::Fatbin),
      llvm::cl::values(clEnumValN(gpu::CompilationTarget::Assembly, "isa",
                                  "PTX text, JIT-compiled by the driver"),
                       clEnumValN(gpu::CompilationTarget::Binary, "bin",
                                  "a cubin (runs ptxas)"),
                       clEnumValN(gpu::CompilationTarget::Fatbin, "fatbin",
                                  "a fatbin (runs ptxas and fatbinary)"))};
  PassOptions::Option<std::string> toolkit{
      *this, "toolkit",
      llvm::cl::desc("CUDA toolkit holding ptxas and fatbinary (default: the "
                     "one found when OptimMLIR was configured)"),
      llvm::cl::init("")};
  PassOptions::Option<int64_t> threadsPerBlock{
      *this, "threads-per-block", llvm::cl::desc("Threads per block"),
      llvm::cl::init(256)};
  PassOptions::Option<int64_t> elementsPerThread{
      *this, "elements-per-thread",
      llvm::cl::desc("Contiguous elements a thread handles as one vector per "
                     "iteration (0: 128 bits worth, 4 f32 or 2 f64)"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> maxBlocks{
      *this, "max-blocks",
      llvm::cl::desc("Most blocks in a grid; bigger tensors loop"),
      llvm::cl::init(1024)};
  PassOptions::Option<bool> multiTensor{
      *this, "multi-tensor",
      llvm::cl::desc("Update all the tensors of a function that share an "
                     "element type with one kernel launch"),
      llvm::cl::init(false)};
  PassOptions::Option<int64_t> optLevel{
      *this, "opt-level",
      llvm::cl::desc("LLVM optimisation level of the device code"),
      llvm::cl::init(3)};
};

/// Builds the GPU pipeline: optim -> linalg -> one-shot bufferization ->
/// grid-stride `gpu.launch` kernels (`optim-map-elementwise-to-gpu`; other
/// linalg ops through parallel loops, tiled for blocks and threads) -> kernel
/// outlining -> NVVM
/// -> `gpu-module-to-binary`, and the host side through `gpu-to-llvm`.
/// Function arguments must be device-accessible buffers.
void buildOptimGPUPipeline(OpPassManager &pm,
                           const OptimGPUPipelineOptions &options);

//===----------------------------------------------------------------------===//
// Registration
//===----------------------------------------------------------------------===//

/// Registers `optim-cpu-pipeline`, `optim-gpu-pipeline` and the pieces they
/// share, `optim-to-buffers-pipeline` and `optim-cpu-to-llvm-pipeline`, with
/// the global pass-pipeline registry.
void registerOptimPipelines();

} // namespace optim
} // namespace mlir

#endif // OPTIM_PIPELINES_PIPELINES_H
