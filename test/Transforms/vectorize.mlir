// RUN: optim-opt %s --convert-optim-to-linalg --optim-vectorize-elementwise="vector-width=8" \
// RUN:   --canonicalize --cse --split-input-file | FileCheck %s
// RUN: not optim-opt %s --optim-vectorize-elementwise="vector-width=-4" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BAD-WIDTH
// RUN: not optim-opt %s --optim-vectorize-elementwise="vector-width=1025" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BAD-WIDTH
// RUN: not optim-opt %s --optim-vectorize-elementwise="num-threads=0" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BAD-THREADS
// RUN: not optim-opt %s --optim-vectorize-elementwise="num-threads=2147483648" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BAD-THREADS
// RUN: not optim-opt %s --optim-vectorize-elementwise="parallel-threshold=-1" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BAD-THRESHOLD

// Options out of range are errors, not silently replaced by defaults.
// BAD-WIDTH: optim-vectorize-elementwise: vector-width must be 0 (the host's) or from 1 to 1024
// BAD-THREADS: optim-vectorize-elementwise: num-threads must be from 1 to 2147483647
// BAD-THRESHOLD: optim-vectorize-elementwise: parallel-threshold must not be negative

// A dynamic size: one loop of plain vector transfers over the multiples of 8,
// then the remaining elements once, under one mask.

// CHECK-LABEL: func @dynamic_f64
// CHECK-SAME: (%[[P:.+]]: memref<?xf64>, %[[G:.+]]: memref<?xf64>, %[[M:.+]]: memref<?xf64>, %[[V:.+]]: memref<?xf64>,
// CHECK:       %[[N:.+]] = memref.dim %[[G]], %{{.+}} : memref<?xf64>
// CHECK:       %[[MAIN:.+]] = affine.apply #{{.+}}()[%[[N]]]
// CHECK:       scf.for %[[I:.+]] = %{{.+}} to %[[MAIN]] step %{{.+}} {
// CHECK-NOT:     vector.mask
// CHECK-NOT:     create_mask
// CHECK-COUNT-4: vector.transfer_read {{.*}} {in_bounds = [true]} : memref<8xf64, strided<[1], offset: ?>>, vector<8xf64>
// CHECK:         math.sqrt {{.*}} : vector<8xf64>
// CHECK:         arith.divf {{.*}} : vector<8xf64>
// CHECK-COUNT-3: vector.transfer_write {{.*}} {in_bounds = [true]} : vector<8xf64>, memref<8xf64, strided<[1], offset: ?>>
// CHECK-NEXT:  {{^ +}}}{{$}}
// CHECK:       %[[REST:.+]] = arith.cmpi slt, %[[MAIN]], %[[N]] : index
// CHECK:       scf.if %[[REST]] {
// CHECK:         %[[MASK:.+]] = vector.create_mask %{{.+}} : vector<8xi1>
// CHECK-COUNT-4: vector.mask %[[MASK]] { vector.transfer_read
// CHECK-COUNT-3: vector.mask %[[MASK]] { vector.transfer_write
// CHECK-NEXT:  {{^ +}}}{{$}}
// CHECK-NEXT:  return
func.func @dynamic_f64(%p: memref<?xf64>, %g: memref<?xf64>, %m: memref<?xf64>,
                       %v: memref<?xf64>, %t: i64, %lr: f64) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr : memref<?xf64>
  return
}

// -----

// A contiguous 2-D state is collapsed (no copy) into one flat loop; 4x6 = 24
// is a multiple of 8, so there is no remainder.

// CHECK-LABEL: func @static_2d_multiple
// CHECK-COUNT-4: memref.collapse_shape %{{.+}} {{\[}}[0, 1]] : memref<4x6xf32> into memref<24xf32>
// CHECK:       scf.for
// CHECK-NOT:   scf.for
// CHECK-NOT:   vector.mask
// CHECK-NOT:   memref.alloc
// CHECK-NOT:   memref.copy
// CHECK:       return
func.func @static_2d_multiple(%p: memref<4x6xf32>, %g: memref<4x6xf32>,
                              %m: memref<4x6xf32>, %v: memref<4x6xf32>,
                              %t: i64, %lr: f32) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr : memref<4x6xf32>
  return
}

// -----

// A non-contiguous layout is not collapsed: the inner dimension is
// vectorised, the outer one stays a scalar loop.

// CHECK-LABEL: func @strided_2d
// CHECK-NOT:   memref.collapse_shape
// CHECK:       scf.for
// CHECK:         vector.transfer_read {{.*}} vector<1x8xf32>
// CHECK:       return
func.func @strided_2d(%p: memref<3x16xf32, strided<[32, 1]>>,
                      %g: memref<3x16xf32, strided<[32, 1]>>,
                      %m: memref<3x16xf32, strided<[32, 1]>>,
                      %v: memref<3x16xf32, strided<[32, 1]>>,
                      %t: i64, %lr: f32) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
      : memref<3x16xf32, strided<[32, 1]>>
  return
}
