//===- ElementwiseKernels.h - Pieces of elementwise GPU kernels -*- C++ -*-===//
//
// What `optim-map-elementwise-to-gpu` builds, one file a piece:
//
//   KernelBody.cpp   a generic's work on one element or one vector
//   HostCode.cpp     sizes, alignment, grid, `gpu.launch`
//   MultiTensor.cpp  one launch over a table of tensors
//
// The pass itself (MapElementwiseToGPU.cpp) decides which generics become
// which kernels.
//
//===----------------------------------------------------------------------===//

#ifndef OPTIM_LIB_TRANSFORMS_GPU_ELEMENTWISEKERNELS_H
#define OPTIM_LIB_TRANSFORMS_GPU_ELEMENTWISEKERNELS_H

#include "optim/Transforms/Utils/Elementwise.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/DenseSet.h"

namespace mlir::optim::gpu_kernels {

/// Widest access a thread makes at once: 128 bits (`ld.global.v4.b32`).
constexpr int64_t kMaxVectorBytes = 16;

//===----------------------------------------------------------------------===//
// Kernel bodies
//===----------------------------------------------------------------------===//

/// Emits one generic's work for one element or one vector of `width`
/// elements, and one thread's grid-stride loops over a tensor.
class KernelBodyBuilder {
public:
  KernelBodyBuilder(ElementwiseGeneric generic, int64_t width);

  /// Loads the element `index` of every operand the body reads, runs the body
  /// and stores the results. `memrefs` are the generic's operands as the
  /// kernel sees them, N-D ones of sizes `shape` (empty when they are flat);
  /// `captures` maps values the body takes from above to kernel values
  /// (values absent from it are used as they are).
  void emitScalar(OpBuilder &b, Location loc, ValueRange memrefs,
                  const IRMapping &captures, Value index, ValueRange shape);

  /// Same for the `width` elements starting at `index`, with aligned vector
  /// loads and stores.
  void emitVector(OpBuilder &b, Location loc, ValueRange memrefs,
                  const IRMapping &captures, Value index);

  /// Emits one thread's share of one tensor: work items `first`,
  /// `first + stride`, ... below `numVectors` are vectors, the ones after
  /// them single elements. A null `numVectors` means scalar code only, which
  /// N-D operands of sizes `shape` get.
  void emitGridStrideLoops(OpBuilder &b, Location loc, ValueRange memrefs,
                           const IRMapping &captures, Value numElements,
                           Value numVectors, Value first, Value stride,
                           ValueRange shape = {});

  /// Elements per vector (1: scalar code only).
  int64_t getWidth() const { return width; }
  /// Bytes a vector access of operand `i` assumes its address is aligned to.
  int64_t getAlignment(unsigned i) const { return alignments[i]; }

private:
  ElementwiseGeneric generic;
  int64_t width;
  SmallVector<int64_t> alignments;
};

//===----------------------------------------------------------------------===//
// Host code
//===----------------------------------------------------------------------===//

/// The address of a memref's first element, as an index.
Value buildAddress(OpBuilder &b, Location loc, Value memref);

/// The host-side sizes of one tensor's work.
struct Extent {
  /// The sizes of the iteration space (empty for rank 0), from the first
  /// operand's own sizes. (Not `memref.dim`: once its index is an LLVM
  /// constant, `memref.dim` on a dynamic size lowers to a round trip through
  /// the stack.)
  ValueRange sizes;
  /// Their product.
  Value numElements;
  /// Null when the kernel has no vector code for this tensor.
  Value numVectors;
  /// Vectors, then the elements after them.
  Value numItems;
};

/// Counts the work of `generic`: `numVectors` is `n / width` when every
/// operand's first element is aligned to a whole vector, else 0, so
/// misaligned data takes the scalar path. Without `vectorBody` there is no
/// vector code.
Extent buildExtent(OpBuilder &b, Location loc, ElementwiseGeneric &generic,
                   const KernelBodyBuilder *vectorBody);

/// Kernel launch geometry and builders shared by both kinds of kernels.
struct LaunchBuilder {
  int64_t threadsPerBlock;
  int64_t maxBlocks;

  /// Enough blocks for one work item per thread, at least one, at most
  /// `maxBlocks`: beyond that the threads loop.
  Value buildGridSize(OpBuilder &b, Location loc, Value numItems) const;

  /// Creates a 1-D `gpu.launch` of `gridSize` blocks; `bodyBuilder` gets the
  /// global thread id and the number of threads in the grid.
  void buildLaunch(OpBuilder &b, Location loc, Value gridSize,
                   function_ref<void(OpBuilder &, Location, Value, Value)>
                       bodyBuilder) const;
};

//===----------------------------------------------------------------------===//
// Multi-tensor kernels
//===----------------------------------------------------------------------===//

/// True if `generic` can join a multi-tensor kernel: its operands can be
/// rebuilt from an address and a size and their buffers are known (so that
/// conflicts between group members show), its scalars fit in a table entry.
bool isGroupable(ElementwiseGeneric &generic);

/// Generics launched together: same operand element types and counts, no
/// shared buffers. Each distinct body is a variant of the kernel.
struct TensorGroup {
  SmallVector<ElementwiseGeneric> members;
  SmallVector<unsigned> variantOf;
  SmallVector<unsigned> variantLeaders;
  /// The members' buffers: a generic that conflicts with them must not run
  /// concurrently with the group or out of order.
  BufferUses bufferUses;

  /// The key groups are formed by: the operands' element types, in order.
  static Type getKey(ElementwiseGeneric &generic);

  /// True if `generic` fits this group's kernel.
  bool fits(ElementwiseGeneric &generic);
  void add(ElementwiseGeneric generic);
};

/// One kernel for all of `group`, driven by a table of tensors; a member
/// gets vectors of `widthOf(member)` elements.
void buildMultiTensorLaunch(
    OpBuilder &b, TensorGroup &group, const LaunchBuilder &launcher,
    function_ref<int64_t(ElementwiseGeneric &)> widthOf);

} // namespace mlir::optim::gpu_kernels

#endif // OPTIM_LIB_TRANSFORMS_GPU_ELEMENTWISEKERNELS_H
