// RUN: optim-opt %s --optim-vectorize-elementwise="vector-width=8 num-threads=2 parallel-threshold=0" \
// RUN:   --canonicalize --split-input-file | FileCheck %s

// The pass takes any elementwise linalg.generic on buffers, not only the
// ones that optim.adamw_step lowers to.

// Index elements have no width to size a vector by: the generic is left to
// convert-linalg-to-loops.

// CHECK-LABEL: func @index_elements
// CHECK:       linalg.generic
// CHECK-NOT:   vector.
func.func @index_elements(%a: memref<?xindex>, %b: memref<?xindex>) {
  linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                  iterator_types = ["parallel"]}
      ins(%a : memref<?xindex>) outs(%b : memref<?xindex>) {
  ^bb0(%x: index, %y: index):
    linalg.yield %x : index
  }
  return
}

// -----

// A generic with no inputs takes its size from its output (counted in
// whole 64-element granules). With parallel-threshold=0 every non-empty
// buffer is split; an empty one is not, as its shares would be empty.

// CHECK-DAG:   #[[$GRANULES:.+]] = affine_map<()[s0] -> ((s0 ceildiv 64) * 64)>
// CHECK-LABEL: func @fill
// CHECK:       %[[N:.+]] = memref.dim %arg0
// CHECK:       %[[TOTAL:.+]] = affine.apply #[[$GRANULES]]()[%[[N]]]
// CHECK:       %[[NONEMPTY:.+]] = arith.cmpi sge, %[[TOTAL]], %c1
// CHECK:       scf.if %[[NONEMPTY]] {
// CHECK:         scf.parallel
// CHECK:           vector.transfer_write
// CHECK:       } else {
// CHECK-NOT:     scf.parallel
// CHECK:         vector.transfer_write
func.func @fill(%b: memref<?xf32>) {
  %one = arith.constant 1.0 : f32
  linalg.generic {indexing_maps = [affine_map<(i) -> (i)>],
                  iterator_types = ["parallel"]} outs(%b : memref<?xf32>) {
  ^bb0(%y: f32):
    linalg.yield %one : f32
  }
  return
}

// -----

// CHECK-LABEL: func @empty
// CHECK-NOT:   scf.parallel
// CHECK-NOT:   linalg.generic
// CHECK:       return
func.func @empty(%a: memref<0xf32>, %b: memref<0xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                  iterator_types = ["parallel"]}
      ins(%a : memref<0xf32>) outs(%b : memref<0xf32>) {
  ^bb0(%x: f32, %y: f32):
    linalg.yield %x : f32
  }
  return
}

// -----

// Vectors of i1 are packed into bits, where a memref gives each element a
// byte: left to convert-linalg-to-loops, as are bodies that vectorisation
// cannot rebuild (a call).

// CHECK-LABEL: func @bits
// CHECK:       linalg.generic
// CHECK-NOT:   vector.
func.func @bits(%a: memref<?xi8>, %b: memref<?xi1>) {
  %zero = arith.constant 0 : i8
  linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                  iterator_types = ["parallel"]}
      ins(%a : memref<?xi8>) outs(%b : memref<?xi1>) {
  ^bb0(%x: i8, %y: i1):
    %positive = arith.cmpi sgt, %x, %zero : i8
    linalg.yield %positive : i1
  }
  return
}

// CHECK-LABEL: func @call
// CHECK:       linalg.generic
// CHECK-NOT:   vector.
func.func private @f(f32) -> f32
func.func @call(%a: memref<?xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i) -> (i)>],
                  iterator_types = ["parallel"]} outs(%a : memref<?xf32>) {
  ^bb0(%x: f32):
    %y = func.call @f(%x) : (f32) -> f32
    linalg.yield %y : f32
  }
  return
}

// -----

// A strided 2-D generic that reads its indices keeps its loops: LLVM 22's
// vectoriser builds mismatched masks for its tiles.

// CHECK-LABEL: func @strided_indices
// CHECK:       linalg.generic
// CHECK-NOT:   vector.
func.func @strided_indices(%a: memref<4x10xi32, strided<[12, 1], offset: 1>>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      outs(%a : memref<4x10xi32, strided<[12, 1], offset: 1>>) {
  ^bb0(%x: i32):
    %j = linalg.index 1 : index
    %ji = arith.index_cast %j : index to i32
    %y = arith.addi %x, %ji : i32
    linalg.yield %y : i32
  }
  return
}

// -----

// A layout without strides cannot be indexed as base + index * stride: left
// to convert-linalg-to-loops, which indexes through the layout map.

// CHECK-LABEL: func @non_strided
// CHECK:       linalg.generic
// CHECK-NOT:   vector.
func.func @non_strided(%a: memref<16xf32, affine_map<(d0) -> (d0 floordiv 2)>>) {
  linalg.generic {indexing_maps = [affine_map<(i) -> (i)>],
                  iterator_types = ["parallel"]}
      outs(%a : memref<16xf32, affine_map<(d0) -> (d0 floordiv 2)>>) {
  ^bb0(%x: f32):
    %y = arith.addf %x, %x : f32
    linalg.yield %y : f32
  }
  return
}

// -----

// More elements than `index` counts: not collapsed or vectorised (the
// element count would wrap), left to convert-linalg-to-loops' nested loops.

// CHECK-LABEL: func @too_many_elements
// CHECK:       linalg.generic
// CHECK-NOT:   vector.
func.func @too_many_elements(%a: memref<4294967296x4294967296xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      outs(%a : memref<4294967296x4294967296xf32>) {
  ^bb0(%x: f32):
    %y = arith.addf %x, %x : f32
    linalg.yield %y : f32
  }
  return
}

// -----

// A 0-d input (a grad scale) is read by every element: N-D operands are
// still collapsed to 1-D, split across threads by the size of a full-rank
// operand, and the scalar is broadcast into each vector.

// CHECK-LABEL: func @broadcast_scalar
// CHECK-SAME:      (%[[A:.+]]: memref<4x?xf32>, %[[S:.+]]: memref<f32>)
// CHECK:       %[[FLAT:.+]] = memref.collapse_shape %[[A]]
// CHECK:       memref.dim %[[FLAT]]
// CHECK:       scf.parallel
// CHECK:       vector.transfer_read %[[S]][], %{{.+}} {in_bounds = [true], permutation_map = #{{.+}}} : memref<f32>, vector<8xf32>
// CHECK:       arith.divf %{{.+}}, %{{.+}} : vector<8xf32>
func.func @broadcast_scalar(%a: memref<4x?xf32>, %s: memref<f32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> ()>,
                                   affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%s : memref<f32>) outs(%a : memref<4x?xf32>) {
  ^bb0(%scale: f32, %x: f32):
    %y = arith.divf %x, %scale : f32
    linalg.yield %y : f32
  }
  return
}

// -----

// Other broadcasts (a row read by every row) are not taken: the code
// generators index each operand with the element's own indices.

// CHECK-LABEL: func @broadcast_row
// CHECK:       linalg.generic
// CHECK-NOT:   vector.
func.func @broadcast_row(%a: memref<4x8xf32>, %row: memref<8xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (j)>,
                                   affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%row : memref<8xf32>) outs(%a : memref<4x8xf32>) {
  ^bb0(%r: f32, %x: f32):
    %y = arith.addf %x, %r : f32
    linalg.yield %y : f32
  }
  return
}
