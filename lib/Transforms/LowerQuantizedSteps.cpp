//===- LowerQuantizedSteps.cpp - 8-bit steps to vector loops ----*- C++ -*-===//
//
// Lowers a memref-form `optim.adamw_step` whose moments (and maybe max_v) are
// 8-bit blockwise codes to one pass over memory, a block at a time:
//
//   scf.parallel %t = 0 to T {     (a share of the blocks per thread, or,
//     memref.alloca_scope {         for the GPU, one block per iteration)
//       one memref.alloca() : memref<BLOCKxf32> per coded state
//       scf.for %block in share {
//         sweep 1, W lanes at a time: look the codes up (a load per lane),
//           the step's body, the new parameter written, the new moments kept
//           in the buffers, their largest magnitudes in running maxima;
//         the new absmax written;
//         sweep 2: each moment scaled by 1 / absmax and written as the index
//           of its nearest code (one lookup, `DynamicMap.h`).
//   } } }
//
// A block's moments never leave L1, and the parameters, gradients and codes
// are read and written once. A block whose size is not a multiple of W (the
// last one) ends with one masked chunk. With one thread there is no
// scf.parallel.
//
//===----------------------------------------------------------------------===//

#include "optim/Dialect/Optim/IR/OptimOps.h"
#include "optim/Transforms/Passes.h"
#include "optim/Transforms/Utils/DynamicMap.h"
#include "optim/Transforms/Utils/Elementwise.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::optim {
#define GEN_PASS_DEF_OPTIMLOWERQUANTIZEDSTEPSPASS
#include "optim/Transforms/Passes.h.inc"
} // namespace mlir::optim

using namespace mlir;
using namespace mlir::optim;

namespace {

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

  /// With `parallelBlocks`, one `scf.parallel` iteration per block; else
  /// `numThreads` shares of them (one runs inline).
  void lower(int64_t numThreads, bool parallelBlocks);

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
  Value load(Value memref, Type element, Value at, Value mask);
  void store(Value value, Value memref, Value at, Value mask);

  void lowerBlocks(Value firstBlock, Value endBlock);
  /// Sweep 1 on `lanes` elements at `at` of the block (under `mask` for a
  /// partial chunk), given the running maxima of each coded state's |x| (as
  /// i32 patterns); returns them updated.
  SmallVector<Value> updateChunk(Value at, Value offset, Value mask,
                                 ValueRange largest);
  /// Sweep 2: each coded state's values times its 1 / absmax, as codes.
  void quantizeChunk(Value at, Value offset, Value mask, ValueRange inverses);
  /// Runs `chunk(at, mask)` over [0, length) of a block: a loop of whole
  /// vectors, then one masked chunk if elements remain.
  void
  forEachChunk(Value length, ValueRange inits,
               function_ref<SmallVector<Value>(Value, Value, ValueRange)> chunk,
               SmallVectorImpl<Value> &results);

  AdamWStepOp op;
  OpBuilder b;
  Location loc;
  int64_t lanes;
  Type f32;

  Value numElements, blockSize;
  /// The flat views of grad and of every state (null for a coded one).
  Value grad;
  SmallVector<Value> states;
  /// m, v and an 8-bit max_v.
  SmallVector<CodedState> coded;
  /// The step scalars as vectors, the grad scale's vector (or null).
  SmallVector<Value> scalars;
  Value gradScale;
};

} // namespace

Value QuantizedStepLowering::load(Value memref, Type element, Value at,
                                  Value mask) {
  if (!mask)
    return vector::LoadOp::create(b, loc, vectorOf(element), memref,
                                  ValueRange{at});
  Value zero =
      arith::ConstantOp::create(b, loc, b.getZeroAttr(vectorOf(element)));
  return vector::MaskedLoadOp::create(b, loc, vectorOf(element), memref,
                                      ValueRange{at}, mask, zero);
}

void QuantizedStepLowering::store(Value value, Value memref, Value at,
                                  Value mask) {
  if (!mask) {
    vector::StoreOp::create(b, loc, value, memref, ValueRange{at});
    return;
  }
  vector::MaskedStoreOp::create(b, loc, memref, ValueRange{at}, mask, value);
}

