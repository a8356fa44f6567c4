//===- CheckToolkit.cpp - The CUDA tools a GPU binary needs -----*- C++ -*-===//
//
// Fails a GPU pipeline up front when the CUDA toolkit it was given lacks the
// assembler (or the fatbinary tool) its binary format needs.
//
//===----------------------------------------------------------------------===//

#include "optim/Transforms/GPU/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

namespace mlir::optim {
#define GEN_PASS_DEF_OPTIMGPUCHECKTOOLKITPASS
#include "optim/Transforms/GPU/Passes.h.inc"
} // namespace mlir::optim

using namespace mlir;

namespace {
struct OptimGPUCheckToolkitPass
    : optim::impl::OptimGPUCheckToolkitPassBase<OptimGPUCheckToolkitPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<StringRef> tools;
    if (format == "bin" || format == "fatbin")
      tools.push_back("ptxas");
    if (format == "fatbin")
      tools.push_back("fatbinary");
    for (StringRef tool : tools) {
      SmallString<128> path(toolkit);
      llvm::sys::path::append(path, "bin", tool);
      if (llvm::sys::fs::can_execute(path))
        continue;
      emitError(getOperation().getLoc())
          << "the CUDA toolkit '" << toolkit << "' has no executable bin/"
          << tool << ", which format=" << format
          << " needs; give the toolkit's directory (toolkit=...) or use "
             "format=isa";
      return signalPassFailure();
    }
  }
};
} // namespace
