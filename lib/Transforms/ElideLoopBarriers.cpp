//===- ElideLoopBarriers.cpp - nowait on region-ending wsloops --*- C++ -*-===//
//
// Marks `nowait` the worksharing loops whose barrier the end of their parallel
// region repeats.
//
//===----------------------------------------------------------------------===//

#include "optim/Transforms/Passes.h"

#include "mlir/Dialect/OpenMP/OpenMPDialect.h"

namespace mlir::optim {
#define GEN_PASS_DEF_OPTIMELIDELOOPBARRIERSPASS
#include "optim/Transforms/Passes.h.inc"
} // namespace mlir::optim

using namespace mlir;

namespace {
struct OptimElideLoopBarriersPass
    : optim::impl::OptimElideLoopBarriersPassBase<OptimElideLoopBarriersPass> {
  void runOnOperation() override {
    getOperation()->walk([](omp::WsloopOp loop) {
      // The join is the next thing the threads do only when the loop is
      // followed by the terminator of the region's only block.
      if (isa_and_nonnull<omp::TerminatorOp>(loop->getNextNode()) &&
          isa<omp::ParallelOp>(loop->getParentOp()) &&
          loop->getParentRegion()->hasOneBlock())
        loop.setNowait(true);
    });
  }
};
} // namespace
