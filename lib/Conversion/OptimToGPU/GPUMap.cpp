//===- GPUMap.cpp - Elementwise linalg.generic to gpu.launch ----*- C++ -*-===//
//
// Maps bufferized elementwise `linalg.generic` ops (what optim ops become) to
// `gpu.launch` kernels with a grid-stride loop, vector accesses and a scalar
// tail. For one generic over `n` elements, with W elements per vector and T
// threads per block:
//
//   host:    nVec  = (every operand aligned to W elements) ? n / W : 0
//            items = nVec + (n - nVec * W)          vectors, then scalars
//            grid  = clamp(ceildiv(items, T), 1, max-blocks)
//   kernel:  j = global thread id
//            while (j < nVec)  { body on vector j;  j += grid * T }
//            for (; j < items;   j += grid * T)  body on element j + nVec*(W-1)
//
// N-D operands are viewed as 1-D where their strides allow it. Where they do
// not (rows of a wider buffer), the kernel keeps them N-D and splits each
// linear element index into N-D indices, innermost fastest, so that
// neighbouring threads still touch neighbouring elements; such generics get
// scalar code only.
//
// The step scalars the body takes from above stay on the host, so they are
// computed once per launch and reach the kernel as arguments.
//
// With `multi-tensor`, one kernel serves a whole group of generics. The host
// writes a table with one row per tensor:
//
//   [ address of each operand | n | nVec | first thread | variant | scalars ]
//
// copies it to the device, and every thread walks the rows: tensor k's work
// items are numbered as if all tensors were concatenated, so thread t takes
// the items congruent to t - first(k) modulo the number of threads. Small
// tensors thus land on different blocks and one launch balances the load
// over every tensor.
//
//===----------------------------------------------------------------------===//

#include "optim/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/SetVector.h"

#include <limits>

namespace mlir::optim {
#define GEN_PASS_DEF_OPTIMGPUMAPPASS
#include "optim/Conversion/Passes.h.inc"
} // namespace mlir::optim

using namespace mlir;
using namespace mlir::optim;

namespace {

/// Widest access a thread makes at once: 128 bits (`ld.global.v4.b32`).
constexpr int64_t kMaxVectorBytes = 16;

//===----------------------------------------------------------------------===//
// Matching
//===----------------------------------------------------------------------===//

/// A generic the pass can turn into kernel code: all loops parallel, identity
/// indexing maps, one element type, strided operands.
struct Elementwise {
  // Op handles are cheap, mutable views of the IR.
  mutable linalg::GenericOp generic;
  Type elementType;
  /// Every op of the body can be rebuilt on vectors.
  bool vectorBody = true;
  /// Every operand is rank 0 or 1 or can be viewed as 1-D: the kernel indexes
  /// it with the linear element index.
  bool flat = true;
  /// Every operand is flat and, viewed as 1-D, has unit stride: its elements
  /// are contiguous.
  bool contiguous = true;
  /// The values the body uses but does not define, in order of first use.
  SmallVector<Value> captures;

  int64_t rank() const { return generic.getNumLoops(); }

  /// The operands as the kernel indexes them: flat N-D ones collapsed to 1-D
  /// (a view, no copy), the others unchanged.
  SmallVector<Value> buildKernelOperands(OpBuilder &b, Location loc) const {
    SmallVector<Value> operands = generic->getOperands();
    if (rank() < 2 || !flat)
      return operands;
    for (Value &operand : operands)
      operand =
          memref::CollapseShapeOp::create(b, loc, operand, allDims(rank()));
    return operands;
  }

