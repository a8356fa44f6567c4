// RUN: optim-opt %s --pass-pipeline="builtin.module(gpu.module(optim-nvvm-precise-math))" \
// RUN: | FileCheck %s

// RUN: optim-opt %s --pass-pipeline="builtin.module(gpu.module(optim-nvvm-precise-math,convert-gpu-to-nvvm))" \
// RUN: | FileCheck %s --check-prefix=NVVM

// After convert-gpu-to-nvvm, f32 and f64 keep the round-to-nearest
// intrinsics; only f16 still goes through libdevice.
// NVVM-LABEL: llvm.func @scalars(
// NVVM:         llvm.call_intrinsic "llvm.nvvm.sqrt.rn.f"
// NVVM:         llvm.call_intrinsic "llvm.nvvm.sqrt.rn.d"
// NVVM:         llvm.call @__nv_sqrtf
// NVVM-LABEL: llvm.func @vector(
// NVVM-NOT:     @__nv_sqrtf
// NVVM-COUNT-2: llvm.call_intrinsic "llvm.nvvm.sqrt.rn.f"

gpu.module @kernels {
  // CHECK-LABEL: gpu.func @scalars(
  // CHECK-SAME:      %[[X:[^:]+]]: f32, %[[Y:[^:]+]]: f64, %[[Z:[^:]+]]: f16
  // CHECK:         llvm.call_intrinsic "llvm.nvvm.sqrt.rn.f"(%[[X]]) : (f32) -> f32
  // CHECK:         llvm.call_intrinsic "llvm.nvvm.sqrt.rn.d"(%[[Y]]) : (f64) -> f64
  // Other types are left to the usual lowering.
  // CHECK:         math.sqrt %[[Z]] : f16
  gpu.func @scalars(%x: f32, %y: f64, %z: f16, %out32: memref<f32>,
                    %out64: memref<f64>, %out16: memref<f16>) kernel {
    %0 = math.sqrt %x : f32
    %1 = math.sqrt %y : f64
    %2 = math.sqrt %z : f16
    memref.store %0, %out32[] : memref<f32>
    memref.store %1, %out64[] : memref<f64>
    memref.store %2, %out16[] : memref<f16>
    gpu.return
  }

  // One lane at a time.
  // CHECK-LABEL: gpu.func @vector(
  // CHECK-SAME:      %[[V:[^:]+]]: vector<2xf32>
  // CHECK:         %[[A:.+]] = vector.extract %[[V]][0] : f32 from vector<2xf32>
  // CHECK:         %[[RA:.+]] = llvm.call_intrinsic "llvm.nvvm.sqrt.rn.f"(%[[A]]) : (f32) -> f32
  // CHECK:         %[[B:.+]] = vector.extract %[[V]][1] : f32 from vector<2xf32>
  // CHECK:         %[[RB:.+]] = llvm.call_intrinsic "llvm.nvvm.sqrt.rn.f"(%[[B]]) : (f32) -> f32
  // CHECK:         vector.from_elements %[[RA]], %[[RB]] : vector<2xf32>
  gpu.func @vector(%v: vector<2xf32>, %out: memref<vector<2xf32>>) kernel {
    %0 = math.sqrt %v : vector<2xf32>
    memref.store %0, %out[] : memref<vector<2xf32>>
    gpu.return
  }

  // libdevice's rsqrt is approximate, in f64 too: 1 / sqrt.rn instead. With
  // `afn`, which allows an approximation, square roots keep theirs.
  // CHECK-LABEL: gpu.func @rsqrt_and_afn(
  // CHECK-SAME:      %[[Y:[^:]+]]: f64, %[[X:[^:]+]]: f32
  // CHECK:         %[[ONE:.+]] = arith.constant 1.000000e+00 : f64
  // CHECK:         %[[S:.+]] = llvm.call_intrinsic "llvm.nvvm.sqrt.rn.d"(%[[Y]]) : (f64) -> f64
  // CHECK:         arith.divf %[[ONE]], %[[S]] : f64
  // CHECK:         math.sqrt %[[X]] fastmath<afn> : f32
  // CHECK:         math.rsqrt %[[X]] fastmath<fast> : f32
  gpu.func @rsqrt_and_afn(%y: f64, %x: f32, %out64: memref<f64>,
                          %out32: memref<2xf32>) kernel {
    %0 = math.rsqrt %y : f64
    %1 = math.sqrt %x fastmath<afn> : f32
    %2 = math.rsqrt %x fastmath<fast> : f32
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    memref.store %0, %out64[] : memref<f64>
    memref.store %1, %out32[%c0] : memref<2xf32>
    memref.store %2, %out32[%c1] : memref<2xf32>
    gpu.return
  }
}
