//===- ElementEvaluator.cpp - Elementwise bodies at a point -----*- C++ -*-===//
//
// Evaluates the scalar computation of one element of elementwise linalg on
// tensors, in f64, for optim-raise-adamw's recognition.
//
//===----------------------------------------------------------------------===//

#include "RaiseAdamW.h"
#include "optim/Transforms/Utils/Elementwise.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::optim;
using namespace mlir::optim::raise_adamw;

/// Rounds `x` to the precision of `type`.
static double roundTo(Type type, double x) {
  if (type.isF32())
    return static_cast<float>(x);
  return x;
}

std::optional<double> ElementEvaluator::compute(Value value) {
  // A block argument of a generic's body: its input operand's element.
  if (auto arg = dyn_cast<BlockArgument>(value)) {
    auto generic = dyn_cast<linalg::GenericOp>(arg.getOwner()->getParentOp());
    if (!generic || arg.getArgNumber() >= generic.getNumDpsInputs())
      return std::nullopt;
    return evaluate(generic.getDpsInputOperand(arg.getArgNumber())->get());
  }
  Operation *op = value.getDefiningOp();
  // A generic's result: its yield, for the element (of a 0-d generic: its
  // one value).
  if (auto generic = dyn_cast<linalg::GenericOp>(op)) {
    if (generic.getNumLoops() != generic.getNumParallelLoops() ||
        generic.hasIndexSemantics() || !hasIdentityOrScalarMaps(generic))
      return std::nullopt;
    auto yield = cast<linalg::YieldOp>(generic.getBody()->getTerminator());
    return evaluate(yield.getOperand(cast<OpResult>(value).getResultNumber()));
  }
  if (auto extract = dyn_cast<tensor::ExtractOp>(op)) {
    if (extract.getTensor().getType().getRank() != 0)
      return std::nullopt;
    return evaluate(extract.getTensor());
  }
  if (!op || op->getNumResults() != 1 || op->getNumRegions() != 0)
    return std::nullopt;
  SmallVector<double, 3> args;
  for (Value operand : op->getOperands()) {
    std::optional<double> arg = evaluate(operand);
    if (!arg)
      return std::nullopt;
    args.push_back(*arg);
  }
  std::optional<double> result = computeOp(op, args);
  // Arithmetic is exact enough in f64 to tell the hyperparameters apart;
  // only the rounding of constants to the program's type is kept, so that
  // an f32 constant evaluates to its f32 value.
  if (result && isa<arith::TruncFOp>(op))
    return roundTo(op->getResult(0).getType(), *result);
  return result;
}

std::optional<double> ElementEvaluator::computeOp(Operation *op,
                                                  ArrayRef<double> args) {
  Attribute constant;
  if (matchPattern(op->getResult(0), m_Constant(&constant))) {
    if (auto f = dyn_cast<FloatAttr>(constant))
      return f.getValueAsDouble();
    if (auto i = dyn_cast<IntegerAttr>(constant))
      return static_cast<double>(i.getValue().getSExtValue());
    if (auto dense = dyn_cast<DenseElementsAttr>(constant);
        dense && dense.isSplat() && dense.getType().getRank() == 0) {
      if (isa<FloatType>(dense.getElementType()))
        return dense.getSplatValue<APFloat>().convertToDouble();
      return static_cast<double>(dense.getSplatValue<APInt>().getSExtValue());
    }
    return std::nullopt;
  }
  return TypeSwitch<Operation *, std::optional<double>>(op)
      .Case<arith::AddFOp, arith::AddIOp>(
          [&](auto) { return args[0] + args[1]; })
      .Case<arith::SubFOp, arith::SubIOp>(
          [&](auto) { return args[0] - args[1]; })
      .Case<arith::MulFOp, arith::MulIOp>(
          [&](auto) { return args[0] * args[1]; })
      .Case<arith::DivFOp>([&](auto) { return args[0] / args[1]; })
      .Case<arith::NegFOp>([&](auto) { return -args[0]; })
      .Case<arith::MaximumFOp>([&](auto) -> std::optional<double> {
        if (std::isnan(args[0]) || std::isnan(args[1]))
          return NAN;
        return std::max(args[0], args[1]);
      })
      .Case<arith::TruncFOp, arith::ExtFOp, arith::SIToFPOp, arith::UIToFPOp>(
          [&](auto) { return args[0]; })
      .Case<arith::SelectOp>(
          [&](auto) { return args[0] != 0 ? args[1] : args[2]; })
      .Case<arith::CmpFOp>([&](arith::CmpFOp cmp) -> std::optional<double> {
        return arith::applyCmpPredicate(cmp.getPredicate(), APFloat(args[0]),
                                        APFloat(args[1]));
      })
      .Case<arith::CmpIOp>([&](arith::CmpIOp cmp) -> std::optional<double> {
        APInt a(64, static_cast<int64_t>(args[0]), /*isSigned=*/true);
        APInt b(64, static_cast<int64_t>(args[1]), /*isSigned=*/true);
        return arith::applyCmpPredicate(cmp.getPredicate(), a, b);
      })
      .Case<math::SqrtOp>([&](auto) { return std::sqrt(args[0]); })
      .Case<math::RsqrtOp>([&](auto) { return 1.0 / std::sqrt(args[0]); })
      .Case<math::PowFOp>([&](auto) { return std::pow(args[0], args[1]); })
      .Default([](Operation *) { return std::nullopt; });
}
