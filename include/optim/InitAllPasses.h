//===- InitAllPasses.h - Register OptimMLIR's passes ------------*- C++ -*-===//
//
// One call that registers every OptimMLIR pass and pipeline.
//
//===----------------------------------------------------------------------===//

#ifndef OPTIM_INITALLPASSES_H
#define OPTIM_INITALLPASSES_H

#include "optim/Conversion/Passes.h"
#include "optim/Pipelines/Pipelines.h"
#include "optim/Transforms/GPU/Passes.h"
#include "optim/Transforms/Passes.h"

namespace mlir::optim {

/// Registers OptimMLIR's passes and pipelines with the global registry.
inline void registerAllPasses() {
  registerOptimConversionPasses();
  registerOptimTransformsPasses();
  registerOptimGPUTransformsPasses();
  registerOptimPipelines();
}

} // namespace mlir::optim

#endif // OPTIM_INITALLPASSES_H
