//===- Elementwise.cpp - Elementwise linalg.generic ops on buffers -*- C++
//-*-===//
//
// The matcher and the 1-D collapse that the CPU vectoriser and the GPU
// mapping share.
//
//===----------------------------------------------------------------------===//

#include "optim/Transforms/Utils/Elementwise.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/TargetParser/Host.h"

#include <limits>

using namespace mlir;
using namespace mlir::optim;

/// True for the elements memory holds as vectors do: integers and floats of 8,
/// 16, 32 or 64 bits. LLVM packs vectors of i1 or i4 into bits where a memref
/// gives each element a byte, and pads i24 or f80; `index` has no fixed width
/// to size a vector or a byte offset by.
static bool isPackedElement(Type type) {
  if (!type.isIntOrFloat())
    return false;
  unsigned bits = type.getIntOrFloatBitWidth();
  return bits >= 8 && bits <= 64 && llvm::isPowerOf2_32(bits);
}

static SmallVector<ReassociationIndices> allDims(int64_t rank) {
  return {llvm::to_vector(llvm::seq<int64_t>(0, rank))};
}

bool ElementwiseGeneric::hasBroadcastScalars() {
  return llvm::any_of(llvm::seq(op->getNumOperands()),
                      [&](unsigned i) { return isBroadcastScalar(i); });
}

Value ElementwiseGeneric::getShapedOperand() {
  for (unsigned i = 0, e = op->getNumOperands(); i < e; ++i)
    if (!isBroadcastScalar(i))
      return op->getOperand(i);
  llvm_unreachable("the outputs of a matched generic have its shape");
}

unsigned ElementwiseGeneric::getNarrowestElementBits() {
  unsigned bits = 64;
  for (unsigned i = 0, e = op->getNumOperands(); i < e; ++i)
    if (!isBroadcastScalar(i))
      bits = std::min(bits, getElementType(i).getIntOrFloatBitWidth());
  return bits;
}

unsigned ElementwiseGeneric::getWidestFloatBits() {
  unsigned bits = 0;
  auto widen = [&](Type type) {
    if (auto floatType = dyn_cast<FloatType>(type))
      bits = std::max(bits, floatType.getWidth());
  };
  for (Value arg : op.getBlock()->getArguments())
    widen(arg.getType());
  op.getBlock()->walk([&](Operation *bodyOp) {
    for (Type type : bodyOp->getResultTypes())
      widen(type);
  });
  return bits;
}

bool ElementwiseGeneric::hasOnlyBF16Floats() {
  bool any = false;
  for (unsigned i = 0, e = op->getNumOperands(); i < e; ++i) {
    Type type = getElementType(i);
    if (isa<FloatType>(type) && !type.isBF16())
      return false;
    any |= type.isBF16();
  }
  return any;
}

/// The buffer a memref views, through any chain of view ops.
static Value getRootBuffer(Value memref) {
  return memref::skipViewLikeOps(cast<TypedValue<MemRefType>>(memref));
}

bool BufferUses::hasKnownBuffers(ElementwiseGeneric &generic) {
  return llvm::all_of(generic.op->getOperands(), [](Value operand) {
    Value root = getRootBuffer(operand);
    if (auto argument = dyn_cast<BlockArgument>(root)) {
      Block *block = argument.getOwner();
      return block->isEntryBlock() &&
             block->getParentOp()->hasTrait<OpTrait::IsIsolatedFromAbove>();
    }
    return hasEffect<MemoryEffects::Allocate>(root.getDefiningOp(), root);
  });
}

bool BufferUses::conflictsWith(ElementwiseGeneric &generic) const {
  return llvm::any_of(generic.op->getOpOperands(), [&](OpOperand &operand) {
    Value root = getRootBuffer(operand.get());
    return writtenBuffers.contains(root) ||
           (generic.op.isDpsInit(&operand) && buffers.contains(root));
  });
}

void BufferUses::add(ElementwiseGeneric &generic) {
  for (OpOperand &operand : generic.op->getOpOperands()) {
    Value root = getRootBuffer(operand.get());
    buffers.insert(root);
    if (generic.op.isDpsInit(&operand))
      writtenBuffers.insert(root);
  }
}