  static SmallVector<ReassociationIndices> allDims(int64_t rank) {
    return {llvm::to_vector(llvm::seq<int64_t>(0, rank))};
  }
};

std::optional<Elementwise> matchElementwise(linalg::GenericOp generic) {
  if (!generic.hasPureBufferSemantics() ||
      generic.getNumParallelLoops() != generic.getNumLoops() ||
      generic.hasIndexSemantics() ||
      !llvm::all_of(generic.getIndexingMapsArray(),
                    [](AffineMap map) { return map.isIdentity(); }))
    return std::nullopt;

  Elementwise match;
  match.generic = generic;
  for (Value operand : generic->getOperands()) {
    // Kernels index operands through their strides (a scalar operand, which
    // buffer semantics allow, has none).
    auto type = dyn_cast<MemRefType>(operand.getType());
    if (!type || !type.isStrided() ||
        (match.elementType && type.getElementType() != match.elementType))
      return std::nullopt;
    match.elementType = type.getElementType();
    if (type.getRank() >= 2) {
      auto dims = Elementwise::allDims(type.getRank());
      if (!memref::CollapseShapeOp::isGuaranteedCollapsible(type, dims)) {
        match.flat = match.contiguous = false;
        continue;
      }
      type = memref::CollapseShapeOp::computeCollapsedType(type, dims);
    }
    if (type.getRank() == 1 && !type.isLastDimUnitStride())
      match.contiguous = false;
  }
  // Elements of 8, 16, 32 or 64 bits: memory holds others (i24, f80) with
  // padding, which the packed vectors and byte offsets would not skip.
  if (!match.elementType || !match.elementType.isIntOrFloat() ||
      match.elementType.getIntOrFloatBitWidth() < 8 ||
      !llvm::isPowerOf2_32(match.elementType.getIntOrFloatBitWidth()))
    return std::nullopt;

  Region &body = generic.getRegion();
  llvm::SetVector<Value> captures;
  for (Operation &op : body.front()) {
    // The kernel runs the body once per element, in any order: it must not
    // touch memory or hold regions the vector form could not rebuild.
    if (op.getNumRegions() != 0 || !isMemoryEffectFree(&op))
      return std::nullopt;
    bool rebuildable = isa<arith::ConstantOp>(op) ||
                       (op.hasTrait<OpTrait::Elementwise>() &&
                        op.hasTrait<OpTrait::Vectorizable>() &&
                        llvm::all_of(op.getResultTypes(), [](Type t) {
                          return t.isIntOrIndexOrFloat();
                        }));
    if (!rebuildable && !isa<linalg::YieldOp>(op))
      match.vectorBody = false;
    for (Value operand : op.getOperands())
      if (!body.isAncestor(operand.getParentRegion()))
        captures.insert(operand);
  }
  match.captures = captures.takeVector();
  return match;
}

/// True if `capture` is a constant, which kernels may rematerialise.
bool isConstantCapture(Value capture) {
  return matchPattern(capture, m_Constant());
}

/// True if a captured value can travel through an i64 table entry.
bool isTableEncodable(Type type) {
  return type.isIndex() ||
         (type.isIntOrFloat() && type.getIntOrFloatBitWidth() <= 64);
}

/// True if `a` and `b` compute the same function of their block arguments,
/// their constants and, position by position, their other captured values:
/// the kernel can then run `b`'s elements with `a`'s body and `b`'s scalars.
bool haveSameBody(const Elementwise &a, const Elementwise &b) {
  if (a.captures.size() != b.captures.size())
    return false;
  DenseMap<Value, Value> equivalent;
  for (auto [x, y] : llvm::zip(a.captures, b.captures)) {
    // The comparison takes an operand used by both bodies as equivalent to
    // itself without asking: a value both capture must be at one position.
    if (x != y && llvm::is_contained(b.captures, x))
      return false;
    Attribute constA, constB;
    bool isConstA = matchPattern(x, m_Constant(&constA));
    bool isConstB = matchPattern(y, m_Constant(&constB));
    if (x.getType() != y.getType() || isConstA != isConstB || constA != constB)
      return false;
    equivalent[x] = y;
  }
  return OperationEquivalence::isRegionEquivalentTo(
      &a.generic.getRegion(), &b.generic.getRegion(),
      [&](Value x, Value y) { return success(equivalent.lookup(x) == y); },
      [&](Value x, Value y) { equivalent[x] = y; },
      OperationEquivalence::IgnoreLocations);
}

/// The buffer a memref views, through any chain of view ops.
Value getRootBuffer(Value memref) {
  while (auto view = memref.getDefiningOp<ViewLikeOpInterface>())
    memref = view.getViewSource();
  return memref;
}

/// True if `root` is a buffer whose overlaps the pass can see: a function
/// argument (assumed distinct from the other arguments, as multi-tensor
/// optimizers assume) or a fresh allocation. A memref that another op
/// computes (`arith.select`, a loop's iteration argument, a global) may be
/// any buffer.
bool isKnownBuffer(Value root) {
  if (auto argument = dyn_cast<BlockArgument>(root)) {
    Block *block = argument.getOwner();
    return block->isEntryBlock() &&
           block->getParentOp()->hasTrait<OpTrait::IsIsolatedFromAbove>();
  }
  return hasEffect<MemoryEffects::Allocate>(root.getDefiningOp(), root);
}

//===----------------------------------------------------------------------===//
// Kernel bodies
//===----------------------------------------------------------------------===//

/// The indices of element `index`, counted row-major, of a buffer of sizes
/// `shape`: `{index}` itself for flat operands (empty `shape`). Indices are
/// never negative, so unsigned division serves, without the sign corrections
/// `affine.delinearize_index` lowers to.
SmallVector<Value> delinearize(OpBuilder &b, Location loc, Value index,
                               ValueRange shape) {
  if (shape.empty())
    return {index};
  SmallVector<Value> indices(shape.size());
  for (size_t dim = shape.size() - 1; dim > 0; --dim) {
    indices[dim] = arith::RemUIOp::create(b, loc, index, shape[dim]);
    index = arith::DivUIOp::create(b, loc, index, shape[dim]);
  }
  indices[0] = index;
  return indices;
}

/// Emits one generic's work for one element or one vector of elements.
class BodyEmitter {
public:
  BodyEmitter(const Elementwise &op, int64_t width)
      : op(op), width(width),
        alignment(std::min<int64_t>(
            kMaxVectorBytes,
            width * op.elementType.getIntOrFloatBitWidth() / 8)) {}

