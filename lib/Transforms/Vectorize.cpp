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
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/TargetParser/Host.h"

#include <limits>

namespace mlir::optim {
#define GEN_PASS_DEF_OPTIMVECTORIZEELEMENTWISEPASS
#include "optim/Transforms/Passes.h.inc"
} // namespace mlir::optim

using namespace mlir;
using namespace mlir::optim;

/// The most lanes `vector-width` may ask for.
static constexpr int64_t kMaxVectorWidth = 1024;

/// The width of the host's widest vector registers: 512 bits with AVX-512,
/// 256 with AVX, otherwise 128.
static int64_t getHostVectorBits() {
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  if (features.lookup("avx512f"))
    return 512;
  if (features.lookup("avx"))
    return 256;
  return 128;
}

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
/// and vectorises both parts; with `bf16Pairs`, computes on their bf16
/// vectors as even and odd f32 halves (`populateBF16PairPatterns`).
static LogicalResult vectorizeElementwise(RewriterBase &rewriter,
                                          linalg::GenericOp op, int64_t lanes,
                                          bool bf16Pairs) {
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
  RewritePatternSet patterns(rewriter.getContext());
  populateBF16PairPatterns(patterns);
  FrozenRewritePatternSet frozen(std::move(patterns));
  for (Operation *region : tiledRegions)
    if (failed(applyPatternsGreedily(region, frozen)))
      return region->emitError("could not pair the bf16 lanes");
  return success();
}

/// Splits a flat generic of `size` elements into `numThreads` chunks of whole
/// vectors, each one an iteration of an `scf.parallel`, and vectorises the
/// chunks. Every chunk but the last starts on a multiple of the vector width
/// and has no remainder.
static LogicalResult splitAcrossThreads(RewriterBase &rewriter,
                                        linalg::GenericOp op, OpFoldResult size,
                                        int64_t lanes, bool bf16Pairs,
                                        int64_t numThreads) {
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  AffineExpr n = getAffineSymbolExpr(0, rewriter.getContext());
  OpFoldResult chunk = affine::makeComposedFoldedAffineApply(
      rewriter, loc, n.ceilDiv(numThreads).ceilDiv(lanes) * lanes, {size});

  scf::SCFTilingOptions options;
  options.setTileSizes({chunk});
  options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
  FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
      rewriter, cast<TilingInterface>(op.getOperation()), options);
  if (failed(tiled))
    return op.emitError("could not split the elementwise op into chunks");
  rewriter.eraseOp(op);
  auto forall = cast<scf::ForallOp>(tiled->loops.front().getOperation());
  if (failed(vectorizeElementwise(
          rewriter, cast<linalg::GenericOp>(tiled->tiledOps.front()), lanes,
          bf16Pairs)))
    return failure();
  return scf::forallToParallelLoop(rewriter, forall);
}

/// Vectorises `op`, on `numThreads` threads if it has at least `threshold`
/// elements: decided now for a static size, at run time for a dynamic one.
/// An empty op always stays on one thread: it has no chunk to split.
static LogicalResult parallelizeAndVectorize(RewriterBase &rewriter,
                                             ElementwiseGeneric generic,
                                             int64_t lanes, bool bf16Pairs,
                                             int64_t numThreads,
                                             int64_t threshold) {
  generic = collapseToOneDim(rewriter, std::move(generic));
  linalg::GenericOp op = generic.op;
  // linalg::vectorize of LLVM 22 builds mismatched masks for an N-D tile
  // that reads its indices; such a generic, which could not be flattened,
  // stays scalar.
  if (op.getNumLoops() > 1 && op.hasIndexSemantics())
    return success();
  if (numThreads <= 1 || op.getNumLoops() != 1)
    return vectorizeElementwise(rewriter, op, lanes, bf16Pairs);
  threshold = std::max<int64_t>(threshold, 1);

  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  OpFoldResult size =
      memref::getMixedSize(rewriter, loc, generic.getShapedOperand(), 0);
  if (std::optional<int64_t> staticSize = getConstantIntValue(size)) {
    if (*staticSize < threshold)
      return vectorizeElementwise(rewriter, op, lanes, bf16Pairs);
    return splitAcrossThreads(rewriter, op, size, lanes, bf16Pairs, numThreads);
  }

  Value large = arith::CmpIOp::create(
      rewriter, loc, arith::CmpIPredicate::sge,
      getValueOrCreateConstantIndexOp(rewriter, loc, size),
      arith::ConstantIndexOp::create(rewriter, loc, threshold));
  auto ifOp = scf::IfOp::create(rewriter, loc, large, /*withElseRegion=*/true);
  rewriter.setInsertionPointToStart(ifOp.thenBlock());
  auto parallelOp = cast<linalg::GenericOp>(rewriter.clone(*op));
  rewriter.setInsertionPointToStart(ifOp.elseBlock());
  auto sequentialOp = cast<linalg::GenericOp>(rewriter.clone(*op));
  rewriter.eraseOp(op);
  if (failed(vectorizeElementwise(rewriter, sequentialOp, lanes, bf16Pairs)))
    return failure();
  return splitAcrossThreads(rewriter, parallelOp, size, lanes, bf16Pairs,
                            numThreads);
}

namespace {

struct OptimVectorizeElementwisePass
    : optim::impl::OptimVectorizeElementwisePassBase<
          OptimVectorizeElementwisePass> {
  using Base::Base;

  /// The host's vector register width, when `vector-width` leaves it to the
  /// host; read once, in `initialize`.
  int64_t vectorBits = 0;

  LogicalResult initialize(MLIRContext *context) override {
    auto fail = [&](const Twine &message) {
      return emitError(UnknownLoc::get(context),
                       "optim-vectorize-elementwise: ")
             << message;
    };
    // Wider vectors than this only make LLVM's code generation slow (2^28
    // lanes took 13 s and 2 GB); OpenMP takes the thread count as an i32.
    if (vectorWidth < 0 || vectorWidth > kMaxVectorWidth)
      return fail("vector-width must be 0 (the host's) or from 1 to " +
                  Twine(kMaxVectorWidth));
    if (numThreads < 1 || numThreads > std::numeric_limits<int32_t>::max())
      return fail("num-threads must be from 1 to 2147483647");
    if (parallelThreshold < 0)
      return fail("parallel-threshold must not be negative");
    vectorBits = vectorWidth > 0 ? 0 : getHostVectorBits();
    return success();
  }

  void runOnOperation() override {
    // A rank-0 generic has no loop to vectorise: convert-linalg-to-loops
    // takes it.
    SmallVector<ElementwiseGeneric> generics;
    getOperation()->walk([&](linalg::GenericOp op) {
      std::optional<ElementwiseGeneric> match = matchElementwiseGeneric(op);
      if (match && match->getRank() > 0)
        generics.push_back(*match);
    });
    IRRewriter rewriter(&getContext());
    for (ElementwiseGeneric &generic : generics) {
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
      if (failed(parallelizeAndVectorize(rewriter, generic, lanes, bf16Pairs,
                                         numThreads, parallelThreshold)))
        return signalPassFailure();
    }
  }
};

} // namespace
