//===- RaiseAdamW.h - Recognising AdamW in elementwise linalg ---*- C++ -*-===//
//
// What optim-raise-adamw's recognition (MatchAdamW.cpp) and its rewriting
// (RaiseAdamW.cpp) share: the evaluation of elementwise bodies at a point,
// and the description of a matched update.
//
//===----------------------------------------------------------------------===//

#ifndef OPTIM_LIB_CONVERSION_LINALGTOOPTIM_RAISEADAMW_H
#define OPTIM_LIB_CONVERSION_LINALGTOOPTIM_RAISEADAMW_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "llvm/ADT/DenseMap.h"

#include <optional>

namespace mlir::optim::raise_adamw {

/// Evaluates values of elementwise linalg on tensors, per element, in f64:
/// the yield of an elementwise generic for one element of its full-rank
/// operands, through 0-d generics, `tensor.extract` of 0-d tensors and the
/// scalar arith and math ops. The values of `leaves` (full-rank tensors, for
/// the element; 0-d tensors) are given. A value it cannot evaluate (another
/// op, a generic reading its outputs, a non-elementwise map) has none.
class ElementEvaluator {
public:
  explicit ElementEvaluator(DenseMap<Value, double> leaves)
      : leaves(std::move(leaves)) {}

  std::optional<double> evaluate(Value value) {
    if (auto it = leaves.find(value); it != leaves.end())
      return it->second;
    if (auto it = cache.find(value); it != cache.end())
      return it->second;
    // Guards against cycles, which SSA forbids outside graph regions.
    if (++depth > kMaxDepth)
      return std::nullopt;
    std::optional<double> result = compute(value);
    --depth;
    if (result)
      cache[value] = *result;
    return result;
  }

private:
  static constexpr int kMaxDepth = 512;

  std::optional<double> compute(Value value);
  std::optional<double> computeOp(Operation *op, ArrayRef<double> args);

  DenseMap<Value, double> leaves, cache;
  int depth = 0;
};

/// One parameter's AdamW update, as found.
struct AdamWMatch {
  linalg::GenericOp paramUpdate, mUpdate, vUpdate;
  Value param, grad, m, v;
  /// The 0-d tensor of the step count the update reads, and what to add to
  /// its count to get t (1: torch's and optax's state count steps taken).
  Value stepSource;
  int64_t stepOffset = 1;
  /// The 0-d tensor of a learning rate given at run time, or null for the
  /// constant `lr`.
  Value lrSource;
  double beta1, beta2, lr, eps, weightDecay;
};

/// Matches `paramUpdate` as the parameter's update of an AdamW step, with the
/// hyperparameters it computes with.
std::optional<AdamWMatch> matchAdamW(linalg::GenericOp paramUpdate);

} // namespace mlir::optim::raise_adamw

#endif // OPTIM_LIB_CONVERSION_LINALGTOOPTIM_RAISEADAMW_H
