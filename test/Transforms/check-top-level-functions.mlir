// RUN: optim-opt %s --optim-check-top-level-functions --split-input-file \
// RUN:   --verify-diagnostics
// RUN: not optim-opt %s --optim-cpu-pipeline --split-input-file 2>&1 \
// RUN:   | FileCheck %s --check-prefix=PIPELINE
// RUN: not optim-opt %s --optim-gpu-pipeline="format=isa" --split-input-file \
// RUN:   2>&1 | FileCheck %s --check-prefix=PIPELINE
// RUN: optim-opt %s --split-input-file --pass-pipeline="builtin.module(builtin.module(optim-cpu-pipeline{vector-width=4}))" \
// RUN:   | FileCheck %s --check-prefix=NESTED

// The pipelines reach the functions directly in the module they run on; a
// function in a nested module would come out half lowered (its tensors not
// bufferized, its masked remainder left in the vector dialect) without a
// diagnostic. Run on the nested module itself, the CPU pipeline lowers it.

// Functions directly in the module, and a nested module without functions,
// pass.
func.func @top(%p: memref<6xf32>, %t: i64, %lr: f32) {
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr : memref<6xf32>
  return
}
module @data {
}

// -----

// PIPELINE: error: function 'step' is in a nested 'builtin.module' @inner; the optim pipelines lower only the functions directly in the module they run on
// NESTED:       module @inner {
// NESTED-NOT:   tensor<
// NESTED-LABEL: llvm.func @step(
// NESTED-NOT:   vector.
// NESTED:       llvm.intr.masked.store
// NESTED-NOT:   vector.
// NESTED:       llvm.return
module {
  module @inner {
    // expected-error @below {{function 'step' is in a nested 'builtin.module' @inner; the optim pipelines lower only the functions directly in the module they run on: run the pipeline on the nested module, e.g. --pass-pipeline='builtin.module(builtin.module(optim-cpu-pipeline))'}}
    func.func @step(%p: tensor<6xf32>, %g: tensor<6xf32>, %m: tensor<6xf32>,
                    %v: tensor<6xf32>, %t: i64, %lr: f32)
        -> (tensor<6xf32>, tensor<6xf32>, tensor<6xf32>) {
      %p1, %m1, %v1 = optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
          : tensor<6xf32>
      return %p1, %m1, %v1 : tensor<6xf32>, tensor<6xf32>, tensor<6xf32>
    }
  }
}

// -----

// One error per nested module, at its first function.
// PIPELINE: error: function 'first' is in a nested 'builtin.module' @a;
// PIPELINE-NOT: function 'second'
// PIPELINE: error: function 'third' is in a nested 'builtin.module';
module @a {
  // expected-error @below {{function 'first' is in a nested 'builtin.module' @a;}}
  func.func @first(%p: memref<6xf64>, %t: i64, %lr: f64) {
    optim.adamw_step %p, %p, %p, %p, step %t, lr %lr : memref<6xf64>
    return
  }
  func.func private @second(memref<6xf64>)
}
module {
  // expected-error @below {{function 'third' is in a nested 'builtin.module';}}
  func.func private @third(memref<6xf64>)
}
