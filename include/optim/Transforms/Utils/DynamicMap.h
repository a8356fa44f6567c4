//===- DynamicMap.h - bitsandbytes' 8-bit dynamic code tables ---*- C++ -*-===//
//
// The 256-entry code tables of 8-bit blockwise optimizer states, the tables
// that find the nearest code of a value with two lookups, and the IR that
// reads and writes codes on vectors.
//
//===----------------------------------------------------------------------===//

#ifndef OPTIM_TRANSFORMS_UTILS_DYNAMICMAP_H
#define OPTIM_TRANSFORMS_UTILS_DYNAMICMAP_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

#include <array>
#include <cstdint>
#include <vector>

namespace mlir::optim {

/// bitsandbytes' `create_dynamic_map(signed)` with its defaults (7 exponent
/// bits, 8 bits), sorted: for `signed`, 127 negative values, 0, 127 positive
/// values and 1; otherwise 0, 254 positive values and 1. The op description
/// of `optim.adamw_step` gives the definition this follows.
std::array<float, 256> getDynamicMap(bool isSigned);

/// The nearest code of a magnitude `a` in [0, 1], in one lookup. `a`'s f32
/// pattern, clamped to [kLowestPattern, pattern of 1], gives the bucket
/// `(pattern - kLowestPattern) >> kBucketShift`: its exponent and top 7
/// fraction bits. No bucket holds more than one midpoint between codes, so
/// one entry per bucket says everything: the index of the nearest code of
/// the bucket's lowest value (`entry >> kIndexShift`), and the low 16 bits of
/// the pattern of the bucket's midpoint (`entry & kThresholdMask`, or
/// kNoThreshold without one). The nearest code of `a` is that index, plus
/// one where the low 16 bits of `a`'s pattern exceed the midpoint's: within
/// a bucket, that is `a > midpoint`, exactly.
struct NearestCodeTables {
  /// 2^-24: every code's midpoint with 0 lies above it.
  static constexpr uint32_t kLowestPattern = 0x33800000;
  static constexpr uint32_t kOnePattern = 0x3f800000;
  static constexpr unsigned kBucketShift = 16;
  static constexpr unsigned kNumBuckets =
      ((kOnePattern - kLowestPattern) >> kBucketShift) + 1;
  static constexpr unsigned kIndexShift = 17;
  static constexpr uint32_t kThresholdMask = (1u << kIndexShift) - 1;
  static constexpr uint32_t kNoThreshold = 1u << kBucketShift;

  /// One entry per bucket (`int32_t`, what a vector gather reads).
  std::vector<int32_t> buckets;
};

/// The table for the codes >= 0 of `code` (a dynamic map), or an empty
/// `buckets` if some bucket holds two midpoints (not for bitsandbytes' maps).
/// A midpoint is the f32 nearest to the exact midpoint of two codes.
NearestCodeTables getNearestCodeTables(const std::array<float, 256> &code);

/// One dynamic map's tables in a function: `memref.get_global`s of private
/// constants of the module (`__optim_{signed,unsigned}_{code,buckets}`).
struct DynamicMapTables {
  Value code, buckets;
  bool isSigned;
};

/// Adds the tables of both maps to `module` as private constants, unless it
/// has them; fails (with an error at `loc`) if a bucket search cannot be
/// exact.
LogicalResult addDynamicMapGlobals(ModuleOp module, Location loc);

/// Gets the tables of the signed or unsigned map at `b`'s insertion point,
/// from the module's constants (`addDynamicMapGlobals`).
DynamicMapTables getDynamicMapTables(OpBuilder &b, Location loc, bool isSigned);

/// `code[codes[i]] * absmax` for a vector of `ui8` codes and an f32 scalar
/// `absmax`: a vector of f32.
Value buildDequantize(OpBuilder &b, Location loc, Value codes, Value absmax,
                      const DynamicMapTables &map);

/// The `ui8` index of the nearest code of each lane of an f32 vector `x` in
/// [-1, 1] (a NaN lane gets the code of 1 or of its negative).
Value buildQuantize(OpBuilder &b, Location loc, Value x,
                    const DynamicMapTables &map);

} // namespace mlir::optim

#endif // OPTIM_TRANSFORMS_UTILS_DYNAMICMAP_H
