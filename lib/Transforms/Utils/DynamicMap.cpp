//===- DynamicMap.cpp - bitsandbytes' 8-bit dynamic code tables -*- C++ -*-===//
//
// Builds the code tables of 8-bit blockwise states from their definition
// (the description of `optim.adamw_step`), the bucket tables of the
// nearest-code search, and the vector IR that uses them.
//
//===----------------------------------------------------------------------===//

#include "optim/Transforms/Utils/DynamicMap.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/SymbolTable.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/bit.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::optim;

/// `torch.linspace(0.1, 1, n, dtype=float32)` as bitsandbytes' map sees it:
/// each point is one fused multiply-add from the nearer end.
static std::vector<float> linspace(int n) {
  const float start = 0.1f, end = 1.0f;
  float step = (end - start) / static_cast<float>(n - 1);
  std::vector<float> points(n);
  for (int i = 0; i < n; ++i)
    points[i] = i < n / 2 ? std::fma(step, static_cast<float>(i), start)
                          : std::fma(-step, static_cast<float>(n - 1 - i), end);
  return points;
}

std::array<float, 256> mlir::optim::getDynamicMap(bool isSigned) {
  std::vector<float> data;
  for (int decade = 0; decade < 7; ++decade) {
    int n = isSigned ? (1 << decade) + 1 : (1 << (decade + 1)) + 1;
    std::vector<float> bounds = linspace(n);
    auto scale = static_cast<float>(std::pow(10.0, decade - 6));
    for (int j = 0; j + 1 < n; ++j) {
      float mean = (bounds[j] + bounds[j + 1]) / 2.0f;
      data.push_back(scale * mean);
      if (isSigned)
        data.push_back(-scale * mean);
    }
  }
  data.push_back(0.0f);
  data.push_back(1.0f);
  std::array<float, 256> code;
  llvm::copy(data, code.begin());
  llvm::sort(code);
  return code;
}

NearestCodeTables
mlir::optim::getNearestCodeTables(const std::array<float, 256> &code) {
  using Tables = NearestCodeTables;
  std::array<float, 256> midpoints;
  for (size_t i = 0; i + 1 < code.size(); ++i)
    midpoints[i] = static_cast<float>(
        (static_cast<double>(code[i]) + static_cast<double>(code[i + 1])) / 2);
  midpoints.back() = std::numeric_limits<float>::infinity();

  // The codes below 0 are never searched: a signed map finds a negative
  // value's code by its magnitude's.
  auto zero =
      static_cast<uint32_t>(llvm::lower_bound(code, 0.0f) - code.begin());
  Tables tables;
  for (uint32_t k = 0; k < Tables::kNumBuckets; ++k) {
    uint32_t low = Tables::kLowestPattern + (k << Tables::kBucketShift);
    uint32_t high = low + (1u << Tables::kBucketShift);
    // The first bucket also holds everything below kLowestPattern.
    float lowValue = k == 0 ? 0.0f : llvm::bit_cast<float>(low);
    uint32_t index = zero;
    while (midpoints[index] < lowValue)
      ++index;
    uint32_t threshold = Tables::kNoThreshold;
    uint32_t midpoint = llvm::bit_cast<uint32_t>(midpoints[index]);
    if (midpoint < high) {
      // The search adds at most one: a second midpoint in the bucket would
      // need a second comparison.
      if (index + 1 < 256 &&
          llvm::bit_cast<uint32_t>(midpoints[index + 1]) < high)
        return {};
      threshold = midpoint & (Tables::kNoThreshold - 1);
    }
    tables.buckets.push_back(
        static_cast<int32_t>(index << Tables::kIndexShift | threshold));
  }
  return tables;
}

/// The name of one of a map's tables.
static std::string getTableName(bool isSigned, StringRef table) {
  return ((isSigned ? "__optim_signed_" : "__optim_unsigned_") + table).str();
}

LogicalResult mlir::optim::addDynamicMapGlobals(ModuleOp module, Location loc) {
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto addGlobal = [&](const std::string &name, DenseElementsAttr values) {
    auto type = MemRefType::get(values.getType().getShape(),
                                values.getType().getElementType());
    memref::GlobalOp::create(b, loc, name, b.getStringAttr("private"), type,
                             values, /*constant=*/true,
                             /*alignment=*/IntegerAttr());
  };
  for (bool isSigned : {true, false}) {
    if (SymbolTable::lookupSymbolIn(module, getTableName(isSigned, "code")))
      continue;
    std::array<float, 256> code = getDynamicMap(isSigned);
    NearestCodeTables nearest = getNearestCodeTables(code);
    if (nearest.buckets.empty())
      return emitError(loc, "internal error: the nearest-code tables of the "
                            "dynamic map need a finer bucket");
    addGlobal(
        getTableName(isSigned, "code"),
        DenseElementsAttr::get(RankedTensorType::get({256}, b.getF32Type()),
                               ArrayRef<float>(code)));
    addGlobal(
        getTableName(isSigned, "buckets"),
        DenseElementsAttr::get(
            RankedTensorType::get(
                {static_cast<int64_t>(nearest.buckets.size())}, b.getI32Type()),
            ArrayRef<int32_t>(nearest.buckets)));
  }
  return success();
}

