//===- MatchAdamW.cpp - Recognising AdamW in elementwise linalg -*- C++ -*-===//
//
// The recognition of optim-raise-adamw (see RaiseAdamW.cpp): the moments'
// linear forms, the step count, and the hyperparameters that make the
// parameter's update AdamW's.
//
//===----------------------------------------------------------------------===//

#include "RaiseAdamW.h"
#include "optim/Transforms/Utils/Elementwise.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/SetVector.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>

using namespace mlir;
using namespace mlir::optim;
using namespace mlir::optim::raise_adamw;

/// An elementwise generic on tensors of one result, whose full-rank
/// operands' maps are the identity and whose other inputs are 0-d.
static bool isElementwiseOnTensors(linalg::GenericOp generic) {
  return generic && generic.hasPureTensorSemantics() &&
         generic->getNumResults() == 1 && generic.getNumLoops() > 0 &&
         generic.getNumLoops() == generic.getNumParallelLoops() &&
         !generic.hasIndexSemantics() && hasIdentityOrScalarMaps(generic);
}

/// The full-rank inputs of `generic`, in order, each once.
static SmallVector<Value> getFullRankInputs(linalg::GenericOp generic) {
  llvm::SetVector<Value> inputs;
  for (OpOperand *input : generic.getDpsInputOperands())
    if (generic.getMatchingIndexingMap(input).getNumResults() != 0)
      inputs.insert(input->get());
  return inputs.takeVector();
}

/// The values the scalars of `op` (a generic's 0-d inputs, and the values
/// its body takes from above) come from, through 0-d generics, extracts and
/// scalar ops, that nothing here computes: 0-d tensors from elsewhere and
/// function arguments (the step count; a learning rate given at run time).
static void collectScalarSources(Operation *op, llvm::SetVector<Value> &sources,
                                 DenseSet<Operation *> &seen) {
  if (!seen.insert(op).second)
    return;
  std::function<void(Value)> visit = [&](Value value) {
    Operation *def = value.getDefiningOp();
    if (auto generic = dyn_cast_or_null<linalg::GenericOp>(def);
        generic && generic.getNumLoops() == 0)
      return collectScalarSources(generic, sources, seen);
    if (isa_and_nonnull<tensor::ExtractOp>(def) ||
        (def && def->getNumRegions() == 0 && !isa<linalg::GenericOp>(def) &&
         def->getNumOperands() > 0)) {
      for (Value operand : def->getOperands())
        visit(operand);
      return;
    }
    if (!def || !matchPattern(value, m_Constant()))
      sources.insert(value);
  };
  auto generic = cast<linalg::GenericOp>(op);
  for (OpOperand *input : generic.getDpsInputOperands())
    if (generic.getMatchingIndexingMap(input).getNumResults() == 0)
      visit(input->get());
  generic.getBody()->walk([&](Operation *nested) {
    for (Value operand : nested->getOperands())
      if (!generic->isAncestor(operand.getParentBlock()->getParentOp()))
        visit(operand);
  });
}

/// How closely an f64 program must agree with AdamW, relatively: to f32's
/// precision, as frontends compute the bias corrections of f64 steps from an
/// f32 step count (torch-mlir's export does).
static constexpr double kF64Agreement = 1e-6;

/// The shortest decimal `d` whose `effect` the program's precision (`type`;
/// for f64, `kF64Agreement`) cannot tell from the effect of `x`: 0.9 for the
/// f32 constant 0.899999976, and for a weight decay that only enters as the f32
/// factor `1 - lr * weight_decay`, the shortest that gives that factor, so that
/// the op's attributes read as the user wrote them.
static double getShortestDecimal(
    double x, Type type,
    llvm::function_ref<double(double)> effect = [](double d) { return d; }) {
  double target = effect(x);
  for (int digits = 1; digits <= 17; ++digits) {
    char text[32];
    std::snprintf(text, sizeof(text), "%.*e", digits - 1, x);
    double candidate = effect(std::strtod(text, nullptr));
    if (type.isF32()
            ? static_cast<float>(candidate) == static_cast<float>(target)
            : std::abs(candidate - target) <= kF64Agreement * std::abs(target))
      return std::strtod(text, nullptr);
  }
  return x;
}

