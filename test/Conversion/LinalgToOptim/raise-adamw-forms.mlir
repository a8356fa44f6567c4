// RUN: optim-opt %s --optim-raise-adamw --canonicalize --split-input-file | FileCheck %s

// Writings of AdamW that no frontend here emits but that are AdamW all the
// same are raised (and two that are not AdamW are not): operands commuted, the moments' coefficients on either
// side, the denominator's reciprocal multiplied in, the decay subtracted
// first; the step count an f32 tensor used as t - 1. lr 0.01, betas
// (0.85, 0.995), eps 1e-7, weight decay 0.05.

#id = affine_map<(d0) -> (d0)>
#scalar = affine_map<(d0) -> ()>

// CHECK-LABEL: func.func @reciprocal_decay_first(
// CHECK-SAME:      %[[P:[^:]+]]: tensor<8xf32>, %[[G:[^:]+]]: tensor<8xf32>, %[[M:[^:]+]]: tensor<8xf32>, %[[V:[^:]+]]: tensor<8xf32>, %[[S:[^:]+]]: tensor<f32>
// CHECK-DAG:   %[[LR:.+]] = arith.constant 0.00999999977 : f32
// CHECK:       %[[T:.+]] = arith.addi
// CHECK:       %[[R:.+]]:3 = optim.adamw_step %[[P]], %[[G]], %[[M]], %[[V]], step %[[T]], lr %[[LR]] {beta1 = 8.500000e-01 : f64, beta2 = 0.99499999999999999 : f64, eps = 9.9999999999999995E-8 : f64, weight_decay = 5.000000e-02 : f64} : tensor<8xf32>
// CHECK-NOT:   linalg.generic
// CHECK:       return %[[R]]#0, %[[R]]#1, %[[R]]#2
func.func @reciprocal_decay_first(%p: tensor<8xf32>, %g: tensor<8xf32>,
                                  %m: tensor<8xf32>, %v: tensor<8xf32>,
                                  %s: tensor<f32>)
    -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %e = tensor.empty() : tensor<8xf32>
  %m1 = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%m, %g : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%mi: f32, %gi: f32, %o: f32):
    %b1 = arith.constant 0.85 : f32
    %omb1 = arith.constant 0.15 : f32
    %x = arith.mulf %mi, %b1 : f32
    %y = arith.mulf %omb1, %gi : f32
    %r = arith.addf %y, %x : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %v1 = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%g, %v : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%gi: f32, %vi: f32, %o: f32):
    %b2 = arith.constant 0.995 : f32
    %omb2 = arith.constant 0.005 : f32
    %gg = arith.mulf %gi, %gi : f32
    %x = arith.mulf %gg, %omb2 : f32
    %y = arith.mulf %b2, %vi : f32
    %r = arith.addf %x, %y : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %p1 = linalg.generic {indexing_maps = [#id, #id, #id, #scalar, #id], iterator_types = ["parallel"]}
      ins(%p, %m1, %v1, %s : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<f32>)
      outs(%e : tensor<8xf32>) {
  ^bb0(%pi: f32, %mi: f32, %vi: f32, %si: f32, %o: f32):
    %one = arith.constant 1.0 : f32
    %b1 = arith.constant 0.85 : f32
    %b2 = arith.constant 0.995 : f32
    %lr = arith.constant 0.01 : f32
    %lrwd = arith.constant 5.0e-4 : f32
    %eps = arith.constant 1.0e-7 : f32
    %t = arith.addf %si, %one : f32
    %b1t = math.powf %b1, %t : f32
    %bc1 = arith.subf %one, %b1t : f32
    %b2t = math.powf %b2, %t : f32
    %bc2 = arith.subf %one, %b2t : f32
    %decay = arith.mulf %lrwd, %pi : f32
    %pd = arith.subf %pi, %decay : f32
    %mhat = arith.divf %mi, %bc1 : f32
    %vhat = arith.divf %vi, %bc2 : f32
    %sq = math.sqrt %vhat : f32
    %den = arith.addf %sq, %eps : f32
    %rec = arith.divf %one, %den : f32
    %u = arith.mulf %mhat, %rec : f32
    %lu = arith.mulf %lr, %u : f32
    %r = arith.subf %pd, %lu : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  return %p1, %m1, %v1 : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
}

// -----

// The same step with sqrt(v) in place of sqrt(v / (1 - beta2^t)): not AdamW.

#id = affine_map<(d0) -> (d0)>
#scalar = affine_map<(d0) -> ()>

// CHECK-LABEL: func.func @missing_second_bias_correction(
// CHECK-NOT:   optim.adamw_step
func.func @missing_second_bias_correction(%p: tensor<8xf32>, %g: tensor<8xf32>,
                                          %m: tensor<8xf32>, %v: tensor<8xf32>,
                                          %s: tensor<f32>)
    -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %e = tensor.empty() : tensor<8xf32>
  %m1 = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%m, %g : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%mi: f32, %gi: f32, %o: f32):
    %b1 = arith.constant 0.85 : f32
    %omb1 = arith.constant 0.15 : f32
    %x = arith.mulf %mi, %b1 : f32
    %y = arith.mulf %omb1, %gi : f32
    %r = arith.addf %y, %x : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %v1 = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%g, %v : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%gi: f32, %vi: f32, %o: f32):
    %b2 = arith.constant 0.995 : f32
    %omb2 = arith.constant 0.005 : f32
    %gg = arith.mulf %gi, %gi : f32
    %x = arith.mulf %gg, %omb2 : f32
    %y = arith.mulf %b2, %vi : f32
    %r = arith.addf %x, %y : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %p1 = linalg.generic {indexing_maps = [#id, #id, #id, #scalar, #id], iterator_types = ["parallel"]}
      ins(%p, %m1, %v1, %s : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<f32>)
      outs(%e : tensor<8xf32>) {
  ^bb0(%pi: f32, %mi: f32, %vi: f32, %si: f32, %o: f32):
    %one = arith.constant 1.0 : f32
    %b1 = arith.constant 0.85 : f32
    %lr = arith.constant 0.01 : f32
    %eps = arith.constant 1.0e-7 : f32
    %t = arith.addf %si, %one : f32
    %b1t = math.powf %b1, %t : f32
    %bc1 = arith.subf %one, %b1t : f32
    %mhat = arith.divf %mi, %bc1 : f32
    %sq = math.sqrt %vi : f32
    %den = arith.addf %sq, %eps : f32
    %u = arith.divf %mhat, %den : f32
    %lu = arith.mulf %lr, %u : f32
    %r = arith.subf %pi, %lu : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  return %p1, %m1, %v1 : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
}

// -----

// AdamW's update that also subtracts the raw gradient (a gradient used
// outside the moments): not AdamW.

#id = affine_map<(d0) -> (d0)>
#scalar = affine_map<(d0) -> ()>

// CHECK-LABEL: func.func @gradient_outside_the_moments(
// CHECK-NOT:   optim.adamw_step
func.func @gradient_outside_the_moments(%p: tensor<8xf32>, %g: tensor<8xf32>,
                                        %m: tensor<8xf32>, %v: tensor<8xf32>,
                                        %s: tensor<f32>)
    -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %e = tensor.empty() : tensor<8xf32>
  %m1 = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%m, %g : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%mi: f32, %gi: f32, %o: f32):
    %b1 = arith.constant 0.85 : f32
    %omb1 = arith.constant 0.15 : f32
    %x = arith.mulf %mi, %b1 : f32
    %y = arith.mulf %omb1, %gi : f32
    %r = arith.addf %y, %x : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %v1 = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%g, %v : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%gi: f32, %vi: f32, %o: f32):
    %b2 = arith.constant 0.995 : f32
    %omb2 = arith.constant 0.005 : f32
    %gg = arith.mulf %gi, %gi : f32
    %x = arith.mulf %gg, %omb2 : f32
    %y = arith.mulf %b2, %vi : f32
    %r = arith.addf %x, %y : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %p1 = linalg.generic {indexing_maps = [#id, #id, #id, #id, #scalar, #id], iterator_types = ["parallel"]}
      ins(%p, %m1, %v1, %g, %s : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<f32>)
      outs(%e : tensor<8xf32>) {
  ^bb0(%pi: f32, %mi: f32, %vi: f32, %gi: f32, %si: f32, %o: f32):
    %one = arith.constant 1.0 : f32
    %b1 = arith.constant 0.85 : f32
    %b2 = arith.constant 0.995 : f32
    %lr = arith.constant 0.01 : f32
    %eps = arith.constant 1.0e-7 : f32
    %t = arith.addf %si, %one : f32
    %b1t = math.powf %b1, %t : f32
    %bc1 = arith.subf %one, %b1t : f32
    %b2t = math.powf %b2, %t : f32
    %bc2 = arith.subf %one, %b2t : f32
    %mhat = arith.divf %mi, %bc1 : f32
    %vhat = arith.divf %vi, %bc2 : f32
    %sq = math.sqrt %vhat : f32
    %den = arith.addf %sq, %eps : f32
    %u = arith.divf %mhat, %den : f32
    %lu = arith.mulf %lr, %u : f32
    %lg = arith.mulf %lr, %gi : f32
    %q = arith.subf %pi, %lu : f32
    %r = arith.subf %q, %lg : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  return %p1, %m1, %v1 : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
}
