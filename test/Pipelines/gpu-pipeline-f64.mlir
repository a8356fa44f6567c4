// RUN: optim-opt %s --optim-gpu-pipeline="format=isa chip=sm_80 threads-per-block=128" \
// RUN: | %extract_ptx | FileCheck %s
// RUN: optim-opt %s --optim-gpu-pipeline="format=isa chip=sm_80 threads-per-block=128" \
// RUN: | %extract_ptx | FileCheck %s --check-prefix=EXACT

// f64 on memrefs, with the pipeline's chip and block-size options: 128-bit
// accesses are two f64 each.

// CHECK:       .target sm_80
// CHECK:       .maxntid 128, 1, 1
// CHECK-COUNT-4: ld.global.v2.b64
// CHECK:         sqrt.rn.f64
// CHECK:         div.rn.f64
// CHECK-COUNT-3: st.global.v2.b64
// CHECK-COUNT-4: ld.global.b64
// CHECK:         sqrt.rn.f64
// CHECK:         div.rn.f64
// CHECK-COUNT-3: st.global.b64

// EXACT-NOT: {{approx|rcp|ld.local|st.local}}

func.func @step(%p: memref<?xf64>, %g: memref<?xf64>, %m: memref<?xf64>,
                %v: memref<?xf64>, %t: i64, %lr: f64) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
      {beta2 = 9.5e-01 : f64} : memref<?xf64>
  return
}
