//===- OptimToLinalg.cpp - Lower optim ops to linalg ------------*- C++ -*-===//
//
// Lowers `optim.adamw_step` to one elementwise `linalg.generic`:
//
//   optim.adamw_step %p, %g, %m, %v, step %t, lr %lr : tensor<AxBxf32>
//     |
//     |  step scalars, once, in f64:   lr/(1-beta1^t), 1/sqrt(1-beta2^t),
//     |                                1 - lr*wd
//     v
//   linalg.generic ins(%g) outs(%p, %m, %v) {  m', v', p' per element }
//
// The generic reads param, m and v through its `outs` block arguments, which
// is what lets one-shot bufferization write the results into the operands'
// buffers without copies.
//
//===----------------------------------------------------------------------===//

#include "optim/Conversion/OptimToLinalg/OptimToLinalg.h"
#include "optim/Conversion/Passes.h"
#include "optim/Dialect/Optim/IR/OptimOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::optim {
#define GEN_PASS_DEF_CONVERTOPTIMTOLINALGPASS
#include "optim/Conversion/Passes.h.inc"
} // namespace mlir::optim

using namespace mlir;
using namespace mlir::optim;

namespace {

/// The loop-invariant values of one AdamW step, in the element type.
struct AdamWScalars {
  Value beta1, oneMinusBeta1, beta2, oneMinusBeta2, eps;
  /// lr / (1 - beta1^t).
  Value stepSize;
  /// 1 / sqrt(1 - beta2^t).
  Value invSqrtBiasCorrection2;
  /// 1 - lr * weight_decay; null when weight_decay is 0 (plain Adam).
  Value decay;
};

/// Emits the step scalars in front of the elementwise loop. They are computed
/// in f64 and rounded once to the element type, as PyTorch does with its
/// Python-float scalars.
AdamWScalars buildScalars(OpBuilder &b, Location loc, AdamWStepOp::Adaptor op) {
  auto elementType = cast<FloatType>(
      cast<ShapedType>(op.getParam().getType()).getElementType());
  Type f64 = b.getF64Type();
  auto constF64 = [&](double x) -> Value {
    return arith::ConstantOp::create(b, loc, b.getF64FloatAttr(x));
  };
  auto constElement = [&](double x) -> Value {
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(elementType, x));
  };
  auto toElement = [&](Value x) -> Value {
    if (elementType == f64)
      return x;
    return arith::TruncFOp::create(b, loc, elementType, x);
  };

  Value one = constF64(1.0);
  Value t = arith::SIToFPOp::create(b, loc, f64, op.getStep());
  Value lr = op.getLr();
  if (elementType != f64)
    lr = arith::ExtFOp::create(b, loc, f64, lr);
  auto biasCorrection = [&](double beta) -> Value {
    Value power = math::PowFOp::create(b, loc, constF64(beta), t);
    return arith::SubFOp::create(b, loc, one, power);
  };

  AdamWScalars s;
  s.beta1 = constElement(op.getBeta1().convertToDouble());
  s.oneMinusBeta1 = constElement(1.0 - op.getBeta1().convertToDouble());
  s.beta2 = constElement(op.getBeta2().convertToDouble());
  s.oneMinusBeta2 = constElement(1.0 - op.getBeta2().convertToDouble());
  s.eps = constElement(op.getEps().convertToDouble());
  s.stepSize = toElement(arith::DivFOp::create(
      b, loc, lr, biasCorrection(op.getBeta1().convertToDouble())));
  Value sqrtBc2 = math::SqrtOp::create(
      b, loc, biasCorrection(op.getBeta2().convertToDouble()));
  s.invSqrtBiasCorrection2 =
      toElement(arith::DivFOp::create(b, loc, one, sqrtBc2));
  if (op.getWeightDecay().convertToDouble() != 0.0) {
    Value lrWd = arith::MulFOp::create(
        b, loc, lr, constF64(op.getWeightDecay().convertToDouble()));
    s.decay = toElement(arith::SubFOp::create(b, loc, one, lrWd));
  }
  return s;
}

