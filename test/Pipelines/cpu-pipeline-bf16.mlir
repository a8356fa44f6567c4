// RUN: optim-opt %s --optim-cpu-pipeline | mlir-translate --mlir-to-llvmir \
// RUN:   | llc -O3 -mcpu=x86-64-v3 | FileCheck %s
// RUN: optim-opt %s --optim-cpu-pipeline | mlir-translate --mlir-to-llvmir \
// RUN:   | llc -O3 -mcpu=sapphirerapids | FileCheck %s

// The machine code of steps on bf16 and f16 calls no conversion routine of a
// runtime library, on an AVX2 host (no AVX512-BF16, no AVX512-FP16) and on
// one with both: every narrowing to bf16 (also from f64, and stochastic) and
// every masked remainder access is done in registers. Each step makes two
// calls, of `pow`, for the bias corrections; nothing else is called.

// CHECK-LABEL: all_bf16:
// CHECK-COUNT-2: call{{.*}} pow
// CHECK-NOT:     call
// CHECK-LABEL: .Lfunc_end0:
func.func @all_bf16(%p: memref<?xbf16>, %t: i64, %lr: f32) {
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr : memref<?xbf16>
  return
}

// CHECK-LABEL: stochastic_bf16:
// CHECK-COUNT-2: call{{.*}} pow
// CHECK-NOT:     call
// CHECK-LABEL: .Lfunc_end1:
func.func @stochastic_bf16(%p: memref<?xbf16>, %t: i64, %lr: f32,
                           %seed: i64) {
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr seed %seed
      rounding stochastic : memref<?xbf16>
  return
}

// f64 compute written to bf16 and f16: rounded to odd in f32 first, then to
// nearest.
// CHECK-LABEL: f64_master_with_copies:
// CHECK-COUNT-2: call{{.*}} pow
// CHECK-NOT:     call
// CHECK-LABEL: .Lfunc_end2:
func.func @f64_master_with_copies(%p: memref<?xf64>, %g: memref<?xbf16>,
                                  %c: memref<?xbf16>, %h: memref<?xf16>,
                                  %t: i64, %lr: f64) {
  optim.adamw_step %p, %g, %p, %p, step %t, lr %lr copy %c : memref<?xbf16>
      : (memref<?xf64>, memref<?xbf16>, memref<?xf64>, memref<?xf64>, f64)
  optim.adamw_step %p, %g, %p, %p, step %t, lr %lr copy %h : memref<?xf16>
      : (memref<?xf64>, memref<?xbf16>, memref<?xf64>, memref<?xf64>, f64)
  return
}
