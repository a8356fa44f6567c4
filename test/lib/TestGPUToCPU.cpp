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
// A body whose threads exchange values with `gpu.shuffle` runs in phases,
// split at its shuffles: every thread finishes one phase before any starts
// the next, as a warp's threads meet at a shuffle. A value one phase makes
// and a later one uses is kept per thread in a buffer (a shuffle reads its
// partner's), a constant or a view is made again, and a stack buffer
// (memref.alloca) becomes one per thread.
//
//===----------------------------------------------------------------------===//

#include "OptimTestPasses.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::optim::test {
#define GEN_PASS_DEF_TESTOPTIMGPUTOCPUPASS
#include "TestPasses.h.inc"
} // namespace mlir::optim::test

using namespace mlir;

/// The lanes of an NVIDIA warp, among which `gpu.shuffle` exchanges values.
constexpr int64_t kWarpSize = 32;

/// Fails, with a diagnostic, on launches whose threads might communicate in
/// ways the host cannot replay in program order. Shuffles (xor, as in
/// butterfly reductions) may appear only between the ops of a one-block
/// body, where every thread reaches them.
static LogicalResult checkSerializable(gpu::LaunchOp launch) {
  if (launch.getAsyncToken() || !launch.getAsyncDependencies().empty())
    return launch.emitError("cannot serialise an asynchronous launch");
  if (launch.getNumWorkgroupAttributions() != 0 ||
      launch.getNumPrivateAttributions() != 0 ||
      launch.getDynamicSharedMemorySize() || launch.hasClusterSize())
    return launch.emitError(
        "cannot serialise a launch with shared memory, attributions or "
        "clusters");
  Region &body = launch.getBody();
  WalkResult result = body.walk([&](Operation *op) {
    if (auto shuffle = dyn_cast<gpu::ShuffleOp>(op)) {
      if (shuffle.getMode() != gpu::ShuffleMode::XOR) {
        op->emitError("cannot serialise a gpu.shuffle ")
            << stringifyEnum(shuffle.getMode()) << ": only xor";
        return WalkResult::interrupt();
      }
      if (shuffle->getParentRegion() == &body && body.hasOneBlock())
        return WalkResult::advance();
      op->emitError("cannot serialise a gpu.shuffle that not every thread "
                    "reaches: it must be in the launch body's only block");
      return WalkResult::interrupt();
    }
    if (!isa<gpu::GPUDialect>(op->getDialect()) ||
        isa<gpu::ThreadIdOp, gpu::BlockIdOp, gpu::BlockDimOp, gpu::GridDimOp,
            gpu::GlobalIdOp, gpu::TerminatorOp, gpu::PrintfOp>(op))
      return WalkResult::advance();
    op->emitError("cannot serialise a kernel that uses ") << op->getName();
    return WalkResult::interrupt();
  });
  return failure(result.wasInterrupted());
}

/// The `dim` component of `dims`.
static Value select(gpu::KernelDim3 dims, gpu::Dimension dim) {
  switch (dim) {
  case gpu::Dimension::x:
    return dims.x;
  case gpu::Dimension::y:
    return dims.y;
  case gpu::Dimension::z:
    return dims.z;
  }
  llvm_unreachable("unknown dimension");
}

/// Replaces the id and size ops of a launch body by the body's arguments.
static void replaceIdOps(RewriterBase &rewriter, gpu::LaunchOp launch) {
  gpu::KernelDim3 blockIds = launch.getBlockIds();
  gpu::KernelDim3 threadIds = launch.getThreadIds();
  gpu::KernelDim3 grid = launch.getGridSize();
  gpu::KernelDim3 block = launch.getBlockSize();
  SmallVector<Operation *> idOps;
  launch.getBody().walk([&](Operation *op) {
    if (isa<gpu::ThreadIdOp, gpu::BlockIdOp, gpu::BlockDimOp, gpu::GridDimOp,
            gpu::GlobalIdOp>(op))
      idOps.push_back(op);
  });
  for (Operation *op : idOps) {
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
    rewriter.replaceOp(op, replacement);
  }
}

/// Nests loops from `zero` to `bounds` by `one` (z, y, x, outermost
/// first) at the rewriter's insertion point, which it leaves in the
/// innermost body; returns their ids and the outermost loop.
static std::pair<gpu::KernelDim3, Operation *>
createLoops(RewriterBase &rewriter, Location loc, gpu::KernelDim3 bounds,
            Value zero, Value one) {
  SmallVector<Value> ids;
  Operation *outermost = nullptr;
  for (Value bound : {bounds.z, bounds.y, bounds.x}) {
    auto loop = scf::ForOp::create(rewriter, loc, zero, bound, one);
    outermost = outermost ? outermost : loop.getOperation();
    ids.push_back(loop.getInductionVar());
    rewriter.setInsertionPoint(loop.getBody()->getTerminator());
  }
  return {gpu::KernelDim3{ids[2], ids[1], ids[0]}, outermost};
}