  /// Loads the element `index` of every operand the body reads, runs the body
  /// and stores the results. `memrefs` are the generic's operands as the
  /// kernel sees them, N-D ones of sizes `shape` (empty when they are flat);
  /// `captures` maps values the body takes from above to kernel values
  /// (values absent from it are used as they are).
  void emitScalar(OpBuilder &b, Location loc, ValueRange memrefs,
                  const IRMapping &captures, Value index,
                  ValueRange shape) const {
    IRMapping map = captures;
    Block *body = op.generic.getBody();
    SmallVector<Value> indices = delinearize(b, loc, index, shape);
    auto indicesOf = [&](Value memref) -> SmallVector<Value> {
      if (cast<MemRefType>(memref.getType()).getRank() == 0)
        return {};
      return indices;
    };
    for (auto [arg, memref] : llvm::zip(body->getArguments(), memrefs))
      if (!arg.use_empty())
        map.map(arg, memref::LoadOp::create(b, loc, memref, indicesOf(memref)));
    for (Operation &bodyOp : body->without_terminator())
      b.clone(bodyOp, map);
    for (auto [value, memref] :
         llvm::zip(body->getTerminator()->getOperands(), outputs(memrefs)))
      memref::StoreOp::create(b, loc, map.lookupOrDefault(value), memref,
                              indicesOf(memref));
  }

  /// Same for the `width` elements starting at `index`, with aligned vector
  /// loads and stores and every body op rebuilt on vectors.
  void emitVector(OpBuilder &b, Location loc, ValueRange memrefs,
                  const IRMapping &captures, Value index) const {
    IRMapping map;
    Block *body = op.generic.getBody();
    auto vectorOf = [&](Type type) { return VectorType::get({width}, type); };
    auto align = llvm::MaybeAlign(alignment);
    // Values from above become splats, built once per vector body.
    auto lookupOrSplat = [&](Value value) -> Value {
      if (Value vector = map.lookupOrNull(value))
        return vector;
      Value splat = vector::BroadcastOp::create(
          b, loc, vectorOf(value.getType()), captures.lookupOrDefault(value));
      map.map(value, splat);
      return splat;
    };

    for (auto [arg, memref] : llvm::zip(body->getArguments(), memrefs))
      if (!arg.use_empty())
        map.map(arg, vector::LoadOp::create(b, loc, vectorOf(arg.getType()),
                                            memref, index,
                                            /*nontemporal=*/false, align));
    for (Operation &bodyOp : body->without_terminator()) {
      if (isa<arith::ConstantOp>(bodyOp)) {
        Value scalar = b.clone(bodyOp)->getResult(0);
        map.map(bodyOp.getResult(0),
                vector::BroadcastOp::create(b, loc, vectorOf(scalar.getType()),
                                            scalar));
        continue;
      }
      for (Value operand : bodyOp.getOperands())
        lookupOrSplat(operand);
      Operation *clone = b.clone(bodyOp, map);
      for (OpResult result : clone->getResults())
        result.setType(vectorOf(result.getType()));
    }
    for (auto [value, memref] :
         llvm::zip(body->getTerminator()->getOperands(), outputs(memrefs)))
      vector::StoreOp::create(b, loc, lookupOrSplat(value), memref, index,
                              /*nontemporal=*/false, align);
  }

  /// Emits one thread's share of one tensor: work items `first`,
  /// `first + stride`, ... below `numVectors` are vectors, the ones after
  /// them single elements. A null `numVectors` means scalar code only, which
  /// N-D operands of sizes `shape` get.
  void emitGridStrideLoops(OpBuilder &b, Location loc, ValueRange memrefs,
                           const IRMapping &captures, Value numElements,
                           Value numVectors, Value first, Value stride,
                           ValueRange shape = {}) const {
    assert((shape.empty() || !numVectors) && "N-D operands have no vectors");
    Value next = first;
    Value numItems = numElements;
    Value elementOffset;
    if (numVectors) {
      Value widthValue = arith::ConstantIndexOp::create(b, loc, width);
      auto vectorLoop = scf::WhileOp::create(
          b, loc, TypeRange{b.getIndexType()}, ValueRange{first},
          [&](OpBuilder &b, Location loc, ValueRange args) {
            Value inRange = arith::CmpIOp::create(
                b, loc, arith::CmpIPredicate::ult, args[0], numVectors);
            scf::ConditionOp::create(b, loc, inRange, args);
          },
          [&](OpBuilder &b, Location loc, ValueRange args) {
            Value index = arith::MulIOp::create(b, loc, args[0], widthValue);
            emitVector(b, loc, memrefs, captures, index);
            scf::YieldOp::create(
                b, loc,
                ValueRange{arith::AddIOp::create(b, loc, args[0], stride)});
          });
      // The loop leaves each thread at its first scalar work item.
      next = vectorLoop.getResult(0);
      elementOffset = arith::MulIOp::create(
          b, loc, numVectors,
          arith::ConstantIndexOp::create(b, loc, width - 1));
      numItems = arith::SubIOp::create(b, loc, numElements, elementOffset);
    }
    scf::ForOp::create(b, loc, next, numItems, stride, ValueRange{},
                       [&](OpBuilder &b, Location loc, Value item, ValueRange) {
                         Value index = elementOffset
                                           ? arith::AddIOp::create(
                                                 b, loc, item, elementOffset)
                                           : item;
                         emitScalar(b, loc, memrefs, captures, index, shape);
                         scf::YieldOp::create(b, loc);
                       });
  }

