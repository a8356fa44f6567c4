// RUN: optim-opt %s --split-input-file --verify-diagnostics --allow-unregistered-dialect \
// RUN:   --optim-gpu-check-mapped | FileCheck %s

// Kernels and plain host code pass.
// CHECK-LABEL: func.func @mapped(
func.func @mapped(%buf: memref<4xf32>, %x: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  memref.store %x, %buf[%c0] : memref<4xf32>
  gpu.launch blocks(%b0, %b1, %b2) in (%g0 = %c1, %g1 = %c1, %g2 = %c1)
             threads(%t0, %t1, %t2) in (%s0 = %c1, %s1 = %c1, %s2 = %c1) {
    memref.store %x, %buf[%t0] : memref<4xf32>
    gpu.terminator
  }
  return
}

// -----

func.func @parallel_loop(%buf: memref<4xf32>, %x: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  // expected-error @below {{not mapped to the GPU: this scf.parallel would run on the host over device buffers}}
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    memref.store %x, %buf[%i] : memref<4xf32>
  }
  return
}

// -----

func.func @linalg(%buf: memref<4xf32>, %x: f32) {
  // expected-error @below {{not mapped to the GPU: this linalg.fill would run on the host over device buffers}}
  linalg.fill ins(%x : f32) outs(%buf : memref<4xf32>)
  return
}

// -----

// Every leftover op is reported, not only the first; an unregistered op is
// not one of them.
func.func @several(%buf: memref<4xf32>, %x: f32) {
  // expected-error @below {{this linalg.fill would run on the host}}
  linalg.fill ins(%x : f32) outs(%buf : memref<4xf32>)
  "test.unregistered"() : () -> ()
  // expected-error @below {{this linalg.fill would run on the host}}
  linalg.fill ins(%x : f32) outs(%buf : memref<4xf32>)
  return
}