DynamicMapTables mlir::optim::getDynamicMapTables(OpBuilder &b, Location loc,
                                                  bool isSigned) {
  auto table = [&](StringRef name, int64_t size, Type element) -> Value {
    return memref::GetGlobalOp::create(b, loc, MemRefType::get({size}, element),
                                       getTableName(isSigned, name));
  };
  return {table("code", 256, b.getF32Type()),
          table("buckets", NearestCodeTables::kNumBuckets, b.getI32Type()),
          isSigned};
}

/// `table[indices]`, a load per lane: LLVM scalarizes `vector.gather` where
/// hardware gathers are slow (AMD's), through 64-bit vector addresses that
/// cost a fifth more than these loads.
static Value gather(OpBuilder &b, Location loc, Value table, Value indices) {
  auto shape = cast<VectorType>(indices.getType()).getShape();
  auto type = VectorType::get(
      shape, cast<MemRefType>(table.getType()).getElementType());
  SmallVector<Value> lanes;
  for (int64_t lane = 0; lane < shape[0]; ++lane) {
    Value index = vector::ExtractOp::create(b, loc, indices, lane);
    lanes.push_back(
        memref::LoadOp::create(b, loc, table,
                               ValueRange{arith::IndexCastUIOp::create(
                                   b, loc, b.getIndexType(), index)}));
  }
  return vector::FromElementsOp::create(b, loc, type, lanes);
}

/// The codes are read as `ui8` and viewed as `i8`: arith takes signless
/// integers.
Value mlir::optim::buildDequantize(OpBuilder &b, Location loc, Value codes,
                                   Value absmax, const DynamicMapTables &map) {
  auto type = cast<VectorType>(codes.getType());
  Value bytes =
      vector::BitCastOp::create(b, loc, type.clone(b.getI8Type()), codes);
  Value indices =
      arith::ExtUIOp::create(b, loc, type.clone(b.getI32Type()), bytes);
  Value values = gather(b, loc, map.code, indices);
  return arith::MulFOp::create(
      b, loc, values,
      vector::BroadcastOp::create(b, loc, values.getType(), absmax));
}

/// The nearest code of |x| among those >= 0 (`NearestCodeTables`: one
/// gather), and for
/// a negative `x` in a signed map its mirror, code[254 - i] = -code[i]
/// (there is no -1).
Value mlir::optim::buildQuantize(OpBuilder &b, Location loc, Value x,
                                 const DynamicMapTables &map) {
  using Tables = NearestCodeTables;
  auto type = cast<VectorType>(x.getType());
  Type i32 = type.clone(b.getI32Type());
  auto splat = [&](uint32_t value) -> Value {
    return arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(cast<ShapedType>(i32),
                               b.getI32IntegerAttr(value)));
  };
  Value bits = arith::BitcastOp::create(b, loc, i32, x);
  Value magnitude = arith::AndIOp::create(b, loc, bits, splat(0x7fffffff));
  Value clamped = arith::MinUIOp::create(
      b, loc,
      arith::MaxUIOp::create(b, loc, magnitude, splat(Tables::kLowestPattern)),
      splat(Tables::kOnePattern));
  Value bucket = arith::ShRUIOp::create(
      b, loc,
      arith::SubIOp::create(b, loc, clamped, splat(Tables::kLowestPattern)),
      splat(Tables::kBucketShift));
  Value entry = gather(b, loc, map.buckets, bucket);
  Value above = arith::CmpIOp::create(
      b, loc, arith::CmpIPredicate::ugt,
      arith::AndIOp::create(b, loc, clamped, splat(Tables::kNoThreshold - 1)),
      arith::AndIOp::create(b, loc, entry, splat(Tables::kThresholdMask)));
  Value index = arith::AddIOp::create(
      b, loc, arith::ShRUIOp::create(b, loc, entry, splat(Tables::kIndexShift)),
      arith::ExtUIOp::create(b, loc, i32, above));
  if (map.isSigned) {
    Value negative = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                           bits, splat(0));
    Value mirrored = arith::SubIOp::create(
        b, loc, splat(254), arith::MinSIOp::create(b, loc, index, splat(254)));
    index = arith::SelectOp::create(b, loc, negative, mirrored, index);
  }
  Value bytes =
      arith::TruncIOp::create(b, loc, type.clone(b.getI8Type()), index);
  return vector::BitCastOp::create(
      b, loc, type.clone(b.getIntegerType(8, /*isSigned=*/false)), bytes);
}
