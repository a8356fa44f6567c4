//===- BF16.cpp - bf16 as integers on f32 bit patterns ----------*- C++ -*-===//
//
// The rounding of f32 to bf16 on the bit pattern, and the patterns that keep
// all-bf16 vector code in pairs of lanes.
//
//===----------------------------------------------------------------------===//

#include "optim/Transforms/Utils/BF16.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::optim;

/// The quiet NaN that every NaN rounds to, as torch's conversion does.
static constexpr uint64_t kBF16NaN = 0x7fc0;

/// `type` (a scalar or a shaped type) with `element` in place of its element
/// type.
static Type withElement(Type type, Type element) {
  if (auto shaped = dyn_cast<ShapedType>(type))
    return shaped.clone(element);
  return element;
}

Value mlir::optim::buildBF16RoundedBits(OpBuilder &b, Location loc, Value x) {
  Type i32 = withElement(x.getType(), b.getI32Type());
  auto constant = [&](int64_t value) {
    return createScalarOrSplatConstant(b, loc, i32, value);
  };
  // A NaN becomes the canonical quiet NaN, whose bias cannot carry.
  Value canonicalNaN = createScalarOrSplatConstant(
      b, loc, x.getType(),
      APFloat(APFloat::IEEEsingle(), APInt(32, kBF16NaN << 16)));
  x = arith::SelectOp::create(
      b, loc, arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, x, x),
      canonicalNaN, x);
  Value bits = arith::BitcastOp::create(b, loc, i32, x);
  Value lowestKept = arith::AndIOp::create(
      b, loc, arith::ShRUIOp::create(b, loc, bits, constant(16)), constant(1));
  return arith::AddIOp::create(
      b, loc, bits,
      arith::AddIOp::create(b, loc, lowestKept, constant(0x7fff)));
}

Value mlir::optim::buildTruncateToBF16(OpBuilder &b, Location loc, Value x) {
  Value rounded = buildBF16RoundedBits(b, loc, x);
  Value high = arith::ShRUIOp::create(
      b, loc, rounded,
      createScalarOrSplatConstant(b, loc, rounded.getType(), 16));
  Value bits = arith::TruncIOp::create(
      b, loc, withElement(x.getType(), b.getI16Type()), high);
  return arith::BitcastOp::create(
      b, loc, withElement(x.getType(), b.getBF16Type()), bits);
}

Value mlir::optim::buildExtendFromBF16(OpBuilder &b, Location loc, Value x,
                                       Type type) {
  Type i16 = withElement(x.getType(), b.getI16Type());
  Type i32 = withElement(x.getType(), b.getI32Type());
  Type f32 = withElement(x.getType(), b.getF32Type());
  Value wide = arith::ExtUIOp::create(b, loc, i32,
                                      arith::BitcastOp::create(b, loc, i16, x));
  Value high = arith::ShLIOp::create(
      b, loc, wide, createScalarOrSplatConstant(b, loc, i32, 16));
  Value result = arith::BitcastOp::create(b, loc, f32, high);
  if (type != f32)
    result = arith::ExtFOp::create(b, loc, type, result);
  return result;
}

/// The high halves of i32 words as a mask.
static constexpr int64_t kHighHalf = -65536; // 0xffff0000

/// A 1-D vector of an even number of lanes of `elementType`, or null.
static VectorType getPairedVector(Type type, Type elementType) {
  auto vector = dyn_cast<VectorType>(type);
  if (!vector || vector.getRank() != 1 || vector.isScalable() ||
      vector.getNumElements() % 2 != 0 ||
      vector.getElementType() != elementType)
    return {};
  return vector;
}

/// `vector` with half its lanes.
static VectorType getHalf(VectorType vector) {
  return VectorType::get({vector.getNumElements() / 2},
                         vector.getElementType());
}

/// The even and odd lanes of `value`, if they come without a shuffle: from
/// an interleave, a splat, a constant or `vector.step`; a scalar (the
/// condition of a select) is both. Creates the halves of splats and
/// constants when `rewriter` is given.
static std::optional<std::pair<Value, Value>>
getHalves(Value value, PatternRewriter *rewriter = nullptr) {
  auto vector = dyn_cast<VectorType>(value.getType());
  if (!vector)
    return std::make_pair(value, value);
  VectorType half = getHalf(vector);
  Location loc = value.getLoc();
  if (auto interleave = value.getDefiningOp<vector::InterleaveOp>())
    return std::make_pair(interleave.getLhs(), interleave.getRhs());
  if (auto broadcast = value.getDefiningOp<vector::BroadcastOp>()) {
    if (isa<VectorType>(broadcast.getSourceType()))
      return std::nullopt;
    if (!rewriter)
      return std::make_pair(value, value);
    Value part = vector::BroadcastOp::create(*rewriter, loc, half,
                                             broadcast.getSource());
    return std::make_pair(part, part);
  }
  // Constants, and `vector.step` (0, 1, 2, ...) as one, split by lane.
  SmallVector<Attribute> lanes;
  DenseElementsAttr dense;
  if (matchPattern(value, m_Constant(&dense))) {
    lanes = llvm::to_vector(dense.getValues<Attribute>());
  } else if (value.getDefiningOp<vector::StepOp>()) {
    for (int64_t i = 0, e = vector.getNumElements(); i < e; ++i)
      lanes.push_back(IntegerAttr::get(vector.getElementType(), i));
  } else {
    return std::nullopt;
  }
  if (!rewriter)
    return std::make_pair(value, value);
  SmallVector<Attribute> even, odd;
  for (auto [i, lane] : llvm::enumerate(lanes))
    (i % 2 == 0 ? even : odd).push_back(lane);
  auto constant = [&](ArrayRef<Attribute> values) -> Value {
    return arith::ConstantOp::create(*rewriter, loc,
                                     DenseElementsAttr::get(half, values));
  };
  return std::make_pair(constant(even), constant(odd));
}