  /// Elements per vector (1: scalar code only).
  int64_t getWidth() const { return width; }
  /// Bytes a vector access assumes its address is aligned to.
  int64_t getAlignment() const { return alignment; }

private:
  ValueRange outputs(ValueRange memrefs) const {
    return memrefs.take_back(op.generic.getNumDpsInits());
  }

  const Elementwise &op;
  int64_t width;
  int64_t alignment;
};

//===----------------------------------------------------------------------===//
// Host code
//===----------------------------------------------------------------------===//

/// The address of a memref's first element, as an index.
Value buildAddress(OpBuilder &b, Location loc, Value memref) {
  auto type = cast<MemRefType>(memref.getType());
  Value base = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref);
  auto metadata = memref::ExtractStridedMetadataOp::create(b, loc, memref);
  Value bytes = arith::MulIOp::create(
      b, loc, metadata.getOffset(),
      arith::ConstantIndexOp::create(
          b, loc, type.getElementType().getIntOrFloatBitWidth() / 8));
  return arith::AddIOp::create(b, loc, base, bytes);
}

/// The host-side sizes of one tensor's work.
struct Extent {
  /// The sizes of the iteration space (empty for rank 0), from the first
  /// operand's own sizes. (Not `memref.dim`: once its index is an LLVM
  /// constant, `memref.dim` on a dynamic size lowers to a round trip through
  /// the stack; nor the sizes of a collapsed view.)
  ValueRange sizes;
  /// Their product.
  Value numElements;
  /// Null when the kernel has no vector code for this tensor.
  Value numVectors;
  /// Vectors, then the elements after them.
  Value numItems;
};

/// Counts the work of `op` on `memrefs` (its flattened operands): `numVectors`
/// is `n / width` when every operand's first element is aligned to a whole
/// vector, else 0, so misaligned data takes the scalar path.
Extent buildExtent(OpBuilder &b, Location loc, const Elementwise &op,
                   ValueRange memrefs, const BodyEmitter *vectorEmitter) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Extent extent;
  Value first = op.generic->getOperand(0);
  if (cast<MemRefType>(first.getType()).getRank() > 0)
    extent.sizes =
        memref::ExtractStridedMetadataOp::create(b, loc, first).getSizes();
  extent.numElements = arith::ConstantIndexOp::create(b, loc, 1);
  for (Value size : extent.sizes)
    extent.numElements =
        arith::MulIOp::create(b, loc, extent.numElements, size);
  extent.numItems = extent.numElements;
  if (!vectorEmitter)
    return extent;

  Value mask =
      arith::ConstantIndexOp::create(b, loc, vectorEmitter->getAlignment() - 1);
  Value misaligned = zero;
  for (Value memref : memrefs)
    misaligned =
        arith::OrIOp::create(b, loc, misaligned, buildAddress(b, loc, memref));
  misaligned = arith::AndIOp::create(b, loc, misaligned, mask);
  Value aligned =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, misaligned, zero);
  Value width =
      arith::ConstantIndexOp::create(b, loc, vectorEmitter->getWidth());
  Value fullVectors = arith::DivUIOp::create(b, loc, extent.numElements, width);
  extent.numVectors =
      arith::SelectOp::create(b, loc, aligned, fullVectors, zero);
  Value widthMinusOne =
      arith::ConstantIndexOp::create(b, loc, vectorEmitter->getWidth() - 1);
  extent.numItems = arith::SubIOp::create(
      b, loc, extent.numElements,
      arith::MulIOp::create(b, loc, extent.numVectors, widthMinusOne));
  return extent;
}

/// Kernel launch geometry and builders shared by both kinds of kernels.
struct LaunchBuilder {
  int64_t threadsPerBlock;
  int64_t maxBlocks;

  /// Enough blocks for one work item per thread, at least one, at most
  /// `maxBlocks`: beyond that the threads loop.
  Value buildGridSize(OpBuilder &b, Location loc, Value numItems) const {
    Value blocks = arith::CeilDivUIOp::create(
        b, loc, numItems,
        arith::ConstantIndexOp::create(b, loc, threadsPerBlock));
    blocks = arith::MinUIOp::create(
        b, loc, blocks, arith::ConstantIndexOp::create(b, loc, maxBlocks));
    return arith::MaxUIOp::create(b, loc, blocks,
                                  arith::ConstantIndexOp::create(b, loc, 1));
  }

