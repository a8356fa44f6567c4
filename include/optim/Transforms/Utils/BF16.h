//===- BF16.h - bf16 as integer arithmetic on f32 bit patterns --*- C++ -*-===//
//
// bf16 is f32 without its low 16 bits. The CPU code converts between them on
// the bit pattern, with integer arithmetic that every vector unit has, and
// reads and writes all-bf16 vectors two lanes per 32-bit word.
//
//===----------------------------------------------------------------------===//

#ifndef OPTIM_TRANSFORMS_UTILS_BF16_H
#define OPTIM_TRANSFORMS_UTILS_BF16_H

#include "mlir/IR/Builders.h"

namespace mlir {
class RewritePatternSet;

namespace optim {

/// Rounds f32 `x` (a scalar or a vector) to bf16, to nearest even: returns
/// i32 patterns whose high 16 bits are the bf16 result and whose low 16 bits
/// are not cleared. Adding 0x7fff plus the lowest kept bit rounds, carrying
/// into the exponent and up to infinity where it must. Every NaN becomes the
/// quiet NaN 0x7fc0, as in torch, since adding to some NaN patterns would
/// carry into the sign. The only `select` is on f32 values: one on bf16
/// values would be lowered through a library call on most x86 hosts.
Value buildBF16RoundedBits(OpBuilder &b, Location loc, Value x);

/// f32 `x` (a scalar or a vector) rounded to bf16, to nearest even, with
/// integer arithmetic only (buildBF16RoundedBits, then the high halves).
Value buildTruncateToBF16(OpBuilder &b, Location loc, Value x);

/// bf16 `x` (a scalar or a vector) widened to `type` (f32 or f64, of its
/// shape): the bf16 pattern is the high half of the f32 one.
Value buildExtendFromBF16(OpBuilder &b, Location loc, Value x, Type type);

/// Patterns that compute on a vector of 2K bf16 lanes, widened to f32, as two
/// f32 vectors of K lanes, the even and the odd lanes: each 32-bit word of
/// the bf16 vector holds an even lane in its low half and the next odd lane
/// in its high half (little-endian), so `word << 16` and
/// `word & 0xffff0000` are the two halves widened, and the rounded halves
/// combine into words again with one shift, one mask and one `or`. The
/// element order is restored only where a value leaves the two halves.
///
/// - `arith.extf` of a 1-D bf16 vector to f32 becomes the `vector.interleave`
///   of its widened even and odd lanes;
/// - `arith.truncf` of a 1-D f32 vector to bf16 rounds the two halves of its
///   `vector.deinterleave` and packs them;
/// - an elementwise op whose vector operands are interleaves, splats or
///   constants (`vector.step` included) runs on each half, and its result is
///   their interleave;
/// - `vector.deinterleave` of a `vector.interleave` is its operands.
///
/// Together they leave no shuffle in a loop body whose vector values all
/// come from bf16 reads.
void populateBF16PairPatterns(RewritePatternSet &patterns);

} // namespace optim
} // namespace mlir

#endif // OPTIM_TRANSFORMS_UTILS_BF16_H
