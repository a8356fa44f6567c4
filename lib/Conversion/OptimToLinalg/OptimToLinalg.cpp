//===- OptimToLinalg.cpp - Lower optim ops to linalg ------------*- C++ -*-===//
//
// Lowers every optim step op (`StepOpInterface`) to one elementwise
// `linalg.generic`; for `optim.adamw_step`:
//
//   optim.adamw_step %p, %g, %m, %v, step %t, lr %lr : tensor<AxBxf32>
//     |
//     |  step scalars, once, in f64:   lr/(1-beta1^t), 1/sqrt(1-beta2^t),
//     |                                1 - lr*wd
//     v
//   linalg.generic ins(%g) outs(%p, %m, %v) {  m', v', p' per element }
//
// 0-d inputs (a grad scale) are read by every element: `(d0, ...) -> ()`.
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

/// Every step op becomes one elementwise generic: its inputs are the
/// generic's inputs, its states the generic's outputs (which the body also
/// reads), and the op builds the body through `StepOpInterface`.
struct StepOpLowering : OpInterfaceConversionPattern<StepOpInterface> {
  using OpInterfaceConversionPattern::OpInterfaceConversionPattern;

  LogicalResult
  matchAndRewrite(StepOpInterface op, ArrayRef<Value>,
                  ConversionPatternRewriter &rewriter) const override {
    auto adamw = dyn_cast<AdamWStepOp>(op.getOperation());
    if (adamw && adamw.hasQuantizedStates())
      return rewriter.notifyMatchFailure(op, "8-bit states are blockwise");
    Location loc = op.getLoc();
    SmallVector<Value> scalars = op.buildStepScalars(rewriter, loc);

    auto valuesOf = [](ArrayRef<OpOperand *> operands) {
      return llvm::map_to_vector(
          operands, [](OpOperand *operand) { return operand->get(); });
    };
    SmallVector<Value> inputs = valuesOf(op.getInputOperands());
    SmallVector<Value> states = valuesOf(op.getStateOperands());
    // Every element reads the one element of a 0-d input (a grad scale).
    int64_t rank = cast<ShapedType>(states.front().getType()).getRank();
    SmallVector<AffineMap> maps;
    for (Value operand : llvm::concat<Value>(inputs, states))
      maps.push_back(cast<ShapedType>(operand.getType()).getRank() == rank
                         ? rewriter.getMultiDimIdentityMap(rank)
                         : AffineMap::get(rank, 0, rewriter.getContext()));
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange(op->getResultTypes()), inputs, states, maps,
        iterators, [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
          SmallVector<Value> newStates = op.buildElementwiseBody(
              b, nestedLoc, args.take_front(inputs.size()),
              args.drop_front(inputs.size()), scalars);
          linalg::YieldOp::create(b, nestedLoc, newStates);
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
    WalkResult invalidStep = getOperation()->walk([](StepOpInterface op) {
      APInt step;
      if (!matchPattern(op.getStepCount(), m_ConstantInt(&step)) || step.sge(1))
        return WalkResult::advance();
      op->emitOpError("operand 'step' is the constant ")
          << step.getSExtValue() << "; steps are 1-indexed (expected >= 1)";
      return WalkResult::interrupt();
    });
    if (invalidStep.wasInterrupted())
      return signalPassFailure();

    ConversionTarget target(getContext());
    target.addIllegalDialect<OptimDialect>();
    // 8-bit moments are blockwise, not elementwise: such a step stays, to be
    // bufferized and lowered by `optim-lower-quantized-steps`.
    target.addDynamicallyLegalOp<AdamWStepOp>(
        [](AdamWStepOp op) { return op.hasQuantizedStates(); });
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
  patterns.add<StepOpLowering>(patterns.getContext());
}
