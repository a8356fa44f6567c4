//===- Passes.h - OptimMLIR transformation passes ---------------*- C++ -*-===//
//
// Declares the transformation passes of OptimMLIR.
//
//===----------------------------------------------------------------------===//

#ifndef OPTIM_TRANSFORMS_PASSES_H
#define OPTIM_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir::optim {

#define GEN_PASS_DECL
#define GEN_PASS_REGISTRATION
#include "optim/Transforms/Passes.h.inc"

/// The number of lanes of the host's widest vector registers for elements of
/// `elementBits` bits (AVX-512: 512 bits, AVX: 256, otherwise 128).
int64_t getHostVectorLanes(unsigned elementBits);

} // namespace mlir::optim

#endif // OPTIM_TRANSFORMS_PASSES_H