  /// Creates a 1-D `gpu.launch` of `gridSize` blocks; `bodyBuilder` gets the
  /// global thread id and the number of threads in the grid.
  void buildLaunch(OpBuilder &b, Location loc, Value gridSize,
                   function_ref<void(OpBuilder &, Location, Value, Value)>
                       bodyBuilder) const {
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value blockSize = arith::ConstantIndexOp::create(b, loc, threadsPerBlock);
    auto launch =
        gpu::LaunchOp::create(b, loc, gridSize, one, one, blockSize, one, one);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&launch.getBody().front());
    Value blockStart = arith::MulIOp::create(b, loc, launch.getBlockIds().x,
                                             launch.getBlockSize().x);
    Value threadId =
        arith::AddIOp::create(b, loc, blockStart, launch.getThreadIds().x);
    Value numThreads = arith::MulIOp::create(b, loc, launch.getGridSize().x,
                                             launch.getBlockSize().x);
    bodyBuilder(b, loc, threadId, numThreads);
    gpu::TerminatorOp::create(b, loc);
  }
};

/// i64 table entries and back.
Value encodeAsI64(OpBuilder &b, Location loc, Value value) {
  Type i64 = b.getI64Type();
  Type type = value.getType();
  if (type.isIndex())
    return arith::IndexCastUIOp::create(b, loc, i64, value);
  unsigned width = type.getIntOrFloatBitWidth();
  if (isa<FloatType>(type))
    value = arith::BitcastOp::create(b, loc, b.getIntegerType(width), value);
  if (width < 64)
    value = arith::ExtUIOp::create(b, loc, i64, value);
  return value;
}

Value decodeFromI64(OpBuilder &b, Location loc, Value entry, Type type) {
  if (type.isIndex())
    return arith::IndexCastUIOp::create(b, loc, type, entry);
  unsigned width = type.getIntOrFloatBitWidth();
  if (width < 64)
    entry = arith::TruncIOp::create(b, loc, b.getIntegerType(width), entry);
  if (isa<FloatType>(type))
    entry = arith::BitcastOp::create(b, loc, type, entry);
  return entry;
}