namespace {
/// extf bf16 -> f32 as the interleave of the widened even and odd lanes.
struct ExtendPairs : OpRewritePattern<arith::ExtFOp> {
  using Base::Base;

  LogicalResult matchAndRewrite(arith::ExtFOp op,
                                PatternRewriter &rewriter) const override {
    VectorType source =
        getPairedVector(op.getIn().getType(), rewriter.getBF16Type());
    if (!source || !getElementTypeOrSelf(op.getType()).isF32())
      return rewriter.notifyMatchFailure(op, "not a bf16 pair vector to f32");
    Location loc = op.getLoc();
    int64_t half = source.getNumElements() / 2;
    auto words = VectorType::get({half}, rewriter.getI32Type());
    auto floats = VectorType::get({half}, rewriter.getF32Type());
    auto constant = [&](int64_t value) {
      return createScalarOrSplatConstant(rewriter, loc, words, value);
    };
    Value word = vector::BitCastOp::create(rewriter, loc, words, op.getIn());
    Value even = arith::BitcastOp::create(
        rewriter, loc, floats,
        arith::ShLIOp::create(rewriter, loc, word, constant(16)));
    Value odd = arith::BitcastOp::create(
        rewriter, loc, floats,
        arith::AndIOp::create(rewriter, loc, word, constant(kHighHalf)));
    rewriter.replaceOpWithNewOp<vector::InterleaveOp>(op, even, odd);
    return success();
  }
};

/// truncf f32 -> bf16 as the even and odd lanes rounded and packed.
struct TruncatePairs : OpRewritePattern<arith::TruncFOp> {
  using Base::Base;

  LogicalResult matchAndRewrite(arith::TruncFOp op,
                                PatternRewriter &rewriter) const override {
    if (!getPairedVector(op.getIn().getType(), rewriter.getF32Type()) ||
        !getElementTypeOrSelf(op.getType()).isBF16() ||
        op.getRoundingmodeAttr())
      return rewriter.notifyMatchFailure(op, "not an f32 pair vector to bf16");
    Location loc = op.getLoc();
    auto halves = vector::DeinterleaveOp::create(rewriter, loc, op.getIn());
    Value even = buildBF16RoundedBits(rewriter, loc, halves.getRes1());
    Value odd = buildBF16RoundedBits(rewriter, loc, halves.getRes2());
    auto constant = [&](int64_t value) {
      return createScalarOrSplatConstant(rewriter, loc, even.getType(), value);
    };
    Value word = arith::OrIOp::create(
        rewriter, loc,
        arith::ShRUIOp::create(rewriter, loc, even, constant(16)),
        arith::AndIOp::create(rewriter, loc, odd, constant(kHighHalf)));
    rewriter.replaceOpWithNewOp<vector::BitCastOp>(op, op.getType(), word);
    return success();
  }
};

/// An elementwise op on interleaved halves (and splats or constants) as the
/// same op on each half.
struct SplitElementwise : RewritePattern {
  SplitElementwise(MLIRContext *context)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, context) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    if (!op->hasTrait<OpTrait::Elementwise>() || op->getNumResults() != 1 ||
        op->getNumRegions() != 0)
      return rewriter.notifyMatchFailure(op, "not a one-result elementwise op");
    auto result = dyn_cast<VectorType>(op->getResult(0).getType());
    if (!result || !getPairedVector(result, result.getElementType()))
      return rewriter.notifyMatchFailure(op, "not on a pair vector");
    // Only values already in halves, and lane numbers, call for a split: an
    // op on splats and constants alone stays whole.
    auto inHalves = [](Value v) {
      return v.getDefiningOp<vector::InterleaveOp>() ||
             v.getDefiningOp<vector::StepOp>();
    };
    if (!llvm::any_of(op->getOperands(), inHalves) ||
        !llvm::all_of(op->getOperands(),
                      [](Value v) { return getHalves(v).has_value(); }))
      return rewriter.notifyMatchFailure(op, "operands not in halves");

    SmallVector<Value> even, odd;
    for (Value operand : op->getOperands()) {
      auto [e, o] = *getHalves(operand, &rewriter);
      even.push_back(e);
      odd.push_back(o);
    }
    auto build = [&](ValueRange operands) {
      OperationState state(op->getLoc(), op->getName(), operands,
                           {getHalf(result)}, op->getAttrs());
      return rewriter.create(state)->getResult(0);
    };
    rewriter.replaceOpWithNewOp<vector::InterleaveOp>(op, build(even),
                                                      build(odd));
    return success();
  }
};

/// deinterleave(interleave(a, b)) = a, b.
struct DeinterleaveOfInterleave : OpRewritePattern<vector::DeinterleaveOp> {
  using Base::Base;

  LogicalResult matchAndRewrite(vector::DeinterleaveOp op,
                                PatternRewriter &rewriter) const override {
    auto interleave = op.getSource().getDefiningOp<vector::InterleaveOp>();
    if (!interleave)
      return rewriter.notifyMatchFailure(op, "not of an interleave");
    rewriter.replaceOp(op, {interleave.getLhs(), interleave.getRhs()});
    return success();
  }
};
} // namespace

void mlir::optim::populateBF16PairPatterns(RewritePatternSet &patterns) {
  patterns.add<ExtendPairs, TruncatePairs, SplitElementwise,
               DeinterleaveOfInterleave>(patterns.getContext());
}
