//===- OptimStepBodies.cpp - The arithmetic of the step ops -----*- C++ -*-===//
//
// What each step op computes, through `StepOpInterface`: the step scalars,
// emitted once in front of the elementwise loop, and one element's update.
// `convert-optim-to-linalg` puts them into a `linalg.generic`.
//
//===----------------------------------------------------------------------===//

#include "optim/Dialect/Optim/IR/OptimOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

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
  /// 1 - lr * weight_decay: the decoupled decay's factor of p; null when
  /// weight_decay is 0 (plain Adam) or the decay is L2.
  Decay,
  /// weight_decay, with L2 decay (g = g + wd * p); null otherwise.
  L2Coefficient,
  /// With stochastic rounding, the low and high 32 bits of the key of
  /// (seed, step) and, innermost last, the i32 stride of each dimension of
  /// the flattened element index (all modulo 2^32); null otherwise.
  RandomKeyLow,
  RandomKeyHigh,
  FirstStride,
};
} // namespace

/// `x ^ (x >> shift)` on integers of any width.
static Value xorShift(OpBuilder &b, Location loc, Value x, unsigned shift) {
  Value amount =
      arith::ConstantOp::create(b, loc, IntegerAttr::get(x.getType(), shift));
  return arith::XOrIOp::create(b, loc, x,
                               arith::ShRUIOp::create(b, loc, x, amount));
}

/// `x * factor` on integers of any width, wrapping.
static Value multiply(OpBuilder &b, Location loc, Value x, uint64_t factor) {
  unsigned width = x.getType().getIntOrFloatBitWidth();
  Value constant = arith::ConstantOp::create(
      b, loc, IntegerAttr::get(x.getType(), APInt(width, factor)));
  return arith::MulIOp::create(b, loc, x, constant);
}

/// splitmix64's finalizer (Steele, Lea and Flood) on an i64: the key of a
/// (seed, step), computed once per step.
static Value mix64(OpBuilder &b, Location loc, Value z) {
  z = multiply(b, loc, xorShift(b, loc, z, 30), 0xBF58476D1CE4E5B9ull);
  z = multiply(b, loc, xorShift(b, loc, z, 27), 0x94D049BB133111EBull);
  return xorShift(b, loc, z, 31);
}

/// Wellons' `lowbias32` on an i32: a bijection whose output bits all depend
/// on every input bit, in two 32-bit multiplies, which every vector unit
/// has (a 64-bit multiply needs AVX-512 on x86).
static Value mix32(OpBuilder &b, Location loc, Value x) {
  x = multiply(b, loc, xorShift(b, loc, x, 16), 0x21f0aaad);
  x = multiply(b, loc, xorShift(b, loc, x, 15), 0x735a2d97);
  return xorShift(b, loc, x, 15);
}

/// The golden-ratio increment of splitmix64, which spaces its inputs.
static constexpr uint64_t kGoldenGamma = 0x9E3779B97F4A7C15ull;

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
  SmallVector<Value> s(FirstStride);
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
  if (weightDecay != 0.0 && getDecay() == WeightDecay::l2) {
    s[L2Coefficient] = constCompute(weightDecay);
  } else if (weightDecay != 0.0) {
    Value lrWd = arith::MulFOp::create(b, loc, lr, constF64(weightDecay));
    s[Decay] = toCompute(arith::SubFOp::create(b, loc, one, lrWd));
  }
  if (getRounding() == Rounding::stochastic)
    appendRandomScalars(b, loc, s);
  return s;
}

/// The scalars the random bits of stochastic rounding need: the two halves
/// of the key mix64(seed * gamma + step), and the strides that flatten an
/// element's indices into its row-major index, modulo 2^32.
void AdamWStepOp::appendRandomScalars(OpBuilder &b, Location loc,
                                      SmallVectorImpl<Value> &s) {
  Type i32 = b.getI32Type(), i64 = b.getI64Type();
  Value key =
      mix64(b, loc,
            arith::AddIOp::create(
                b, loc, multiply(b, loc, getSeed(), kGoldenGamma), getStep()));
  s[RandomKeyLow] = arith::TruncIOp::create(b, loc, i32, key);
  s[RandomKeyHigh] = arith::TruncIOp::create(
      b, loc, i32,
      arith::ShRUIOp::create(
          b, loc, key,
          arith::ConstantOp::create(b, loc, IntegerAttr::get(i64, 32))));
  auto shaped = cast<ShapedType>(getParam().getType());
  SmallVector<Value> strides(shaped.getRank());
  Value stride = arith::ConstantOp::create(b, loc, IntegerAttr::get(i32, 1));
  for (int64_t dim = shaped.getRank() - 1; dim >= 0; --dim) {
    strides[dim] = stride;
    Value size = isa<MemRefType>(shaped)
                     ? Value(memref::DimOp::create(b, loc, getParam(), dim))
                     : Value(tensor::DimOp::create(b, loc, getParam(), dim));
    stride = arith::MulIOp::create(
        b, loc, stride, arith::IndexCastOp::create(b, loc, i32, size));
  }
  s.append(strides);
}

