//===- Elementwise.h - Elementwise linalg.generic ops on buffers -*- C++
//-*-===//
//
// The one definition of "an elementwise linalg.generic on buffers" that the
// CPU vectoriser and the GPU mapping share, and the reshaping they both apply
// to such a generic before generating code.
//
//===----------------------------------------------------------------------===//

#ifndef OPTIM_TRANSFORMS_UTILS_ELEMENTWISE_H
#define OPTIM_TRANSFORMS_UTILS_ELEMENTWISE_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "llvm/ADT/DenseSet.h"

#include <optional>

namespace mlir {
class RewriterBase;

namespace optim {

/// A `linalg.generic` that the code generators of OptimMLIR accept: on
/// buffers, every loop parallel, every indexing map the identity but for
/// broadcast scalars (inputs of rank 0, which every element reads, such as a
/// gradient scale), every operand a strided memref of integers or floats of
/// 8, 16, 32 or 64 bits (each operand with its own element type), and a body
/// of scalar elementwise ops (`linalg::hasOnlyScalarElementwiseOp`) without
/// memory effects.
struct ElementwiseGeneric {
  linalg::GenericOp op;
  /// Every operand has rank 0 or 1, or can be viewed as 1-D without a copy
  /// (`memref.collapse_shape`).
  bool isFlat = true;
  /// Every operand is flat and, viewed as 1-D, has unit stride.
  bool isContiguous = true;
  /// The values the body uses but does not define, in order of first use.
  SmallVector<Value> captures;

  /// The number of loops, which is the rank of every operand but the
  /// broadcast scalars.
  int64_t getRank() { return op.getNumLoops(); }
  /// True if operand `i` is a broadcast scalar: of rank 0 in a generic of
  /// higher rank.
  bool isBroadcastScalar(unsigned i) {
    return getRank() > 0 &&
           cast<MemRefType>(op->getOperand(i).getType()).getRank() == 0;
  }
  /// True if any operand is a broadcast scalar.
  bool hasBroadcastScalars();
  /// The first operand whose shape is the iteration space (one that is not
  /// a broadcast scalar; every output is one).
  Value getShapedOperand();
  /// The element type of the operand `i`.
  Type getElementType(unsigned i) {
    return cast<MemRefType>(op->getOperand(i).getType()).getElementType();
  }
  /// The width of the narrowest element of a tensor operand (broadcast
  /// scalars aside), which sets how many lanes of a vector register the
  /// generic can use.
  unsigned getNarrowestElementBits();
  /// The width of the widest float the generic reads, computes or writes,
  /// 0 if none: a vector of as many lanes as fit a register in this width
  /// keeps every arithmetic value in one register.
  unsigned getWidestFloatBits();
  /// Every float operand is bf16, and there is at least one.
  bool hasOnlyBF16Floats();
};

/// The buffers a set of generics reads and writes, by their root buffers
/// (`memref::skipViewLikeOps`), to tell whether another generic may run
/// concurrently with them, or be moved past them.
class BufferUses {
public:
  /// True if every operand of `generic` views a buffer whose overlaps show: a
  /// function argument (assumed distinct from the other arguments, as
  /// multi-tensor optimizers assume) or a fresh allocation. A memref that
  /// another op computes (`arith.select`, a loop's iteration argument, a
  /// global) may be any buffer.
  static bool hasKnownBuffers(ElementwiseGeneric &generic);

  /// True if `generic` writes a buffer of the set or reads one the set writes.
  bool conflictsWith(ElementwiseGeneric &generic) const;
  /// Adds the buffers `generic` reads and writes.
  void add(ElementwiseGeneric &generic);

private:
  llvm::SmallDenseSet<Value> buffers, writtenBuffers;
};

/// True if every indexing map of `op` is the identity, but for inputs of
/// rank 0, read by every element through a map without results: the maps
/// elementwise code generation indexes with the loop indices themselves.
bool hasIdentityOrScalarMaps(linalg::GenericOp op);

/// Returns `op` as an elementwise generic on buffers, or nothing if it is not
/// one.
std::optional<ElementwiseGeneric> matchElementwiseGeneric(linalg::GenericOp op);

/// Collapses a flat generic of rank 2 or more into a 1-D generic over
/// `memref.collapse_shape` views of its operands (no copy; `linalg.index`
/// ops are rewritten in terms of the flat index), erasing the original.
/// Collapsing buffers rather than tensors needs no `expand_shape` of the
/// results afterwards. Returns the match unchanged when there is nothing to
/// collapse or it cannot be collapsed.
ElementwiseGeneric collapseToOneDim(RewriterBase &rewriter,
                                    ElementwiseGeneric generic);

/// The width of the host's widest vector registers: 512 bits with AVX-512,
/// 256 with AVX, otherwise 128.
int64_t getHostVectorBits();

/// Checks the options the CPU loop passes share, naming `pass` in the error:
/// `vector-width` 0 (the host's) or from 1 to 1024, `num-threads` from 1 to
/// 2^31 - 1.
LogicalResult checkCPULoopOptions(MLIRContext *context, StringRef pass,
                                  int64_t vectorWidth, int64_t numThreads);

} // namespace optim
} // namespace mlir

#endif // OPTIM_TRANSFORMS_UTILS_ELEMENTWISE_H
