//===- HostCode.cpp - Sizes, alignment and launches on the host -*- C++ -*-===//
//
// What the host computes before a kernel runs: how many vectors and single
// elements a tensor has (vectors only where every operand is aligned), how
// many blocks the grid gets, and the `gpu.launch` itself.
//
//===----------------------------------------------------------------------===//

#include "ElementwiseKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "llvm/ADT/MapVector.h"

using namespace mlir;
using namespace mlir::optim;
using namespace mlir::optim::gpu_kernels;

Value gpu_kernels::buildAddress(OpBuilder &b, Location loc, Value memref) {
  auto type = cast<MemRefType>(memref.getType());
  Value base = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref);
  auto metadata = memref::ExtractStridedMetadataOp::create(b, loc, memref);
  Value bytes = arith::MulIOp::create(
      b, loc, metadata.getOffset(),
      arith::ConstantIndexOp::create(
          b, loc, type.getElementType().getIntOrFloatBitWidth() / 8));
  return arith::AddIOp::create(b, loc, base, bytes);
}

Extent gpu_kernels::buildExtent(OpBuilder &b, Location loc,
                                ElementwiseGeneric &generic,
                                const KernelBodyBuilder *vectorBody) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Extent extent;
  if (generic.getRank() > 0)
    extent.sizes = memref::ExtractStridedMetadataOp::create(
                       b, loc, generic.getShapedOperand())
                       .getSizes();
  extent.numElements = arith::ConstantIndexOp::create(b, loc, 1);
  for (Value size : extent.sizes)
    extent.numElements =
        arith::MulIOp::create(b, loc, extent.numElements, size);
  extent.numItems = extent.numElements;
  if (!vectorBody)
    return extent;

  // Each operand's first element aligned to its own vector size: the
  // addresses that need one alignment are or-ed, then masked once.
  llvm::MapVector<int64_t, Value> addressBits;
  for (auto [i, memref] : llvm::enumerate(generic.op->getOperands())) {
    if (generic.isBroadcastScalar(i))
      continue;
    Value address = buildAddress(b, loc, memref);
    Value &bits = addressBits[vectorBody->getAlignment(i)];
    bits = bits ? arith::OrIOp::create(b, loc, bits, address) : address;
  }
  Value misaligned;
  for (auto [alignment, bits] : addressBits) {
    Value low = arith::AndIOp::create(
        b, loc, bits, arith::ConstantIndexOp::create(b, loc, alignment - 1));
    misaligned =
        misaligned ? arith::OrIOp::create(b, loc, misaligned, low) : low;
  }
  Value aligned =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, misaligned, zero);
  Value width = arith::ConstantIndexOp::create(b, loc, vectorBody->getWidth());
  Value fullVectors = arith::DivUIOp::create(b, loc, extent.numElements, width);
  extent.numVectors =
      arith::SelectOp::create(b, loc, aligned, fullVectors, zero);
  Value widthMinusOne =
      arith::ConstantIndexOp::create(b, loc, vectorBody->getWidth() - 1);
  extent.numItems = arith::SubIOp::create(
      b, loc, extent.numElements,
      arith::MulIOp::create(b, loc, extent.numVectors, widthMinusOne));
  return extent;
}

Value LaunchBuilder::buildGridSize(OpBuilder &b, Location loc,
                                   Value numItems) const {
  Value blocks = arith::CeilDivUIOp::create(
      b, loc, numItems,
      arith::ConstantIndexOp::create(b, loc, threadsPerBlock));
  blocks = arith::MinUIOp::create(
      b, loc, blocks, arith::ConstantIndexOp::create(b, loc, maxBlocks));
  return arith::MaxUIOp::create(b, loc, blocks,
                                arith::ConstantIndexOp::create(b, loc, 1));
}

void LaunchBuilder::buildLaunch(
    OpBuilder &b, Location loc, Value gridSize,
    function_ref<void(OpBuilder &, Location, Value, Value)> bodyBuilder) const {
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
