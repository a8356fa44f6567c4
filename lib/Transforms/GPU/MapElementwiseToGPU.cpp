//===- MapElementwiseToGPU.cpp - Elementwise generics to kernels -*- C++
//-*-===//
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
// With `multi-tensor`, the generics of a block that nothing with side effects
// separates are launched as one kernel over a table of tensors
// (MultiTensor.cpp).
//
//===----------------------------------------------------------------------===//

#include "ElementwiseKernels.h"
#include "optim/Transforms/GPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"

#include <limits>

namespace mlir::optim {
#define GEN_PASS_DEF_OPTIMMAPELEMENTWISETOGPUPASS
#include "optim/Transforms/GPU/Passes.h.inc"
} // namespace mlir::optim

using namespace mlir;
using namespace mlir::optim;
using namespace mlir::optim::gpu_kernels;

namespace {

struct OptimMapElementwiseToGPUPass
    : optim::impl::OptimMapElementwiseToGPUPassBase<
          OptimMapElementwiseToGPUPass> {
  using Base::Base;

  LogicalResult initialize(MLIRContext *context) override {
    auto fail = [&](StringRef message) {
      return emitError(UnknownLoc::get(context),
                       "optim-map-elementwise-to-gpu: ")
             << message;
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
  /// Elements per vector for `generic`, or 1 when it gets scalar code only:
  /// N-D operands that cannot be viewed as 1-D, and bodies that read their
  /// indices (the vector form would need each lane's index).
  int64_t vectorWidth(ElementwiseGeneric &generic) const {
    if (!generic.isContiguous || generic.getRank() == 0 ||
        generic.op.hasIndexSemantics())
      return 1;
    if (elementsPerThread > 0)
      return elementsPerThread;
    // 128 bits of the narrowest operand per access (8 bf16); a wider
    // operand's vector takes several 128-bit accesses (2 of 4 f32).
    return std::max<int64_t>(1, kMaxVectorBytes * 8 /
                                    generic.getNarrowestElementBits());
  }

  /// Maps the generics of `block`: one kernel each, or with `multi-tensor`
  /// one per group of generics that nothing with side effects separates.
  void mapBlock(Block &block) {
    IRRewriter rewriter(&getContext());
    SmallVector<ElementwiseGeneric> run;
    auto flush = [&] {
      mapRun(run);
      run.clear();
    };
    for (Operation &op : llvm::make_early_inc_range(block)) {
      auto generic = dyn_cast<linalg::GenericOp>(op);
      std::optional<ElementwiseGeneric> match =
          generic ? matchElementwiseGeneric(generic) : std::nullopt;
      // The kernels index flat operands with the linear element index.
      if (match)
        match = collapseToOneDim(rewriter, *match);
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
        OpBuilder b(match->op);
        mapOne(b, *match);
        match->op.erase();
      }
    }
    flush();
  }

  /// Splits a run of groupable generics into groups and launches each group
  /// where its last member was. A group of one kind of operands is open while
  /// ops of other kinds join theirs, and launching it at its last member
  /// moves its earlier members past theirs: an op that conflicts with any
  /// open group therefore closes them all.
  void mapRun(MutableArrayRef<ElementwiseGeneric> run) {
    std::vector<TensorGroup> groups;
    DenseMap<Type, unsigned> openGroup;
    for (ElementwiseGeneric &generic : run) {
      if (llvm::any_of(openGroup, [&](const auto &entry) {
            return groups[entry.second].bufferUses.conflictsWith(generic);
          }))
        openGroup.clear();
      Type key = TensorGroup::getKey(generic);
      auto it = openGroup.find(key);
      if (it == openGroup.end() || !groups[it->second].fits(generic)) {
        openGroup[key] = groups.size();
        groups.emplace_back();
        it = openGroup.find(key);
      }
      groups[it->second].add(generic);
    }
    for (TensorGroup &group : groups) {
      OpBuilder b(group.members.back().op);
      if (group.members.size() == 1)
        mapOne(b, group.members.front());
      else
        buildMultiTensorLaunch(
            b, group, launcher,
            [&](ElementwiseGeneric &generic) { return vectorWidth(generic); });
    }
    for (ElementwiseGeneric &generic : run)
      generic.op.erase();
  }

  /// One kernel for one generic. The operands and the values the body takes
  /// from above are used directly; outlining turns them into arguments.
  void mapOne(OpBuilder &b, ElementwiseGeneric &generic) {
    Location loc = generic.op.getLoc();
    KernelBodyBuilder body(generic, vectorWidth(generic));
    Extent extent =
        buildExtent(b, loc, generic, body.getWidth() > 1 ? &body : nullptr);
    // N-D operands: the kernel splits element indices by their sizes.
    ValueRange shape = generic.isFlat ? ValueRange() : extent.sizes;
    SmallVector<Value> memrefs = generic.op->getOperands();
    Value gridSize = launcher.buildGridSize(b, loc, extent.numItems);
    launcher.buildLaunch(
        b, loc, gridSize,
        [&](OpBuilder &b, Location loc, Value threadId, Value numThreads) {
          body.emitGridStrideLoops(b, loc, memrefs, IRMapping(),
                                   extent.numElements, extent.numVectors,
                                   threadId, numThreads, shape);
        });
  }

  LaunchBuilder launcher{0, 0};
};

} // namespace
