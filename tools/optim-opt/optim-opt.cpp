//===- optim-opt.cpp - OptimMLIR optimizer driver ---------------*- C++ -*-===//
//
// `mlir-opt` with the optim dialect, its passes and its pipelines.
//
//===----------------------------------------------------------------------===//

#include "optim/InitAllDialects.h"
#include "optim/InitAllPasses.h"

// The test-only passes (test/lib).
#include "OptimTestPasses.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::optim::registerAllPasses();
  mlir::optim::test::registerOptimTestPasses();

  mlir::DialectRegistry registry;
  // Upstream's dialects and interface models (bufferization, tiling, LLVM
  // lowering), which the pipelines use, then optim's.
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::optim::registerAllDialects(registry);
  // gpu-module-to-binary translates GPU modules to LLVM IR.
  mlir::registerAllToLLVMIRTranslations(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "OptimMLIR optimizer driver\n", registry));
}
