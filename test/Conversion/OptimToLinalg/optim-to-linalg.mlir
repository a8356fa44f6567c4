// RUN: optim-opt %s --convert-optim-to-linalg --split-input-file | FileCheck %s

// The step scalars are computed once, in f64, before the one generic; the
// body reads g, p, m, v once, writes p, m, v once, and has one division and
// one square root.

// CHECK-LABEL: func @tensor_f32
// CHECK-SAME: (%[[P:.+]]: tensor<4x5xf32>, %[[G:.+]]: tensor<4x5xf32>, %[[M:.+]]: tensor<4x5xf32>, %[[V:.+]]: tensor<4x5xf32>, %[[T:.+]]: i64, %[[LR:.+]]: f32)
// CHECK-DAG:   %[[ONE:.+]] = arith.constant 1.000000e+00 : f64
// CHECK-DAG:   %[[B1:.+]] = arith.constant 0.899999976 : f32
// CHECK-DAG:   %[[OMB1:.+]] = arith.constant 1.000000e-01 : f32
// CHECK-DAG:   %[[B2:.+]] = arith.constant 9.990000e-01 : f32
// CHECK-DAG:   %[[OMB2:.+]] = arith.constant 1.000000e-03 : f32
// CHECK-DAG:   %[[EPS:.+]] = arith.constant 9.99999993E-9 : f32
// CHECK-DAG:   %[[B1F64:.+]] = arith.constant 9.000000e-01 : f64
// CHECK-DAG:   %[[TF:.+]] = arith.sitofp %[[T]] : i64 to f64
// CHECK-DAG:   %[[LR64:.+]] = arith.extf %[[LR]] : f32 to f64
// CHECK:       %[[POW1:.+]] = math.powf %[[B1F64]], %[[TF]] : f64
// CHECK:       %[[BC1:.+]] = arith.subf %[[ONE]], %[[POW1]] : f64
// CHECK:       %[[SS64:.+]] = arith.divf %[[LR64]], %[[BC1]] : f64
// CHECK:       %[[SS:.+]] = arith.truncf %[[SS64]] : f64 to f32
// CHECK-DAG:   %[[B2F64:.+]] = arith.constant 0.99899999999999999 : f64
// CHECK:       %[[POW2:.+]] = math.powf %[[B2F64]], %[[TF]] : f64
// CHECK:       %[[BC2:.+]] = arith.subf %[[ONE]], %[[POW2]] : f64
// CHECK:       %[[SQ:.+]] = math.sqrt %[[BC2]] : f64
// CHECK:       %[[ISQ64:.+]] = arith.divf %[[ONE]], %[[SQ]] : f64
// CHECK:       %[[ISQ:.+]] = arith.truncf %[[ISQ64]] : f64 to f32
// CHECK-DAG:   %[[WD:.+]] = arith.constant 1.000000e-01 : f64
// CHECK:       %[[LRWD:.+]] = arith.mulf %[[LR64]], %[[WD]] : f64
// CHECK:       %[[DEC64:.+]] = arith.subf %[[ONE]], %[[LRWD]] : f64
// CHECK:       %[[DEC:.+]] = arith.truncf %[[DEC64]] : f64 to f32
// CHECK:       %[[R:.+]]:3 = linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel"]
// CHECK-SAME:      ins(%[[G]] : tensor<4x5xf32>) outs(%[[P]], %[[M]], %[[V]] : tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>)
// CHECK-NEXT:  ^bb0(%[[GI:.+]]: f32, %[[PI:.+]]: f32, %[[MI:.+]]: f32, %[[VI:.+]]: f32):
// CHECK-NEXT:    %[[M1A:.+]] = arith.mulf %[[B1]], %[[MI]] fastmath<contract> : f32
// CHECK-NEXT:    %[[M1B:.+]] = arith.mulf %[[OMB1]], %[[GI]] fastmath<contract> : f32
// CHECK-NEXT:    %[[M1:.+]] = arith.addf %[[M1A]], %[[M1B]] fastmath<contract> : f32
// CHECK-NEXT:    %[[V1A:.+]] = arith.mulf %[[B2]], %[[VI]] fastmath<contract> : f32
// CHECK-NEXT:    %[[OMB2G:.+]] = arith.mulf %[[OMB2]], %[[GI]] fastmath<contract> : f32
// CHECK-NEXT:    %[[V1B:.+]] = arith.mulf %[[OMB2G]], %[[GI]] fastmath<contract> : f32
// CHECK-NEXT:    %[[V1:.+]] = arith.addf %[[V1A]], %[[V1B]] fastmath<contract> : f32
// CHECK-NEXT:    %[[SQV:.+]] = math.sqrt %[[V1]] : f32
// CHECK-NEXT:    %[[DA:.+]] = arith.mulf %[[SQV]], %[[ISQ]] fastmath<contract> : f32
// CHECK-NEXT:    %[[DEN:.+]] = arith.addf %[[DA]], %[[EPS]] fastmath<contract> : f32
// CHECK-NEXT:    %[[RATIO:.+]] = arith.divf %[[M1]], %[[DEN]] fastmath<contract> : f32
// CHECK-NEXT:    %[[PD:.+]] = arith.mulf %[[PI]], %[[DEC]] fastmath<contract> : f32
// CHECK-NEXT:    %[[UPD:.+]] = arith.mulf %[[SS]], %[[RATIO]] fastmath<contract> : f32
// CHECK-NEXT:    %[[P1:.+]] = arith.subf %[[PD]], %[[UPD]] fastmath<contract> : f32
// CHECK-NEXT:    linalg.yield %[[P1]], %[[M1]], %[[V1]] : f32, f32, f32
// CHECK-NEXT:  } -> (tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>)
// CHECK-NOT:   linalg.generic
// CHECK:       return %[[R]]#0, %[[R]]#1, %[[R]]#2
func.func @tensor_f32(%p: tensor<4x5xf32>, %g: tensor<4x5xf32>,
                      %m: tensor<4x5xf32>, %v: tensor<4x5xf32>, %t: i64,
                      %lr: f32)
    -> (tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>) {
  %p1, %m1, %v1 = optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
      {weight_decay = 0.1 : f64} : tensor<4x5xf32>
  return %p1, %m1, %v1 : tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>
}