bool mlir::optim::hasIdentityOrScalarMaps(linalg::GenericOp op) {
  return llvm::all_of(op->getOpOperands(), [&](OpOperand &operand) {
    AffineMap map = op.getMatchingIndexingMap(&operand);
    return map.isIdentity() ||
           (op.isDpsInput(&operand) && map.getNumResults() == 0);
  });
}

std::optional<ElementwiseGeneric>
mlir::optim::matchElementwiseGeneric(linalg::GenericOp op) {
  // `isElementwise` also allows permuted and broadcasting maps, and checks
  // the body with `hasOnlyScalarElementwiseOp`; the code generators index
  // every operand with the loop indices themselves, or, for an input of
  // rank 0, read its one element.
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() == 0 ||
      !linalg::isElementwise(op) || !hasIdentityOrScalarMaps(op))
    return std::nullopt;

  ElementwiseGeneric match;
  match.op = op;
  for (Value operand : op->getOperands()) {
    // A scalar operand, which buffer semantics allow, and a layout without
    // strides (`affine_map<(d0) -> (d0 floordiv 2)>`) cannot be indexed as
    // base + index * stride.
    auto type = dyn_cast<MemRefType>(operand.getType());
    if (!type || !type.isStrided() || !isPackedElement(type.getElementType()))
      return std::nullopt;
    // The code generators count elements and bytes in `index`: a static
    // shape of more elements than that holds is left to nested loops.
    int64_t numElements = 1;
    for (int64_t dim : type.getShape())
      if (!ShapedType::isDynamic(dim) &&
          llvm::MulOverflow(numElements, dim, numElements))
        return std::nullopt;
    if (type.getRank() >= 2) {
      if (!memref::CollapseShapeOp::isGuaranteedCollapsible(
              type, allDims(type.getRank()))) {
        match.isFlat = match.isContiguous = false;
        continue;
      }
      type = memref::CollapseShapeOp::computeCollapsedType(
          type, allDims(type.getRank()));
    }
    if (type.getRank() == 1 && !type.isLastDimUnitStride())
      match.isContiguous = false;
  }

  // The body runs once per element, in any order and in vector form: it must
  // not touch memory, and it computes on scalars only
  // (`hasOnlyScalarElementwiseOp` lets a `tensor.extract` through).
  Region &body = op.getRegion();
  llvm::SetVector<Value> captures;
  for (Operation &bodyOp : body.front()) {
    if (!isMemoryEffectFree(&bodyOp) ||
        llvm::any_of(bodyOp.getOperandTypes(), llvm::IsaPred<ShapedType>))
      return std::nullopt;
    for (Value operand : bodyOp.getOperands())
      if (!body.isAncestor(operand.getParentRegion()))
        captures.insert(operand);
  }
  match.captures = captures.takeVector();
  return match;
}

ElementwiseGeneric mlir::optim::collapseToOneDim(RewriterBase &rewriter,
                                                 ElementwiseGeneric generic) {
  if (generic.getRank() < 2 || !generic.isFlat)
    return generic;
  rewriter.setInsertionPoint(generic.op);
  FailureOr<linalg::CollapseResult> collapsed = linalg::collapseOpIterationDims(
      generic.op, allDims(generic.getRank()), rewriter);
  if (failed(collapsed))
    return generic;
  rewriter.eraseOp(generic.op);
  generic.op = cast<linalg::GenericOp>(collapsed->collapsedOp.getOperation());
  return generic;
}

int64_t mlir::optim::getHostVectorBits() {
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  if (features.lookup("avx512f"))
    return 512;
  if (features.lookup("avx"))
    return 256;
  return 128;
}

LogicalResult mlir::optim::checkCPULoopOptions(MLIRContext *context,
                                               StringRef pass,
                                               int64_t vectorWidth,
                                               int64_t numThreads) {
  auto fail = [&](const Twine &message) {
    return emitError(UnknownLoc::get(context), pass + ": ") << message;
  };
  // Wider vectors than this only make LLVM's code generation slow (2^28
  // lanes took 13 s and 2 GB); OpenMP takes the thread count as an i32.
  constexpr int64_t kMaxVectorWidth = 1024;
  if (vectorWidth < 0 || vectorWidth > kMaxVectorWidth)
    return fail("vector-width must be 0 (the host's) or from 1 to " +
                Twine(kMaxVectorWidth));
  if (numThreads < 1 || numThreads > std::numeric_limits<int32_t>::max())
    return fail("num-threads must be from 1 to 2147483647");
  return success();
}
