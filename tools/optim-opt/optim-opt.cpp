//===- optim-opt.cpp - OptimMLIR optimizer driver ---------------*- C++ -*-===//
//
// `mlir-opt` with the optim dialect, its passes and its pipelines.
//
//===----------------------------------------------------------------------===//

#include "optim/InitAllDialects.h"
#include "optim/InitAllPasses.h"

#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::optim::registerAllPasses();

  mlir::DialectRegistry registry;
  mlir::optim::registerAllDialects(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "OptimMLIR optimizer driver\n", registry));
}