// -----

// The memref form updates its operands in place; with weight_decay = 0 the
// body has no decay multiplication (plain Adam).

// CHECK-LABEL: func @memref_f64_adam
// CHECK-SAME: (%[[P:.+]]: memref<?xf64>, %[[G:.+]]: memref<?xf64>, %[[M:.+]]: memref<?xf64>, %[[V:.+]]: memref<?xf64>, %{{.+}}: i64, %[[LR:.+]]: f64)
// CHECK-NOT:   arith.extf
// CHECK:       %[[SS:.+]] = arith.divf %[[LR]], %{{.+}} : f64
// CHECK:       linalg.generic
// CHECK-SAME:      ins(%[[G]] : memref<?xf64>) outs(%[[P]], %[[M]], %[[V]] : memref<?xf64>, memref<?xf64>, memref<?xf64>)
// CHECK-NEXT:  ^bb0(%{{.+}}: f64, %[[PI:.+]]: f64, %{{.+}}: f64, %{{.+}}: f64):
// CHECK-COUNT-7: arith.{{mulf|addf}}
// CHECK-NEXT:    math.sqrt
// CHECK-NEXT:    arith.mulf
// CHECK-NEXT:    arith.addf
// CHECK-NEXT:    %[[RATIO:.+]] = arith.divf
// CHECK-NEXT:    %[[UPD:.+]] = arith.mulf %[[SS]], %[[RATIO]] fastmath<contract> : f64
// CHECK-NEXT:    %[[P1:.+]] = arith.subf %[[PI]], %[[UPD]] fastmath<contract> : f64
// CHECK-NEXT:    linalg.yield %[[P1]]
// CHECK:       return
func.func @memref_f64_adam(%p: memref<?xf64>, %g: memref<?xf64>,
                           %m: memref<?xf64>, %v: memref<?xf64>, %t: i64,
                           %lr: f64) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr {weight_decay = 0.0 : f64}
      : memref<?xf64>
  return
}

// -----

// A rank-0 state gives a generic without loops.

