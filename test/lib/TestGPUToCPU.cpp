//===- TestGPUToCPU.cpp - Run gpu.launch bodies on the host -----*- C++ -*-===//
//
// Serialises `gpu.launch` into loops over block and thread ids so that the
// kernel body the GPU pipeline would compile can be JIT-executed on the CPU
// and checked against a reference:
//
//   gpu.launch blocks(%bx, ...) in (%gx = ...) threads(%tx, ...) in (...) {
//     body
//   }
//     ->
//   scf.for %bz ... { scf.for %by ... { scf.for %bx ... {
//     scf.for %tz ... { scf.for %ty ... { scf.for %tx ... {
//       scf.execute_region { body }
//   } } } } } }
//
//===----------------------------------------------------------------------===//

#include "OptimTestPasses.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::optim::test {
#define GEN_PASS_DEF_TESTOPTIMGPUTOCPUPASS
#include "TestPasses.h.inc"
} // namespace mlir::optim::test

using namespace mlir;

/// Fails, with a diagnostic, on launches whose threads might communicate or
/// that the host cannot run in program order.
static LogicalResult checkSerializable(gpu::LaunchOp launch) {
  if (launch.getAsyncToken() || !launch.getAsyncDependencies().empty())
    return launch.emitError("cannot serialise an asynchronous launch");
  if (launch.getNumWorkgroupAttributions() != 0 ||
      launch.getNumPrivateAttributions() != 0 ||
      launch.getDynamicSharedMemorySize() || launch.hasClusterSize())
    return launch.emitError(
        "cannot serialise a launch with shared memory, attributions or "
        "clusters");
  WalkResult result = launch.getBody().walk([](Operation *op) {
    if (!isa<gpu::GPUDialect>(op->getDialect()) ||
        isa<gpu::ThreadIdOp, gpu::BlockIdOp, gpu::BlockDimOp, gpu::GridDimOp,
            gpu::GlobalIdOp, gpu::TerminatorOp, gpu::PrintfOp>(op))
      return WalkResult::advance();
    op->emitError("cannot serialise a kernel that uses ") << op->getName();
    return WalkResult::interrupt();
  });
  return failure(result.wasInterrupted());
}

