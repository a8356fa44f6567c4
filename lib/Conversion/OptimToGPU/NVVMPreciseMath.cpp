//===- NVVMPreciseMath.cpp - IEEE square roots in NVVM kernels --*- C++ -*-===//
//
// `convert-gpu-to-nvvm` lowers `math.sqrt` to libdevice's `__nv_sqrtf`, which
// NVVM reflection turns into `sqrt.approx.f32` unless `__CUDA_PREC_SQRT` is
// set, and which needs libdevice to be found at compile time. This pass
// replaces `math.sqrt` in GPU modules by the round-to-nearest NVVM intrinsics
// first, so kernels get `sqrt.rn.f32`/`sqrt.rn.f64` whatever the toolkit.
//
//===----------------------------------------------------------------------===//

#include "optim/Conversion/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::optim {
#define GEN_PASS_DEF_OPTIMNVVMPRECISEMATHPASS
#include "optim/Conversion/Passes.h.inc"
} // namespace mlir::optim

using namespace mlir;

namespace {

/// math.sqrt -> llvm.nvvm.sqrt.rn.{f,d}, one lane at a time for vectors.
struct SqrtToRoundToNearest : OpRewritePattern<math::SqrtOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(math::SqrtOp op,
                                PatternRewriter &rewriter) const override {
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

struct OptimNVVMPreciseMathPass
    : optim::impl::OptimNVVMPreciseMathPassBase<OptimNVVMPreciseMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<SqrtToRoundToNearest>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