// CHECK-LABEL: func @rank0
// CHECK:       linalg.generic {indexing_maps = [#{{.+}}, #{{.+}}, #{{.+}}, #{{.+}}], iterator_types = []}
// CHECK-SAME:      ins(%{{.+}} : tensor<f32>)
func.func @rank0(%p: tensor<f32>, %g: tensor<f32>, %m: tensor<f32>,
                 %v: tensor<f32>, %t: i64, %lr: f32)
    -> (tensor<f32>, tensor<f32>, tensor<f32>) {
  %p1, %m1, %v1 = optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
      : tensor<f32>
  return %p1, %m1, %v1 : tensor<f32>, tensor<f32>, tensor<f32>
}

// -----

// Each op of a function gets its own generic.

// CHECK-LABEL: func @two_ops
// CHECK-COUNT-2: linalg.generic
// CHECK-NOT:   optim.adamw_step
func.func @two_ops(%a: memref<8xf32>, %b: memref<3x3xf32>, %t: i64, %lr: f32) {
  optim.adamw_step %a, %a, %a, %a, step %t, lr %lr : memref<8xf32>
  optim.adamw_step %b, %b, %b, %b, step %t, lr %lr : memref<3x3xf32>
  return
}

// -----

// Each operand its own element type: the body widens what it reads to the
// compute type (f32) and rounds what it writes to each state's type. The
// scalars are of the compute type.
// CHECK-LABEL: func.func @mixed_bf16_weights_f32_moments(
// CHECK:       %[[SS:.+]] = arith.truncf %{{.+}} : f64 to f32
// CHECK:       linalg.generic
// CHECK-SAME:      ins(%{{.+}} : memref<?xbf16>) outs(%{{.+}}, %{{.+}}, %{{.+}} : memref<?xbf16>, memref<?xf32>, memref<?xf32>)
// CHECK-NEXT:  ^bb0(%[[GI:.+]]: bf16, %[[PI:.+]]: bf16, %[[MI:.+]]: f32, %[[VI:.+]]: f32):
// CHECK-NEXT:    %[[G:.+]] = arith.extf %[[GI]] : bf16 to f32
// CHECK-NEXT:    %[[P:.+]] = arith.extf %[[PI]] : bf16 to f32
// CHECK-NOT:     arith.extf
// CHECK:         %[[P1:.+]] = arith.subf %{{.+}}, %{{.+}} fastmath<contract> : f32
// CHECK-NEXT:    %[[P1R:.+]] = arith.truncf %[[P1]] : f32 to bf16
// CHECK-NEXT:    linalg.yield %[[P1R]], %{{.+}}, %{{.+}} : bf16, f32, f32
func.func @mixed_bf16_weights_f32_moments(%p: memref<?xbf16>, %g: memref<?xbf16>,
                                          %m: memref<?xf32>, %v: memref<?xf32>,
                                          %t: i64, %lr: f32) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
      : (memref<?xbf16>, memref<?xbf16>, memref<?xf32>, memref<?xf32>, f32)
  return
}

// -----