/// Replaces the uses of `args` for which `filter` holds by `values`.
static void replaceArgs(
    RewriterBase &rewriter, gpu::KernelDim3 args, gpu::KernelDim3 values,
    function_ref<bool(OpOperand &)> filter = [](OpOperand &) { return true; }) {
  rewriter.replaceUsesWithIf(args.x, values.x, filter);
  rewriter.replaceUsesWithIf(args.y, values.y, filter);
  rewriter.replaceUsesWithIf(args.z, values.z, filter);
}

namespace {

/// Runs a launch body split at its shuffles as phases, each a loop nest over
/// the threads of a block, inside the loops over the blocks.
class PhasedBody {
public:
  PhasedBody(RewriterBase &rewriter, gpu::LaunchOp launch,
             Operation *blockLoops, gpu::KernelDim3 block, Value zero,
             Value one)
      : rewriter(rewriter), loc(launch.getLoc()), blockLoops(blockLoops),
        block(block), zero(zero), one(one) {}

  /// Moves the body's ops into phases at the rewriter's insertion point (in
  /// the loops over blocks), with `threadArgs` replaced by each phase's
  /// thread ids, then connects them.
  LogicalResult build(Block &body, gpu::KernelDim3 threadArgs);

private:
  struct Phase {
    Block *body;
    Value linearId;
    /// The last op before the phase's own: values it takes from other
    /// phases are made after it.
    Operation *preambleEnd;
  };

  /// The phase whose loop body holds `op` at its top level, if any.
  Phase *phaseOf(Operation *op) {
    for (Phase &phase : phases)
      if (op->getBlock() == phase.body)
        return &phase;
    return nullptr;
  }
  /// A per-thread buffer, allocated before the block loops and freed after.
  Value threadBuffer(Type element, ArrayRef<int64_t> shape = {});
  /// The buffer that `value` is stored into, per thread, where it is made.
  Value spill(Value value);
  /// `value`, made in another phase, as `phase` may use it.
  FailureOr<Value> carry(Value value, Phase &phase);
  /// Each thread's own stack buffer, for the phases that use it.
  void privatize(memref::AllocaOp alloca);
  /// Reads the partner's spilled value in the shuffle's phase.
  void exchange(gpu::ShuffleOp shuffle, Phase &phase);

  RewriterBase &rewriter;
  Location loc;
  Operation *blockLoops;
  gpu::KernelDim3 block;
  Value zero, one, numThreads;
  SmallVector<Phase> phases;
  DenseMap<Value, Value> spills;
  DenseMap<std::pair<Value, Block *>, Value> carried;
};

} // namespace

Value PhasedBody::threadBuffer(Type element, ArrayRef<int64_t> shape) {
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(blockLoops);
  SmallVector<int64_t> bufferShape = {ShapedType::kDynamic};
  llvm::append_range(bufferShape, shape);
  Value buffer = memref::AllocOp::create(
      rewriter, loc, MemRefType::get(bufferShape, element), numThreads);
  rewriter.setInsertionPointAfter(blockLoops);
  memref::DeallocOp::create(rewriter, loc, buffer);
  return buffer;
}

Value PhasedBody::spill(Value value) {
  Value &buffer = spills[value];
  if (buffer)
    return buffer;
  buffer = threadBuffer(value.getType());
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPointAfterValue(value);
  memref::StoreOp::create(rewriter, loc, value, buffer,
                          phaseOf(value.getDefiningOp())->linearId);
  return buffer;
}