std::optional<AdamWMatch>
mlir::optim::raise_adamw::matchAdamW(linalg::GenericOp paramUpdate) {
  if (!isElementwiseOnTensors(paramUpdate))
    return std::nullopt;
  SmallVector<Value> inputs = getFullRankInputs(paramUpdate);
  if (inputs.size() != 3)
    return std::nullopt;

  // The moments: two of the inputs are generics of two full-rank inputs
  // each, sharing one (the gradient), and of constants (torch's lerp selects
  // its form on a 0-d flag); the third input is the parameter.
  AdamWMatch match;
  match.paramUpdate = paramUpdate;
  SmallVector<linalg::GenericOp> moments;
  for (Value input : inputs) {
    auto generic = input.getDefiningOp<linalg::GenericOp>();
    llvm::SetVector<Value> sources;
    DenseSet<Operation *> seen;
    if (generic && isElementwiseOnTensors(generic) &&
        getFullRankInputs(generic).size() == 2) {
      collectScalarSources(generic, sources, seen);
      if (sources.empty()) {
        moments.push_back(generic);
        continue;
      }
    }
    if (match.param)
      return std::nullopt;
    match.param = input;
  }
  if (moments.size() != 2 || !match.param ||
      match.param.getType() != paramUpdate->getResult(0).getType())
    return std::nullopt;
  Type elementType = getElementTypeOrSelf(match.param.getType());
  if (!elementType.isF32() && !elementType.isF64())
    return std::nullopt;

  // Evaluates `generic` with `x` and `y` for its full-rank inputs.
  auto evaluate2 = [](linalg::GenericOp generic, double x, double y) {
    SmallVector<Value> inputs = getFullRankInputs(generic);
    DenseMap<Value, double> leaves = {{inputs[0], x}, {inputs[1], y}};
    return ElementEvaluator(leaves).evaluate(generic->getResult(0));
  };
  // v' = c g^2 + d v: quadratic in one input (the gradient), linear in the
  // other; m' = a g + b m.
  struct Form {
    double square, linear, other;
  };
  auto fitForm = [&](linalg::GenericOp generic,
                     unsigned gradIndex) -> std::optional<Form> {
    auto at = [&](double g, double y) -> std::optional<double> {
      return gradIndex == 0 ? evaluate2(generic, g, y)
                            : evaluate2(generic, y, g);
    };
    std::optional<double> zero = at(0, 0), g1 = at(1, 0), g2 = at(2, 0),
                          y1 = at(0, 1);
    if (!zero || !g1 || !g2 || !y1 || *zero != 0)
      return std::nullopt;
    // g1 = s + l, g2 = 4s + 2l.
    Form form{(*g2 - 2 * *g1) / 2, 2 * *g1 - *g2 / 2, *y1};
    // The fit must hold elsewhere.
    for (auto [g, y] :
         {std::pair{0.37, -1.3}, std::pair{-2.5, 0.25}, std::pair{1.75, 3.5}}) {
      std::optional<double> actual = at(g, y);
      double expected = form.square * g * g + form.linear * g + form.other * y;
      if (!actual ||
          std::abs(*actual - expected) >
              1e-6 * (std::abs(expected) + std::abs(g) + std::abs(y)))
        return std::nullopt;
    }
    return form;
  };
  auto fitsOne = [&](double x, double y) {
    return std::abs(x + y - 1) <= (elementType.isF32() ? 1e-6 : 1e-12);
  };
  for (int vIndex = 0; vIndex < 2; ++vIndex) {
    linalg::GenericOp mUpdate = moments[1 - vIndex], vUpdate = moments[vIndex];
    // The shared input is the gradient.
    SmallVector<Value> mIn = getFullRankInputs(mUpdate),
                       vIn = getFullRankInputs(vUpdate);
    for (unsigned mg = 0; mg < 2; ++mg)
      for (unsigned vg = 0; vg < 2; ++vg) {
        if (mIn[mg] != vIn[vg])
          continue;
        std::optional<Form> mForm = fitForm(mUpdate, mg),
                            vForm = fitForm(vUpdate, vg);
        if (!mForm || !vForm || mForm->square != 0 || vForm->linear != 0 ||
            !fitsOne(mForm->linear, mForm->other) ||
            !fitsOne(vForm->square, vForm->other))
          continue;
        match.mUpdate = mUpdate;
        match.vUpdate = vUpdate;
        match.grad = mIn[mg];
        match.m = mIn[1 - mg];
        match.v = vIn[1 - vg];
        match.beta1 = mForm->other;
        match.beta2 = vForm->other;
      }
  }
  if (!match.mUpdate)
    return std::nullopt;
  // A gradient computed from the parameter is Adam's L2 decay (`g + wd p`
  // entering the moments), not AdamW.
  if (auto gradient = match.grad.getDefiningOp<linalg::GenericOp>())
    if (llvm::is_contained(gradient->getOperands(), match.param))
      return std::nullopt;
  // The op takes tensors of one shape, and a 0-d step count of one.
  for (Value operand : {match.grad, match.m, match.v})
    if (cast<ShapedType>(operand.getType()).getShape() !=
            cast<ShapedType>(match.param.getType()).getShape() ||
        !isa<RankedTensorType>(operand.getType()))
      return std::nullopt;

  // The scalars the update reads: the step count, and the learning rate
  // where it is given at run time (torch's capturable branch).
  llvm::SetVector<Value> sources;
  DenseSet<Operation *> seen;
  collectScalarSources(paramUpdate, sources, seen);
  auto isScalarTensor = [](Value value, bool isFloat) {
    auto type = dyn_cast<RankedTensorType>(value.getType());
    return type && type.getRank() == 0 &&
           (type.getElementType().isF32() || type.getElementType().isF64() ||
            (!isFloat && type.getElementType().isSignlessInteger()));
  };
  if (sources.empty() || sources.size() > 2)
    return std::nullopt;

  Value mNew = match.mUpdate->getResult(0), vNew = match.vUpdate->getResult(0);
  // The update, with a learning rate of `lr` where it is a source.
  auto update = [&](double p, double m, double v, double count,
                    double lr) -> std::optional<double> {
    DenseMap<Value, double> leaves = {
        {match.param, p}, {mNew, m}, {vNew, v}, {match.stepSource, count}};
    if (match.lrSource)
      leaves[match.lrSource] = lr;
    return ElementEvaluator(leaves).evaluate(paramUpdate->getResult(0));
  };
  // AdamW's update at step t with the hyperparameters found.
  auto adamw = [&](double p, double m, double v, double t, double lr) {
    double bc1 = 1 - std::pow(match.beta1, t);
    double bc2 = 1 - std::pow(match.beta2, t);
    return p * (1 - lr * match.weightDecay) -
           lr * (m / bc1) / (std::sqrt(v / bc2) + match.eps);
  };
  // With m' = 1 the update is -lr / bc1 / eps where v' = 0, and
  // -lr / bc1 / (1 / sqrt(bc2) + eps) where v' = 1, which give eps and lr;
  // with m' = 0 it is p (1 - lr wd), which gives the decay. At a step count
  // this large the bias corrections are 1 for any usual beta, so that how the
  // program rounds its betas does not enter lr (torch's m' uses 1 - 0.1f, its
  // bias correction 0.9f). Returns lr.
  auto solve = [&](int64_t offset,
                   double lrSourceValue) -> std::optional<double> {
    double t = 1e7, count = t - offset;
    double bc1 = 1 - std::pow(match.beta1, t);
    double invSqrtBc2 = 1 / std::sqrt(1 - std::pow(match.beta2, t));
    std::optional<double> f0 = update(0, 1, 0, count, lrSourceValue),
                          f1 = update(0, 1, 1, count, lrSourceValue),
                          decay = update(1, 0, 1, count, lrSourceValue);
    if (!f0 || !f1 || !decay || *f1 == 0 || !std::isfinite(*f1))
      return std::nullopt;
    match.eps = std::isinf(*f0) ? 0 : invSqrtBc2 / (*f0 / *f1 - 1);
    double lr = -*f1 * bc1 * (invSqrtBc2 + match.eps);
    match.weightDecay = (1 - *decay) / lr;
    if (!(lr > 0) || !std::isfinite(lr) || !(match.weightDecay >= 0) ||
        !(match.eps >= 0))
      return std::nullopt;
    return lr;
  };
  double tolerance = elementType.isF32() ? 2e-5 : 10 * kF64Agreement;
  // A run-time learning rate is tried at these values.
  constexpr double kLr = 1e-3, kOtherLr = 4e-3;
  for (unsigned stepIndex = 0; stepIndex < sources.size(); ++stepIndex) {
    match.stepSource = sources[stepIndex];
    match.lrSource = sources.size() == 2 ? sources[1 - stepIndex] : Value();
    if (!isScalarTensor(match.stepSource, /*isFloat=*/false) ||
        (match.lrSource && !isScalarTensor(match.lrSource, /*isFloat=*/true)))
      continue;
    for (int64_t offset : {1, 0}) {
      std::optional<double> lr = solve(offset, kLr);
      if (!lr)
        continue;
      if (match.lrSource) {
        // The update scales with the source as with a learning rate.
        std::optional<double> otherLr = solve(offset, kOtherLr);
        if (!otherLr || std::abs(*lr / kLr - 1) > tolerance ||
            std::abs(*otherLr / kOtherLr - 1) > tolerance)
          continue;
        lr = match.lr = kLr;
        // solve() set eps and the decay for kOtherLr; again for kLr.
        solve(offset, kLr);
      } else {
        lr = match.lr = getShortestDecimal(*lr, elementType);
      }
      match.eps = getShortestDecimal(match.eps, elementType);
      match.weightDecay =
          getShortestDecimal(match.weightDecay, elementType,
                             [&](double wd) { return 1 - *lr * wd; });
      match.beta1 = getShortestDecimal(match.beta1, elementType);
      match.beta2 = getShortestDecimal(match.beta2, elementType);

      // The update must be AdamW's at other steps and points.
      bool agrees = true;
      for (double step : {1.0, 2.0, 3.0, 10.0, 1000.0}) {
        for (auto [p, m, v] :
             {std::tuple{0.7, -0.3, 0.02}, std::tuple{-1.9, 0.8, 1.5},
              std::tuple{3.25, 0.05, 0.0004}}) {
          std::optional<double> actual = update(p, m, v, step - offset, *lr);
          double expected = adamw(p, m, v, step, *lr);
          double scale = std::abs(p) + std::abs(expected - p);
          if (!actual || !(std::abs(*actual - expected) <= tolerance * scale))
            agrees = false;
        }
      }
      if (!agrees)
        continue;
      match.stepOffset = offset;
      return match;
    }
  }
  return std::nullopt;
}
