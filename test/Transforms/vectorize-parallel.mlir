// RUN: optim-opt %s --convert-optim-to-linalg \
// RUN:   --optim-vectorize-elementwise="vector-width=8 num-threads=2 parallel-threshold=1024" \
// RUN:   --canonicalize --cse --split-input-file | FileCheck %s

// A dynamic size: at run time, at least 1024 elements (counted in whole
// 64-element granules) go to an scf.parallel of one iteration per thread,
// each a share of whole granules; fewer stay on one thread.

// CHECK-DAG:   #[[$TOTAL:.+]] = affine_map<()[s0] -> ((s0 ceildiv 64) * 64)>
// CHECK-LABEL: func @dynamic
// CHECK:       %[[N:.+]] = memref.dim
// CHECK:       %[[TOTAL:.+]] = affine.apply #[[$TOTAL]]()[%[[N]]]
// CHECK:       %[[LARGE:.+]] = arith.cmpi sge, %[[TOTAL]], %c1024
// CHECK:       scf.if %[[LARGE]] {
// CHECK:         scf.parallel (%[[K:.+]]) = (%c0) to (%c2) step (%c1) {
// CHECK:           %[[BEGIN:.+]] = affine.max
// CHECK:           %[[END:.+]] = affine.max
// CHECK:           %[[LENGTH:.+]] = arith.subi %[[END]], %[[BEGIN]]
// CHECK:           memref.subview %{{.+}}[%[[BEGIN]]] [%[[LENGTH]]] [1]
// CHECK:           scf.for
// CHECK-NOT:         vector.mask
// CHECK:             vector.transfer_read
// CHECK:           scf.if
// CHECK:             vector.create_mask
// CHECK:       } else {
// CHECK-NOT:     scf.parallel
// CHECK:         scf.for
// CHECK:           vector.transfer_read
// CHECK:         scf.if
// CHECK:           vector.create_mask
func.func @dynamic(%p: memref<?xf32>, %g: memref<?xf32>, %m: memref<?xf32>,
                   %v: memref<?xf32>, %t: i64, %lr: f32) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr : memref<?xf32>
  return
}

// -----

// Static sizes are decided at compile time (900 elements are 960 in
// granules, below the threshold).

// CHECK-LABEL: func @static_small
// CHECK-NOT:   scf.parallel
// CHECK-NOT:   scf.if
// CHECK:       scf.for
// CHECK-LABEL: func @static_large
// CHECK-NOT:   scf.if
// CHECK:       scf.parallel
func.func @static_small(%p: memref<900xf32>, %t: i64, %lr: f32) {
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr : memref<900xf32>
  return
}
func.func @static_large(%p: memref<64x64xf32>, %t: i64, %lr: f32) {
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr : memref<64x64xf32>
  return
}

// -----

// All the steps of a function share one parallel loop: the shares are taken
// of all their elements together (here 640 + 64 + 320 granule-rounded
// elements, so 1024 and one parallel loop although each op alone is below
// the threshold). Share k is [k * 512, (k + 1) * 512): the first tensor's
// part of it is clamped to its 600 elements, the others' parts start at
// their offsets, 640 and 704.

// CHECK-DAG:   #[[$FIRST:.+]] = affine_map<(d0) -> (600, 1024, d0 * 512)>
// CHECK-DAG:   #[[$SECOND:.+]] = affine_map<()[s0] -> (8, s0 - 640)>
// CHECK-DAG:   #[[$THIRD:.+]] = affine_map<()[s0] -> (300, s0 - 704)>
// CHECK-LABEL: func @model
// CHECK-NOT:   scf.if
// CHECK:       scf.parallel (%[[K:.+]]) = (%c0) to (%c2) step (%c1) {
// CHECK:         affine.min #[[$FIRST]](%[[K]])
// CHECK:         memref.subview %arg0
// CHECK:         affine.min #[[$SECOND]]()
// CHECK:         memref.subview %arg1
// CHECK:         affine.min #[[$THIRD]]()
// CHECK:         memref.subview %{{.+}}
// CHECK:         scf.reduce
// CHECK-NOT:   scf.parallel
func.func @model(%a: memref<600xf32>, %b: memref<8xf32>, %c: memref<3x100xf32>,
                 %t: i64, %lr: f32) {
  optim.adamw_step %a, %a, %a, %a, step %t, lr %lr : memref<600xf32>
  optim.adamw_step %b, %b, %b, %b, step %t, lr %lr : memref<8xf32>
  optim.adamw_step %c, %c, %c, %c, step %t, lr %lr : memref<3x100xf32>
  return
}

// -----

// A step that writes what an earlier one reads must run after it: the two
// get a parallel loop each.

// CHECK-LABEL: func @conflict
// CHECK:       scf.parallel
// CHECK:       scf.parallel
func.func @conflict(%p: memref<4096xf32>, %g: memref<4096xf32>, %t: i64,
                    %lr: f32) {
  optim.adamw_step %p, %g, %p, %p, step %t, lr %lr : memref<4096xf32>
  optim.adamw_step %g, %g, %g, %g, step %t, lr %lr : memref<4096xf32>
  return
}

// -----

// So does a step on a buffer that may be any other (here one chosen by a
// select), and any op that touches memory ends the shared loop.

// CHECK-LABEL: func @barriers
// CHECK:       scf.parallel
// CHECK:       scf.parallel
// CHECK:       memref.store
// CHECK:       scf.parallel
func.func @barriers(%a: memref<4096xf32>, %b: memref<4096xf32>, %c: i1,
                    %t: i64, %lr: f32) {
  optim.adamw_step %a, %a, %a, %a, step %t, lr %lr : memref<4096xf32>
  %any = arith.select %c, %a, %b : memref<4096xf32>
  optim.adamw_step %any, %any, %any, %any, step %t, lr %lr : memref<4096xf32>
  %zero = arith.constant 0.0 : f32
  %i = arith.constant 0 : index
  memref.store %zero, %b[%i] : memref<4096xf32>
  optim.adamw_step %b, %b, %b, %b, step %t, lr %lr : memref<4096xf32>
  return
}