/// Emits the per-element body: block arguments (g, p, m, v), yields
/// (p', m', v'). One division and one square root per element.
void buildAdamWBody(OpBuilder &b, Location loc, ValueRange args,
                    const AdamWScalars &s) {
  // `contract` lets the backend form FMAs; nothing is reassociated.
  auto fm = arith::FastMathFlagsAttr::get(b.getContext(),
                                          arith::FastMathFlags::contract);
  auto mul = [&](Value x, Value y) -> Value {
    return arith::MulFOp::create(b, loc, x, y, fm);
  };
  auto add = [&](Value x, Value y) -> Value {
    return arith::AddFOp::create(b, loc, x, y, fm);
  };
  Value g = args[0], p = args[1], m = args[2], v = args[3];

  Value mNew = add(mul(s.beta1, m), mul(s.oneMinusBeta1, g));
  Value vNew = add(mul(s.beta2, v), mul(s.oneMinusBeta2, mul(g, g)));
  Value sqrtV = math::SqrtOp::create(b, loc, vNew);
  Value denom = add(mul(sqrtV, s.invSqrtBiasCorrection2), s.eps);
  Value ratio = arith::DivFOp::create(b, loc, mNew, denom, fm);
  Value pDecayed = s.decay ? mul(p, s.decay) : p;
  Value pNew =
      arith::SubFOp::create(b, loc, pDecayed, mul(s.stepSize, ratio), fm);
  linalg::YieldOp::create(b, loc, ValueRange{pNew, mNew, vNew});
}

struct AdamWStepLowering : OpConversionPattern<AdamWStepOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(AdamWStepOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    AdamWScalars scalars = buildScalars(rewriter, loc, adaptor);

    SmallVector<Value> states = {adaptor.getGrad(), adaptor.getParam(),
                                 adaptor.getM(), adaptor.getV()};
    int64_t rank = cast<ShapedType>(states[0].getType()).getRank();
    SmallVector<Type> resultTypes;
    if (op.hasPureTensorSemantics())
      resultTypes = {states[1].getType(), states[2].getType(),
                     states[3].getType()};
    SmallVector<AffineMap> maps(4, rewriter.getMultiDimIdentityMap(rank));
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, resultTypes, ValueRange{states[0]},
        ValueRange{states[1], states[2], states[3]}, maps, iterators,
        [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
          buildAdamWBody(b, nestedLoc, args, scalars);
        });
    // The memref form has no results to replace.
    rewriter.replaceOp(op, generic);
    return success();
  }
};

struct ConvertOptimToLinalgPass
    : optim::impl::ConvertOptimToLinalgPassBase<ConvertOptimToLinalgPass> {
  void runOnOperation() override {
    // A step below 1 divides by 1 - beta^t = 0 or goes backwards. The
    // verifier cannot refuse it: it must not look at the producers of
    // operands, which folding changes (a valid op would become invalid).
    WalkResult invalidStep = getOperation()->walk([](AdamWStepOp op) {
      APInt step;
      if (!matchPattern(op.getStep(), m_ConstantInt(&step)) || step.sge(1))
        return WalkResult::advance();
      op.emitOpError("operand 'step' is the constant ")
          << step.getSExtValue() << "; steps are 1-indexed (expected >= 1)";
      return WalkResult::interrupt();
    });
    if (invalidStep.wasInterrupted())
      return signalPassFailure();

    ConversionTarget target(getContext());
    target.addIllegalDialect<OptimDialect>();
    // The ops the pattern creates (arith, math, linalg) must be legal too:
    // partial conversion leaves unknown ops that already exist alone, but
    // fails on new ones it cannot legalize.
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet patterns(&getContext());
    populateOptimToLinalgConversionPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void mlir::optim::populateOptimToLinalgConversionPatterns(
    RewritePatternSet &patterns) {
  patterns.add<AdamWStepLowering>(patterns.getContext());
}
