//===- KernelBody.cpp - A generic's work inside a GPU kernel ----*- C++ -*-===//
//
// The body of an elementwise generic on one element (loads, the body's ops,
// stores) or on one vector of elements (the generic on a vector-sized view,
// vectorised by `linalg::vectorize`), and the grid-stride loops that run them
// over a tensor.
//
//===----------------------------------------------------------------------===//

#include "ElementwiseKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/Support/ErrorHandling.h"

using namespace mlir;
using namespace mlir::optim;
using namespace mlir::optim::gpu_kernels;

/// The indices of element `index`, counted row-major, of a buffer of sizes
/// `shape`: `{index}` itself for flat operands (empty `shape`). Indices are
/// never negative, so unsigned division serves, without the sign corrections
/// `affine.delinearize_index` lowers to.
static SmallVector<Value> splitIndex(OpBuilder &b, Location loc, Value index,
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

KernelBodyBuilder::KernelBodyBuilder(ElementwiseGeneric generic, int64_t width)
    : generic(std::move(generic)), width(width) {
  for (unsigned i = 0, e = this->generic.op->getNumOperands(); i < e; ++i)
    alignments.push_back(std::min<int64_t>(
        kMaxVectorBytes,
        width * this->generic.getElementType(i).getIntOrFloatBitWidth() / 8));
}

void KernelBodyBuilder::emitScalar(OpBuilder &b, Location loc,
                                   ValueRange memrefs,
                                   const IRMapping &captures, Value index,
                                   ValueRange shape) {
  IRMapping map = captures;
  Block *body = generic.op.getBody();
  SmallVector<Value> indices = splitIndex(b, loc, index, shape);
  auto indicesOf = [&](Value memref) -> SmallVector<Value> {
    if (cast<MemRefType>(memref.getType()).getRank() == 0)
      return {};
    return indices;
  };
  for (auto [arg, memref] : llvm::zip(body->getArguments(), memrefs))
    if (!arg.use_empty())
      map.map(arg, memref::LoadOp::create(b, loc, memref, indicesOf(memref)));
  for (Operation &bodyOp : body->without_terminator()) {
    if (auto indexOp = dyn_cast<linalg::IndexOp>(bodyOp))
      map.map(indexOp.getResult(), indices[indexOp.getDim()]);
    else
      b.clone(bodyOp, map);
  }
  ValueRange outputs = memrefs.take_back(generic.op.getNumDpsInits());
  for (auto [value, memref] :
       llvm::zip(body->getTerminator()->getOperands(), outputs))
    memref::StoreOp::create(b, loc, map.lookupOrDefault(value), memref,
                            indicesOf(memref));
}

void KernelBodyBuilder::emitVector(OpBuilder &b, Location loc,
                                   ValueRange memrefs,
                                   const IRMapping &captures, Value index) {
  // The generic on views of the `width` elements at `index` of each (1-D)
  // operand.
  IRMapping map = captures;
  struct Access {
    Value memref;
    int64_t alignment;
  };
  DenseMap<Value, Access> accessOf;
  SmallVector<Operation *> views;
  for (auto [i, operand, memref] :
       llvm::enumerate(generic.op->getOperands(), memrefs)) {
    // A broadcast scalar is read whole.
    if (generic.isBroadcastScalar(i)) {
      map.map(operand, memref);
      continue;
    }
    auto view =
        memref::SubViewOp::create(b, loc, memref, ArrayRef<OpFoldResult>{index},
                                  ArrayRef<OpFoldResult>{b.getIndexAttr(width)},
                                  ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
    map.map(operand, view.getResult());
    accessOf[view] = {memref, alignments[i]};
    views.push_back(view);
  }
  auto tile = cast<linalg::GenericOp>(b.clone(*generic.op, map));

  // Its static size makes every transfer that vectorisation creates in
  // bounds. They then become plain vector loads and stores of the operands
  // that state the alignment the host checked before it chose the vector
  // path, which transfers cannot state: without it LLVM would split each
  // 128-bit access into scalar ones.
  IRRewriter rewriter(b.getContext());
  rewriter.setInsertionPoint(tile);
  // The matcher admits only bodies of scalar elementwise ops, which
  // linalg::vectorize rebuilds on vectors; a failure would be a bug, not
  // bad input, and must not leave the tile half rewritten.
  if (failed(linalg::vectorize(rewriter, tile)))
    llvm::report_fatal_error("optim-map-elementwise-to-gpu: linalg::vectorize "
                             "failed on a matched elementwise generic");
  rewriter.eraseOp(tile);
  SmallVector<Operation *> transfers;
  b.getInsertionBlock()->walk([&](Operation *op) {
    if (isa<vector::TransferReadOp, vector::TransferWriteOp>(op))
      transfers.push_back(op);
  });
  for (Operation *op : transfers) {
    auto transfer = cast<VectorTransferOpInterface>(op);
    rewriter.setInsertionPoint(op);
    // A broadcast scalar: one load, splat (the NVVM lowering takes no 0-d
    // vectors, which a broadcasting transfer becomes).
    auto access = accessOf.find(transfer.getBase());
    if (access == accessOf.end()) {
      auto read = cast<vector::TransferReadOp>(op);
      rewriter.replaceOpWithNewOp<vector::BroadcastOp>(
          read, read.getVectorType(),
          memref::LoadOp::create(rewriter, loc, read.getBase()));
      continue;
    }
    Value at = arith::AddIOp::create(rewriter, loc, index,
                                     transfer.getIndices().front());
    auto align = llvm::MaybeAlign(access->second.alignment);
    if (auto read = dyn_cast<vector::TransferReadOp>(op))
      rewriter.replaceOpWithNewOp<vector::LoadOp>(read, read.getVectorType(),
                                                  access->second.memref, at,
                                                  /*nontemporal=*/false, align);
    else
      rewriter.replaceOpWithNewOp<vector::StoreOp>(
          op, cast<vector::TransferWriteOp>(op).getVector(),
          access->second.memref, at,
          /*nontemporal=*/false, align);
  }
  for (Operation *view : views)
    rewriter.eraseOp(view);
}

void KernelBodyBuilder::emitGridStrideLoops(OpBuilder &b, Location loc,
                                            ValueRange memrefs,
                                            const IRMapping &captures,
                                            Value numElements, Value numVectors,
                                            Value first, Value stride,
                                            ValueRange shape) {
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
          scf::YieldOp::create(
              b, loc,
              ValueRange{arith::AddIOp::create(b, loc, args[0], stride)});
        });
    // The vector body goes in once the loop is in the IR, which
    // vectorisation needs to see what the body takes from above.
    {
      OpBuilder::InsertionGuard guard(b);
      Block &body = vectorLoop.getAfter().front();
      b.setInsertionPointToStart(&body);
      emitVector(
          b, loc, memrefs, captures,
          arith::MulIOp::create(b, loc, body.getArgument(0), widthValue));
    }
    // The loop leaves each thread at its first scalar work item.
    next = vectorLoop.getResult(0);
    elementOffset = arith::MulIOp::create(
        b, loc, numVectors, arith::ConstantIndexOp::create(b, loc, width - 1));
    numItems = arith::SubIOp::create(b, loc, numElements, elementOffset);
  }
  scf::ForOp::create(b, loc, next, numItems, stride, ValueRange{},
                     [&](OpBuilder &b, Location loc, Value item, ValueRange) {
                       Value index = elementOffset
                                         ? arith::AddIOp::create(b, loc, item,
                                                                 elementOffset)
                                         : item;
                       emitScalar(b, loc, memrefs, captures, index, shape);
                       scf::YieldOp::create(b, loc);
                     });
}
