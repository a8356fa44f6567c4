//===- OptimPlugin.cpp - OptimMLIR as a plugin of upstream tools -*- C++
//-*-===//
//
// A shared library that upstream's `mlir-opt` loads with
// `--load-dialect-plugin` and `--load-pass-plugin`: it registers the optim
// dialect, and OptimMLIR's passes and pipelines, and nothing of upstream,
// which the tool has registered already. Passes from a plugin are reached
// through `--pass-pipeline='builtin.module(optim-cpu-pipeline)'`.
//
//===----------------------------------------------------------------------===//

#include "optim/InitAllDialects.h"
#include "optim/InitAllPasses.h"

#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/Compiler.h"

extern "C" LLVM_ATTRIBUTE_WEAK mlir::DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "OptimMLIR", LLVM_VERSION_STRING,
          [](mlir::DialectRegistry *registry) {
            mlir::optim::registerAllDialects(*registry);
          }};
}

extern "C" LLVM_ATTRIBUTE_WEAK mlir::PassPluginLibraryInfo
mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "OptimMLIRPasses", LLVM_VERSION_STRING,
          [] { mlir::optim::registerAllPasses(); }};
}
