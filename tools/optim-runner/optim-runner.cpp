//===- optim-runner.cpp - JIT-run optim IR ----------------------*- C++ -*-===//
//
// `mlir-runner` for files that use the optim dialect: the module goes through
// `optim-cpu-pipeline` before it is JIT-compiled, so one command validates an
// IR file. Takes mlir-runner's options (-e, -entry-point-result,
// -shared-libs, ...).
//
//===----------------------------------------------------------------------===//

#include "optim/InitAllDialects.h"
#include "optim/Pipelines/Pipelines.h"

#include "mlir/ExecutionEngine/JitRunner.h"
#include "mlir/IR/Operation.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/Support/TargetSelect.h"

using namespace mlir;

/// Lowers the parsed module to the LLVM dialect with the default CPU options.
static LogicalResult lowerToLLVM(Operation *module, JitRunnerOptions &) {
  PassManager pm(module->getContext());
  // Verify after every pass: Debian's LLVM has no assertions, and the
  // verifier is what stops a pass that breaks the IR (on by default;
  // stated because nothing else would catch it).
  pm.enableVerifier(true);
  optim::buildOptimCPUPipeline(pm, optim::OptimCPUPipelineOptions());
  return pm.run(module);
}

int main(int argc, char **argv) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::InitializeNativeTargetAsmParser();

  DialectRegistry registry;
  // Upstream's dialects and interface models, which the pipeline uses, then
  // optim's.
  registerAllDialects(registry);
  registerAllExtensions(registry);
  optim::registerAllDialects(registry);
  registerAllToLLVMIRTranslations(registry);

  JitRunnerConfig config;
  config.mlirTransformer = lowerToLLVM;
  return JitRunnerMain(argc, argv, registry, config);
}
