//===- MultiTensor.cpp - One kernel launch for many tensors -----*- C++ -*-===//
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
// over every tensor. Generics whose bodies differ only in the scalars they
// take from above share a body (a variant); the scalars travel in the table.
//
//===----------------------------------------------------------------------===//

#include "ElementwiseKernels.h"

#include "mlir/Conversion/LLVMCommon/MemRefBuilder.h"
#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::optim;
using namespace mlir::optim::gpu_kernels;

//===----------------------------------------------------------------------===//
// Which generics can share a kernel
//===----------------------------------------------------------------------===//

/// True if `capture` is a constant, which kernels may rematerialise.
static bool isConstantCapture(Value capture) {
  return matchPattern(capture, m_Constant());
}

/// True if a captured value can travel through an i64 table entry.
static bool isTableEncodable(Type type) {
  return type.isIndex() ||
         (type.isIntOrFloat() && type.getIntOrFloatBitWidth() <= 64);
}

/// True if `a` and `b` compute the same function of their block arguments,
/// their constants and, position by position, their other captured values:
/// the kernel can then run `b`'s elements with `a`'s body and `b`'s scalars.
static bool haveSameBody(ElementwiseGeneric &a, ElementwiseGeneric &b) {
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
      &a.op.getRegion(), &b.op.getRegion(),
      [&](Value x, Value y) { return success(equivalent.lookup(x) == y); },
      [&](Value x, Value y) { equivalent[x] = y; },
      OperationEquivalence::IgnoreLocations);
}

bool gpu_kernels::isGroupable(ElementwiseGeneric &generic) {
  // The table's rows rebuild 1-D operands only.
  return generic.isContiguous && !generic.hasBroadcastScalars() &&
         BufferUses::hasKnownBuffers(generic) &&
         llvm::all_of(generic.captures, [](Value capture) {
           return isConstantCapture(capture) ||
                  isTableEncodable(capture.getType());
         });
}

Type TensorGroup::getKey(ElementwiseGeneric &generic) {
  return TupleType::get(generic.op->getContext(),
                        llvm::to_vector(llvm::map_range(
                            generic.op->getOperandTypes(), [](Type type) {
                              return cast<MemRefType>(type).getElementType();
                            })));
}

bool TensorGroup::fits(ElementwiseGeneric &generic) {
  if (members.empty())
    return true;
  linalg::GenericOp first = members.front().op;
  return getKey(generic) == getKey(members.front()) &&
         generic.op.getNumDpsInputs() == first.getNumDpsInputs();
}

void TensorGroup::add(ElementwiseGeneric generic) {
  bufferUses.add(generic);
  unsigned variant = variantLeaders.size();
  for (auto [i, leader] : llvm::enumerate(variantLeaders))
    if (haveSameBody(members[leader], generic)) {
      variant = i;
      break;
    }
  if (variant == variantLeaders.size())
    variantLeaders.push_back(members.size());
  variantOf.push_back(variant);
  members.push_back(std::move(generic));
}

//===----------------------------------------------------------------------===//
// The table
//===----------------------------------------------------------------------===//

