//===- OptimToLinalg.h - Optim to Linalg conversion -------------*- C++ -*-===//
//
// Patterns that lower `optim` ops to elementwise `linalg.generic` ops.
//
//===----------------------------------------------------------------------===//

#ifndef OPTIM_CONVERSION_OPTIMTOLINALG_OPTIMTOLINALG_H
#define OPTIM_CONVERSION_OPTIMTOLINALG_OPTIMTOLINALG_H

namespace mlir {
class RewritePatternSet;

namespace optim {

/// Adds the patterns that rewrite `optim.adamw_step` into one fused
/// `linalg.generic` with its step scalars hoisted in front of it.
void populateOptimToLinalgConversionPatterns(RewritePatternSet &patterns);

} // namespace optim
} // namespace mlir

#endif // OPTIM_CONVERSION_OPTIMTOLINALG_OPTIMTOLINALG_H
