//===- RaiseAdamW.cpp - AdamW in elementwise linalg to optim ----*- C++ -*-===//
//
// Finds the AdamW update of a parameter in linalg on tensors, as frontends
// trace it (torch-mlir's export of torch.optim.AdamW, JAX's of optax.adamw,
// after elementwise fusion), and replaces it with one optim.adamw_step:
//
//   m' = generic(g, m)          a * g + b * m
//   v' = generic(g, v)          c * g * g + d * v
//   p' = generic(p, m', v', 0-d scalars of the step count)
//
// The forms differ by frontend and branch (a lerp or a sum for m', the bias
// corrections as divisions or as one scaled step size, the decay before or
// after the update), so the update is recognised by what it computes rather
// than by how it is written: the bodies are evaluated, in f64, at chosen
// points. m' and v' must be those linear forms, with a + b = 1 and c + d = 1
// (beta1 = b, beta2 = d); from p' at a few points the learning rate, eps
// and weight decay follow in closed form, and p' must then equal AdamW's
// update with them, at every step count tried, at random points, to the
// program's precision. Anything else (Adam's L2 decay inside the moments,
// amsgrad's maximum, a missing or mismatched bias correction) fails one of
// these tests and is left alone.
//
//===----------------------------------------------------------------------===//

#include "RaiseAdamW.h"
#include "optim/Conversion/Passes.h"
#include "optim/Dialect/Optim/IR/OptimOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::optim {
#define GEN_PASS_DEF_OPTIMRAISEADAMWPASS
#include "optim/Conversion/Passes.h.inc"
} // namespace mlir::optim

using namespace mlir;
using namespace mlir::optim;
using namespace mlir::optim::raise_adamw;

/// True for a generic without results whose body only asserts: torch's
/// checks that a divisor of its step is not zero.
static bool isAssertOnly(linalg::GenericOp generic) {
  if (!generic || generic->getNumResults() != 0)
    return false;
  return llvm::all_of(generic.getBody()->without_terminator(),
                      [](Operation &op) {
                        return isa<cf::AssertOp>(op) || isMemoryEffectFree(&op);
                      });
}

/// The op's i64 step from the 0-d step count `source` plus `offset`, built
/// once per count where the count is defined, so that the steps of all the
/// parameters that share a count share it.
static Value getStep(RewriterBase &rewriter, Value source, int64_t offset,
                     DenseMap<std::pair<Value, int64_t>, Value> &steps) {
  Value &cached = steps[{source, offset}];
  if (cached)
    return cached;
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPointAfterValue(source);
  Location loc = source.getLoc();
  Value count = tensor::ExtractOp::create(rewriter, loc, source, ValueRange());
  Type i64 = rewriter.getI64Type();
  Value step = isa<FloatType>(count.getType())
                   ? Value(arith::FPToSIOp::create(rewriter, loc, i64, count))
                   : Value(arith::ExtSIOp::create(rewriter, loc, i64, count));
  if (offset != 0)
    step = arith::AddIOp::create(
        rewriter, loc, step,
        arith::ConstantOp::create(rewriter, loc,
                                  rewriter.getI64IntegerAttr(offset)));
  return cached = step;
}

/// Replaces the matched update with one optim.adamw_step, then erases what
/// only computed it: the three generics, the 0-d generics of its step
/// scalars, and those of the assert-only generics `asserts` that only assert
/// on them (erased ones become null).
static void rewrite(RewriterBase &rewriter, const AdamWMatch &match,
                    DenseMap<std::pair<Value, int64_t>, Value> &steps,
                    MutableArrayRef<linalg::GenericOp> asserts) {
  linalg::GenericOp paramUpdate = match.paramUpdate;
  Location loc = paramUpdate.getLoc();
  Value step = getStep(rewriter, match.stepSource, match.stepOffset, steps);
  rewriter.setInsertionPoint(paramUpdate);

  auto elementOf = [](Value value) { return getElementTypeOrSelf(value); };
  Type computeType = getStepComputeType(
      {elementOf(match.param), elementOf(match.m), elementOf(match.v)});
  Value lr;
  if (match.lrSource) {
    lr = convertScalarToDtype(
        rewriter, loc,
        tensor::ExtractOp::create(rewriter, loc, match.lrSource, ValueRange()),
        computeType, /*isUnsignedCast=*/false);
  } else {
    lr = arith::ConstantOp::create(
        rewriter, loc, rewriter.getFloatAttr(computeType, match.lr));
  }
  auto op = AdamWStepOp::create(
      rewriter, loc, match.param, match.grad, match.m, match.v,
      /*max_v=*/Value(), /*param_copy=*/Value(), /*m_absmax=*/Value(),
      /*v_absmax=*/Value(), /*max_v_absmax=*/Value(), /*grad_scale=*/Value(),
      /*found_inf=*/Value(), step, lr, /*seed=*/Value(), Rounding::nearest,
      /*maximize=*/false, WeightDecay::decoupled, APFloat(match.beta1),
      APFloat(match.beta2), APFloat(match.eps), APFloat(match.weightDecay),
      /*block_size=*/256);

  // What only served the update: its 0-d scalars (and their extracts) and
  // the asserts on them.
  llvm::SetVector<Operation *> chain;
  for (linalg::GenericOp generic : {paramUpdate, match.mUpdate, match.vUpdate})
    chain.insert(generic);
  for (size_t i = 0; i < chain.size(); ++i)
    chain[i]->walk([&](Operation *nested) {
      for (Value operand : nested->getOperands()) {
        Operation *def = operand.getDefiningOp();
        if (auto extract = dyn_cast_or_null<tensor::ExtractOp>(def)) {
          chain.insert(extract);
          def = extract.getTensor().getDefiningOp();
        }
        if (auto generic = dyn_cast_or_null<linalg::GenericOp>(def);
            generic && generic.getNumLoops() == 0)
          chain.insert(generic);
      }
    });
  for (linalg::GenericOp &generic : asserts)
    if (generic && llvm::all_of(generic->getOperands(), [&](Value operand) {
          Operation *def = operand.getDefiningOp();
          return def && chain.contains(def);
        })) {
      rewriter.eraseOp(generic);
      generic = nullptr;
    }

  rewriter.replaceAllUsesWith(paramUpdate->getResult(0), op.getResult(0));
  rewriter.replaceAllUsesWith(match.mUpdate->getResult(0), op.getResult(1));
  rewriter.replaceAllUsesWith(match.vUpdate->getResult(0), op.getResult(2));
  // The update's generics, then what they alone read, until nothing more
  // is unused (the new step count, which the function returns, stays).
  SmallVector<Operation *> remaining = chain.takeVector();
  for (bool erased = true; erased;) {
    erased = false;
    for (Operation *&member : remaining)
      if (member && member->use_empty()) {
        rewriter.eraseOp(member);
        member = nullptr;
        erased = true;
      }
  }
}

namespace {

struct OptimRaiseAdamWPass
    : optim::impl::OptimRaiseAdamWPassBase<OptimRaiseAdamWPass> {
  void runOnOperation() override {
    SmallVector<AdamWMatch> matches;
    SmallVector<linalg::GenericOp> asserts;
    getOperation()->walk([&](linalg::GenericOp generic) {
      if (std::optional<AdamWMatch> match = matchAdamW(generic))
        matches.push_back(*match);
      else if (isAssertOnly(generic))
        asserts.push_back(generic);
    });
    IRRewriter rewriter(&getContext());
    DenseMap<std::pair<Value, int64_t>, Value> steps;
    for (const AdamWMatch &match : matches)
      rewrite(rewriter, match, steps, asserts);
  }
};

} // namespace
