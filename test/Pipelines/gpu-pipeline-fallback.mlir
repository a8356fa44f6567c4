// RUN: optim-opt %s --optim-gpu-pipeline="format=isa" | FileCheck %s
// RUN: optim-opt %s --optim-gpu-pipeline="format=isa" | %extract_ptx \
// RUN: | FileCheck %s --check-prefix=PTX

// Rows of a wider buffer cannot be viewed as one flat array: the step goes
// through the generic path (parallel loops tiled into blocks and threads).
// It is still one kernel, with the same exact arithmetic, and nothing of it
// is left on the host.

// CHECK-LABEL: llvm.func @rows(
// CHECK-NOT:     llvm.load
// CHECK:         gpu.launch_func
// CHECK:       gpu.binary @rows_kernel

// PTX:         .entry rows_kernel(
// PTX-COUNT-4: ld.global.b32
// PTX:         sqrt.rn.f32
// PTX:         div.rn.f32
// PTX-COUNT-3: st.global.b32

!rows = memref<4x8xf32, strided<[16, 1]>>

func.func @rows(%p: !rows, %g: !rows, %m: !rows, %v: !rows, %t: i64,
                %lr: f32) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr : !rows
  return
}
