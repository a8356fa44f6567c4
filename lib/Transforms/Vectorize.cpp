//===- Vectorize.cpp - Tile, peel and vectorise elementwise ops -*- C++ -*-===//
//
// Turns a bufferized elementwise linalg.generic into
//
//   scf.for %i = 0 to %n_main step W    { plain vector loads, body, stores }
//   scf.for %i = %n_main to %n step W   { the same body under one mask }
//
// `affine-super-vectorize` would instead emit out-of-bounds transfers, i.e. a
// mask recomputed on every iteration; peeling first keeps the main loop free
// of masks.
//
//===----------------------------------------------------------------------===//

#include "optim/Transforms/Passes.h"
#include "optim/Transforms/Utils/BF16.h"
#include "optim/Transforms/Utils/Elementwise.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/SetVector.h"

#include <numeric>

namespace mlir::optim {
#define GEN_PASS_DEF_OPTIMVECTORIZEELEMENTWISEPASS
#include "optim/Transforms/Passes.h.inc"
} // namespace mlir::optim

using namespace mlir;
using namespace mlir::optim;

/// Replaces a loop that runs at most once (a peeled remainder) by an `scf.if`,
/// so that the only loop over the data is the main one.
static scf::IfOp replaceWithIf(RewriterBase &rewriter, scf::ForOp loop) {
  rewriter.setInsertionPoint(loop);
  Value runs =
      arith::CmpIOp::create(rewriter, loop.getLoc(), arith::CmpIPredicate::slt,
                            loop.getLowerBound(), loop.getUpperBound());
  auto ifOp = scf::IfOp::create(rewriter, loop.getLoc(), runs);
  Block *body = loop.getBody();
  rewriter.eraseOp(body->getTerminator());
  rewriter.inlineBlockBefore(body, ifOp.thenBlock()->getTerminator(),
                             ValueRange{loop.getLowerBound()});
  rewriter.eraseOp(loop);
  return ifOp;
}

/// Tiles `op` by `lanes` along its innermost dimension, peels the remainder
/// and vectorises both parts; with `bf16Pairs` (`populateBF16PairPatterns`),
/// computes on their bf16 vectors as even and odd f32 halves.
static LogicalResult
vectorizeElementwise(RewriterBase &rewriter, linalg::GenericOp op,
                     int64_t lanes, const FrozenRewritePatternSet *bf16Pairs) {
  SmallVector<int64_t> vectorSizes(op.getNumLoops(), 1);
  vectorSizes.back() = lanes;
  scf::SCFTilingOptions options;
  options.setTileSizes(
      getAsIndexOpFoldResult(rewriter.getContext(), vectorSizes));

  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
      rewriter, cast<TilingInterface>(op.getOperation()), options);
  if (failed(tiled))
    return op.emitError("could not tile the elementwise op by ") << lanes;
  rewriter.eraseOp(op);

  // Peeling fails when the trip count is a known multiple of the width: there
  // is no remainder then.
  auto mainLoop = cast<scf::ForOp>(tiled->loops.back().getOperation());
  scf::ForOp remainderLoop;
  SmallVector<Operation *> tiledRegions = {mainLoop};
  if (succeeded(
          scf::peelForLoopAndSimplifyBounds(rewriter, mainLoop, remainderLoop)))
    tiledRegions.push_back(replaceWithIf(rewriter, remainderLoop));

  // In the main loop the tile size is the constant `lanes`, so the masks that
  // vectorisation creates fold away; in the remainder the mask stays. The
  // scalable flags must be spelled out: the mask types built from an empty
  // list differ from the ones the transfer ops expect.
  SmallVector<bool> scalableDims(vectorSizes.size(), false);
  SmallVector<linalg::GenericOp> tiles;
  for (Operation *region : tiledRegions)
    region->walk([&](linalg::GenericOp tile) { tiles.push_back(tile); });
  for (linalg::GenericOp tile : tiles) {
    rewriter.setInsertionPoint(tile);
    if (failed(linalg::vectorize(rewriter, tile, vectorSizes, scalableDims)))
      return tile.emitError("could not vectorise the elementwise op");
    rewriter.eraseOp(tile);
  }
  if (!bf16Pairs)
    return success();
  for (Operation *region : tiledRegions)
    if (failed(applyPatternsGreedily(region, *bf16Pairs)))
      return region->emitError("could not pair the bf16 lanes");
  return success();
}

