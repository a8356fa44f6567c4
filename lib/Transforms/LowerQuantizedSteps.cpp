//===- LowerQuantizedSteps.cpp - 8-bit steps to vector loops ----*- C++ -*-===//
//
// Lowers a memref-form `optim.adamw_step` whose moments (and maybe max_v) are
// 8-bit blockwise codes to one pass over memory, a block at a time. On the
// CPU:
//
//   scf.parallel %t = 0 to T {     (a share of the blocks per thread)
//     memref.alloca_scope {
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
// For a GPU, a group of G threads (lanes of one warp) owns a block: lane l
// takes the chunks l, l + G, l + 2G, ... of W elements (neighbouring lanes
// read neighbouring memory), keeps its moments in a buffer of its own, and
// the group's maxima meet in a butterfly of `gpu.shuffle xor`s between the
// two sweeps. The loops carry their mapping (blocks of groups to GPU blocks,
// lanes and groups to threads x and y) for convert-parallel-loops-to-gpu.
//
//===----------------------------------------------------------------------===//

#include "QuantizedStepLowering.h"

#include "optim/Transforms/Passes.h"
#include "optim/Transforms/Utils/Elementwise.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::optim {
#define GEN_PASS_DEF_OPTIMLOWERQUANTIZEDSTEPSPASS
#include "optim/Transforms/Passes.h.inc"
} // namespace mlir::optim

using namespace mlir;
using namespace mlir::optim;

Value QuantizedStepLowering::buildRuns() {
  Value flag = memref::LoadOp::create(b, loc, op.getFoundInf());
  return arith::CmpFOp::create(
      b, loc, arith::CmpFPredicate::OEQ, flag,
      arith::ConstantOp::create(b, loc, b.getFloatAttr(flag.getType(), 0.0)));
}

void QuantizedStepLowering::lowerBlocks(Value firstBlock, Value endBlock) {
  auto scope = memref::AllocaScopeOp::create(b, loc, TypeRange{});
  b.setInsertionPointToStart(b.createBlock(&scope.getBodyRegion()));
  beginThread(/*groupSize=*/1);
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
        stepBlock(block, offset, length, constIndex(0), /*groupSize=*/1,
                  /*guardAbsmax=*/false);
        scf::YieldOp::create(b, loc);
      });
  memref::AllocaScopeReturnOp::create(b, loc);
}

void QuantizedStepLowering::lowerGroups(int64_t gpuThreads, int64_t groupSize) {
  int64_t groups = gpuThreads / groupSize;
  // On the host: every operand's first element aligned to its whole chunk.
  Value misaligned;
  SmallVector<Value> operands = {grad};
  for (Value state : states)
    if (state)
      operands.push_back(state);
  for (CodedState &state : coded)
    operands.push_back(state.codes);
  for (Value memref : operands) {
    Value address =
        memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref);
    Value low = arith::AndIOp::create(b, loc, address,
                                      constIndex(chunkBytes(memref) - 1));
    misaligned =
        misaligned ? arith::OrIOp::create(b, loc, misaligned, low) : low;
  }
  aligned = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, misaligned,
                                  constIndex(0));
  AffineMap identity = b.getDimIdentityMap();
  auto mapping = [&](ArrayRef<gpu::Processor> processors) {
    return llvm::map_to_vector(processors, [&](gpu::Processor processor) {
      return gpu::ParallelLoopDimMappingAttr::get(b.getContext(), processor,
                                                  identity, identity);
    });
  };
  Value zero = constIndex(0), one = constIndex(1);
  // No launch for an empty tensor: a grid of no blocks is a launch error.
  auto nonempty = scf::IfOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, numBlocks, zero),
      /*withElseRegion=*/false);
  b.setInsertionPoint(nonempty.thenBlock()->getTerminator());
  auto grid = scf::ParallelOp::create(
      b, loc, ValueRange{zero},
      ValueRange{
          arith::CeilDivUIOp::create(b, loc, numBlocks, constIndex(groups))},
      ValueRange{one}, [&](OpBuilder &nested, Location, ValueRange gridIds) {
        auto threads = scf::ParallelOp::create(
            nested, loc, ValueRange{zero, zero},
            ValueRange{constIndex(groupSize), constIndex(groups)},
            ValueRange{one, one},
            [&](OpBuilder &inner, Location, ValueRange threadIds) {
              OpBuilder::InsertionGuard guard(b);
              b.setInsertionPoint(inner.getInsertionBlock(),
                                  inner.getInsertionPoint());
              beginThread(groupSize);
              Value lane = threadIds[0];
              Value block = arith::AddIOp::create(
                  b, loc,
                  arith::MulIOp::create(b, loc, gridIds[0], constIndex(groups)),
                  threadIds[1]);
              // A group past the last block, or every group when found_inf
              // is set, has no elements: it still takes part in the absmax
              // exchange, which all lanes of a warp must reach.
              Value offset = arith::MulIOp::create(b, loc, block, blockSize);
              Value length = arith::SelectOp::create(
                  b, loc,
                  arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                        block, numBlocks),
                  arith::MinUIOp::create(
                      b, loc, blockSize,
                      arith::SubIOp::create(b, loc, numElements, offset)),
                  zero);
              if (op.getFoundInf())
                length =
                    arith::SelectOp::create(b, loc, buildRuns(), length, zero);
              // The old absmax is read from a block in bounds either way.
              Value lastBlock = arith::SubIOp::create(b, loc, numBlocks, one);
              stepBlock(arith::MinUIOp::create(b, loc, block, lastBlock),
                        offset, length, lane, groupSize,
                        /*guardAbsmax=*/true);
            });
        (void)gpu::setMappingAttr(threads, mapping({gpu::Processor::ThreadX,
                                                    gpu::Processor::ThreadY}));
      });
  (void)gpu::setMappingAttr(grid, mapping({gpu::Processor::BlockX}));
}

