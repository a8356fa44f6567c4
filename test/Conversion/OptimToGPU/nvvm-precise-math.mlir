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
}