FailureOr<Value> PhasedBody::carry(Value value, Phase &phase) {
  Operation *def = value.getDefiningOp();
  Phase *source = def ? phaseOf(def) : nullptr;
  if (!source || source == &phase)
    return value;
  // Looked up, not held: carrying a view's operands adds entries.
  if (Value result = carried.lookup({value, phase.body}))
    return result;
  OpBuilder::InsertionGuard guard(rewriter);
  Value result;
  Type type = value.getType();
  if (def->hasTrait<OpTrait::ConstantLike>() ||
      (isMemoryEffectFree(def) && def->getNumRegions() == 0 &&
       isa<MemRefType>(type))) {
    // Made again: a constant, or a view whose operands are carried.
    SmallVector<Value> operands;
    for (Value operand : def->getOperands()) {
      FailureOr<Value> carriedOperand = carry(operand, phase);
      if (failed(carriedOperand))
        return failure();
      operands.push_back(*carriedOperand);
    }
    rewriter.setInsertionPointAfter(phase.preambleEnd);
    Operation *copy = rewriter.clone(*def);
    copy->setOperands(operands);
    result = copy->getResult(cast<OpResult>(value).getResultNumber());
  } else if (isa<IntegerType, IndexType, FloatType, VectorType>(type)) {
    Value buffer = spill(value);
    rewriter.setInsertionPointAfter(phase.preambleEnd);
    result = memref::LoadOp::create(rewriter, loc, buffer, phase.linearId);
  } else {
    return def->emitError("cannot carry a ")
           << type << " across a gpu.shuffle of the serialised kernel";
  }
  phase.preambleEnd = result.getDefiningOp();
  carried[{value, phase.body}] = result;
  return result;
}

void PhasedBody::privatize(memref::AllocaOp alloca) {
  MemRefType type = alloca.getType();
  Value buffer = threadBuffer(type.getElementType(), type.getShape());
  for (Phase &phase : phases) {
    SmallVector<OpOperand *> uses;
    for (OpOperand &use : alloca->getUses())
      if (phase.body->findAncestorOpInBlock(*use.getOwner()))
        uses.push_back(&use);
    if (uses.empty())
      continue;
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointAfter(phase.preambleEnd);
    // Row `linearId` of the buffer, rank-reduced to the alloca's shape.
    int64_t rank = type.getRank();
    SmallVector<OpFoldResult> offsets(rank + 1, rewriter.getIndexAttr(0));
    offsets[0] = phase.linearId;
    SmallVector<OpFoldResult> sizes = {rewriter.getIndexAttr(1)};
    for (int64_t size : type.getShape())
      sizes.push_back(rewriter.getIndexAttr(size));
    SmallVector<OpFoldResult> strides(rank + 1, rewriter.getIndexAttr(1));
    auto rowType = memref::SubViewOp::inferRankReducedResultType(
        type.getShape(), cast<MemRefType>(buffer.getType()), offsets, sizes,
        strides);
    Value row = memref::SubViewOp::create(rewriter, loc, rowType, buffer,
                                          offsets, sizes, strides);
    phase.preambleEnd = row.getDefiningOp();
    for (OpOperand *use : uses)
      use->set(row);
  }
  rewriter.eraseOp(alloca);
}

void PhasedBody::exchange(gpu::ShuffleOp shuffle, Phase &phase) {
  // The partner's lane in the warp; out of [0, width) or past the block's
  // last thread, the shuffle is invalid and yields the own value.
  rewriter.setInsertionPoint(shuffle);
  Type i32 = rewriter.getI32Type();
  Value linear =
      arith::IndexCastUIOp::create(rewriter, loc, i32, phase.linearId);
  Value lane = arith::RemUIOp::create(
      rewriter, loc, linear,
      arith::ConstantIntOp::create(rewriter, loc, i32, kWarpSize));
  Value partner =
      arith::XOrIOp::create(rewriter, loc, lane, shuffle.getOffset());
  Value partnerId = arith::AddIOp::create(
      rewriter, loc, arith::SubIOp::create(rewriter, loc, linear, lane),
      partner);
  Value valid = arith::AndIOp::create(
      rewriter, loc,
      arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::ult, partner,
                            shuffle.getWidth()),
      arith::CmpIOp::create(
          rewriter, loc, arith::CmpIPredicate::ult, partnerId,
          arith::IndexCastUIOp::create(rewriter, loc, i32, numThreads)));
  Value from = arith::IndexCastUIOp::create(
      rewriter, loc, rewriter.getIndexType(),
      arith::SelectOp::create(rewriter, loc, valid, partnerId, linear));
  // A value made outside the threads' loops (a kernel argument, a block id)
  // is the same in every thread.
  Value value = shuffle.getValue();
  Operation *def = value.getDefiningOp();
  if (def && phaseOf(def))
    value = memref::LoadOp::create(rewriter, loc, spill(value), from);
  rewriter.replaceOp(shuffle, {value, valid});
}