/// The neighbour of `nearest` (`x` rounded to nearest in a narrower type;
/// `back` is it widened again) on the side of `x`: one step of the bit
/// pattern, away from zero where |x| > |nearest|, else toward it.
static Value getNeighbourOnSide(OpBuilder &b, Location loc, Value x,
                                Value nearest, Value back) {
  Type bits = b.getIntegerType(nearest.getType().getIntOrFloatBitWidth());
  Value pattern = arith::BitcastOp::create(b, loc, bits, nearest);
  Value one = arith::ConstantOp::create(b, loc, IntegerAttr::get(bits, 1));
  Value away = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT,
                                     math::AbsFOp::create(b, loc, x),
                                     math::AbsFOp::create(b, loc, back));
  return arith::BitcastOp::create(
      b, loc, nearest.getType(),
      arith::SelectOp::create(b, loc, away,
                              arith::AddIOp::create(b, loc, pattern, one),
                              arith::SubIOp::create(b, loc, pattern, one)));
}

/// Rounds f64 `x` to f32 with round-to-odd: an inexact result takes the
/// neighbour whose last bit is 1. Rounding that to a format with at least two
/// fewer significand bits (bf16, f16) gives the correctly rounded narrowing of
/// `x`, which a direct f64 -> bf16/f16 truncation would otherwise leave to a
/// runtime library call that hosts may lack. NaN and infinities pass through.
static Value roundToOddF32(OpBuilder &b, Location loc, Value x) {
  Type f32 = b.getF32Type(), i32 = b.getI32Type();
  Value nearest = arith::TruncFOp::create(b, loc, f32, x);
  Value back = arith::ExtFOp::create(b, loc, x.getType(), nearest);
  // Inexact and even: the odd neighbour on x's side.
  Value inexact =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::ONE, back, x);
  Value even = arith::CmpIOp::create(
      b, loc, arith::CmpIPredicate::eq,
      arith::AndIOp::create(
          b, loc, arith::BitcastOp::create(b, loc, i32, nearest),
          arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(1))),
      arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0)));
  return arith::SelectOp::create(
      b, loc, arith::AndIOp::create(b, loc, inexact, even),
      getNeighbourOnSide(b, loc, x, nearest, back), nearest);
}

/// Converts `value` to the element type of `type`: widens, or rounds to
/// nearest (ties to even). A vector `value` (the 8-bit steps' loops build
/// the body on vectors) stays a vector of its shape.
static Value convertFloat(OpBuilder &b, Location loc, Value value, Type type) {
  Type element = getElementTypeOrSelf(type);
  if (getElementTypeOrSelf(value.getType()) == element)
    return value;
  unsigned from = getElementTypeOrSelf(value.getType()).getIntOrFloatBitWidth();
  unsigned to = element.getIntOrFloatBitWidth();
  type = element;
  if (auto vector = dyn_cast<VectorType>(value.getType()))
    type = vector.clone(element);
  if (from < to)
    return arith::ExtFOp::create(b, loc, type, value);
  if (from == 64 && to == 16)
    value = roundToOddF32(b, loc, value);
  return arith::TruncFOp::create(b, loc, type, value);
}

/// Rounds `x` (f32 or f64) to `target` (bf16 or f16) stochastically, given
/// 32 random bits in `bits`: to the nearest value below or above `x`, the
/// one farther away with probability distance / spacing, so that the
/// expected result is `x`. An f64 value is first rounded to f32 (to nearest).
///
/// bf16 is f32 without its low 16 bits: adding 16 random bits to the f32
/// pattern and clearing the low 16 rounds up (in magnitude) with exactly
/// that probability, into the exponent and to infinity where it must; the
/// result is then a bf16 value, converted exactly. NaN stays NaN.
///
/// f16 has fewer exponent bits than f32, so no fixed bit position works:
/// the nearest value `n` and its neighbour `n'` on the side of `x` (one step
/// of the bit pattern) are compared through `u * |n' - n| < |x - n|`, with
/// `u` the top 24 random bits as a fraction. The spacing is a power of two
/// and `x - n` exact, so the test is exact. Where the neighbour is infinite,
/// and for NaN and infinities, the result is `n`.
static Value roundStochastically(OpBuilder &b, Location loc, Value x,
                                 Type target, Value bits) {
  Type f32 = b.getF32Type(), i32 = b.getI32Type();
  auto constant = [&](Type type, uint64_t value) -> Value {
    return arith::ConstantOp::create(
        b, loc,
        IntegerAttr::get(type, APInt(type.getIntOrFloatBitWidth(), value)));
  };
  x = convertFloat(b, loc, x, f32);
  if (target.isBF16()) {
    Value pattern = arith::BitcastOp::create(b, loc, i32, x);
    Value random = arith::AndIOp::create(b, loc, bits, constant(i32, 0xffff));
    Value rounded = arith::AndIOp::create(
        b, loc, arith::AddIOp::create(b, loc, pattern, random),
        constant(i32, 0xffff0000));
    Value isNaN =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, x, x);
    Value exact = arith::SelectOp::create(
        b, loc, isNaN, x, arith::BitcastOp::create(b, loc, f32, rounded));
    return arith::TruncFOp::create(b, loc, target, exact);
  }

  Value nearest = arith::TruncFOp::create(b, loc, target, x);
  Value back = arith::ExtFOp::create(b, loc, f32, nearest);
  Value neighbour = getNeighbourOnSide(b, loc, x, nearest, back);
  Value spacing = math::AbsFOp::create(
      b, loc,
      arith::SubFOp::create(
          b, loc, arith::ExtFOp::create(b, loc, f32, neighbour), back));
  Value distance =
      math::AbsFOp::create(b, loc, arith::SubFOp::create(b, loc, x, back));
  Value uniform = arith::MulFOp::create(
      b, loc,
      arith::UIToFPOp::create(
          b, loc, f32, arith::ShRUIOp::create(b, loc, bits, constant(i32, 8))),
      arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0x1p-24f)));
  Value takeNeighbour = arith::CmpFOp::create(
      b, loc, arith::CmpFPredicate::OLT,
      arith::MulFOp::create(b, loc, uniform, spacing), distance);
  return arith::SelectOp::create(b, loc, takeNeighbour, neighbour, nearest);
}

