//===- OptimOps.cpp - Optim dialect operations ------------------*- C++ -*-===//
//
// Custom assembly, type inference, side effects and verification of the
// `optim` operations.
//
//===----------------------------------------------------------------------===//

#include "optim/Dialect/Optim/IR/OptimOps.h"

#include "mlir/IR/OpImplementation.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::optim;

//===----------------------------------------------------------------------===//
// Custom directive: the state types.
//===----------------------------------------------------------------------===//

/// Returns the element type of `type` if it is shaped, else `type` itself.
static Type elementTypeOf(Type type) {
  if (auto shaped = dyn_cast<ShapedType>(type))
    return shaped.getElementType();
  return type;
}

/// The type of `lr` in the short form, where the four states have type
/// `state`: the compute type of its element type (f32 for bf16 and f16), or,
/// for an element type no step takes, that type, so that the verifier names
/// the element type rather than the parser an `lr` mismatch.
static Type getShortFormLrType(Type state) {
  Type element = elementTypeOf(state);
  if (!isStepElementType(element))
    return element;
  return getStepComputeType({element});
}

/// Parses either a single type shared by `param`, `grad`, `m` and `v` (`lr`
/// then has the compute type of its element type), or the parenthesized list
/// of the five types of `param`, `grad`, `m`, `v` and `lr`. `step` is always
/// `i64`.
static ParseResult parseStateTypes(OpAsmParser &parser, Type &param, Type &grad,
                                   Type &m, Type &v, Type &step, Type &lr) {
  step = parser.getBuilder().getI64Type();
  if (succeeded(parser.parseOptionalLParen())) {
    return failure(parser.parseType(param) || parser.parseComma() ||
                   parser.parseType(grad) || parser.parseComma() ||
                   parser.parseType(m) || parser.parseComma() ||
                   parser.parseType(v) || parser.parseComma() ||
                   parser.parseType(lr) || parser.parseRParen());
  }
  if (parser.parseType(param))
    return failure();
  grad = m = v = param;
  lr = getShortFormLrType(param);
  return success();
}

static void printStateTypes(OpAsmPrinter &printer, Operation *, Type param,
                            Type grad, Type m, Type v, Type /*step*/, Type lr) {
  if (grad == param && m == param && v == param &&
      lr == getShortFormLrType(param)) {
    printer << param;
    return;
  }
  printer << '(' << param << ", " << grad << ", " << m << ", " << v << ", "
          << lr << ')';
}

#define GET_OP_CLASSES
#include "optim/Dialect/Optim/IR/OptimOps.cpp.inc"

bool mlir::optim::isStepElementType(Type type) {
  return type.isF64() || type.isF32() || type.isBF16() || type.isF16();
}

Type mlir::optim::getStepComputeType(ArrayRef<Type> stateElementTypes) {
  MLIRContext *context = stateElementTypes.front().getContext();
  if (llvm::any_of(stateElementTypes, [](Type type) { return type.isF64(); }))
    return Float64Type::get(context);
  return Float32Type::get(context);
}

//===----------------------------------------------------------------------===//
// AdamWStepOp
//===----------------------------------------------------------------------===//

/// Prints a shape as `4x?x8`, or `()` for rank 0.
static std::string formatShape(ArrayRef<int64_t> shape) {
  if (shape.empty())
    return "()";
  std::string text;
  llvm::raw_string_ostream os(text);
  llvm::interleave(
      shape, os,
      [&](int64_t dim) {
        if (ShapedType::isDynamic(dim))
          os << '?';
        else
          os << dim;
      },
      "x");
  return text;
}

/// Formats a double as `%g` does: 0.9, 1e-08, inf, nan.
static std::string formatDouble(double value) {
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format("%g", value);
  return text;
}

/// True for the types a state operand may have.
static bool isStateType(Type type) {
  if (isa<RankedTensorType>(type))
    return true;
  auto memref = dyn_cast<MemRefType>(type);
  return memref && memref.isStrided();
}

