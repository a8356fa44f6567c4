//===- CheckMapped.cpp - No GPU work left on the host -----------*- C++ -*-===//
//
// After the GPU mapping, host code that touches a buffer (a `linalg` op, an
// `scf.parallel` loop, a load, store, copy or allocation outside a kernel)
// would read device memory from the CPU or hand host memory to a kernel, and
// a kernel launched inside another cannot be lowered. This pass turns those
// silent miscompilations and late, cryptic failures into errors.
//
//===----------------------------------------------------------------------===//

#include "optim/Transforms/GPU/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::optim {
#define GEN_PASS_DEF_OPTIMGPUCHECKMAPPEDPASS
#include "optim/Transforms/GPU/Passes.h.inc"
} // namespace mlir::optim

using namespace mlir;

namespace {

/// What host op `op` does to buffers that kernels may use: every buffer
/// but the function's stack buffers and their views (the host writes the
/// table of a multi-tensor launch in one and copies it with `gpu.memcpy`).
/// The `gpu` ops are the runtime's, which handles device memory; freeing a
/// buffer follows its allocation, which is reported.
enum class HostAccess { None, Allocates, Accesses };
} // namespace

/// Whether `buffer` is one of the function's stack buffers or a view of one
/// (e.g. typed views of an i8 buffer).
static bool isStackBuffer(Value buffer) {
  while (auto view = buffer.getDefiningOp<ViewLikeOpInterface>())
    buffer = view.getViewSource();
  return buffer.getDefiningOp<memref::AllocaOp>() != nullptr;
}

static HostAccess getHostAccess(Operation *op) {
  // A host global, which bufferization makes of a constant tensor.
  if (isa<memref::GetGlobalOp>(op))
    return HostAccess::Allocates;
  auto interface = dyn_cast<MemoryEffectOpInterface>(op);
  if (!interface || isa_and_nonnull<gpu::GPUDialect>(op->getDialect()))
    return HostAccess::None;
  SmallVector<MemoryEffects::EffectInstance> effects;
  interface.getEffects(effects);
  HostAccess access = HostAccess::None;
  for (const MemoryEffects::EffectInstance &effect : effects) {
    Value buffer = effect.getValue();
    if (!buffer || !isa<BaseMemRefType>(buffer.getType()) ||
        isStackBuffer(buffer) || isa<MemoryEffects::Free>(effect.getEffect()))
      continue;
    if (isa<MemoryEffects::Allocate>(effect.getEffect()))
      return HostAccess::Allocates;
    access = HostAccess::Accesses;
  }
  return access;
}

namespace {

struct OptimGPUCheckMappedPass
    : optim::impl::OptimGPUCheckMappedPassBase<OptimGPUCheckMappedPass> {
  void runOnOperation() override {
    // Every leftover op is reported once: not the ops nested in one already
    // reported, nor anything inside a kernel but another kernel.
    bool leftovers = false;
    getOperation().walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (auto launch = dyn_cast<gpu::LaunchOp>(op)) {
        launch.getBody().walk([&](gpu::LaunchOp inner) {
          inner.emitError("a kernel launched from inside a kernel: a loop "
                          "around this op was mapped to the GPU too (e.g. "
                          "an op in an scf.parallel); make that loop an "
                          "scf.for");
          leftovers = true;
        });
        return WalkResult::skip();
      }
      // An optim op here was not lowered: a blockwise step (8-bit moments)
      // run through the mapping without optim-lower-quantized-steps.
      if (op->getName().getDialectNamespace() == "optim") {
        op->emitError("not mapped to the GPU: this ")
            << op->getName()
            << " was not lowered; steps with 8-bit moments need "
               "optim-lower-quantized-steps (gpu-threads) first, as "
               "optim-gpu-pipeline runs it";
        leftovers = true;
        return WalkResult::skip();
      }
      if (isa<scf::ParallelOp>(op) ||
          isa_and_nonnull<linalg::LinalgDialect>(op->getDialect())) {
        op->emitError("not mapped to the GPU: this ")
            << op->getName() << " would run on the host over device buffers";
        leftovers = true;
        return WalkResult::skip();
      }
      switch (getHostAccess(op)) {
      case HostAccess::None:
        return WalkResult::advance();
      case HostAccess::Allocates:
        op->emitError("this ")
            << op->getName()
            << " holds host memory, which kernels cannot use; in tensor "
               "form, bufferization makes such a buffer for a constant "
               "tensor, or for a copy of a tensor that the step cannot "
               "update in place (one still used after it)";
        break;
      case HostAccess::Accesses:
        op->emitError("not on the GPU: this ")
            << op->getName() << " would access device buffers from the host";
        break;
      }
      leftovers = true;
      return WalkResult::advance();
    });
    if (leftovers)
      signalPassFailure();
  }
};

} // namespace