// torch's options: maximize negates the gradient, L2 decay adds wd * p to it
// (and p is not decayed), and amsgrad's max_v, a fourth output, takes the
// maximum with the new v, which the denominator uses.
// CHECK-LABEL: func.func @amsgrad_l2_maximize(
// CHECK-SAME:      %[[P:[^:]+]]: memref<?xf32>, %[[G:[^:]+]]: memref<?xf32>, %[[M:[^:]+]]: memref<?xf32>, %[[V:[^:]+]]: memref<?xf32>, %[[MV:[^:]+]]: memref<?xf32>
// CHECK:       %[[WD:.+]] = arith.constant 2.500000e-01 : f32
// CHECK:       linalg.generic
// CHECK-SAME:      ins(%[[G]] : memref<?xf32>) outs(%[[P]], %[[M]], %[[V]], %[[MV]] : memref<?xf32>, memref<?xf32>, memref<?xf32>, memref<?xf32>)
// CHECK-NEXT:  ^bb0(%[[GI:.+]]: f32, %[[PI:.+]]: f32, %{{.+}}: f32, %{{.+}}: f32, %[[MVI:.+]]: f32):
// CHECK-NEXT:    %[[NEG:.+]] = arith.negf %[[GI]] fastmath<contract> : f32
// CHECK-NEXT:    %[[WDP:.+]] = arith.mulf %[[WD]], %[[PI]] fastmath<contract> : f32
// CHECK-NEXT:    %[[GL2:.+]] = arith.addf %[[NEG]], %[[WDP]] fastmath<contract> : f32
// CHECK:         %[[MAX:.+]] = arith.maximumf %[[MVI]], %[[VNEW:.+]] : f32
// CHECK-NEXT:    math.sqrt %[[MAX]] : f32
// CHECK:         %[[P1:.+]] = arith.subf %[[PI]], %{{.+}} fastmath<contract> : f32
// CHECK-NEXT:    linalg.yield %[[P1]], %{{.+}}, %[[VNEW]], %[[MAX]] : f32, f32, f32, f32
func.func @amsgrad_l2_maximize(%p: memref<?xf32>, %g: memref<?xf32>,
                               %m: memref<?xf32>, %v: memref<?xf32>,
                               %mv: memref<?xf32>, %t: i64, %lr: f32) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr max_v %mv : memref<?xf32>
      decay l2 maximize {weight_decay = 0.25 : f64} : memref<?xf32>
  return
}

// -----

// Loss scaling: every element reads the 0-d grad scale and found-inf flag
// (maps without results); the gradient is divided first, and a nonzero (or
// NaN) flag selects the old value of every state.
// CHECK-DAG:   #[[$ID:.+]] = affine_map<(d0) -> (d0)>
// CHECK-DAG:   #[[$SCALAR:.+]] = affine_map<(d0) -> ()>
// CHECK-LABEL: func.func @grad_scale_found_inf(
// CHECK-SAME:      %[[P:[^:]+]]: memref<?xf32>, %[[G:[^:]+]]: memref<?xf32>, %[[M:[^:]+]]: memref<?xf32>, %[[V:[^:]+]]: memref<?xf32>, %{{[^:]+}}: i64, %{{[^:]+}}: f32, %[[S:[^:]+]]: memref<bf16>, %[[F:[^:]+]]: memref<f32>
// CHECK:       linalg.generic {indexing_maps = [#[[$ID]], #[[$SCALAR]], #[[$SCALAR]], #[[$ID]], #[[$ID]], #[[$ID]]]
// CHECK-SAME:      ins(%[[G]], %[[S]], %[[F]] : memref<?xf32>, memref<bf16>, memref<f32>) outs(%[[P]], %[[M]], %[[V]] : memref<?xf32>, memref<?xf32>, memref<?xf32>)
// CHECK-NEXT:  ^bb0(%[[GI:.+]]: f32, %[[SI:.+]]: bf16, %[[FI:.+]]: f32, %[[PI:.+]]: f32, %[[MI:.+]]: f32, %[[VI:.+]]: f32):
// CHECK-NEXT:    %[[SF:.+]] = arith.extf %[[SI]] : bf16 to f32
// CHECK-NEXT:    %[[GU:.+]] = arith.divf %[[GI]], %[[SF]] fastmath<contract> : f32
// CHECK:         %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:    %[[SKIP:.+]] = arith.cmpf une, %[[FI]], %[[ZERO]] : f32
// CHECK-NEXT:    %[[P1:.+]] = arith.select %[[SKIP]], %[[PI]], %{{.+}} : f32
// CHECK-NEXT:    %[[M1:.+]] = arith.select %[[SKIP]], %[[MI]], %{{.+}} : f32
// CHECK-NEXT:    %[[V1:.+]] = arith.select %[[SKIP]], %[[VI]], %{{.+}} : f32
// CHECK-NEXT:    linalg.yield %[[P1]], %[[M1]], %[[V1]] : f32, f32, f32
func.func @grad_scale_found_inf(%p: memref<?xf32>, %g: memref<?xf32>,
                                %m: memref<?xf32>, %v: memref<?xf32>, %t: i64,
                                %lr: f32, %s: memref<bf16>, %f: memref<f32>) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
      grad_scale %s : memref<bf16> found_inf %f : memref<f32> : memref<?xf32>
  return
}
