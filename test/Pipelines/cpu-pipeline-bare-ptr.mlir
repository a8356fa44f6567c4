// RUN: optim-opt %s --optim-cpu-pipeline="bare-ptr-call-conv=1 vector-width=16" | FileCheck %s

// With the bare-pointer convention each statically shaped memref is one
// pointer argument, not a descriptor of 5 or 7 fields: a function over many
// tensors keeps a short signature.

// CHECK-LABEL: llvm.func @two_tensors(
// CHECK-SAME:    %arg{{[0-9]+}}: !llvm.ptr, %arg{{[0-9]+}}: !llvm.ptr, %arg{{[0-9]+}}: !llvm.ptr, %arg{{[0-9]+}}: !llvm.ptr,
// CHECK-SAME:    %arg{{[0-9]+}}: !llvm.ptr, %arg{{[0-9]+}}: !llvm.ptr, %arg{{[0-9]+}}: !llvm.ptr, %arg{{[0-9]+}}: !llvm.ptr,
// CHECK-SAME:    %arg{{[0-9]+}}: i64, %arg{{[0-9]+}}: f32)
// CHECK-NOT:   !llvm.struct
// CHECK-COUNT-4: llvm.load %{{.+}} {{.*}}: !llvm.ptr -> vector<16xf32>
// CHECK:       llvm.return
func.func @two_tensors(%p0: memref<768x768xf32>, %g0: memref<768x768xf32>,
                       %m0: memref<768x768xf32>, %v0: memref<768x768xf32>,
                       %p1: memref<768xf32>, %g1: memref<768xf32>,
                       %m1: memref<768xf32>, %v1: memref<768xf32>,
                       %t: i64, %lr: f32) {
  optim.adamw_step %p0, %g0, %m0, %v0, step %t, lr %lr : memref<768x768xf32>
  optim.adamw_step %p1, %g1, %m1, %v1, step %t, lr %lr : memref<768xf32>
  return
}
