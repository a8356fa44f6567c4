//===- LegalizeBF16.cpp - bf16 as integers for x86 codegen ------*- C++ -*-===//
//
// Rewrites the bf16 conversions, and the masked bf16 vector accesses, that
// x86 instruction selection would lower to a library call per lane.
//
//===----------------------------------------------------------------------===//

#include "optim/Transforms/Passes.h"
#include "optim/Transforms/Utils/BF16.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::optim {
#define GEN_PASS_DEF_OPTIMLEGALIZEBF16PASS
#include "optim/Transforms/Passes.h.inc"
} // namespace mlir::optim

using namespace mlir;

/// The i16 vector type of a bf16 vector type, or null.
static VectorType getBF16AsI16(Type type) {
  auto vector = dyn_cast<VectorType>(type);
  if (!vector || !vector.getElementType().isBF16())
    return {};
  return vector.clone(IntegerType::get(type.getContext(), 16));
}

namespace {
/// f32 -> bf16, to nearest even, on the bit pattern.
struct TruncateF32ToBF16 : OpRewritePattern<arith::TruncFOp> {
  using Base::Base;

  LogicalResult matchAndRewrite(arith::TruncFOp op,
                                PatternRewriter &rewriter) const override {
    Value x = op.getIn();
    if (!getElementTypeOrSelf(x).isF32() ||
        !getElementTypeOrSelf(op.getType()).isBF16() ||
        op.getRoundingmodeAttr())
      return rewriter.notifyMatchFailure(op, "not f32 to bf16, to nearest");
    rewriter.replaceOp(op,
                       optim::buildTruncateToBF16(rewriter, op.getLoc(), x));
    return success();
  }
};

/// bf16 -> f32 (or f64): the bf16 pattern is the high half of the f32 one.
struct ExtendBF16 : OpRewritePattern<arith::ExtFOp> {
  using Base::Base;

  LogicalResult matchAndRewrite(arith::ExtFOp op,
                                PatternRewriter &rewriter) const override {
    Value x = op.getIn();
    if (!getElementTypeOrSelf(x).isBF16())
      return rewriter.notifyMatchFailure(op, "not from bf16");
    rewriter.replaceOp(
        op, optim::buildExtendFromBF16(rewriter, op.getLoc(), x, op.getType()));
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
    patterns.add<TruncateF32ToBF16, ExtendBF16, LoadBF16AsI16, StoreBF16AsI16>(
        &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
