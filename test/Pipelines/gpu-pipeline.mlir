// RUN: optim-opt %s --optim-gpu-pipeline="format=isa" | FileCheck %s
// RUN: optim-opt %s --optim-gpu-pipeline="format=isa" | %extract_ptx \
// RUN: | FileCheck %s --check-prefix=PTX
// RUN: optim-opt %s --optim-gpu-pipeline="format=isa" | %extract_ptx \
// RUN: | FileCheck %s --check-prefix=EXACT
// RUN: optim-opt %s --optim-gpu-pipeline="format=isa chip=sm_120" \
// RUN: | %extract_ptx | FileCheck %s --check-prefix=SM120
// RUN: optim-opt %s --optim-gpu-pipeline="format=isa features=+ptx88" \
// RUN: | %extract_ptx | FileCheck %s --check-prefix=PTX88
// RUN: not optim-opt %s --optim-gpu-pipeline="format=bin toolkit=%t.missing" \
// RUN:   2>&1 | FileCheck %s --check-prefix=TOOLKIT

// A toolkit without the assembler a binary format needs is an error, not a
// binary made by whatever ptxas gpu-module-to-binary finds elsewhere.
// TOOLKIT: error: the CUDA toolkit '{{.+}}.missing' has no executable bin/ptxas, which format=bin needs

// The tensor form on a dynamic N-D shape, end to end. The host computes the
// step scalars, the vector count and the grid, then launches one kernel on a
// stream and waits for it. The kernel reads each of param, grad, m and v once
// with 128-bit loads and writes param, m and v once with 128-bit stores, in a
// grid-stride loop followed by the scalar tail, with IEEE division and square
// root.

// CHECK-LABEL: llvm.func @step(
// CHECK:         llvm.intr.pow
// CHECK:         llvm.intr.pow
// CHECK-NOT:     llvm.alloca
// CHECK:         %[[STREAM:.+]] = llvm.call @mgpuStreamCreate()
// CHECK:         gpu.launch_func <%[[STREAM]] : !llvm.ptr> @step_kernel::@step_kernel
// CHECK-SAME:        threads in (%{{.+}}, %{{.+}}, %{{.+}}) : i64
// CHECK:         llvm.call @mgpuStreamSynchronize(%[[STREAM]])
// CHECK:         llvm.call @mgpuStreamDestroy(%[[STREAM]])
// CHECK:       gpu.binary @step_kernel [#gpu.object<#nvvm.target<O = 3, chip = "sm_90">, {{.*}}assembly =

// Without `features`, the PTX version is the lowest that knows the chip.
// PTX:       .version 7.8
// PTX:       .target sm_90
// SM120:     .version 8.7
// SM120:     .target sm_120
// PTX88:     .version 8.8
// PTX88:     .target sm_90
// PTX:       .entry step_kernel(
// PTX:       .maxntid 256, 1, 1
// Vector loop: four 128-bit loads, three 128-bit stores.
// PTX:     [[VLOOP:\$L__BB0_[0-9]+]]:
// PTX-COUNT-4: ld.global.v4.b32
// PTX-NOT:     ld.global
// PTX-COUNT-4: sqrt.rn.f32
// PTX-COUNT-4: div.rn.f32
// PTX-COUNT-3: st.global.v4.b32
// PTX:         bra {{.*}}[[VLOOP]];
// Scalar tail: one element at a time.
// PTX-COUNT-4: ld.global.b32
// PTX:         sqrt.rn.f32
// PTX:         div.rn.f32
// PTX-COUNT-3: st.global.b32
// PTX:         bra
// PTX:         ret;

// No approximate division or square root anywhere, no local memory.
// EXACT-NOT: {{approx|rcp|ld.local|st.local}}

func.func @step(%p: tensor<?x768xf32>, %g: tensor<?x768xf32>,
                %m: tensor<?x768xf32>, %v: tensor<?x768xf32>, %t: i64,
                %lr: f32)
    -> (tensor<?x768xf32>, tensor<?x768xf32>, tensor<?x768xf32>) {
  %p1, %m1, %v1 = optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
      {weight_decay = 1.0e-01 : f64} : tensor<?x768xf32>
  return %p1, %m1, %v1
      : tensor<?x768xf32>, tensor<?x768xf32>, tensor<?x768xf32>
}
