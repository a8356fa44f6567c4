//===- QuantizedStepLowering.h - Loops of an 8-bit step ---------*- C++ -*-===//
//
// The builder of one 8-bit step's loops, shared by the code of a block
// (QuantizedBlocks.cpp: the sweeps over its chunks, the absmax exchange)
// and the loops over blocks (LowerQuantizedSteps.cpp: CPU shares, GPU
// groups).
//
//===----------------------------------------------------------------------===//

#ifndef OPTIM_LIB_TRANSFORMS_QUANTIZEDSTEPLOWERING_H
#define OPTIM_LIB_TRANSFORMS_QUANTIZEDSTEPLOWERING_H

#include "optim/Dialect/Optim/IR/OptimOps.h"
#include "optim/Transforms/Utils/DynamicMap.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace mlir::optim {

/// The lanes of an NVIDIA warp, whose shuffles exchange a group's maxima.
constexpr int32_t kWarpSize = 32;
/// The bytes of a GPU's widest load or store.
constexpr int64_t kMaxAccessBytes = 16;

/// A state held as 8-bit codes: m, v, or amsgrad's max_v.
struct CodedState {
  /// Its position among the step's states (`buildElementwiseBody`).
  unsigned index;
  /// The flat codes, the absmax and the map.
  Value codes, absmax;
  bool isSigned;
  /// The tables, fetched where the loops start (inside a GPU thread's loop,
  /// for one).
  DynamicMapTables map;
  /// Per block: the stack buffer of its new values (f32) and the old absmax.
  Value scratch, oldAbsmax;
};

/// Emits the loops of one 8-bit step at `op`, which it then erases.
class QuantizedStepLowering {
public:
  QuantizedStepLowering(AdamWStepOp op, int64_t lanes)
      : op(op), b(op), loc(op.getLoc()), lanes(lanes), f32(b.getF32Type()) {}

  /// `numThreads` shares of the blocks (one runs inline), or, with
  /// `gpuThreads` > 0, GPU blocks of that many threads.
  void lower(int64_t numThreads, int64_t gpuThreads);

private:
  Value constIndex(int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value);
  }
  VectorType vectorOf(Type element) {
    return VectorType::get({lanes}, element);
  }
  Value splat(Value scalar) {
    return vector::BroadcastOp::create(b, loc, vectorOf(scalar.getType()),
                                       scalar);
  }
  Value splatConstant(Type element, double value) {
    return arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(vectorOf(element),
                               b.getFloatAttr(element, value)));
  }
  /// The operand viewed as one flat run of `numElements`.
  Value flatten(Value memref) {
    auto type = cast<MemRefType>(memref.getType());
    return memref::ReinterpretCastOp::create(
        b, loc, MemRefType::get({ShapedType::kDynamic}, type.getElementType()),
        memref,
        /*offset=*/b.getIndexAttr(0),
        ArrayRef<OpFoldResult>{OpFoldResult(numElements)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
  }
  /// The bytes a whole chunk of `memref` is aligned to where its first
  /// element is: W elements' bytes, at most 16 (a GPU's widest access).
  int64_t chunkBytes(Value memref) {
    auto type = cast<MemRefType>(memref.getType());
    return std::min<int64_t>(kMaxAccessBytes,
                             lanes * type.getElementTypeBitWidth() / 8);
  }
  /// What a whole chunk of `memref` may claim: its `chunkBytes` where the
  /// host found every operand aligned (the GPU); nothing on the CPU.
  llvm::MaybeAlign chunkAlignment(Value memref) {
    if (!aligned)
      return {};
    return llvm::Align(chunkBytes(memref));
  }

  // The loops over blocks (LowerQuantizedSteps.cpp).

  /// Whether the step runs: `found_inf` is zero (not NaN), read here.
  Value buildRuns();
  /// The CPU's share of blocks [firstBlock, endBlock).
  void lowerBlocks(Value firstBlock, Value endBlock);
  /// The GPU's launch: groups of `groupSize` lanes, `gpuThreads` threads per
  /// GPU block.
  void lowerGroups(int64_t gpuThreads, int64_t groupSize);

  // A block's code (QuantizedBlocks.cpp).

  Value load(Value memref, Type element, Value at, Value mask);
  void store(Value value, Value memref, Value at, Value mask);
  /// What a thread needs before its blocks: the grad scale, the tables and
  /// its buffers, for a lane of a group of `groupSize`.
  void beginThread(int64_t groupSize);
  /// Steps the `length` elements of `block` from `offset`, as `lane` of a
  /// group of `groupSize`; with `guardAbsmax`, only lane 0 of a nonempty
  /// block writes the absmax.
  void stepBlock(Value block, Value offset, Value length, Value lane,
                 int64_t groupSize, bool guardAbsmax);
  /// Sweep 1 on `lanes` elements at `at` of the block (under `mask` for a
  /// partial chunk), kept at `slot` of the buffers, given the running maxima
  /// of each coded state's |x| (as i32 patterns); returns them updated.
  SmallVector<Value> updateChunk(Value at, Value slot, Value offset, Value mask,
                                 ValueRange largest);
  /// Sweep 2: each coded state's values times its 1 / absmax, as codes.
  void quantizeChunk(Value at, Value slot, Value offset, Value mask,
                     ValueRange inverses);
  /// Runs `chunk(at, slot, mask, iterArgs)` over `lane`'s chunks of [0,
  /// length): chunk c = lane + j * groupSize covers elements [c * W, c * W +
  /// W) and is kept at slot j * W of the lane's buffers. A loop of whole
  /// chunks, then one of masked chunks: the partial one if the lane owns
  /// it, or every chunk where `aligned` is false.
  void forEachChunk(
      Value length, Value lane, int64_t groupSize, ValueRange inits,
      function_ref<SmallVector<Value>(Value, Value, Value, ValueRange)> chunk,
      SmallVectorImpl<Value> &results);

  AdamWStepOp op;
  OpBuilder b;
  Location loc;
  int64_t lanes;
  Type f32;

  Value numElements, blockSize, numBlocks;
  /// The flat views of grad and of every state (null for a coded one).
  Value grad;
  SmallVector<Value> states;
  /// m, v and an 8-bit max_v.
  SmallVector<CodedState> coded;
  /// The step scalars as vectors, the grad scale's vector (or null).
  SmallVector<Value> scalars;
  Value gradScale;
  /// For a GPU: whether every operand's first element is aligned to its
  /// whole chunk's bytes, checked on the host; the whole chunks then say so
  /// (otherwise LLVM splits each access into single elements), and with
  /// misaligned operands every chunk is masked.
  Value aligned;
};

} // namespace mlir::optim

#endif // OPTIM_LIB_TRANSFORMS_QUANTIZEDSTEPLOWERING_H