/// Thread shares start at multiples of this many elements from a tensor's
/// start: whole cache lines of every element type.
static constexpr int64_t kShareAlignment = 64;

/// True if a generic can move from before `op` to after it: `op` touches no
/// memory, or only allocates (a fresh buffer no generic before it can use).
static bool commutesWithGenerics(Operation *op) {
  if (isMemoryEffectFree(op))
    return true;
  auto effects = dyn_cast<MemoryEffectOpInterface>(op);
  return effects && op->getNumRegions() == 0 &&
         effects.onlyHasEffect<MemoryEffects::Allocate>();
}

/// The flat generics `run` of one block, which nothing that touches their
/// memory separates and none of which writes what another uses, run on
/// `numThreads` threads in one `scf.parallel` of `numThreads` iterations, at
/// the place of the last: iteration k steps the k-th of equal shares of all
/// their elements together, so that one large tensor and many small ones
/// balance alike. Each tensor is counted rounded up to a multiple of
/// `granule` elements, so that a share starts on a whole vector of every
/// tensor. With fewer than `threshold` elements in all (decided at run time
/// for dynamic sizes), the generics stay on one thread.
static LogicalResult
shareAcrossThreads(RewriterBase &rewriter,
                   MutableArrayRef<ElementwiseGeneric> run, int64_t granule,
                   int64_t numThreads, int64_t threshold,
                   function_ref<LogicalResult(linalg::GenericOp)> vectorize) {
  linalg::GenericOp last = run.back().op;
  Location loc = last.getLoc();
  rewriter.setInsertionPoint(last);
  MLIRContext *context = rewriter.getContext();
  AffineExpr s0 = getAffineSymbolExpr(0, context),
             s1 = getAffineSymbolExpr(1, context);

  // Where each tensor starts among all the (rounded) elements.
  SmallVector<OpFoldResult> sizes, offsets;
  OpFoldResult total = rewriter.getIndexAttr(0);
  for (ElementwiseGeneric &generic : run) {
    sizes.push_back(
        memref::getMixedSize(rewriter, loc, generic.getShapedOperand(), 0));
    offsets.push_back(total);
    total = affine::makeComposedFoldedAffineApply(
        rewriter, loc, s0 + s1.ceilDiv(granule) * granule,
        {total, sizes.back()});
  }

  // One thread: each generic vectorised where it is, or in the `else` of the
  // run-time choice.
  auto vectorizeAll = [&](Block *into) -> LogicalResult {
    for (ElementwiseGeneric &generic : run) {
      linalg::GenericOp op = generic.op;
      if (into) {
        rewriter.setInsertionPoint(into->getTerminator());
        op = cast<linalg::GenericOp>(rewriter.clone(*op));
      }
      if (failed(vectorize(op)))
        return failure();
    }
    return success();
  };
  threshold = std::max<int64_t>(threshold, 1);
  std::optional<int64_t> staticTotal = getConstantIntValue(total);
  if (staticTotal && *staticTotal < threshold)
    return vectorizeAll(nullptr);
  if (!staticTotal) {
    Value large = arith::CmpIOp::create(
        rewriter, loc, arith::CmpIPredicate::sge,
        getValueOrCreateConstantIndexOp(rewriter, loc, total),
        arith::ConstantIndexOp::create(rewriter, loc, threshold));
    auto ifOp =
        scf::IfOp::create(rewriter, loc, large, /*withElseRegion=*/true);
    if (failed(vectorizeAll(ifOp.elseBlock())))
      return failure();
    rewriter.setInsertionPoint(ifOp.thenBlock()->getTerminator());
  }

  // Share k of all elements: [min(k * per, total), min((k + 1) * per,
  // total)), per = ceil(total / T) rounded up to the granule.
  OpFoldResult per = affine::makeComposedFoldedAffineApply(
      rewriter, loc, s0.ceilDiv(numThreads).ceilDiv(granule) * granule,
      {total});
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  auto parallel = scf::ParallelOp::create(
      rewriter, loc, ValueRange{zero},
      ValueRange{arith::ConstantIndexOp::create(rewriter, loc, numThreads)},
      ValueRange{arith::ConstantIndexOp::create(rewriter, loc, 1)});
  rewriter.setInsertionPointToStart(parallel.getBody());
  Value k = parallel.getInductionVars().front();
  AffineExpr d0 = getAffineDimExpr(0, context);
  auto shareBound = [&](int64_t add) {
    return affine::makeComposedFoldedAffineMin(
        rewriter, loc, AffineMap::get(1, 2, {(d0 + add) * s0, s1}, context),
        {k, per, total});
  };
  OpFoldResult low = shareBound(0), high = shareBound(1);
  // The share's part of tensor i: its bounds less the tensor's offset,
  // clamped to [0, size].
  AffineMap below =
      AffineMap::get(0, 3, {s0 - s1, getAffineSymbolExpr(2, context)}, context);
  AffineMap above =
      AffineMap::get(0, 1, {s0, getAffineConstantExpr(0, context)}, context);
  for (size_t i = 0, e = run.size(); i < e; ++i) {
    auto local = [&](OpFoldResult bound) {
      return affine::makeComposedFoldedAffineMax(
          rewriter, loc, above,
          affine::makeComposedFoldedAffineMin(rewriter, loc, below,
                                              {bound, offsets[i], sizes[i]}));
    };
    OpFoldResult begin = local(low), end = local(high);
    // An arith op, which affine maps do not compose into: peeling then sees
    // the vector loop's bound as one value, and simplifies the tile size in
    // the main loop to the constant vector width (no masks).
    Value length = arith::SubIOp::create(
        rewriter, loc, getValueOrCreateConstantIndexOp(rewriter, loc, end),
        getValueOrCreateConstantIndexOp(rewriter, loc, begin));
    // The tile reads its operands from `begin` on, and offsets its indices
    // by `begin`.
    linalg::GenericOp op = run[i].op;
    FailureOr<TilingResult> tile =
        cast<TilingInterface>(op.getOperation())
            .getTiledImplementation(rewriter, {begin}, {OpFoldResult(length)});
    if (failed(tile))
      return op.emitError("could not take a thread's share of the "
                          "elementwise op");
    if (failed(vectorize(cast<linalg::GenericOp>(tile->tiledOps.front()))))
      return failure();
    rewriter.setInsertionPoint(parallel.getBody()->getTerminator());
  }
  for (ElementwiseGeneric &generic : run)
    rewriter.eraseOp(generic.op);
  return success();
}

