//===- EmitCInterface.cpp - Request C wrappers for functions ----*- C++ -*-===//
//
// Marks public functions with `llvm.emit_c_interface`.
//
//===----------------------------------------------------------------------===//

#include "optim/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::optim {
#define GEN_PASS_DEF_OPTIMEMITCINTERFACEPASS
#include "optim/Transforms/Passes.h.inc"
} // namespace mlir::optim

using namespace mlir;

namespace {
struct OptimEmitCInterfacePass
    : optim::impl::OptimEmitCInterfacePassBase<OptimEmitCInterfacePass> {
  void runOnOperation() override {
    auto attrName = LLVM::LLVMDialect::getEmitCWrapperAttrName();
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal())
        func->setAttr(attrName, UnitAttr::get(&getContext()));
  }
};
} // namespace
