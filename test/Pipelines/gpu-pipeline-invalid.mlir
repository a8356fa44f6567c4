// RUN: not optim-opt %s --optim-gpu-pipeline="format=ptx" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=FORMAT
// RUN: not optim-opt %s --optim-gpu-pipeline="format=isa" --split-input-file \
// RUN:   2>&1 | FileCheck %s

// FORMAT: for the --format option: Cannot find option named 'ptx'!

// What the GPU pipeline cannot compile is an error, not host code that
// would touch device memory or hand host memory to a kernel.

// In tensor form, `m` and `v` must be buffers the step can update in place.
// A constant is a host global, and bufferization copies it into host memory
// (one copy each for m and v), which the kernel would be handed.
// CHECK: [[# @LINE + 5]]:19: error: this memref.alloc holds host memory, which kernels cannot use
// CHECK: [[# @LINE + 4]]:19: error: this memref.alloc holds host memory, which kernels cannot use
func.func @fresh_state(%p: tensor<1024xf32>, %g: tensor<1024xf32>, %t: i64,
                       %lr: f32) -> tensor<1024xf32> {
  %z = arith.constant dense<0.0> : tensor<1024xf32>
  %p1, %m1, %v1 = optim.adamw_step %p, %g, %z, %z, step %t, lr %lr : tensor<1024xf32>
  return %p1 : tensor<1024xf32>
}

// -----

// A parameter still used after the step is copied before it, on the host.
// CHECK: [[# @LINE + 5]]:19: error: this memref.alloc holds host memory
// CHECK: [[# @LINE + 4]]:19: error: not on the GPU: this memref.copy would access device buffers from the host
func.func @keep_old(%p: tensor<1024xf32>, %g: tensor<1024xf32>, %m: tensor<1024xf32>,
                    %v: tensor<1024xf32>, %t: i64, %lr: f32)
    -> (tensor<1024xf32>, tensor<1024xf32>, tensor<1024xf32>, tensor<1024xf32>) {
  %p1, %m1, %v1 = optim.adamw_step %p, %g, %m, %v, step %t, lr %lr : tensor<1024xf32>
  return %p, %p1, %m1, %v1
      : tensor<1024xf32>, tensor<1024xf32>, tensor<1024xf32>, tensor<1024xf32>
}

// -----

// An op in an scf.parallel: the op becomes a kernel, and the loop one too.
// CHECK: [[# @LINE + 8]]:5: error: a kernel launched from inside a kernel: a loop around this op was mapped to the GPU too (e.g. an op in an scf.parallel); make that loop an scf.for
func.func @rows(%p: memref<4x256xf32>, %g: memref<4x256xf32>, %m: memref<4x256xf32>,
                %v: memref<4x256xf32>, %t: i64, %lr: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %row = memref.subview %p[%i, 0] [1, 256] [1, 1] : memref<4x256xf32> to memref<256xf32, strided<[1], offset: ?>>
    optim.adamw_step %row, %row, %row, %row, step %t, lr %lr : memref<256xf32, strided<[1], offset: ?>>
  }
  return
}