void QuantizedStepLowering::forEachChunk(
    Value length, ValueRange inits,
    function_ref<SmallVector<Value>(Value, Value, ValueRange)> chunk,
    SmallVectorImpl<Value> &results) {
  Value step = constIndex(lanes);
  Value whole = arith::SubIOp::create(
      b, loc, length, arith::RemUIOp::create(b, loc, length, step));
  auto loop = scf::ForOp::create(
      b, loc, constIndex(0), whole, step, inits,
      [&](OpBuilder &nested, Location, Value at, ValueRange iterArgs) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nested.getInsertionBlock(),
                            nested.getInsertionPoint());
        scf::YieldOp::create(b, loc, chunk(at, Value(), iterArgs));
      });
  Value partial =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, whole, length);
  auto ifOp = scf::IfOp::create(
      b, loc, partial,
      [&](OpBuilder &nested, Location) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nested.getInsertionBlock(),
                            nested.getInsertionPoint());
        // Lanes below the count left: a comparison with the lane numbers
        // rather than vector.create_mask, which the GPU's lowering to NVVM
        // does not take.
        Type i32 = b.getI32Type();
        Value left = arith::IndexCastOp::create(
            b, loc, i32, arith::SubIOp::create(b, loc, length, whole));
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
        scf::YieldOp::create(b, loc, chunk(whole, mask, loop.getResults()));
      },
      [&](OpBuilder &nested, Location) {
        scf::YieldOp::create(nested, loc, loop.getResults());
      });
  llvm::append_range(results, ifOp.getResults());
}

SmallVector<Value> QuantizedStepLowering::updateChunk(Value at, Value offset,
                                                      Value mask,
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
  // `found_inf` skips the whole step before these loops.
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
    store(value, state.scratch, at, mask);
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

void QuantizedStepLowering::quantizeChunk(Value at, Value offset, Value mask,
                                          ValueRange inverses) {
  Value element = arith::AddIOp::create(b, loc, offset, at);
  for (auto [state, inverse] : llvm::zip(coded, inverses)) {
    Value x = arith::MulFOp::create(b, loc, load(state.scratch, f32, at, mask),
                                    splat(inverse));
    x = arith::MinimumFOp::create(
        b, loc, arith::MaximumFOp::create(b, loc, x, splatConstant(f32, -1.0)),
        splatConstant(f32, 1.0));
    store(buildQuantize(b, loc, x, state.map), state.codes, element, mask);
  }
}

void QuantizedStepLowering::lowerBlocks(Value firstBlock, Value endBlock) {
  auto scope = memref::AllocaScopeOp::create(b, loc, TypeRange{});
  Block *body = b.createBlock(&scope.getBodyRegion());
  b.setInsertionPointToStart(body);
  auto scratchType =
      MemRefType::get({static_cast<int64_t>(op.getBlockSize())}, f32);
  for (CodedState &state : coded) {
    state.scratch = memref::AllocaOp::create(b, loc, scratchType);
    state.map = getDynamicMapTables(b, loc, state.isSigned);
  }
  scf::ForOp::create(
      b, loc, firstBlock, endBlock, constIndex(1), ValueRange{},
      [&](OpBuilder &nested, Location, Value block, ValueRange) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nested.getInsertionBlock(),
                            nested.getInsertionPoint());
        Value offset = arith::MulIOp::create(b, loc, block, blockSize);
        Value length = arith::MinUIOp::create(
            b, loc, blockSize,
            arith::SubIOp::create(b, loc, numElements, offset));

        for (CodedState &state : coded)
          state.oldAbsmax = memref::LoadOp::create(b, loc, state.absmax, block);
        SmallVector<Value> zeros(
            coded.size(), arith::ConstantOp::create(
                              b, loc, b.getZeroAttr(vectorOf(b.getI32Type()))));
        SmallVector<Value> maxima;
        forEachChunk(
            length, zeros,
            [&](Value at, Value mask, ValueRange largest) {
              return updateChunk(at, offset, mask, largest);
            },
            maxima);
        // The new absmax, and 1 / absmax; a block of zeros has absmax 0 and
        // scales by 0 (NaN stays NaN).
        SmallVector<Value> inverses;
        for (auto [state, max] : llvm::zip(coded, maxima)) {
          Value largest = arith::BitcastOp::create(
              b, loc, f32,
              vector::ReductionOp::create(b, loc, vector::CombiningKind::MAXUI,
                                          max));
          memref::StoreOp::create(b, loc, largest, state.absmax,
                                  ValueRange{block});
          Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
          Value one = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(1));
          Value positive = arith::CmpFOp::create(
              b, loc, arith::CmpFPredicate::OGT, largest, zero);
          inverses.push_back(arith::SelectOp::create(
              b, loc, positive, arith::DivFOp::create(b, loc, one, largest),
              zero));
        }
        SmallVector<Value> none;
        forEachChunk(
            length, {},
            [&](Value at, Value mask, ValueRange) -> SmallVector<Value> {
              quantizeChunk(at, offset, mask, inverses);
              return {};
            },
            none);
        scf::YieldOp::create(b, loc);
      });
  memref::AllocaScopeReturnOp::create(b, loc);
}

