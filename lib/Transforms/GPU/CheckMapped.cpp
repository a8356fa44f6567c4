//===- CheckMapped.cpp - No GPU work left on the host -----------*- C++ -*-===//
//
// After the GPU mapping, host code that touches a device buffer (a `linalg`
// op, an `scf.parallel` loop, a load, store or copy outside a kernel) would
// read device memory from the CPU, host memory that reaches a kernel would
// be handed to the GPU, and a kernel launched inside another cannot be
// lowered. This pass turns those silent miscompilations and late, cryptic
// failures into errors. Which buffers are the device's follows from the
// kernels that use them (`DeviceBuffers`).
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

/// Which buffers are the device's: those that reach a kernel. A buffer
/// reaches a kernel when it, or a view of it, is used inside a
/// `gpu.launch`, passed to a `gpu.launch_func`, returned to a caller (which
/// hands it on), or passed as an argument that reaches a kernel of the
/// callee. A function's arguments are analysed over the whole module, to a
/// fixed point, so that host helpers taking host buffers (a test's
/// reference, say) are told apart from the steps that launch kernels.
class DeviceBuffers {
public:
  explicit DeviceBuffers(ModuleOp module);

  /// Whether `buffer` reaches a kernel.
  bool reachesKernel(Value buffer);
  /// Whether host code touching `buffer` would touch device memory: its
  /// root (through views) is a `gpu.alloc`, an argument that reaches a
  /// kernel, or anything but a host allocation (conservatively).
  bool isDevice(Value buffer);

private:
  /// The function a call reaches, if its body is in the module.
  FunctionOpInterface getCallee(CallOpInterface call) {
    return dyn_cast_or_null<FunctionOpInterface>(
        call.resolveCallableInTable(&symbols));
  }

  SymbolTableCollection symbols;
  /// Per function: whether each argument reaches a kernel.
  DenseMap<Operation *, SmallVector<bool>> deviceArguments;
};

} // namespace

static Value getRoot(Value buffer) {
  while (auto view = buffer.getDefiningOp<ViewLikeOpInterface>())
    buffer = view.getViewSource();
  return buffer;
}

DeviceBuffers::DeviceBuffers(ModuleOp module) {
  SmallVector<FunctionOpInterface> functions;
  module.walk([&](FunctionOpInterface function) {
    if (!function.isExternal() &&
        !function->getParentOfType<gpu::GPUModuleOp>()) {
      functions.push_back(function);
      deviceArguments[function].assign(function.getNumArguments(), false);
    }
  });
  // An argument passed on to a callee's device argument becomes one too.
  for (bool changed = true; changed;) {
    changed = false;
    for (FunctionOpInterface function : functions)
      for (BlockArgument argument : function.getArguments()) {
        bool &device = deviceArguments[function][argument.getArgNumber()];
        if (!device && isa<BaseMemRefType>(argument.getType()) &&
            reachesKernel(argument))
          device = changed = true;
      }
  }
}

bool DeviceBuffers::reachesKernel(Value buffer) {
  SmallVector<Value> worklist = {buffer};
  DenseSet<Value> seen = {buffer};
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    for (OpOperand &use : value.getUses()) {
      Operation *user = use.getOwner();
      auto launch = user->getParentOfType<gpu::LaunchOp>();
      if ((launch &&
           !launch->isAncestor(value.getParentBlock()->getParentOp())) ||
          isa<gpu::LaunchFuncOp, func::ReturnOp>(user))
        return true;
      if (auto call = dyn_cast<CallOpInterface>(user)) {
        FunctionOpInterface callee = getCallee(call);
        auto arguments = deviceArguments.find(callee);
        unsigned index = use.getOperandNumber() -
                         call.getArgOperands().getBeginOperandIndex();
        if (arguments != deviceArguments.end() &&
            index < arguments->second.size() && arguments->second[index])
          return true;
        continue;
      }
      if (auto view = dyn_cast<ViewLikeOpInterface>(user);
          view && view.getViewSource() == value)
        for (Value result : user->getResults())
          if (seen.insert(result).second)
            worklist.push_back(result);
    }
  }
  return false;
}

bool DeviceBuffers::isDevice(Value buffer) {
  Value root = getRoot(buffer);
  if (auto argument = dyn_cast<BlockArgument>(root)) {
    auto arguments = deviceArguments.find(argument.getOwner()->getParentOp());
    if (argument.getOwner()->isEntryBlock() &&
        arguments != deviceArguments.end())
      return arguments->second[argument.getArgNumber()];
    return true;
  }
  return !isa_and_nonnull<memref::AllocOp, memref::AllocaOp,
                          memref::GetGlobalOp>(root.getDefiningOp());
}

/// Whether host op `op` reads or writes device memory. The `gpu` ops are
/// the runtime's, which handles device memory; freeing a buffer follows its
/// allocation, which is checked.
static bool touchesDevice(Operation *op, DeviceBuffers &device) {
  auto interface = dyn_cast<MemoryEffectOpInterface>(op);
  if (!interface || isa_and_nonnull<gpu::GPUDialect>(op->getDialect()))
    return false;
  SmallVector<MemoryEffects::EffectInstance> effects;
  interface.getEffects(effects);
  return llvm::any_of(effects, [&](const MemoryEffects::EffectInstance &e) {
    Value buffer = e.getValue();
    return buffer && isa<BaseMemRefType>(buffer.getType()) &&
           !isa<MemoryEffects::Free, MemoryEffects::Allocate>(e.getEffect()) &&
           device.isDevice(buffer);
  });
}

namespace {

struct OptimGPUCheckMappedPass
    : optim::impl::OptimGPUCheckMappedPassBase<OptimGPUCheckMappedPass> {
  void runOnOperation() override {
    // Every leftover op is reported once: not the ops nested in one already
    // reported, nor anything inside a kernel but another kernel.
    bool leftovers = false;
    DeviceBuffers device(getOperation());
    getOperation().walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<gpu::GPUModuleOp>(op))
        return WalkResult::skip();
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
      // Host memory handed to a kernel, and device memory touched here.
      if (isa<memref::AllocOp, memref::AllocaOp, memref::GetGlobalOp>(op)) {
        if (!device.reachesKernel(op->getResult(0)))
          return WalkResult::advance();
        op->emitError("this ")
            << op->getName()
            << " holds host memory, which kernels cannot use; in tensor "
               "form, bufferization makes such a buffer for a constant "
               "tensor, or for a copy of a tensor that the step cannot "
               "update in place (one still used after it)";
      } else if (touchesDevice(op, device)) {
        op->emitError("not on the GPU: this ")
            << op->getName() << " would access device buffers from the host";
      } else {
        return WalkResult::advance();
      }
      leftovers = true;
      return WalkResult::advance();
    });
    if (leftovers)
      signalPassFailure();
  }
};

} // namespace
