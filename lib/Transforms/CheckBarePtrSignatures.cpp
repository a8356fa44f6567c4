//===- CheckBarePtrSignatures.cpp - Memrefs as bare pointers ----*- C++ -*-===//
//
// Reports the function signatures whose memrefs the bare-pointer calling
// convention cannot pass.
//
//===----------------------------------------------------------------------===//

#include "optim/Transforms/Passes.h"

#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

namespace mlir::optim {
#define GEN_PASS_DEF_OPTIMCHECKBAREPTRSIGNATURESPASS
#include "optim/Transforms/Passes.h.inc"
} // namespace mlir::optim

using namespace mlir;

/// True if `type` is not a memref, or one that convert-func-to-llvm can pass
/// as a bare pointer (static shape, strides and offset).
static bool isBarePtrCompatible(Type type) {
  auto memref = dyn_cast<BaseMemRefType>(type);
  return !memref || LLVMTypeConverter::canConvertToBarePtr(memref);
}

namespace {

struct OptimCheckBarePtrSignaturesPass
    : optim::impl::OptimCheckBarePtrSignaturesPassBase<
          OptimCheckBarePtrSignaturesPass> {
  void runOnOperation() override {
    bool failed = false;
    auto check = [&](FunctionOpInterface function, StringRef kind,
                     ArrayRef<Type> types) {
      for (auto [i, type] : llvm::enumerate(types)) {
        if (isBarePtrCompatible(type))
          continue;
        // At the function's location, without printing the whole function.
        emitError(function.getLoc())
            << "function '" << function.getName() << "': " << kind << " #" << i
            << " has type " << type
            << ", which cannot be passed as a bare pointer: with "
               "bare-ptr-call-conv=1 every memref in a signature needs a "
               "static shape, strides and offset";
        failed = true;
      }
    };
    getOperation().walk([&](FunctionOpInterface function) {
      check(function, "argument", function.getArgumentTypes());
      check(function, "result", function.getResultTypes());
    });
    if (failed)
      signalPassFailure();
  }
};

} // namespace
