// RUN: optim-opt %s --optim-gpu-pipeline="format=isa" | FileCheck %s
// RUN: optim-opt %s --optim-gpu-pipeline="format=isa" | %extract_ptx \
// RUN: | FileCheck %s --check-prefix=PTX

// Rows of a wider buffer cannot be viewed as one flat array: optim-map-elementwise-to-gpu
// keeps them 2-D and splits each element index into row and column. It is
// still one kernel of scalar accesses, with the same exact arithmetic, and
// nothing of it is left on the host.

// CHECK-LABEL: llvm.func @rows(
// CHECK-NOT:     llvm.load
// CHECK:         gpu.launch_func {{.*}}@rows_kernel::@rows_kernel
// CHECK:       gpu.binary @rows_kernel

// PTX-LABEL:   .entry rows_kernel(
// PTX-NOT:     ld.global.v
// PTX-COUNT-4: ld.global.b32
// PTX:         sqrt.rn.f32
// PTX:         div.rn.f32
// PTX-COUNT-3: st.global.b32

!rows = memref<?x?xf32, strided<[?, 1], offset: ?>>

func.func @rows(%p: !rows, %g: !rows, %m: !rows, %v: !rows, %t: i64,
                %lr: f32) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr : !rows
  return
}

// A generic that optim-map-elementwise-to-gpu does not take (here a broadcast) goes through
// the parallel-loop path: upstream's tiling and mapping to blocks and
// threads.

// CHECK-LABEL: llvm.func @bias(
// CHECK:         gpu.launch_func {{.*}}@bias_kernel::@bias_kernel
// CHECK:       gpu.binary @bias_kernel

// PTX-LABEL:   .entry bias_kernel(
// PTX-COUNT-2: ld.global.b32
// PTX:         add.rn.f32
// PTX:         st.global.b32

func.func @bias(%x: memref<4x8xf32>, %b: memref<8xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>,
                                   affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%b : memref<8xf32>) outs(%x : memref<4x8xf32>) {
  ^bb0(%bi: f32, %xi: f32):
    %1 = arith.addf %xi, %bi : f32
    linalg.yield %1 : f32
  }
  return
}