/// Replaces `launch` by its body nested in six loops.
static void serialize(RewriterBase &rewriter, gpu::LaunchOp launch) {
  Location loc = launch.getLoc();
  rewriter.setInsertionPoint(launch);
  gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
  gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);

  // Loop ids, outermost first: block z, y, x, then thread z, y, x.
  SmallVector<Value> bounds = {grid.z,  grid.y,  grid.x,
                               block.z, block.y, block.x};
  SmallVector<Value> ids;
  for (Value bound : bounds) {
    auto loop = scf::ForOp::create(rewriter, loc, zero, bound, one);
    ids.push_back(loop.getInductionVar());
    rewriter.setInsertionPointToStart(loop.getBody());
  }
  gpu::KernelDim3 blockIds{ids[2], ids[1], ids[0]};
  gpu::KernelDim3 threadIds{ids[5], ids[4], ids[3]};

  auto select = [](gpu::KernelDim3 dims, gpu::Dimension dim) {
    switch (dim) {
    case gpu::Dimension::x:
      return dims.x;
    case gpu::Dimension::y:
      return dims.y;
    case gpu::Dimension::z:
      return dims.z;
    }
    llvm_unreachable("unknown dimension");
  };

  // The body, with its region arguments replaced by the loop ids and the
  // launch sizes, runs as one execute_region: it may have several blocks.
  Block &entry = launch.getBody().front();
  auto replaceArgs = [&](gpu::KernelDim3 args, gpu::KernelDim3 values) {
    rewriter.replaceAllUsesWith(args.x, values.x);
    rewriter.replaceAllUsesWith(args.y, values.y);
    rewriter.replaceAllUsesWith(args.z, values.z);
  };
  replaceArgs(launch.getBlockIds(), blockIds);
  replaceArgs(launch.getThreadIds(), threadIds);
  replaceArgs(launch.getGridSize(), grid);
  replaceArgs(launch.getBlockSize(), block);
  entry.eraseArguments(0, entry.getNumArguments());

  auto region = scf::ExecuteRegionOp::create(rewriter, loc, TypeRange{});
  rewriter.inlineRegionBefore(launch.getBody(), region.getRegion(),
                              region.getRegion().end());
  launch.erase();

  SmallVector<Operation *> gpuOps;
  region.walk([&](Operation *op) {
    if (isa<gpu::GPUDialect>(op->getDialect()))
      gpuOps.push_back(op);
  });
  for (Operation *op : gpuOps) {
    rewriter.setInsertionPoint(op);
    Value replacement;
    if (auto id = dyn_cast<gpu::ThreadIdOp>(op))
      replacement = select(threadIds, id.getDimension());
    else if (auto id = dyn_cast<gpu::BlockIdOp>(op))
      replacement = select(blockIds, id.getDimension());
    else if (auto dim = dyn_cast<gpu::BlockDimOp>(op))
      replacement = select(block, dim.getDimension());
    else if (auto dim = dyn_cast<gpu::GridDimOp>(op))
      replacement = select(grid, dim.getDimension());
    else if (auto id = dyn_cast<gpu::GlobalIdOp>(op))
      replacement = arith::AddIOp::create(
          rewriter, op->getLoc(),
          arith::MulIOp::create(rewriter, op->getLoc(),
                                select(blockIds, id.getDimension()),
                                select(block, id.getDimension())),
          select(threadIds, id.getDimension()));
    if (replacement) {
      rewriter.replaceOp(op, replacement);
      continue;
    }
    if (isa<gpu::TerminatorOp>(op))
      rewriter.replaceOpWithNewOp<scf::YieldOp>(op);
  }
}

/// Host counterparts of the synchronous memory ops.
static LogicalResult lowerMemoryOp(RewriterBase &rewriter, Operation *op) {
  rewriter.setInsertionPoint(op);
  if (auto async = dyn_cast<gpu::AsyncOpInterface>(op))
    if (async.getAsyncToken() || !async.getAsyncDependencies().empty())
      return op->emitError("cannot run an asynchronous GPU op on the host");
  if (auto alloc = dyn_cast<gpu::AllocOp>(op)) {
    rewriter.replaceOpWithNewOp<memref::AllocOp>(op, alloc.getType(),
                                                 alloc.getDynamicSizes(),
                                                 alloc.getSymbolOperands());
  } else if (auto copy = dyn_cast<gpu::MemcpyOp>(op)) {
    rewriter.replaceOpWithNewOp<memref::CopyOp>(op, copy.getSrc(),
                                                copy.getDst());
  } else if (auto dealloc = dyn_cast<gpu::DeallocOp>(op)) {
    rewriter.replaceOpWithNewOp<memref::DeallocOp>(op, dealloc.getMemref());
  } else if (isa<gpu::WaitOp>(op)) {
    rewriter.eraseOp(op);
  }
  return success();
}

namespace {

struct TestOptimGPUToCPUPass
    : optim::test::impl::TestOptimGPUToCPUPassBase<TestOptimGPUToCPUPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<gpu::LaunchOp> launches;
    getOperation().walk([&](gpu::LaunchOp op) { launches.push_back(op); });
    for (gpu::LaunchOp launch : launches) {
      if (failed(checkSerializable(launch)))
        return signalPassFailure();
      serialize(rewriter, launch);
    }

    SmallVector<Operation *> memoryOps;
    getOperation().walk([&](Operation *op) {
      if (isa<gpu::AllocOp, gpu::MemcpyOp, gpu::DeallocOp, gpu::WaitOp>(op))
        memoryOps.push_back(op);
    });
    for (Operation *op : memoryOps)
      if (failed(lowerMemoryOp(rewriter, op)))
        return signalPassFailure();
  }
};

} // namespace
