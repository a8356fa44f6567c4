//===- QuantizedBlocks.cpp - The sweeps over an 8-bit block -----*- C++ -*-===//
//
// The code of one block of an 8-bit step, for a lane of a group (lane 0 of 1
// on the CPU): sweep 1 over the lane's chunks (codes looked up, the step's
// body, the parameter written, the moments buffered, their maxima), the
// maxima exchanged across the group, the absmax written, sweep 2 (the
// codes).
//
//===----------------------------------------------------------------------===//

#include "QuantizedStepLowering.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::optim;

Value QuantizedStepLowering::load(Value memref, Type element, Value at,
                                  Value mask) {
  if (!mask)
    return vector::LoadOp::create(b, loc, vectorOf(element), memref,
                                  ValueRange{at}, /*nontemporal=*/false,
                                  chunkAlignment(memref));
  Value zero =
      arith::ConstantOp::create(b, loc, b.getZeroAttr(vectorOf(element)));
  return vector::MaskedLoadOp::create(b, loc, vectorOf(element), memref,
                                      ValueRange{at}, mask, zero);
}

void QuantizedStepLowering::store(Value value, Value memref, Value at,
                                  Value mask) {
  if (!mask) {
    vector::StoreOp::create(b, loc, value, memref, ValueRange{at},
                            /*nontemporal=*/false, chunkAlignment(memref));
    return;
  }
  vector::MaskedStoreOp::create(b, loc, memref, ValueRange{at}, mask, value);
}

void QuantizedStepLowering::forEachChunk(
    Value length, Value lane, int64_t groupSize, ValueRange inits,
    function_ref<SmallVector<Value>(Value, Value, Value, ValueRange)> chunk,
    SmallVectorImpl<Value> &results) {
  Value width = constIndex(lanes);
  Value group = constIndex(groupSize);
  // Of chunks c < C, the lane's are the j with lane + j * G < C, that is
  // (C + G - 1 - lane) / G of them (lane < G, so nothing wraps); their
  // slots are j * W.
  auto laneSlots = [&](Value chunks) -> Value {
    Value count = arith::DivUIOp::create(
        b, loc,
        arith::SubIOp::create(
            b, loc,
            arith::AddIOp::create(b, loc, chunks, constIndex(groupSize - 1)),
            lane),
        group);
    return arith::MulIOp::create(b, loc, count, width);
  };
  auto elementAt = [&](Value slot) -> Value {
    // (lane + j * G) * W.
    return arith::AddIOp::create(b, loc,
                                 arith::MulIOp::create(b, loc, lane, width),
                                 arith::MulIOp::create(b, loc, slot, group));
  };
  // Whole chunks unmasked (none where the operands are misaligned for
  // them), then the rest masked: one partial chunk, or all.
  Value wholeChunks = arith::DivUIOp::create(b, loc, length, width);
  if (aligned)
    wholeChunks =
        arith::SelectOp::create(b, loc, aligned, wholeChunks, constIndex(0));
  Value wholeSlots = laneSlots(wholeChunks);
  auto whole = scf::ForOp::create(
      b, loc, constIndex(0), wholeSlots, width, inits,
      [&](OpBuilder &nested, Location, Value slot, ValueRange iterArgs) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nested.getInsertionBlock(),
                            nested.getInsertionPoint());
        scf::YieldOp::create(b, loc,
                             chunk(elementAt(slot), slot, Value(), iterArgs));
      });
  auto masked = scf::ForOp::create(
      b, loc, wholeSlots,
      laneSlots(arith::CeilDivUIOp::create(b, loc, length, width)), width,
      whole.getResults(),
      [&](OpBuilder &nested, Location, Value slot, ValueRange iterArgs) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nested.getInsertionBlock(),
                            nested.getInsertionPoint());
        // Lanes below the count left: a comparison with the lane numbers
        // rather than vector.create_mask, which the GPU's lowering to NVVM
        // does not take.
        Value at = elementAt(slot);
        Type i32 = b.getI32Type();
        Value left = arith::IndexCastOp::create(
            b, loc, i32, arith::SubIOp::create(b, loc, length, at));
        Value mask = arith::CmpIOp::create(
            b, loc, arith::CmpIPredicate::slt,
            arith::ConstantOp::create(
                b, loc,
                DenseElementsAttr::get(vectorOf(i32),
                                       llvm::to_vector(llvm::map_range(
                                           llvm::seq<int32_t>(0, lanes),
                                           [&](int32_t lane) -> Attribute {
                                             return b.getI32IntegerAttr(lane);
                                           })))),
            splat(left));
        scf::YieldOp::create(b, loc, chunk(at, slot, mask, iterArgs));
      });
  llvm::append_range(results, masked.getResults());
}