/// A `memref<?xT>` over `size` contiguous elements at the global-memory
/// address `address` (i64). MLIR has no op that makes a memref from an
/// address, so this builds the LLVM descriptor and casts it; the cast folds
/// away when memrefs are lowered to LLVM. The pointer starts in address space
/// 1 so that NVPTX knows the loads and stores are global (`ld.global`) even
/// though the address came from memory; on other targets the cast is a no-op.
Value buildMemRefFromAddress(OpBuilder &b, Location loc, Value address,
                             Value size, Type elementType) {
  MLIRContext *ctx = b.getContext();
  Type i64 = b.getI64Type();
  auto globalPtr = LLVM::LLVMPointerType::get(ctx, /*addressSpace=*/1);
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  auto array = LLVM::LLVMArrayType::get(i64, 1);
  auto descriptorType =
      LLVM::LLVMStructType::getLiteral(ctx, {ptr, ptr, i64, array, array});

  Value pointer = LLVM::AddrSpaceCastOp::create(
      b, loc, ptr, LLVM::IntToPtrOp::create(b, loc, globalPtr, address));
  Value descriptor = LLVM::PoisonOp::create(b, loc, descriptorType);
  auto insert = [&](Value value, ArrayRef<int64_t> position) {
    descriptor =
        LLVM::InsertValueOp::create(b, loc, descriptor, value, position);
  };
  insert(pointer, {0});
  insert(pointer, {1});
  insert(arith::ConstantIntOp::create(b, loc, i64, 0), {2});
  insert(arith::IndexCastUIOp::create(b, loc, i64, size), {3, 0});
  insert(arith::ConstantIntOp::create(b, loc, i64, 1), {4, 0});
  auto type = MemRefType::get({ShapedType::kDynamic}, elementType);
  return UnrealizedConversionCastOp::create(b, loc, type, descriptor)
      .getResult(0);
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

/// Generics launched together: same element type and operand counts, no
/// shared buffers. Each distinct body is a variant of the kernel.
struct Group {
  SmallVector<Elementwise> members;
  SmallVector<unsigned> variantOf;
  SmallVector<unsigned> variantLeaders;
  llvm::SmallDenseSet<Value> buffers, writtenBuffers;

  /// True if `op` writes a buffer a member uses or reads one a member writes,
  /// so that the two must not run concurrently or out of order.
  bool conflictsWith(const Elementwise &op) const {
    return llvm::any_of(op.generic->getOpOperands(), [&](OpOperand &operand) {
      Value root = getRootBuffer(operand.get());
      return writtenBuffers.contains(root) ||
             (op.generic.isDpsInit(&operand) && buffers.contains(root));
    });
  }

  /// True if `op` fits this group's kernel: same element type and operand
  /// counts.
  bool fits(const Elementwise &op) const {
    if (members.empty())
      return true;
    linalg::GenericOp first = members.front().generic;
    return op.elementType == members.front().elementType &&
           op.generic.getNumDpsInputs() == first.getNumDpsInputs() &&
           op.generic.getNumDpsInits() == first.getNumDpsInits();
  }

  void add(const Elementwise &op) {
    for (OpOperand &operand : op.generic->getOpOperands()) {
      Value root = getRootBuffer(operand.get());
      buffers.insert(root);
      if (op.generic.isDpsInit(&operand))
        writtenBuffers.insert(root);
    }
    unsigned variant = variantLeaders.size();
    for (auto [i, leader] : llvm::enumerate(variantLeaders))
      if (haveSameBody(members[leader], op)) {
        variant = i;
        break;
      }
    if (variant == variantLeaders.size())
      variantLeaders.push_back(members.size());
    variantOf.push_back(variant);
    members.push_back(op);
  }
};

struct OptimGPUMapPass : optim::impl::OptimGPUMapPassBase<OptimGPUMapPass> {
  using Base::Base;

  LogicalResult initialize(MLIRContext *context) override {
    auto fail = [&](StringRef message) {
      return emitError(UnknownLoc::get(context), "optim-gpu-map: ") << message;
    };
    // CUDA's limits: 1024 threads in a block, 2^31 - 1 blocks in a grid's x.
    if (threadsPerBlock < 1 || threadsPerBlock > 1024)
      return fail("threads-per-block must be from 1 to 1024");
    if (maxBlocks < 1 || maxBlocks > std::numeric_limits<int32_t>::max())
      return fail("max-blocks must be from 1 to 2147483647");
    // Beyond 64 elements a thread's vector no longer fits in its registers.
    if (elementsPerThread < 0 || elementsPerThread > 64 ||
        !llvm::isPowerOf2_64(std::max<int64_t>(elementsPerThread, 1)))
      return fail("elements-per-thread must be 0 or a power of two up to 64");
    launcher = {threadsPerBlock, maxBlocks};
    return success();
  }

  void runOnOperation() override {

    // The blocks holding generics, collected first: mapping erases generics
    // and creates blocks.
    llvm::SetVector<Block *> blocks;
    getOperation().walk(
        [&](linalg::GenericOp generic) { blocks.insert(generic->getBlock()); });
    for (Block *block : blocks)
      mapBlock(*block);
  }

private:
  /// Elements per vector for `op`, or 1 when it gets scalar code only.
  int64_t vectorWidth(const Elementwise &op) const {
    if (!op.vectorBody)
      return 1;
    if (elementsPerThread > 0)
      return elementsPerThread;
    return std::max<int64_t>(1, kMaxVectorBytes * 8 /
                                    op.elementType.getIntOrFloatBitWidth());
  }

  /// Maps the generics of `block`: one kernel each, or with `multi-tensor`
  /// one per group of generics that nothing with side effects separates.
  void mapBlock(Block &block) {
    SmallVector<Elementwise> run;
    auto flush = [&] {
      mapRun(run);
      run.clear();
    };
    for (Operation &op : llvm::make_early_inc_range(block)) {
      auto generic = dyn_cast<linalg::GenericOp>(op);
      std::optional<Elementwise> match =
          generic ? matchElementwise(generic) : std::nullopt;
      if (match && multiTensor && isGroupable(*match)) {
        run.push_back(std::move(*match));
        continue;
      }
      // Pure ops (the step scalars, reshapes of the operands) may sit
      // between the generics of a group; anything else ends the group.
      if (!match && isMemoryEffectFree(&op))
        continue;
      flush();
      if (match) {
        OpBuilder b(generic);
        mapOne(b, *match);
        generic.erase();
      }
    }
    flush();
  }

  /// True if `op` can join a multi-tensor kernel: its operands can be
  /// rebuilt from an address and a size and their buffers are known (so that
  /// conflicts between group members show), its scalars fit in a table
  /// entry.
  bool isGroupable(const Elementwise &op) const {
    return op.contiguous &&
           llvm::all_of(op.generic->getOperands(),
                        [](Value operand) {
                          return isKnownBuffer(getRootBuffer(operand));
                        }) &&
           llvm::all_of(op.captures, [](Value capture) {
             return isConstantCapture(capture) ||
                    isTableEncodable(capture.getType());
           });
  }

  /// Splits a run of groupable generics into groups and launches each group
  /// where its last member was. A group of one element type is open while
  /// ops of other types join theirs, and launching it at its last member
  /// moves its earlier members past theirs: an op that conflicts with any
  /// open group therefore closes them all.
  void mapRun(ArrayRef<Elementwise> run) {
    std::vector<Group> groups;
    DenseMap<Type, unsigned> openGroup;
    for (const Elementwise &op : run) {
      if (llvm::any_of(openGroup, [&](const auto &entry) {
            return groups[entry.second].conflictsWith(op);
          }))
        openGroup.clear();
      auto it = openGroup.find(op.elementType);
      if (it == openGroup.end() || !groups[it->second].fits(op)) {
        openGroup[op.elementType] = groups.size();
        groups.emplace_back();
        it = openGroup.find(op.elementType);
      }
      groups[it->second].add(op);
    }
    for (Group &group : groups) {
      OpBuilder b(group.members.back().generic);
      if (group.members.size() == 1)
        mapOne(b, group.members.front());
      else
        mapGroup(b, group);
    }
    for (const Elementwise &op : run)
      op.generic.erase();
  }

  /// One kernel for one generic. The operands and the values the body takes
  /// from above are used directly; outlining turns them into arguments.
  void mapOne(OpBuilder &b, const Elementwise &op) {
    Location loc = op.generic.getLoc();
    int64_t width = vectorWidth(op);
    BodyEmitter emitter(op, width);
    const BodyEmitter *vectorEmitter =
        width > 1 && op.contiguous && op.rank() >= 1 ? &emitter : nullptr;

    SmallVector<Value> memrefs = op.buildKernelOperands(b, loc);
    Extent extent = buildExtent(b, loc, op, memrefs, vectorEmitter);
    // N-D operands: the kernel splits element indices by their sizes.
    ValueRange shape = op.flat ? ValueRange() : extent.sizes;
    Value gridSize = launcher.buildGridSize(b, loc, extent.numItems);
    launcher.buildLaunch(
        b, loc, gridSize,
        [&](OpBuilder &b, Location loc, Value threadId, Value numThreads) {
          emitter.emitGridStrideLoops(b, loc, memrefs, IRMapping(),
                                      extent.numElements, extent.numVectors,
                                      threadId, numThreads, shape);
        });
  }

  /// One kernel for a group of generics, driven by a table of tensors.
  void mapGroup(OpBuilder &b, Group &group) {
    Location loc = group.members.back().generic.getLoc();
    Type elementType = group.members.front().elementType;
    int64_t numOperands = group.members.front().generic->getNumOperands();
    int64_t numTensors = group.members.size();

    // The scalars of each variant that change from tensor to tensor.
    SmallVector<SmallVector<unsigned>> runtimeCaptures;
    size_t maxCaptures = 0;
    for (unsigned leader : group.variantLeaders) {
      SmallVector<unsigned> &positions = runtimeCaptures.emplace_back();
      for (auto [i, capture] : llvm::enumerate(group.members[leader].captures))
        if (!isConstantCapture(capture))
          positions.push_back(i);
      maxCaptures = std::max(maxCaptures, positions.size());
    }
    SmallVector<BodyEmitter> emitters;
    for (unsigned leader : group.variantLeaders) {
      const Elementwise &op = group.members[leader];
      emitters.emplace_back(op, vectorWidth(op));
    }

    // Table columns.
    const int64_t colSize = numOperands, colVectors = numOperands + 1,
                  colFirst = numOperands + 2, colVariant = numOperands + 3,
                  colCaptures = numOperands + 4;
    int64_t numColumns = colCaptures + maxCaptures;

    // The table lives on the stack of the enclosing function, in its entry
    // block, so that a loop around the step does not grow the stack (loops
    // are allocation scopes too); it is rebuilt and copied to the device at
    // each launch.
    auto tableType = MemRefType::get({numTensors, numColumns}, b.getI64Type());
    Value table;
    {
      OpBuilder::InsertionGuard guard(b);
      Operation *function = b.getInsertionBlock()->getParentOp();
      while (!function->hasTrait<OpTrait::IsIsolatedFromAbove>())
        function = function->getParentOp();
      b.setInsertionPointToStart(&function->getRegion(0).front());
      table = memref::AllocaOp::create(b, loc, tableType);
    }

    SmallVector<SmallVector<Value>> operands;
    SmallVector<Extent> extents;
    Value totalItems = arith::ConstantIndexOp::create(b, loc, 0);
    for (auto [member, variant] : llvm::zip(group.members, group.variantOf)) {
      const BodyEmitter &emitter = emitters[variant];
      operands.push_back(member.buildKernelOperands(b, loc));
      extents.push_back(
          buildExtent(b, loc, member, operands.back(),
                      emitter.getWidth() > 1 ? &emitter : nullptr));
      totalItems =
          arith::AddIOp::create(b, loc, totalItems, extents.back().numItems);
    }
    Value gridSize = launcher.buildGridSize(b, loc, totalItems);
    Value numThreads = arith::MulIOp::create(
        b, loc, gridSize,
        arith::ConstantIndexOp::create(b, loc, threadsPerBlock));

    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value itemsBefore = zero;
    for (auto [k, member] : llvm::enumerate(group.members)) {
      Value row = arith::ConstantIndexOp::create(b, loc, k);
      auto store = [&](Value value, int64_t column) {
        memref::StoreOp::create(
            b, loc, encodeAsI64(b, loc, value), table,
            ValueRange{row, arith::ConstantIndexOp::create(b, loc, column)});
      };
      for (auto [column, memref] : llvm::enumerate(operands[k]))
        store(buildAddress(b, loc, memref), column);
      const Extent &extent = extents[k];
      store(extent.numElements, colSize);
      store(extent.numVectors ? extent.numVectors : zero, colVectors);
      // The thread that takes this tensor's first work item.
      store(arith::RemUIOp::create(b, loc, itemsBefore, numThreads), colFirst);
      store(arith::ConstantIndexOp::create(b, loc, group.variantOf[k]),
            colVariant);
      for (auto [column, position] :
           llvm::enumerate(runtimeCaptures[group.variantOf[k]]))
        store(member.captures[position], colCaptures + column);
      itemsBefore = arith::AddIOp::create(b, loc, itemsBefore, extent.numItems);
    }

    Value deviceTable =
        gpu::AllocOp::create(b, loc, tableType, /*asyncToken=*/Type(),
                             /*asyncDependencies=*/ValueRange(),
                             /*dynamicSizes=*/ValueRange(),
                             /*symbolOperands=*/ValueRange())
            .getMemref();
    gpu::MemcpyOp::create(b, loc, /*asyncToken=*/Type(), ValueRange(),
                          deviceTable, table);

    launcher.buildLaunch(
        b, loc, gridSize,
        [&](OpBuilder &b, Location loc, Value threadId, Value numThreads) {
          Value lower = arith::ConstantIndexOp::create(b, loc, 0);
          Value upper = arith::ConstantIndexOp::create(b, loc, numTensors);
          Value step = arith::ConstantIndexOp::create(b, loc, 1);
          scf::ForOp::create(
              b, loc, lower, upper, step, ValueRange{},
              [&](OpBuilder &b, Location loc, Value k, ValueRange) {
                auto load = [&](int64_t column) -> Value {
                  return memref::LoadOp::create(
                      b, loc, deviceTable,
                      ValueRange{
                          k, arith::ConstantIndexOp::create(b, loc, column)});
                };
                auto loadIndex = [&](int64_t column) {
                  return decodeFromI64(b, loc, load(column), b.getIndexType());
                };
                Value numElements = loadIndex(colSize);
                Value numVectors = loadIndex(colVectors);
                // Thread `threadId`'s first item: (threadId - first) mod
                // numThreads, both operands being below numThreads.
                Value firstThread = loadIndex(colFirst);
                Value first =
                    arith::SubIOp::create(b, loc, threadId, firstThread);
                Value wraps = arith::CmpIOp::create(
                    b, loc, arith::CmpIPredicate::ult, threadId, firstThread);
                first = arith::SelectOp::create(
                    b, loc, wraps,
                    arith::AddIOp::create(b, loc, first, numThreads), first);
                SmallVector<Value> memrefs;
                for (int64_t column = 0; column < numOperands; ++column)
                  memrefs.push_back(buildMemRefFromAddress(
                      b, loc, load(column), numElements, elementType));

                auto emitVariant = [&](OpBuilder &b, unsigned variant) {
                  const Elementwise &leader =
                      group.members[group.variantLeaders[variant]];
                  IRMapping captures;
                  for (auto [column, position] :
                       llvm::enumerate(runtimeCaptures[variant])) {
                    Value capture = leader.captures[position];
                    captures.map(capture,
                                 decodeFromI64(b, loc,
                                               load(colCaptures + column),
                                               capture.getType()));
                  }
                  const BodyEmitter &emitter = emitters[variant];
                  emitter.emitGridStrideLoops(
                      b, loc, memrefs, captures, numElements,
                      emitter.getWidth() > 1 ? numVectors : Value(), first,
                      numThreads);
                };
                if (emitters.size() == 1) {
                  emitVariant(b, 0);
                } else {
                  auto cases =
                      llvm::to_vector(llvm::seq<int64_t>(0, emitters.size()));
                  auto variantSwitch = scf::IndexSwitchOp::create(
                      b, loc, TypeRange{}, loadIndex(colVariant), cases,
                      cases.size());
                  for (auto [variant, region] :
                       llvm::enumerate(variantSwitch.getCaseRegions())) {
                    OpBuilder::InsertionGuard guard(b);
                    b.setInsertionPointToStart(&region.emplaceBlock());
                    emitVariant(b, variant);
                    scf::YieldOp::create(b, loc);
                  }
                  OpBuilder::InsertionGuard guard(b);
                  b.setInsertionPointToStart(
                      &variantSwitch.getDefaultRegion().emplaceBlock());
                  scf::YieldOp::create(b, loc);
                }
                scf::YieldOp::create(b, loc);
              });
        });
    gpu::DeallocOp::create(b, loc, /*asyncToken=*/Type(), ValueRange(),
                           deviceTable);
  }

  LaunchBuilder launcher{0, 0};
};

} // namespace