/// i64 table entries and back.
static Value encodeAsI64(OpBuilder &b, Location loc, Value value) {
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

static Value decodeFromI64(OpBuilder &b, Location loc, Value entry, Type type) {
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
static Value buildMemRefFromAddress(OpBuilder &b, Location loc, Value address,
                                    Value size, Type elementType) {
  MLIRContext *ctx = b.getContext();
  auto type = MemRefType::get({ShapedType::kDynamic}, elementType);
  LLVMTypeConverter converter(ctx);
  Value pointer = LLVM::AddrSpaceCastOp::create(
      b, loc, LLVM::LLVMPointerType::get(ctx),
      LLVM::IntToPtrOp::create(
          b, loc, LLVM::LLVMPointerType::get(ctx, /*addressSpace=*/1),
          address));
  auto descriptor =
      MemRefDescriptor::poison(b, loc, converter.convertType(type));
  descriptor.setAllocatedPtr(b, loc, pointer);
  descriptor.setAlignedPtr(b, loc, pointer);
  descriptor.setConstantOffset(b, loc, 0);
  descriptor.setSize(
      b, loc, 0, arith::IndexCastUIOp::create(b, loc, b.getI64Type(), size));
  descriptor.setConstantStride(b, loc, 0, 1);
  return UnrealizedConversionCastOp::create(b, loc, type, Value(descriptor))
      .getResult(0);
}

//===----------------------------------------------------------------------===//
// The kernel
//===----------------------------------------------------------------------===//

void gpu_kernels::buildMultiTensorLaunch(
    OpBuilder &b, TensorGroup &group, const LaunchBuilder &launcher,
    function_ref<int64_t(ElementwiseGeneric &)> widthOf) {
  ElementwiseGeneric &last = group.members.back();
  Location loc = last.op.getLoc();
  int64_t numOperands = last.op->getNumOperands();
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
  SmallVector<KernelBodyBuilder> bodies;
  for (unsigned leader : group.variantLeaders) {
    ElementwiseGeneric &generic = group.members[leader];
    bodies.emplace_back(generic, widthOf(generic));
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

  SmallVector<Extent> extents;
  Value totalItems = arith::ConstantIndexOp::create(b, loc, 0);
  for (auto [member, variant] : llvm::zip(group.members, group.variantOf)) {
    KernelBodyBuilder &body = bodies[variant];
    extents.push_back(
        buildExtent(b, loc, member, body.getWidth() > 1 ? &body : nullptr));
    totalItems =
        arith::AddIOp::create(b, loc, totalItems, extents.back().numItems);
  }
  Value gridSize = launcher.buildGridSize(b, loc, totalItems);
  Value numThreads = arith::MulIOp::create(
      b, loc, gridSize,
      arith::ConstantIndexOp::create(b, loc, launcher.threadsPerBlock));

  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value itemsBefore = zero;
  for (auto [k, member] : llvm::enumerate(group.members)) {
    Value row = arith::ConstantIndexOp::create(b, loc, k);
    auto store = [&](Value value, int64_t column) {
      memref::StoreOp::create(
          b, loc, encodeAsI64(b, loc, value), table,
          ValueRange{row, arith::ConstantIndexOp::create(b, loc, column)});
    };
    for (auto [column, memref] : llvm::enumerate(member.op->getOperands()))
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
        // The loop body goes in once the loop is in the IR, which
        // vectorisation needs to see what the body takes from above.
        auto tensorLoop = scf::ForOp::create(b, loc, lower, upper, step);
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(tensorLoop.getBody()->getTerminator());
        Value k = tensorLoop.getInductionVar();
        auto load = [&](int64_t column) -> Value {
          return memref::LoadOp::create(
              b, loc, deviceTable,
              ValueRange{k, arith::ConstantIndexOp::create(b, loc, column)});
        };
        auto loadIndex = [&](int64_t column) {
          return decodeFromI64(b, loc, load(column), b.getIndexType());
        };
        Value numElements = loadIndex(colSize);
        Value numVectors = loadIndex(colVectors);
        // Thread `threadId`'s first item: (threadId - first) mod
        // numThreads, both operands being below numThreads.
        Value firstThread = loadIndex(colFirst);
        Value first = arith::SubIOp::create(b, loc, threadId, firstThread);
        Value wraps = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                            threadId, firstThread);
        first = arith::SelectOp::create(
            b, loc, wraps, arith::AddIOp::create(b, loc, first, numThreads),
            first);
        SmallVector<Value> memrefs;
        for (int64_t column = 0; column < numOperands; ++column)
          memrefs.push_back(buildMemRefFromAddress(
              b, loc, load(column), numElements, last.getElementType(column)));

        auto emitVariant = [&](OpBuilder &b, unsigned variant) {
          ElementwiseGeneric &leader =
              group.members[group.variantLeaders[variant]];
          IRMapping captures;
          for (auto [column, position] :
               llvm::enumerate(runtimeCaptures[variant])) {
            Value capture = leader.captures[position];
            captures.map(capture,
                         decodeFromI64(b, loc, load(colCaptures + column),
                                       capture.getType()));
          }
          KernelBodyBuilder &body = bodies[variant];
          body.emitGridStrideLoops(b, loc, memrefs, captures, numElements,
                                   body.getWidth() > 1 ? numVectors : Value(),
                                   first, numThreads);
        };
        if (bodies.size() == 1) {
          emitVariant(b, 0);
        } else {
          auto cases = llvm::to_vector(llvm::seq<int64_t>(0, bodies.size()));
          auto variantSwitch = scf::IndexSwitchOp::create(
              b, loc, TypeRange{}, loadIndex(colVariant), cases, cases.size());
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
      });
  gpu::DeallocOp::create(b, loc, /*asyncToken=*/Type(), ValueRange(),
                         deviceTable);
}
