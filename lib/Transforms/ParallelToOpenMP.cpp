//===- ParallelToOpenMP.cpp - scf.parallel to thread blocks -----*- C++ -*-===//
//
// Lowers an scf.parallel to an omp.parallel region in which each thread runs
// one contiguous block of the outermost dimension:
//
//   omp.parallel num_threads(T) {
//     k = omp_get_thread_num(), n = omp_get_num_threads()
//     scf.for over block k of n { scf.for over the inner dimensions { body } }
//   }
//
// `convert-scf-to-openmp` makes the same split with a worksharing loop
// (`omp.wsloop`), whose set-up in the runtime, `__kmpc_for_static_init`, costs
// nearly as much as the fork and join of the region: a price with nothing in
// return for the one iteration per thread that `optim-vectorize-elementwise`
// creates.
//
//===----------------------------------------------------------------------===//

#include "optim/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"

#include <limits>

namespace mlir::optim {
#define GEN_PASS_DEF_OPTIMPARALLELTOOPENMPPASS
#include "optim/Transforms/Passes.h.inc"
} // namespace mlir::optim

using namespace mlir;

/// Declares `i32 name()` of the OpenMP runtime in `symbolTable` (the module
/// whose functions call it), or checks the declaration that is there.
static FailureOr<func::FuncOp> getRuntimeQuery(Operation *symbolTable,
                                               StringRef name) {
  MLIRContext *context = symbolTable->getContext();
  auto type = FunctionType::get(context, {}, {IntegerType::get(context, 32)});
  Operation *existing = SymbolTable::lookupSymbolIn(symbolTable, name);
  if (auto function = dyn_cast_or_null<func::FuncOp>(existing)) {
    if (function.getFunctionType() == type)
      return function;
    return function.emitError("expected the OpenMP runtime's `")
           << name << "` to have type " << type;
  }
  if (existing)
    return existing->emitError("symbol `")
           << name << "` is taken by something other than a function";
  OpBuilder builder =
      OpBuilder::atBlockBegin(&symbolTable->getRegion(0).front());
  auto decl = func::FuncOp::create(builder, symbolTable->getLoc(), name, type);
  decl.setPrivate();
  return decl;
}

/// The thread's value of a runtime query, as an index.
static Value callQuery(OpBuilder &builder, Location loc, func::FuncOp query) {
  Value result = func::CallOp::create(builder, loc, query).getResult(0);
  return arith::IndexCastOp::create(builder, loc, builder.getIndexType(),
                                    result);
}

/// Replaces `loop` (no reductions) by an omp.parallel region in which thread
/// k of n runs the k-th of n contiguous blocks of the outermost dimension,
/// and all of every inner dimension, as scf.for loops.
static void lowerToThreadBlocks(RewriterBase &rewriter, scf::ParallelOp loop,
                                int64_t numThreads, func::FuncOp threadNum,
                                func::FuncOp numThreadsQuery) {
  Location loc = loop.getLoc();
  rewriter.setInsertionPoint(loop);
  Value numThreadsValue;
  if (numThreads > 0)
    numThreadsValue = arith::ConstantIntOp::create(
        rewriter, loc, rewriter.getI32Type(), numThreads);
  omp::ParallelOperands clauses;
  clauses.numThreads = numThreadsValue;
  auto parallel = omp::ParallelOp::create(rewriter, loc, clauses);
  rewriter.createBlock(&parallel.getRegion());
  rewriter.setInsertionPoint(omp::TerminatorOp::create(rewriter, loc));

  // Block k of n of the outermost dimension, in iterations:
  // [min(k * per, trips), min((k + 1) * per, trips)), per = ceil(trips / n).
  // Plain arith: affine maps cannot multiply the two run-time values.
  Value thread = callQuery(rewriter, loc, threadNum);
  Value threads = callQuery(rewriter, loc, numThreadsQuery);
  Value lb = loop.getLowerBound()[0], step = loop.getStep()[0];
  ImplicitLocOpBuilder b(loc, rewriter);
  Value trips = arith::CeilDivSIOp::create(
      b, arith::SubIOp::create(b, loop.getUpperBound()[0], lb), step);
  Value per = arith::CeilDivSIOp::create(b, trips, threads);
  auto startOf = [&](Value blockIndex) -> Value {
    Value first = arith::MinSIOp::create(
        b, arith::MulIOp::create(b, blockIndex, per), trips);
    return arith::AddIOp::create(b, lb, arith::MulIOp::create(b, first, step));
  };
  Value one = arith::ConstantIndexOp::create(b, 1);
  Value begin = startOf(thread);
  Value end = startOf(arith::AddIOp::create(b, thread, one));

  // The loops of the block, outermost first, then the body.
  SmallVector<Value> lbs(loop.getLowerBound()), ubs(loop.getUpperBound());
  lbs[0] = begin;
  ubs[0] = end;
  SmallVector<Value> ivs;
  scf::LoopNest nest =
      scf::buildLoopNest(rewriter, loc, lbs, ubs, loop.getStep(),
                         [&](OpBuilder &, Location, ValueRange loopIvs) {
                           ivs = llvm::to_vector(loopIvs);
                         });
  Block *body = loop.getBody();
  rewriter.eraseOp(body->getTerminator()); // scf.reduce with no operands
  rewriter.inlineBlockBefore(body, nest.loops.back().getBody()->getTerminator(),
                             ivs);
  rewriter.eraseOp(loop);
}

namespace {

struct OptimParallelToOpenMPPass
    : optim::impl::OptimParallelToOpenMPPassBase<OptimParallelToOpenMPPass> {
  using Base::Base;

  LogicalResult initialize(MLIRContext *context) override {
    // OpenMP takes the count as an i32.
    if (numThreads < 0 || numThreads > std::numeric_limits<int32_t>::max())
      return emitError(UnknownLoc::get(context),
                       "optim-parallel-to-openmp: num-threads must be from 0 "
                       "(the runtime's default) to 2147483647");
    return success();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<scf::ParallelOp> loops;
    // The outermost loops only: a loop nested in another one runs inside
    // the outer loop's thread, as a sequential loop.
    module.walk<WalkOrder::PreOrder>([&](scf::ParallelOp loop) {
      if (loop.getNumReductions() == 0)
        loops.push_back(loop);
      return WalkResult::skip();
    });
    IRRewriter rewriter(&getContext());
    for (scf::ParallelOp loop : loops) {
      // The queries are declared where the loop's function is, which may be
      // a module nested in this one.
      Operation *symbolTable = SymbolTable::getNearestSymbolTable(loop);
      FailureOr<func::FuncOp> threadNum =
          getRuntimeQuery(symbolTable, "omp_get_thread_num");
      FailureOr<func::FuncOp> threads =
          getRuntimeQuery(symbolTable, "omp_get_num_threads");
      if (failed(threadNum) || failed(threads))
        return signalPassFailure();
      lowerToThreadBlocks(rewriter, loop, numThreads, *threadNum, *threads);
    }
  }
};

} // namespace
