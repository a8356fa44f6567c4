// RUN: optim-opt %s --optim-gpu-pipeline="format=isa multi-tensor=true" \
// RUN: | FileCheck %s
// RUN: optim-opt %s --optim-gpu-pipeline="format=isa multi-tensor=true" \
// RUN: | %extract_ptx | FileCheck %s --check-prefix=PTX
// RUN: optim-opt %s --optim-gpu-pipeline="format=isa" | FileCheck %s \
// RUN:   --check-prefix=EACH

// Three AdamW steps (a bias without weight decay, a weight matrix, a dynamic
// vector) in one launch: the host fills a table of tensors, copies it to the
// device on the launch's stream, launches once, frees the table and waits
// once.

// CHECK-LABEL: llvm.func @step(
// CHECK:         %[[STREAM:.+]] = llvm.call @mgpuStreamCreate()
// CHECK:         %[[TABLE:.+]] = llvm.call @mgpuMemAlloc(%{{.+}}, %[[STREAM]], %{{.+}})
// CHECK:         llvm.call @mgpuMemcpy(%[[TABLE]], %{{.+}}, %{{.+}}, %[[STREAM]])
// CHECK:         gpu.launch_func <%[[STREAM]] : !llvm.ptr> @step_kernel::@step_kernel
// CHECK-NOT:     gpu.launch_func
// CHECK:         llvm.call @mgpuMemFree(%[[TABLE]], %[[STREAM]])
// CHECK:         llvm.call @mgpuStreamSynchronize(%[[STREAM]])
// CHECK:         llvm.call @mgpuStreamDestroy(%[[STREAM]])
// CHECK:       gpu.binary @step_kernel
// CHECK-NOT:   gpu.binary

// Both variants use 128-bit accesses on addresses read from the table.
// PTX:           .entry step_kernel(
// PTX-COUNT-2:   ld.global.v4.b32
// PTX:           st.global.v4.b32
// PTX-COUNT-2:   ld.global.v4.b32
// PTX:           st.global.v4.b32

// Without multi-tensor: one launch per tensor, all on one stream.
// EACH-LABEL: llvm.func @step(
// EACH-COUNT-3: gpu.launch_func
// EACH-NOT:     gpu.launch_func
// EACH:         llvm.call @mgpuStreamSynchronize
// EACH-NOT:     llvm.call @mgpuStreamSynchronize

func.func @step(%p0: memref<768xf32>, %g0: memref<768xf32>,
                %m0: memref<768xf32>, %v0: memref<768xf32>,
                %p1: memref<768x2304xf32>, %g1: memref<768x2304xf32>,
                %m1: memref<768x2304xf32>, %v1: memref<768x2304xf32>,
                %p2: memref<?xf32>, %g2: memref<?xf32>,
                %m2: memref<?xf32>, %v2: memref<?xf32>,
                %t: i64, %lr: f32) {
  optim.adamw_step %p0, %g0, %m0, %v0, step %t, lr %lr
      {weight_decay = 0.0 : f64} : memref<768xf32>
  optim.adamw_step %p1, %g1, %m1, %v1, step %t, lr %lr
      {weight_decay = 1.0e-01 : f64} : memref<768x2304xf32>
  optim.adamw_step %p2, %g2, %m2, %v2, step %t, lr %lr
      {weight_decay = 1.0e-01 : f64} : memref<?xf32>
  return
}
