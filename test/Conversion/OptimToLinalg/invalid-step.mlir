// RUN: optim-opt %s --convert-optim-to-linalg -split-input-file -verify-diagnostics
// RUN: optim-opt %s --canonicalize -split-input-file | FileCheck %s

// A constant step below 1 is valid IR (the verifier does not look at the
// producers of operands, which folding changes), but there is no such step
// to lower: the lowering names it.

func.func @step_zero(%p: memref<4xf32>, %lr: f32) {
  %t = arith.constant 0 : i64
  // expected-error@+1 {{operand 'step' is the constant 0; steps are 1-indexed (expected >= 1)}}
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr : memref<4xf32>
  return
}

// -----

func.func @step_negative(%p: memref<4xf32>, %lr: f32) {
  %t = arith.constant -3 : i64
  // expected-error@+1 {{operand 'step' is the constant -3}}
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr : memref<4xf32>
  return
}

// -----

// Folding may turn a runtime step into the constant 0: the IR stays valid.
// CHECK-LABEL: func.func @folds_to_zero(
// CHECK:         %[[ZERO:.+]] = arith.constant 0 : i64
// CHECK:         optim.adamw_step %{{.+}}, step %[[ZERO]],
func.func @folds_to_zero(%p: memref<4xf32>, %lr: f32, %x: i64) {
  %c0 = arith.constant 0 : i64
  %t = arith.muli %x, %c0 : i64
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr : memref<4xf32>
  return
}