/// Stochastic rounding comes with a seed and rounds something: a bf16 or f16
/// `param` or `param_copy`.
LogicalResult AdamWStepOp::verifyRounding() {
  bool stochastic = getRounding() == Rounding::stochastic;
  if (stochastic && !getSeed())
    return emitOpError("rounding is stochastic but operand 'seed' is missing");
  if (!stochastic && getSeed())
    return emitOpError("operand 'seed' is given but rounding is nearest; a "
                       "seed drives only stochastic rounding");
  if (!stochastic)
    return success();
  auto isLowPrecision = [](Value value) {
    if (!value)
      return false;
    Type element = cast<ShapedType>(value.getType()).getElementType();
    return element.isBF16() || element.isF16();
  };
  if (!isLowPrecision(getParam()) && !isLowPrecision(getParamCopy()))
    return emitOpError("rounding is stochastic but neither 'param' nor "
                       "'param_copy' is bf16 or f16; there is nothing to "
                       "round stochastically");
  return success();
}

/// 8-bit `m` and `v` come together, each with an absmax of one f32 per
/// block, in blocks that whole vectors of the widest registers divide.
LogicalResult AdamWStepOp::verifyQuantizedStates() {
  auto isCodes = [](Value state) {
    return cast<ShapedType>(state.getType())
        .getElementType()
        .isUnsignedInteger(8);
  };
  for (auto [name, state, absmaxName, absmax] :
       {std::tuple{"m", getM(), "m_absmax", getMAbsmax()},
        std::tuple{"v", getV(), "v_absmax", getVAbsmax()},
        std::tuple{"max_v", getMaxV(), "max_v_absmax", getMaxVAbsmax()}}) {
    if (!state && absmax)
      return emitOpError("operand '")
             << absmaxName << "' is given but '" << name << "' is missing";
    if (!state)
      continue;
    if (isCodes(state) && !absmax)
      return emitOpError("operand '")
             << name << "' holds 8-bit codes (ui8) but operand '" << absmaxName
             << "' is missing";
    if (!isCodes(state) && absmax)
      return emitOpError("operand '")
             << absmaxName << "' is given but '" << name
             << "' is not 8-bit codes (ui8); an absmax scales codes";
  }
  if (!hasQuantizedStates())
    return getMaxVAbsmax() ? emitOpError("operand 'max_v' holds 8-bit codes "
                                         "but 'm' and 'v' do not; an 8-bit "
                                         "max_v comes with 8-bit moments")
                           : success();
  if (!isCodes(getM()) || !isCodes(getV()))
    return emitOpError("operand '")
           << (isCodes(getM()) ? "v" : "m") << "' is a float state but '"
           << (isCodes(getM()) ? "m" : "v")
           << "' holds 8-bit codes; expected both moments 8-bit or neither";

  int64_t blockSize = getBlockSize();
  if (blockSize < 16 || blockSize > 4096 || blockSize % 16 != 0)
    return emitOpError("attribute 'block_size' is ")
           << blockSize << "; expected a multiple of 16 from 16 to 4096";
  if (getRounding() == Rounding::stochastic)
    return emitOpError("rounding is stochastic but the moments are 8-bit "
                       "codes; 8-bit steps round to nearest");
  for (auto [name, value] :
       {std::pair{"param", getParam()}, std::pair{"max_v", getMaxV()}}) {
    if (value && cast<ShapedType>(value.getType()).getElementType().isF64())
      return emitOpError("operand '")
             << name << "' has element type f64; with 8-bit moments the "
             << "step computes in f32, so 'param' and 'max_v' are f32, bf16 "
             << "or f16";
  }

  auto paramType = cast<ShapedType>(getParam().getType());
  bool isTensor = isa<RankedTensorType>(paramType);
  for (auto [name, absmax] : {std::pair{"m_absmax", getMAbsmax()},
                              std::pair{"v_absmax", getVAbsmax()},
                              std::pair{"max_v_absmax", getMaxVAbsmax()}}) {
    if (!absmax)
      continue;
    auto type = dyn_cast<ShapedType>(absmax.getType());
    auto memref = dyn_cast<MemRefType>(absmax.getType());
    auto tensor = dyn_cast<RankedTensorType>(absmax.getType());
    if (!isStateType(absmax.getType()) || type.getRank() != 1 ||
        !type.getElementType().isF32() ||
        isa<RankedTensorType>(type) != isTensor ||
        (memref && memref.getMemorySpace()) || (tensor && tensor.getEncoding()))
      return emitOpError("operand '")
             << name << "' has type " << absmax.getType() << "; expected a 1-d "
             << (isTensor ? "tensor" : "memref")
             << " of f32, one element per block";
    if (!paramType.hasStaticShape() || type.isDynamicDim(0))
      continue;
    int64_t numBlocks = llvm::divideCeil(paramType.getNumElements(), blockSize);
    if (type.getDimSize(0) != numBlocks)
      return emitOpError("operand '")
             << name << "' has " << type.getDimSize(0) << " elements but '"
             << "param' has " << paramType.getNumElements() << " in "
             << numBlocks << " blocks of " << blockSize;
  }
  // The lowerings view every operand as one flat run of elements.
  for (auto [name, value] :
       {std::pair{"param", getParam()}, std::pair{"grad", getGrad()},
        std::pair{"m", getM()}, std::pair{"v", getV()},
        std::pair{"max_v", getMaxV()}, std::pair{"param_copy", getParamCopy()},
        std::pair{"m_absmax", getMAbsmax()},
        std::pair{"v_absmax", getVAbsmax()},
        std::pair{"max_v_absmax", getMaxVAbsmax()}}) {
    auto memref = value ? dyn_cast<MemRefType>(value.getType()) : nullptr;
    if (memref && !memref.getLayout().isIdentity())
      return emitOpError("operand '")
             << name << "' has type " << memref
             << "; with 8-bit states every memref must have the identity "
             << "layout";
  }
  return success();
}

