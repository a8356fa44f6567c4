// RUN: optim-opt %s --optim-check-bare-ptr-signatures --split-input-file \
// RUN:   --verify-diagnostics | FileCheck %s
// RUN: not optim-opt %s --optim-cpu-pipeline="bare-ptr-call-conv=1" \
// RUN:   --split-input-file 2>&1 | FileCheck %s --check-prefix=PIPELINE

// Static shapes, strides and offsets pass, as do non-memref arguments.
// CHECK-LABEL: func.func @static(
// CHECK-LABEL: func.func private @strided_static(
func.func @static(%p: memref<4x8xf32>, %t: i64, %lr: f32) {
  return
}
func.func private @strided_static(memref<4x3xf64, strided<[4, 1], offset: 2>>)

// -----

// PIPELINE: error: function 'dynamic': argument #0 has type 'memref<?xf32>', which cannot be passed as a bare pointer
// expected-error @below {{function 'dynamic': argument #0 has type 'memref<?xf32>', which cannot be passed as a bare pointer: with bare-ptr-call-conv=1 every memref in a signature needs a static shape, strides and offset}}
func.func @dynamic(%p: memref<?xf32>, %t: i64) {
  return
}

// -----

// expected-error @below {{function 'dynamic_offset': argument #1 has type 'memref<4xf32, strided<[1], offset: ?>>'}}
func.func @dynamic_offset(%t: i64, %p: memref<4xf32, strided<[1], offset: ?>>) {
  return
}

// -----

// expected-error @below {{function 'unranked': result #0 has type 'memref<*xf32>'}}
func.func private @unranked() -> memref<*xf32>
