//===- LegalizeBF16.cpp - bf16 as integers for x86 codegen ------*- C++ -*-===//
//
// Rewrites the LLVM-dialect bf16 operations that x86 instruction selection
// would lower to a library call per lane.
//
//===----------------------------------------------------------------------===//

#include "optim/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::optim {
#define GEN_PASS_DEF_OPTIMLEGALIZEBF16PASS
#include "optim/Transforms/Passes.h.inc"
} // namespace mlir::optim

using namespace mlir;

/// `type` (a scalar or a vector) with `element` in place of its element type.
static Type withElement(Type type, Type element) {
  if (auto vector = dyn_cast<VectorType>(type))
    return vector.clone(element);
  return element;
}

/// The i16 vector type of a bf16 vector type, or null.
static VectorType getBF16AsI16(Type type) {
  auto vector = dyn_cast<VectorType>(type);
  if (!vector || !vector.getElementType().isBF16())
    return {};
  return vector.clone(IntegerType::get(type.getContext(), 16));
}

namespace {
/// f32 -> bf16, to nearest even: bf16 is f32 without its low 16 bits, so
/// adding 0x7fff plus the lowest kept bit and shifting rounds correctly,
/// including into the exponent and up to infinity. A NaN gets no bias, which
/// could carry into its sign, and its quiet bit is set instead. The NaN case
/// is an integer mask, not a select, which LLVM would fold into a select of
/// bf16 values.
struct TruncateF32ToBF16 : OpRewritePattern<LLVM::FPTruncOp> {
  using Base::Base;

  LogicalResult matchAndRewrite(LLVM::FPTruncOp op,
                                PatternRewriter &rewriter) const override {
    Value x = op.getArg();
    if (!getElementTypeOrSelf(x).isF32() ||
        !getElementTypeOrSelf(op.getType()).isBF16())
      return rewriter.notifyMatchFailure(op, "not f32 to bf16");

    Location loc = op.getLoc();
    Type i32 = withElement(x.getType(), rewriter.getI32Type());
    Type i16 = withElement(x.getType(), rewriter.getI16Type());
    auto constant = [&](int32_t value) -> Value {
      Attribute scalar = rewriter.getI32IntegerAttr(value);
      if (auto vector = dyn_cast<VectorType>(i32))
        scalar = SplatElementsAttr::get(vector, scalar);
      return LLVM::ConstantOp::create(rewriter, loc, i32, scalar);
    };
    Value bits = LLVM::BitcastOp::create(rewriter, loc, i32, x);
    // All ones where x is NaN, else zero.
    Value nanMask = LLVM::SExtOp::create(
        rewriter, loc, i32,
        LLVM::FCmpOp::create(rewriter, loc, LLVM::FCmpPredicate::uno, x, x));
    Value lowestKept = LLVM::AndOp::create(
        rewriter, loc, LLVM::LShrOp::create(rewriter, loc, bits, constant(16)),
        constant(1));
    Value bias = LLVM::AndOp::create(
        rewriter, loc,
        LLVM::AddOp::create(rewriter, loc, lowestKept, constant(0x7fff)),
        LLVM::XOrOp::create(rewriter, loc, nanMask, constant(-1)));
    Value quieted = LLVM::OrOp::create(
        rewriter, loc, bits,
        LLVM::AndOp::create(rewriter, loc, nanMask, constant(0x400000)));
    Value high = LLVM::LShrOp::create(
        rewriter, loc, LLVM::AddOp::create(rewriter, loc, quieted, bias),
        constant(16));
    rewriter.replaceOpWithNewOp<LLVM::BitcastOp>(
        op, op.getType(), LLVM::TruncOp::create(rewriter, loc, i16, high));
    return success();
  }
};

/// bf16 -> f32 (or f64): the bf16 pattern is the high half of the f32 one.
struct ExtendBF16 : OpRewritePattern<LLVM::FPExtOp> {
  using Base::Base;

  LogicalResult matchAndRewrite(LLVM::FPExtOp op,
                                PatternRewriter &rewriter) const override {
    Value x = op.getArg();
    if (!getElementTypeOrSelf(x).isBF16())
      return rewriter.notifyMatchFailure(op, "not from bf16");

    Location loc = op.getLoc();
    Type i16 = withElement(x.getType(), rewriter.getI16Type());
    Type i32 = withElement(x.getType(), rewriter.getI32Type());
    Type f32 = withElement(x.getType(), rewriter.getF32Type());
    Attribute sixteen = rewriter.getI32IntegerAttr(16);
    if (auto vector = dyn_cast<VectorType>(i32))
      sixteen = SplatElementsAttr::get(vector, sixteen);
    Value wide = LLVM::ZExtOp::create(
        rewriter, loc, i32, LLVM::BitcastOp::create(rewriter, loc, i16, x));
    Value high = LLVM::ShlOp::create(
        rewriter, loc, wide,
        LLVM::ConstantOp::create(rewriter, loc, i32, sixteen));
    Value result = LLVM::BitcastOp::create(rewriter, loc, f32, high);
    if (op.getType() != f32)
      result = LLVM::FPExtOp::create(rewriter, loc, op.getType(), result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// A masked load of bf16 lanes as one of i16 lanes.
struct LoadBF16AsI16 : OpRewritePattern<LLVM::MaskedLoadOp> {
  using Base::Base;

  LogicalResult matchAndRewrite(LLVM::MaskedLoadOp op,
                                PatternRewriter &rewriter) const override {
    VectorType i16 = getBF16AsI16(op.getType());
    if (!i16)
      return rewriter.notifyMatchFailure(op, "not a bf16 vector");
    Location loc = op.getLoc();
    Value passThru = op.getPassThru();
    if (passThru)
      passThru = LLVM::BitcastOp::create(rewriter, loc, i16, passThru);
    Value load = LLVM::MaskedLoadOp::create(
        rewriter, loc, i16, op.getData(), op.getMask(), passThru,
        op.getAlignmentAttr(), op.getNontemporalAttr());
    rewriter.replaceOpWithNewOp<LLVM::BitcastOp>(op, op.getType(), load);
    return success();
  }
};

/// A masked store of bf16 lanes as one of i16 lanes.
struct StoreBF16AsI16 : OpRewritePattern<LLVM::MaskedStoreOp> {
  using Base::Base;

  LogicalResult matchAndRewrite(LLVM::MaskedStoreOp op,
                                PatternRewriter &rewriter) const override {
    VectorType i16 = getBF16AsI16(op.getValue().getType());
    if (!i16)
      return rewriter.notifyMatchFailure(op, "not a bf16 vector");
    Value value =
        LLVM::BitcastOp::create(rewriter, op.getLoc(), i16, op.getValue());
    rewriter.modifyOpInPlace(op, [&] { op.getValueMutable().assign(value); });
    return success();
  }
};

struct OptimLegalizeBF16Pass
    : optim::impl::OptimLegalizeBF16PassBase<OptimLegalizeBF16Pass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ExtendBF16, TruncateF32ToBF16, LoadBF16AsI16, StoreBF16AsI16>(
        &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
