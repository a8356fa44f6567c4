//===- optim-fuzz.cpp - libFuzzer target for the optim pipelines -*- C++
//-*-===//
//
// Parses each input as an MLIR module and, if it parses and verifies, runs
// `optim-cpu-pipeline` and `optim-gpu-pipeline` (up to PTX text) on copies of
// it. The process aborts, so that libFuzzer reports the input, when
//
//   - a pass leaves IR that does not verify although it succeeded (the
//     pipelines verify after every pass; Debian's LLVM has no assertions to
//     catch it otherwise),
//   - a pipeline succeeds with output that does not translate to LLVM IR,
//
// and, in a sanitizer build, on any memory error or undefined behaviour.
// A pipeline that fails with a diagnostic is a correct answer to bad input.
//
// scripts/fuzz.sh builds and runs it.
//
//===----------------------------------------------------------------------===//

#include "optim/InitAllDialects.h"
#include "optim/Pipelines/Pipelines.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"

#include <cstdlib>

using namespace mlir;

/// Verifies the IR after every pass that succeeded and aborts, naming the
/// pass, if it does not verify.
struct AbortOnInvalidIR : PassInstrumentation {
  void runAfterPass(Pass *pass, Operation *op) override {
    if (succeeded(verify(op)))
      return;
    llvm::errs() << "optim-fuzz: the IR does not verify after '"
                 << pass->getArgument() << "', which succeeded\n";
    std::abort();
  }
};

static DialectRegistry &getRegistry() {
  static DialectRegistry *registry = [] {
    auto *registry = new DialectRegistry();
    registerAllDialects(*registry);
    registerAllExtensions(*registry);
    optim::registerAllDialects(*registry);
    registerAllToLLVMIRTranslations(*registry);
    return registry;
  }();
  return *registry;
}

/// Runs `buildPipeline` on a copy of `module`; if it succeeds, the result
/// must translate to LLVM IR.
static void checkPipeline(ModuleOp module, StringRef name,
                          function_ref<void(OpPassManager &)> buildPipeline) {
  OwningOpRef<ModuleOp> copy = module.clone();
  PassManager pm(module.getContext());
  pm.enableVerifier(false);
  pm.addInstrumentation(std::make_unique<AbortOnInvalidIR>());
  buildPipeline(pm);
  if (failed(pm.run(*copy)))
    return;
  llvm::LLVMContext llvmContext;
  if (translateModuleToLLVMIR(*copy, llvmContext))
    return;
  llvm::errs() << "optim-fuzz: '" << name
               << "' succeeded, but its output does not translate to LLVM "
                  "IR\n";
  std::abort();
}

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  llvm::InitializeNativeTarget();
  LLVMInitializeNVPTXTargetInfo();
  LLVMInitializeNVPTXTarget();
  LLVMInitializeNVPTXTargetMC();
  LLVMInitializeNVPTXAsmPrinter();
  getRegistry();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  MLIRContext context(getRegistry(), MLIRContext::Threading::DISABLED);
  // Diagnostics are the expected answer to most inputs: not printed.
  ScopedDiagnosticHandler silence(&context,
                                  [](Diagnostic &) { return success(); });
  // The lexer reads up to a terminating null, which libFuzzer's data lacks:
  // parse a copy that has one.
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(StringRef(
                                   reinterpret_cast<const char *>(data), size)),
                               llvm::SMLoc());
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(sourceMgr, ParserConfig(&context));
  if (!module)
    return 0;

  checkPipeline(*module, "optim-cpu-pipeline", [](OpPassManager &pm) {
    optim::buildOptimCPUPipeline(pm, optim::OptimCPUPipelineOptions());
  });
  checkPipeline(*module, "optim-gpu-pipeline", [](OpPassManager &pm) {
    optim::OptimGPUPipelineOptions options;
    options.format = gpu::CompilationTarget::Assembly;
    optim::buildOptimGPUPipeline(pm, options);
  });
  return 0;
}
