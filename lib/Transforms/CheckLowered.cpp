//===- CheckLowered.cpp - Nothing left for a pipeline to lower --*- C++ -*-===//
//
// Reports the first op a pipeline left behind that its target cannot
// translate, so that a pipeline never succeeds on IR it did not lower.
//
//===----------------------------------------------------------------------===//

#include "optim/Transforms/Passes.h"

#include "mlir/IR/BuiltinOps.h"

namespace mlir::optim {
#define GEN_PASS_DEF_OPTIMCHECKLOWEREDPASS
#include "optim/Transforms/Passes.h.inc"
} // namespace mlir::optim

using namespace mlir;

namespace {
struct OptimCheckLoweredPass
    : optim::impl::OptimCheckLoweredPassBase<OptimCheckLoweredPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    WalkResult leftover = module.walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (op == module || isLegal(op))
        return WalkResult::advance();
      emitError(op->getLoc())
          << "'" << op->getName() << "' was not lowered; the pipeline must "
          << "leave only ops of " << describeLegal();
      return WalkResult::interrupt();
    });
    if (leftover.wasInterrupted())
      signalPassFailure();
  }

private:
  bool isLegal(Operation *op) const {
    StringRef name = op->getName().getStringRef();
    return llvm::is_contained(legalOps, name) ||
           llvm::is_contained(legalDialects,
                              op->getName().getDialectNamespace());
  }

  std::string describeLegal() const {
    std::string text;
    llvm::raw_string_ostream os(text);
    os << "the dialects ";
    llvm::interleaveComma(legalDialects, os);
    if (!legalOps.empty()) {
      os << " and the ops ";
      llvm::interleaveComma(legalOps, os);
    }
    return text;
  }
};
} // namespace