namespace {

struct OptimVectorizeElementwisePass
    : optim::impl::OptimVectorizeElementwisePassBase<
          OptimVectorizeElementwisePass> {
  using Base::Base;

  /// The host's vector register width, when `vector-width` leaves it to the
  /// host; read once, in `initialize`.
  int64_t vectorBits = 0;
  /// The patterns that compute on bf16 vectors in f32 halves, built once.
  FrozenRewritePatternSet bf16PairPatterns;

  LogicalResult initialize(MLIRContext *context) override {
    if (failed(checkCPULoopOptions(context, getArgument(), vectorWidth,
                                   numThreads)))
      return failure();
    if (parallelThreshold < 0)
      return emitError(UnknownLoc::get(context),
                       "optim-vectorize-elementwise: parallel-threshold must "
                       "not be negative");
    vectorBits = vectorWidth > 0 ? 0 : getHostVectorBits();
    RewritePatternSet patterns(context);
    populateBF16PairPatterns(patterns);
    bf16PairPatterns = std::move(patterns);
    return success();
  }

  void runOnOperation() override {
    // The blocks holding generics, collected first: vectorisation creates
    // blocks. A rank-0 generic has no loop to vectorise:
    // convert-linalg-to-loops takes it.
    llvm::SetVector<Block *> blocks;
    getOperation()->walk([&](linalg::GenericOp op) {
      std::optional<ElementwiseGeneric> match = matchElementwiseGeneric(op);
      if (match && match->getRank() > 0)
        blocks.insert(op->getBlock());
    });
    for (Block *block : blocks)
      if (failed(vectorizeBlock(*block)))
        return signalPassFailure();
  }

private:
  /// Lanes per vector for `generic`, and whether it computes on bf16 pairs.
  std::pair<int64_t, bool> getLanes(ElementwiseGeneric &generic) const {
    // One register per arithmetic value: with bf16 operands and f32
    // arithmetic, a vector of bf16-many lanes would make every f32 value
    // two registers, and the loop slower (all-bf16 AdamW at 16M elements:
    // 78% of its probe with 32 lanes, 84% with 16; f64 with an f32
    // gradient: 88% with 16 lanes, 99% with 8).
    // An all-bf16 generic computing in f32 is read and written in pairs
    // of lanes, each f32 half of a bf16 vector one register: a conversion
    // is then a shift or a mask per register instead of shuffles
    // (all-bf16 AdamW on Zen 3: 3.2 cycles per element down to 1.9 by
    // llvm-mca; 12 to 20 GB/s at 1M elements on one thread).
    unsigned widest = generic.getWidestFloatBits();
    bool bf16Pairs = widest == 32 && generic.hasOnlyBF16Floats();
    unsigned laneBits = bf16Pairs ? 16
                        : widest  ? widest
                                  : generic.getNarrowestElementBits();
    int64_t lanes = vectorWidth > 0
                        ? vectorWidth
                        : std::max<int64_t>(1, vectorBits / laneBits);
    return {lanes, bf16Pairs};
  }

  /// Vectorises the generics of `block`. With several threads, each run of
  /// flat generics that can run together (`shareAcrossThreads`) becomes one
  /// parallel loop; an N-D generic that cannot be flattened stays on one
  /// thread, and scalar if it reads its indices (linalg::vectorize of LLVM
  /// 22 builds mismatched masks for such an N-D tile).
  LogicalResult vectorizeBlock(Block &block) {
    IRRewriter rewriter(&getContext());
    SmallVector<ElementwiseGeneric> run;
    BufferUses runBuffers;
    int64_t granule = kShareAlignment;
    // Vectorises a matched generic, or a thread's tile of one.
    auto vectorize = [&](linalg::GenericOp op) -> LogicalResult {
      std::optional<ElementwiseGeneric> match = matchElementwiseGeneric(op);
      if (!match)
        return op.emitError("a tile of an elementwise op is not elementwise");
      auto [lanes, pairs] = getLanes(*match);
      return vectorizeElementwise(rewriter, op, lanes,
                                  pairs ? &bf16PairPatterns : nullptr);
    };
    auto flush = [&]() -> LogicalResult {
      LogicalResult result = success();
      if (!run.empty())
        result = shareAcrossThreads(rewriter, run, granule, numThreads,
                                    parallelThreshold, vectorize);
      run.clear();
      runBuffers = BufferUses();
      granule = kShareAlignment;
      return result;
    };
    for (Operation &op : llvm::make_early_inc_range(block)) {
      auto generic = dyn_cast<linalg::GenericOp>(op);
      std::optional<ElementwiseGeneric> match =
          generic ? matchElementwiseGeneric(generic) : std::nullopt;
      if (!match || match->getRank() == 0) {
        if (!commutesWithGenerics(&op) && failed(flush()))
          return failure();
        continue;
      }
      if (!match->isFlat) {
        if (failed(flush()))
          return failure();
        if (!generic.hasIndexSemantics() && failed(vectorize(generic)))
          return failure();
        continue;
      }
      // A generic whose buffers may be any runs alone.
      bool known = BufferUses::hasKnownBuffers(*match);
      if ((!known || runBuffers.conflictsWith(*match)) && failed(flush()))
        return failure();
      ElementwiseGeneric flat = collapseToOneDim(rewriter, *match);
      if (numThreads > 1) {
        runBuffers.add(flat);
        granule = std::lcm(granule, getLanes(flat).first);
        run.push_back(flat);
      } else if (failed(vectorize(flat.op))) {
        return failure();
      }
      if (!known && failed(flush()))
        return failure();
    }
    return flush();
  }
};

} // namespace