/// One division and one square root per element, in the compute type: each
/// value read is converted to it and each value written rounded to its
/// operand's element type: to nearest, or, with stochastic rounding, the new
/// parameter where it is bf16 or f16 (`param`, `param_copy`).
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
  Value maxV = getMaxV() ? read(states[3]) : Value();
  ValueRange scalarInputs = inputs.drop_front();
  Value gradScale = getGradScale() ? read(scalarInputs.front()) : Value();
  Value foundInf = getFoundInf() ? read(scalarInputs.back()) : Value();

  // The gradient's options, in torch's order: unscaled, negated, then
  // L2-decayed.
  if (gradScale)
    g = arith::DivFOp::create(b, loc, g, gradScale, fm);
  if (getMaximize())
    g = arith::NegFOp::create(b, loc, g, fm);
  if (s[L2Coefficient])
    g = add(g, mul(s[L2Coefficient], p));
  Value mNew = add(mul(s[Beta1], m), mul(s[OneMinusBeta1], g));
  // ((1 - beta2) * g) * g, as torch computes it: g * g would overflow for
  // |g| above the square root of the largest float (1.8e19 in f32) where
  // the new v still fits.
  Value vNew = add(mul(s[Beta2], v), mul(mul(s[OneMinusBeta2], g), g));
  // amsgrad: the denominator uses the largest v so far.
  Value maxVNew = maxV ? arith::MaximumFOp::create(b, loc, maxV, vNew) : vNew;
  Value sqrtV = math::SqrtOp::create(b, loc, maxVNew);
  Value denom = add(mul(sqrtV, s[InvSqrtBiasCorrection2]), s[Eps]);
  Value ratio = arith::DivFOp::create(b, loc, mNew, denom, fm);
  Value pDecayed = s[Decay] ? mul(p, s[Decay]) : p;
  Value pNew =
      arith::SubFOp::create(b, loc, pDecayed, mul(s[StepSize], ratio), fm);

  // The random bits of this element: mix32(index ^ key low) ^ key high, the
  // index counted row-major over the whole tensor, modulo 2^32.
  Value bits;
  if (s[RandomKeyLow]) {
    Type i32 = b.getI32Type();
    Value index = arith::ConstantOp::create(b, loc, IntegerAttr::get(i32, 0));
    for (auto [dim, stride] : llvm::enumerate(s.drop_front(FirstStride))) {
      Value at = arith::IndexCastOp::create(
          b, loc, i32, linalg::IndexOp::create(b, loc, dim));
      index = arith::AddIOp::create(b, loc, index,
                                    arith::MulIOp::create(b, loc, at, stride));
    }
    bits = arith::XOrIOp::create(
        b, loc,
        mix32(b, loc, arith::XOrIOp::create(b, loc, index, s[RandomKeyLow])),
        s[RandomKeyHigh]);
  }
  // Parameters round stochastically where asked and bf16 or f16; m and v
  // to nearest.
  auto writeParam = [&](Value state) -> Value {
    Type type = state.getType();
    if (bits && (type.isBF16() || type.isF16()))
      return roundStochastically(b, loc, pNew, type, bits);
    return convertFloat(b, loc, pNew, type);
  };
  SmallVector<Value> written = {
      writeParam(states[0]), convertFloat(b, loc, mNew, states[1].getType()),
      convertFloat(b, loc, vNew, states[2].getType())};
  if (maxV)
    written.push_back(convertFloat(b, loc, maxVNew, states[3].getType()));
  if (getParamCopy())
    written.push_back(writeParam(states.back()));
  // A step with an inf or NaN in the scaled gradients writes every state
  // back as it was (NaN counts as found).
  if (foundInf) {
    Value zero =
        arith::ConstantOp::create(b, loc, b.getFloatAttr(computeType, 0.0));
    Value skip = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE,
                                       foundInf, zero);
    for (auto [value, old] : llvm::zip(written, states))
      value = arith::SelectOp::create(b, loc, skip, old, value);
  }
  return written;
}