void QuantizedStepLowering::lower(int64_t numThreads, bool parallelBlocks) {
  // Everything is skipped where found_inf is nonzero (or NaN).
  if (Value foundInf = op.getFoundInf()) {
    Value flag = memref::LoadOp::create(b, loc, foundInf);
    Value zero =
        arith::ConstantOp::create(b, loc, b.getFloatAttr(flag.getType(), 0.0));
    Value run =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, flag, zero);
    auto ifOp = scf::IfOp::create(b, loc, run, /*withElseRegion=*/false);
    b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
  }

  auto paramType = cast<MemRefType>(op.getParam().getType());
  numElements = constIndex(1);
  for (int64_t dim = 0; dim < paramType.getRank(); ++dim)
    numElements = arith::MulIOp::create(
        b, loc, numElements, memref::DimOp::create(b, loc, op.getParam(), dim));
  blockSize = constIndex(op.getBlockSize());
  grad = flatten(op.getGrad());
  // The states in the body's order: param, m, v, max_v, param_copy.
  SmallVector<Value> operands = {op.getParam(), op.getM(), op.getV()};
  for (Value optional : {op.getMaxV(), op.getParamCopy()})
    if (optional)
      operands.push_back(optional);
  for (Value state : operands)
    states.push_back(flatten(state));
  auto code = [&](unsigned index, Value absmax, bool isSigned) {
    coded.push_back({index, states[index], absmax, isSigned, {}, {}, {}});
    states[index] = Value();
  };
  code(1, op.getMAbsmax(), /*isSigned=*/true);
  code(2, op.getVAbsmax(), /*isSigned=*/false);
  if (Value absmax = op.getMaxVAbsmax())
    code(3, absmax, /*isSigned=*/false);
  for (Value scalar : op.buildStepScalars(b, loc))
    scalars.push_back(scalar ? splat(scalar) : Value());
  if (Value scale = op.getGradScale())
    gradScale = splat(memref::LoadOp::create(b, loc, scale));

  Value numBlocks = arith::CeilDivUIOp::create(b, loc, numElements, blockSize);
  if (numThreads == 1 && !parallelBlocks) {
    lowerBlocks(constIndex(0), numBlocks);
    op.erase();
    return;
  }
  // Share t is blocks [t * B / T, (t + 1) * B / T), or block t.
  Value threads = parallelBlocks ? numBlocks : constIndex(numThreads);
  auto shareStart = [&](Value thread) -> Value {
    if (parallelBlocks)
      return thread;
    return arith::DivUIOp::create(
        b, loc, arith::MulIOp::create(b, loc, thread, numBlocks), threads);
  };
  scf::ParallelOp::create(
      b, loc, ValueRange{constIndex(0)}, ValueRange{threads},
      ValueRange{constIndex(1)},
      [&](OpBuilder &nested, Location, ValueRange threadIds) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nested.getInsertionBlock(),
                            nested.getInsertionPoint());
        Value next = arith::AddIOp::create(b, loc, threadIds[0], constIndex(1));
        lowerBlocks(shareStart(threadIds[0]), shareStart(next));
      });
  op.erase();
}

namespace {

struct OptimLowerQuantizedStepsPass
    : optim::impl::OptimLowerQuantizedStepsPassBase<
          OptimLowerQuantizedStepsPass> {
  using Base::Base;

  LogicalResult initialize(MLIRContext *context) override {
    return checkCPULoopOptions(context, getArgument(), vectorWidth, numThreads);
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<AdamWStepOp> steps;
    module.walk([&](AdamWStepOp op) {
      if (op.hasQuantizedStates())
        steps.push_back(op);
    });
    // The code tables, built once for all the steps, whose loops read them.
    if (!steps.empty() &&
        failed(addDynamicMapGlobals(module, steps.front().getLoc())))
      return signalPassFailure();
    for (AdamWStepOp op : steps) {
      if (op.hasPureTensorSemantics()) {
        op.emitOpError("has 8-bit states in tensor form; bufferize first");
        return signalPassFailure();
      }
      int64_t lanes = vectorWidth > 0 ? vectorWidth : getHostVectorBits() / 32;
      QuantizedStepLowering(op, lanes).lower(numThreads, parallelBlocks);
    }
  }
};

} // namespace
