//===- OptimStepBodies.cpp - The arithmetic of the step ops -----*- C++ -*-===//
//
// What each step op computes, through `StepOpInterface`: the step scalars,
// emitted once in front of the elementwise loop, and one element's update.
// `convert-optim-to-linalg` puts them into a `linalg.generic`.
//
//===----------------------------------------------------------------------===//

#include "optim/Dialect/Optim/IR/OptimOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;
using namespace mlir::optim;

//===----------------------------------------------------------------------===//
// AdamWStepOp
//===----------------------------------------------------------------------===//

namespace {
/// The positions of AdamW's step scalars, all of the compute type.
enum AdamWScalar : unsigned {
  Beta1,
  OneMinusBeta1,
  Beta2,
  OneMinusBeta2,
  Eps,
  /// lr / (1 - beta1^t).
  StepSize,
  /// 1 / sqrt(1 - beta2^t).
  InvSqrtBiasCorrection2,
  /// 1 - lr * weight_decay; null when weight_decay is 0 (plain Adam).
  Decay,
  NumAdamWScalars
};
} // namespace

/// The scalars are computed in f64 and rounded once to the compute type, as
/// PyTorch does with its Python-float scalars.
SmallVector<Value> AdamWStepOp::buildStepScalars(OpBuilder &b, Location loc) {
  auto computeType = cast<FloatType>(getComputeType());
  Type f64 = b.getF64Type();
  auto constF64 = [&](double x) -> Value {
    return arith::ConstantOp::create(b, loc, b.getF64FloatAttr(x));
  };
  auto constCompute = [&](double x) -> Value {
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(computeType, x));
  };
  auto toCompute = [&](Value x) -> Value {
    if (computeType == f64)
      return x;
    return arith::TruncFOp::create(b, loc, computeType, x);
  };

  Value one = constF64(1.0);
  Value t = arith::SIToFPOp::create(b, loc, f64, getStep());
  Value lr = getLr();
  if (computeType != f64)
    lr = arith::ExtFOp::create(b, loc, f64, lr);
  auto biasCorrection = [&](double beta) -> Value {
    Value power = math::PowFOp::create(b, loc, constF64(beta), t);
    return arith::SubFOp::create(b, loc, one, power);
  };

  double beta1 = getBeta1().convertToDouble();
  double beta2 = getBeta2().convertToDouble();
  double weightDecay = getWeightDecay().convertToDouble();
  SmallVector<Value> s(NumAdamWScalars);
  s[Beta1] = constCompute(beta1);
  s[OneMinusBeta1] = constCompute(1.0 - beta1);
  s[Beta2] = constCompute(beta2);
  s[OneMinusBeta2] = constCompute(1.0 - beta2);
  s[Eps] = constCompute(getEps().convertToDouble());
  s[StepSize] =
      toCompute(arith::DivFOp::create(b, loc, lr, biasCorrection(beta1)));
  Value sqrtBc2 = math::SqrtOp::create(b, loc, biasCorrection(beta2));
  s[InvSqrtBiasCorrection2] =
      toCompute(arith::DivFOp::create(b, loc, one, sqrtBc2));
  if (weightDecay != 0.0) {
    Value lrWd = arith::MulFOp::create(b, loc, lr, constF64(weightDecay));
    s[Decay] = toCompute(arith::SubFOp::create(b, loc, one, lrWd));
  }
  return s;
}

/// Converts `value` to `type`: widens, or rounds to nearest (ties to even).
static Value convertFloat(OpBuilder &b, Location loc, Value value, Type type) {
  unsigned from = value.getType().getIntOrFloatBitWidth();
  if (value.getType() == type)
    return value;
  if (from < type.getIntOrFloatBitWidth())
    return arith::ExtFOp::create(b, loc, type, value);
  return arith::TruncFOp::create(b, loc, type, value);
}

/// One division and one square root per element, in the compute type: each
/// value read is converted to it and each value written rounded to its
/// operand's element type.
SmallVector<Value> AdamWStepOp::buildElementwiseBody(OpBuilder &b, Location loc,
                                                     ValueRange inputs,
                                                     ValueRange states,
                                                     ValueRange s) {
  Type computeType = getComputeType();
  // `contract` lets the backend form FMAs; nothing is reassociated.
  auto fm = arith::FastMathFlagsAttr::get(b.getContext(),
                                          arith::FastMathFlags::contract);
  auto mul = [&](Value x, Value y) -> Value {
    return arith::MulFOp::create(b, loc, x, y, fm);
  };
  auto add = [&](Value x, Value y) -> Value {
    return arith::AddFOp::create(b, loc, x, y, fm);
  };
  auto read = [&](Value x) { return convertFloat(b, loc, x, computeType); };
  Value g = read(inputs[0]), p = read(states[0]), m = read(states[1]),
        v = read(states[2]);

  Value mNew = add(mul(s[Beta1], m), mul(s[OneMinusBeta1], g));
  // ((1 - beta2) * g) * g, as torch computes it: g * g would overflow for
  // |g| above the square root of the largest float (1.8e19 in f32) where
  // the new v still fits.
  Value vNew = add(mul(s[Beta2], v), mul(mul(s[OneMinusBeta2], g), g));
  Value sqrtV = math::SqrtOp::create(b, loc, vNew);
  Value denom = add(mul(sqrtV, s[InvSqrtBiasCorrection2]), s[Eps]);
  Value ratio = arith::DivFOp::create(b, loc, mNew, denom, fm);
  Value pDecayed = s[Decay] ? mul(p, s[Decay]) : p;
  Value pNew =
      arith::SubFOp::create(b, loc, pDecayed, mul(s[StepSize], ratio), fm);
  auto write = [&](Value x, Value state) {
    return convertFloat(b, loc, x, state.getType());
  };
  return {write(pNew, states[0]), write(mNew, states[1]),
          write(vNew, states[2])};
}