LogicalResult AdamWStepOp::verify() {
  SmallVector<std::pair<StringLiteral, Value>> states = {
      {"param", getParam()}, {"grad", getGrad()}, {"m", getM()}, {"v", getV()}};
  if (getMaxV())
    states.push_back({"max_v", getMaxV()});
  if (getParamCopy())
    states.push_back({"param_copy", getParamCopy()});
  for (auto [name, value] : states) {
    if (!isStateType(value.getType()))
      return emitOpError("operand '")
             << name << "' has type " << value.getType()
             << "; expected a ranked tensor or a strided memref";
    // An encoding (e.g. sparse storage) changes what the elements are; the
    // op is defined on dense tensors.
    auto tensor = dyn_cast<RankedTensorType>(value.getType());
    if (tensor && tensor.getEncoding())
      return emitOpError("operand '")
             << name << "' has the tensor encoding " << tensor.getEncoding()
             << "; expected a tensor without encoding";
    // Neither pipeline places buffers by memory space: the CPU's LLVM
    // lowering cannot convert one, and the GPU's buffers are its arguments.
    auto memref = dyn_cast<MemRefType>(value.getType());
    if (memref && memref.getMemorySpace())
      return emitOpError("operand '")
             << name << "' is in memory space " << memref.getMemorySpace()
             << "; expected a memref in the default memory space";
  }

  auto paramType = cast<ShapedType>(getParam().getType());
  bool isTensor = isa<RankedTensorType>(paramType);
  auto formName = [](bool tensor) { return tensor ? "tensor" : "memref"; };
  for (auto [name, value] : states) {
    auto type = cast<ShapedType>(value.getType());
    bool isMoment = name == "m" || name == "v" || name == "max_v";
    if (!isStepElementType(type.getElementType()) &&
        !(isMoment && type.getElementType().isUnsignedInteger(8)))
      return emitOpError("operand '")
             << name << "' has element type " << type.getElementType()
             << "; expected f64, f32, bf16 or f16"
             << (isMoment ? ", or ui8 (8-bit codes)" : "");
    if (isa<RankedTensorType>(type) != isTensor)
      return emitOpError("operand '")
             << name << "' is a " << formName(!isTensor) << " but 'param' is a "
             << formName(isTensor)
             << "; all state operands must be tensors or all memrefs";
    if (type.getShape() != paramType.getShape())
      return emitOpError("operand '")
             << name << "' has shape " << formatShape(type.getShape())
             << " but 'param' has shape " << formatShape(paramType.getShape());
  }
  if (Value copy = getParamCopy()) {
    Type element = cast<ShapedType>(copy.getType()).getElementType();
    if (!element.isBF16() && !element.isF16())
      return emitOpError("operand 'param_copy' has element type ")
             << element << "; expected bf16 or f16 (a low-precision copy of "
             << "param)";
  }
  for (auto [name, value] : {std::pair{"grad_scale", getGradScale()},
                             std::pair{"found_inf", getFoundInf()}}) {
    if (!value)
      continue;
    Type type = value.getType();
    auto shaped = dyn_cast<ShapedType>(type);
    if (!isStateType(type) || shaped.getRank() != 0 ||
        isa<RankedTensorType>(type) != isTensor)
      return emitOpError("operand '")
             << name << "' has type " << type << "; expected a 0-d "
             << formName(isTensor) << ", as 'param' is a "
             << formName(isTensor);
    auto memref = dyn_cast<MemRefType>(type);
    auto tensor = dyn_cast<RankedTensorType>(type);
    if ((memref && memref.getMemorySpace()) || (tensor && tensor.getEncoding()))
      return emitOpError("operand '")
             << name << "' has type " << type
             << "; expected no memory space and no encoding";
    if (!isStepElementType(shaped.getElementType()))
      return emitOpError("operand '")
             << name << "' has element type " << shaped.getElementType()
             << "; expected f64, f32, bf16 or f16";
  }
  if (LogicalResult rounding = verifyRounding(); failed(rounding))
    return rounding;
  if (LogicalResult quantized = verifyQuantizedStates(); failed(quantized))
    return quantized;
  // The lowerings flatten a state to one dimension of `index` elements; a
  // count that overflows would become a wrong, often empty, loop.
  int64_t numElements = 1;
  for (int64_t dim : paramType.getShape())
    if (!ShapedType::isDynamic(dim) &&
        llvm::MulOverflow(numElements, dim, numElements))
      return emitOpError("operand 'param' has shape ")
             << formatShape(paramType.getShape())
             << ", more elements than 2^63 - 1; expected fewer";

  if (!getStep().getType().isSignlessInteger(64))
    return emitOpError("operand 'step' has type ")
           << getStep().getType() << "; expected i64";
  Type computeType = getComputeType();
  if (getLr().getType() != computeType)
    return emitOpError("operand 'lr' has type ")
           << getLr().getType() << "; expected the compute type " << computeType
           << " (f64 when param, m, v or max_v is f64, else f32)";

  // Written so that NaN fails every range check.
  for (auto [name, value] :
       {std::pair{"beta1", getBeta1().convertToDouble()},
        std::pair{"beta2", getBeta2().convertToDouble()}}) {
    if (!(value >= 0.0 && value < 1.0))
      return emitOpError("attribute '")
             << name << "' is " << formatDouble(value)
             << "; expected a value in [0, 1)";
  }
  for (auto [name, value] :
       {std::pair{"eps", getEps().convertToDouble()},
        std::pair{"weight_decay", getWeightDecay().convertToDouble()}}) {
    if (!(value >= 0.0 && std::isfinite(value)))
      return emitOpError("attribute '")
             << name << "' is " << formatDouble(value)
             << "; expected a finite, non-negative value";
    // The step computes in the compute type: a value it rounds to infinity
    // would make every parameter inf or nan.
    llvm::APFloat rounded(value);
    bool losesInfo;
    rounded.convert(cast<FloatType>(computeType).getFloatSemantics(),
                    llvm::APFloat::rmNearestTiesToEven, &losesInfo);
    if (rounded.isInfinity())
      return emitOpError("attribute '")
             << name << "' is " << formatDouble(value) << ", which "
             << computeType << " cannot hold; expected at most the largest "
             << computeType;
  }
  return success();
}
