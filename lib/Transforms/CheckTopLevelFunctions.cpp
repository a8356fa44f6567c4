//===- CheckTopLevelFunctions.cpp - Functions pipelines reach ---*- C++ -*-===//
//
// Reports the functions that are not directly in the module a pipeline runs
// on, which its function passes and bufferization would not reach.
//
//===----------------------------------------------------------------------===//

#include "optim/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::optim {
#define GEN_PASS_DEF_OPTIMCHECKTOPLEVELFUNCTIONSPASS
#include "optim/Transforms/Passes.h.inc"
} // namespace mlir::optim

using namespace mlir;

namespace {
struct OptimCheckTopLevelFunctionsPass
    : optim::impl::OptimCheckTopLevelFunctionsPassBase<
          OptimCheckTopLevelFunctionsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // One error per enclosing op: the first function in it names the place.
    llvm::SmallPtrSet<Operation *, 4> reported;
    module.walk([&](func::FuncOp func) {
      Operation *parent = func->getParentOp();
      if (parent == module || !reported.insert(parent).second)
        return;
      InFlightDiagnostic diag = emitError(func.getLoc())
                                << "function '" << func.getName()
                                << "' is in a nested '" << parent->getName()
                                << "'";
      if (auto name = parent->getAttrOfType<StringAttr>(
              SymbolTable::getSymbolAttrName()))
        diag << " @" << name.getValue();
      diag << "; the optim pipelines lower only the functions directly in "
              "the module they run on: run the pipeline on the nested module, "
              "e.g. --pass-pipeline='builtin.module(builtin.module(optim-cpu-"
              "pipeline))'";
      signalPassFailure();
    });
  }
};
} // namespace