LogicalResult PhasedBody::build(Block &body, gpu::KernelDim3 threadArgs) {
  {
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPoint(blockLoops);
    numThreads = arith::MulIOp::create(
        rewriter, loc, arith::MulIOp::create(rewriter, loc, block.x, block.y),
        block.z);
  }

  // Phases: the runs of ops between shuffles, and each shuffle alone, one
  // after the other in the loops over blocks.
  SmallVector<SmallVector<Operation *>> runs(1);
  for (Operation &op : body.without_terminator()) {
    if (isa<gpu::ShuffleOp>(op)) {
      runs.push_back({&op});
      runs.emplace_back();
    } else {
      runs.back().push_back(&op);
    }
  }
  for (ArrayRef<Operation *> run : runs) {
    OpBuilder::InsertionGuard guard(rewriter);
    gpu::KernelDim3 threadIds =
        createLoops(rewriter, loc, block, zero, one).first;
    Phase &phase = phases.emplace_back();
    phase.body = rewriter.getInsertionBlock();
    // (z * Y + y) * X + x: the order of threads in warps.
    phase.linearId = arith::AddIOp::create(
        rewriter, loc,
        arith::MulIOp::create(
            rewriter, loc,
            arith::AddIOp::create(
                rewriter, loc,
                arith::MulIOp::create(rewriter, loc, threadIds.z, block.y),
                threadIds.y),
            block.x),
        threadIds.x);
    phase.preambleEnd = phase.linearId.getDefiningOp();
    for (Operation *op : run)
      rewriter.moveOpBefore(op, phase.body->getTerminator());
    replaceArgs(rewriter, threadArgs, threadIds, [&](OpOperand &use) {
      return phase.body->findAncestorOpInBlock(*use.getOwner()) != nullptr;
    });
  }

  // Stack buffers, shuffles, then every value a phase takes from another.
  for (Phase &phase : phases)
    for (auto alloca :
         llvm::make_early_inc_range(phase.body->getOps<memref::AllocaOp>())) {
      if (!alloca.getType().hasStaticShape())
        return alloca.emitError("cannot serialise a dynamically sized stack "
                                "buffer across a gpu.shuffle");
      privatize(alloca);
    }
  for (Phase &phase : phases)
    for (auto shuffle :
         llvm::make_early_inc_range(phase.body->getOps<gpu::ShuffleOp>()))
      exchange(shuffle, phase);
  for (Phase &phase : phases) {
    WalkResult result = phase.body->walk([&](Operation *op) {
      for (OpOperand &operand : op->getOpOperands()) {
        FailureOr<Value> value = carry(operand.get(), phase);
        if (failed(value))
          return WalkResult::interrupt();
        operand.set(*value);
      }
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return failure();
  }
  return success();
}

/// Replaces `launch` by its body nested in loops over blocks and threads.
static LogicalResult serialize(RewriterBase &rewriter, gpu::LaunchOp launch) {
  Location loc = launch.getLoc();
  replaceIdOps(rewriter, launch);
  rewriter.setInsertionPoint(launch);
  gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
  gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  auto [blockIds, blockLoops] = createLoops(rewriter, loc, grid, zero, one);
  replaceArgs(rewriter, launch.getBlockIds(), blockIds);
  replaceArgs(rewriter, launch.getGridSize(), grid);
  replaceArgs(rewriter, launch.getBlockSize(), block);

  Region &body = launch.getBody();
  if (!body.front().getOps<gpu::ShuffleOp>().empty()) {
    if (failed(PhasedBody(rewriter, launch, blockLoops, block, zero, one)
                   .build(body.front(), launch.getThreadIds())))
      return failure();
    rewriter.eraseOp(launch);
    return success();
  }

  // Threads that do not communicate run one after the other, the body as one
  // execute_region: it may have several blocks.
  gpu::KernelDim3 threadIds =
      createLoops(rewriter, loc, block, zero, one).first;
  replaceArgs(rewriter, launch.getThreadIds(), threadIds);
  body.front().eraseArguments(0, body.front().getNumArguments());
  auto region = scf::ExecuteRegionOp::create(rewriter, loc, TypeRange{});
  rewriter.inlineRegionBefore(body, region.getRegion(),
                              region.getRegion().end());
  rewriter.eraseOp(launch);
  SmallVector<gpu::TerminatorOp> terminators;
  region.walk([&](gpu::TerminatorOp op) { terminators.push_back(op); });
  for (gpu::TerminatorOp op : terminators) {
    rewriter.setInsertionPoint(op);
    rewriter.replaceOpWithNewOp<scf::YieldOp>(op);
  }
  return success();
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
      if (failed(checkSerializable(launch)) ||
          failed(serialize(rewriter, launch)))
        return signalPassFailure();
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