SmallVector<Value> QuantizedStepLowering::updateChunk(Value at, Value slot,
                                                      Value offset, Value mask,
                                                      ValueRange largest) {
  Value element = arith::AddIOp::create(b, loc, offset, at);
  auto read = [&](Value memref) {
    return load(memref, cast<MemRefType>(memref.getType()).getElementType(),
                element, mask);
  };
  SmallVector<Value> values = llvm::map_to_vector(
      states, [&](Value state) { return state ? read(state) : Value(); });
  for (CodedState &state : coded)
    values[state.index] =
        buildDequantize(b, loc, read(state.codes), state.oldAbsmax, state.map);
  SmallVector<Value> inputs = {read(grad)};
  if (gradScale)
    inputs.push_back(gradScale);
  // `found_inf` skips the whole step outside these loops.
  if (op.getFoundInf())
    inputs.push_back(arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0)));
  SmallVector<Value> written =
      op.buildElementwiseBody(b, loc, inputs, values, scalars);
  for (auto [state, value] : llvm::zip(states, written))
    if (state)
      store(value, state, element, mask);

  // The largest magnitude as the largest pattern of |x|: the patterns of
  // non-negative floats order as their values, and NaN's lie above
  // infinity's, so one integer max propagates NaN. Lanes past the block's
  // end count as 0.
  Type bits = vectorOf(b.getI32Type());
  Value signMask = arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(cast<ShapedType>(bits),
                             b.getI32IntegerAttr(0x7fffffff)));
  SmallVector<Value> maxima;
  for (auto [state, max] : llvm::zip(coded, largest)) {
    Value value = written[state.index];
    store(value, state.scratch, slot, mask);
    Value magnitude = arith::AndIOp::create(
        b, loc, arith::BitcastOp::create(b, loc, bits, value), signMask);
    if (mask)
      magnitude = arith::SelectOp::create(
          b, loc, mask, magnitude,
          arith::ConstantOp::create(b, loc, b.getZeroAttr(bits)));
    maxima.push_back(arith::MaxUIOp::create(b, loc, max, magnitude));
  }
  return maxima;
}

void QuantizedStepLowering::quantizeChunk(Value at, Value slot, Value offset,
                                          Value mask, ValueRange inverses) {
  Value element = arith::AddIOp::create(b, loc, offset, at);
  for (auto [state, inverse] : llvm::zip(coded, inverses)) {
    Value x = arith::MulFOp::create(
        b, loc, load(state.scratch, f32, slot, mask), splat(inverse));
    x = arith::MinimumFOp::create(
        b, loc, arith::MaximumFOp::create(b, loc, x, splatConstant(f32, -1.0)),
        splatConstant(f32, 1.0));
    store(buildQuantize(b, loc, x, state.map), state.codes, element, mask);
  }
}

void QuantizedStepLowering::stepBlock(Value block, Value offset, Value length,
                                      Value lane, int64_t groupSize,
                                      bool guardAbsmax) {
  for (CodedState &state : coded)
    state.oldAbsmax = memref::LoadOp::create(b, loc, state.absmax, block);
  SmallVector<Value> zeros(
      coded.size(), arith::ConstantOp::create(
                        b, loc, b.getZeroAttr(vectorOf(b.getI32Type()))));
  SmallVector<Value> maxima;
  forEachChunk(
      length, lane, groupSize, zeros,
      [&](Value at, Value slot, Value mask, ValueRange largest) {
        return updateChunk(at, slot, offset, mask, largest);
      },
      maxima);

  // The new absmax, and 1 / absmax; a block of zeros has absmax 0 and
  // scales by 0 (NaN stays NaN). A group's lanes exchange their maxima in
  // log2(G) rounds, after which every lane holds the block's.
  Value writes;
  if (guardAbsmax)
    writes = arith::AndIOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lane,
                              constIndex(0)),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, length,
                              constIndex(0)));
  SmallVector<Value> inverses;
  for (auto [state, max] : llvm::zip(coded, maxima)) {
    Value bits =
        vector::ReductionOp::create(b, loc, vector::CombiningKind::MAXUI, max);
    for (int64_t distance = groupSize / 2; distance > 0; distance /= 2) {
      auto shuffle = gpu::ShuffleOp::create(b, loc, bits, distance, kWarpSize,
                                            gpu::ShuffleMode::XOR);
      bits = arith::MaxUIOp::create(b, loc, bits, shuffle.getShuffleResult());
    }
    Value largest = arith::BitcastOp::create(b, loc, f32, bits);
    if (writes) {
      auto ifOp = scf::IfOp::create(b, loc, writes, /*withElseRegion=*/false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
      memref::StoreOp::create(b, loc, largest, state.absmax, block);
    } else {
      memref::StoreOp::create(b, loc, largest, state.absmax, block);
    }
    Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
    Value one = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(1));
    Value positive =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, largest, zero);
    inverses.push_back(arith::SelectOp::create(
        b, loc, positive, arith::DivFOp::create(b, loc, one, largest), zero));
  }
  SmallVector<Value> none;
  forEachChunk(
      length, lane, groupSize, {},
      [&](Value at, Value slot, Value mask, ValueRange) -> SmallVector<Value> {
        quantizeChunk(at, slot, offset, mask, inverses);
        return {};
      },
      none);
}

void QuantizedStepLowering::beginThread(int64_t groupSize) {
  if (Value scale = op.getGradScale())
    gradScale = splat(memref::LoadOp::create(b, loc, scale));
  // A lane's buffers hold its chunks of a block.
  int64_t chunks = llvm::divideCeilSigned(op.getBlockSize(), lanes);
  auto scratchType =
      MemRefType::get({llvm::divideCeilSigned(chunks, groupSize) * lanes}, f32);
  // Aligned as the chunks say they are.
  IntegerAttr alignment =
      aligned ? b.getI64IntegerAttr(kMaxAccessBytes) : IntegerAttr();
  for (CodedState &state : coded) {
    state.scratch =
        memref::AllocaOp::create(b, loc, scratchType, ValueRange{}, alignment);
    state.map = getDynamicMapTables(b, loc, state.isSigned);
  }
}
