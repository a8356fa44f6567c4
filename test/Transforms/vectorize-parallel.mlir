// RUN: optim-opt %s --convert-optim-to-linalg \
// RUN:   --optim-vectorize-elementwise="vector-width=8 num-threads=2 parallel-threshold=1024" \
// RUN:   --canonicalize --cse --split-input-file | FileCheck %s

// A dynamic size: at run time, at least 1024 elements go to two chunks of
// whole vectors in an scf.parallel, fewer stay on one thread.

// CHECK-DAG:   #[[$CHUNK:.+]] = affine_map<()[s0] -> (((s0 ceildiv 2) ceildiv 8) * 8)>
// CHECK-LABEL: func @dynamic
// CHECK:       %[[N:.+]] = memref.dim
// CHECK:       %[[LARGE:.+]] = arith.cmpi sge, %[[N]], %c1024
// CHECK:       scf.if %[[LARGE]] {
// CHECK:         %[[SIZE:.+]] = affine.apply #[[$CHUNK]]()[%[[N]]]
// CHECK:         scf.parallel (%[[START:.+]]) = (%{{.+}}) to (%[[N]]) step (%[[SIZE]]) {
// CHECK:           scf.for
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

// Static sizes are decided at compile time.

// CHECK-LABEL: func @static_small
// CHECK-NOT:   scf.parallel
// CHECK-NOT:   scf.if
// CHECK:       scf.for
// CHECK-LABEL: func @static_large
// CHECK-NOT:   scf.if
// CHECK:       scf.parallel
func.func @static_small(%p: memref<1000xf32>, %t: i64, %lr: f32) {
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr : memref<1000xf32>
  return
}
func.func @static_large(%p: memref<64x64xf32>, %t: i64, %lr: f32) {
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr : memref<64x64xf32>
  return
}
