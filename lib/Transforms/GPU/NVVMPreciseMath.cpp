//===- NVVMPreciseMath.cpp - IEEE square roots in NVVM kernels --*- C++ -*-===//
//
// `convert-gpu-to-nvvm` lowers `math.sqrt` to libdevice's `__nv_sqrtf`, which
// NVVM reflection turns into `sqrt.approx.f32` unless `__CUDA_PREC_SQRT` is
// set, and which needs libdevice to be found at compile time. This pass
// replaces `math.sqrt` in GPU modules by the round-to-nearest NVVM intrinsics
// first, so kernels get `sqrt.rn.f32`/`sqrt.rn.f64` whatever the toolkit, and
// `math.rsqrt` (libdevice: `rsqrt.approx`) by a division of 1 by that. Ops
// whose `afn` flag allows an approximation keep it.
//
//===----------------------------------------------------------------------===//

#include "optim/Transforms/GPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::optim {
#define GEN_PASS_DEF_OPTIMNVVMPRECISEMATHPASS
#include "optim/Transforms/GPU/Passes.h.inc"
} // namespace mlir::optim

using namespace mlir;

/// True if `flags` let a function be approximated, which libdevice's
/// approximate routines then honour.
static bool allowsApproximation(arith::FastMathFlags flags) {
  return arith::bitEnumContainsAny(flags, arith::FastMathFlags::afn);
}

namespace {

/// math.sqrt -> llvm.nvvm.sqrt.rn.{f,d}, one lane at a time for vectors.
struct SqrtToRoundToNearest : OpRewritePattern<math::SqrtOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(math::SqrtOp op,
                                PatternRewriter &rewriter) const override {
    if (allowsApproximation(op.getFastmath()))
      return failure();
    Type type = op.getType();
    auto vectorType = dyn_cast<VectorType>(type);
    if (vectorType && (vectorType.getRank() != 1 || vectorType.isScalable()))
      return failure();
    Type elementType = getElementTypeOrSelf(type);
    StringRef intrinsic;
    if (elementType.isF32())
      intrinsic = "llvm.nvvm.sqrt.rn.f";
    else if (elementType.isF64())
      intrinsic = "llvm.nvvm.sqrt.rn.d";
    else
      return failure();

    Location loc = op.getLoc();
    auto sqrt = [&](Value x) -> Value {
      return LLVM::CallIntrinsicOp::create(rewriter, loc, elementType,
                                           rewriter.getStringAttr(intrinsic),
                                           ValueRange{x})
          .getResult(0);
    };
    if (!vectorType) {
      rewriter.replaceOp(op, sqrt(op.getOperand()));
      return success();
    }
    SmallVector<Value> lanes;
    for (int64_t i = 0, e = vectorType.getNumElements(); i < e; ++i)
      lanes.push_back(
          sqrt(vector::ExtractOp::create(rewriter, loc, op.getOperand(), i)));
    rewriter.replaceOpWithNewOp<vector::FromElementsOp>(op, vectorType, lanes);
    return success();
  }
};

/// math.rsqrt -> 1 / math.sqrt: libdevice's `__nv_rsqrt` is
/// `rsqrt.approx`, even in f64; a division and a square root, each correctly
/// rounded, are within an ulp or so.
struct RsqrtToDivideSqrt : OpRewritePattern<math::RsqrtOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(math::RsqrtOp op,
                                PatternRewriter &rewriter) const override {
    Type elementType = getElementTypeOrSelf(op.getType());
    if (allowsApproximation(op.getFastmath()) ||
        !(elementType.isF32() || elementType.isF64()))
      return failure();
    Location loc = op.getLoc();
    Value one = arith::ConstantOp::create(rewriter, loc, op.getType(),
                                          rewriter.getOneAttr(op.getType()));
    Value sqrt =
        math::SqrtOp::create(rewriter, loc, op.getOperand(), op.getFastmath());
    rewriter.replaceOpWithNewOp<arith::DivFOp>(op, one, sqrt, op.getFastmath());
    return success();
  }
};

struct OptimNVVMPreciseMathPass
    : optim::impl::OptimNVVMPreciseMathPassBase<OptimNVVMPreciseMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<RsqrtToDivideSqrt, SqrtToRoundToNearest>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