void QuantizedStepLowering::lower(int64_t numThreads, int64_t gpuThreads) {
  // On the CPU, everything is skipped where found_inf is nonzero (or NaN);
  // a GPU kernel reads it itself (`lowerGroups`).
  if (op.getFoundInf() && gpuThreads == 0) {
    auto ifOp =
        scf::IfOp::create(b, loc, buildRuns(), /*withElseRegion=*/false);
    b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
  }

  auto paramType = cast<MemRefType>(op.getParam().getType());
  numElements = constIndex(1);
  for (int64_t dim = 0; dim < paramType.getRank(); ++dim)
    numElements = arith::MulIOp::create(
        b, loc, numElements, memref::DimOp::create(b, loc, op.getParam(), dim));
  blockSize = constIndex(op.getBlockSize());
  numBlocks = arith::CeilDivUIOp::create(b, loc, numElements, blockSize);
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

  if (gpuThreads > 0) {
    // As many lanes as a block has chunks, up to a warp, a power of two.
    int64_t chunks = llvm::divideCeilSigned(op.getBlockSize(), lanes);
    lowerGroups(gpuThreads,
                std::min<int64_t>(
                    kWarpSize, llvm::bit_floor(static_cast<uint64_t>(chunks))));
  } else if (numThreads == 1) {
    lowerBlocks(constIndex(0), numBlocks);
  } else {
    // Share t is blocks [t * B / T, (t + 1) * B / T).
    Value threads = constIndex(numThreads);
    auto shareStart = [&](Value thread) -> Value {
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
          Value next =
              arith::AddIOp::create(b, loc, threadIds[0], constIndex(1));
          lowerBlocks(shareStart(threadIds[0]), shareStart(next));
        });
  }
  op.erase();
}

namespace {

struct OptimLowerQuantizedStepsPass
    : optim::impl::OptimLowerQuantizedStepsPassBase<
          OptimLowerQuantizedStepsPass> {
  using Base::Base;

  LogicalResult initialize(MLIRContext *context) override {
    if (failed(checkCPULoopOptions(context, getArgument(), vectorWidth,
                                   numThreads)))
      return failure();
    auto fail = [&](const Twine &message) {
      return emitError(UnknownLoc::get(context), getArgument() + ": ")
             << message;
    };
    // Whole warps, at most a GPU block's 1024 threads.
    if (gpuThreads < 0 || gpuThreads % kWarpSize != 0 || gpuThreads > 1024)
      return fail("gpu-threads must be 0 (CPU loops) or a multiple of 32 up "
                  "to 1024");
    // Chunks that tile every block (a multiple of 16) and fill one access.
    if (gpuThreads > 0 &&
        (!llvm::isPowerOf2_64(vectorWidth) || vectorWidth > kMaxAccessBytes))
      return fail("gpu-threads needs a vector-width of 1, 2, 4, 8 or 16");
    return success();
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
      QuantizedStepLowering(op, lanes).lower(numThreads, gpuThreads);
    }
  }
};

} // namespace
