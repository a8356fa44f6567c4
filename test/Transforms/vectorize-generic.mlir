// RUN: optim-opt %s --optim-vectorize="vector-width=8 num-threads=2 parallel-threshold=0" \
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

// A generic with no inputs takes its size from its output. With
// parallel-threshold=0 every non-empty buffer is split; an empty one is not,
// as its chunk would be 0 elements.

// CHECK-LABEL: func @fill
// CHECK:       %[[N:.+]] = memref.dim %arg0
// CHECK:       %[[NONEMPTY:.+]] = arith.cmpi sge, %[[N]], %c1
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
