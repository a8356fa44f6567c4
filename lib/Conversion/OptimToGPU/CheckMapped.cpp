//===- CheckMapped.cpp - No GPU work left on the host -----------*- C++ -*-===//
//
// After the GPU mapping, a `linalg` op or an `scf.parallel` loop outside a
// kernel would run on the host over device buffers. This pass turns that
// silent miscompilation into an error.
//
//===----------------------------------------------------------------------===//

#include "optim/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace mlir::optim {
#define GEN_PASS_DEF_OPTIMGPUCHECKMAPPEDPASS
#include "optim/Conversion/Passes.h.inc"
} // namespace mlir::optim

using namespace mlir;

namespace {

struct OptimGPUCheckMappedPass
    : optim::impl::OptimGPUCheckMappedPassBase<OptimGPUCheckMappedPass> {
  void runOnOperation() override {
    // Every leftover op is reported once: not the ops nested in one already
    // reported, nor anything inside a kernel.
    bool leftovers = false;
    getOperation().walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<gpu::LaunchOp>(op))
        return WalkResult::skip();
      if (!isa<scf::ParallelOp>(op) &&
          !isa_and_nonnull<linalg::LinalgDialect>(op->getDialect()))
        return WalkResult::advance();
      op->emitError("not mapped to the GPU: this ")
          << op->getName() << " would run on the host over device buffers";
      leftovers = true;
      return WalkResult::skip();
    });
    if (leftovers)
      signalPassFailure();
  }
};

} // namespace
