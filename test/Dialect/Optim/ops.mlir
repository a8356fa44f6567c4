// RUN: optim-opt %s | optim-opt | FileCheck %s
// RUN: optim-opt %s --mlir-print-op-generic | optim-opt | FileCheck %s

// CHECK-LABEL: func @tensor_static_f32
// CHECK-SAME: (%[[P:.+]]: tensor<1024x768xf32>, %[[G:.+]]: tensor<1024x768xf32>, %[[M:.+]]: tensor<1024x768xf32>, %[[V:.+]]: tensor<1024x768xf32>, %[[T:.+]]: i64, %[[LR:.+]]: f32)
// CHECK: %{{.+}}:3 = optim.adamw_step %[[P]], %[[G]], %[[M]], %[[V]], step %[[T]], lr %[[LR]] : tensor<1024x768xf32>
func.func @tensor_static_f32(%p: tensor<1024x768xf32>, %g: tensor<1024x768xf32>,
                             %m: tensor<1024x768xf32>, %v: tensor<1024x768xf32>,
                             %t: i64, %lr: f32)
    -> (tensor<1024x768xf32>, tensor<1024x768xf32>, tensor<1024x768xf32>) {
  %p1, %m1, %v1 = optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
      : tensor<1024x768xf32>
  return %p1, %m1, %v1
      : tensor<1024x768xf32>, tensor<1024x768xf32>, tensor<1024x768xf32>
}

// Attributes that differ from their defaults are printed.
// CHECK-LABEL: func @tensor_dynamic_f64
// CHECK: optim.adamw_step %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, step %{{.+}}, lr %{{.+}} {beta1 = 8.000000e-01 : f64, beta2 = 0.94999999999999996 : f64, eps = 9.9999999999999995E-7 : f64, weight_decay = 0.000000e+00 : f64} : tensor<?x?xf64>
func.func @tensor_dynamic_f64(%p: tensor<?x?xf64>, %g: tensor<?x?xf64>,
                              %m: tensor<?x?xf64>, %v: tensor<?x?xf64>,
                              %t: i64, %lr: f64)
    -> (tensor<?x?xf64>, tensor<?x?xf64>, tensor<?x?xf64>) {
  %p1, %m1, %v1 = optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
      {beta1 = 0.8 : f64, beta2 = 0.95 : f64, eps = 1.0e-6 : f64,
       weight_decay = 0.0 : f64} : tensor<?x?xf64>
  return %p1, %m1, %v1 : tensor<?x?xf64>, tensor<?x?xf64>, tensor<?x?xf64>
}

// Default attribute values are elided.
// CHECK-LABEL: func @tensor_rank0
// CHECK: optim.adamw_step %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, step %{{.+}}, lr %{{.+}} : tensor<f32>
func.func @tensor_rank0(%p: tensor<f32>, %g: tensor<f32>, %m: tensor<f32>,
                        %v: tensor<f32>, %t: i64, %lr: f32)
    -> (tensor<f32>, tensor<f32>, tensor<f32>) {
  %p1, %m1, %v1 = optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
      {beta1 = 0.9 : f64, weight_decay = 1.0e-2 : f64} : tensor<f32>
  return %p1, %m1, %v1 : tensor<f32>, tensor<f32>, tensor<f32>
}

// The memref form has no results.
// CHECK-LABEL: func @memref_static_f64
// CHECK: optim.adamw_step %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, step %{{.+}}, lr %{{.+}} {weight_decay = 1.000000e-01 : f64} : memref<50257x768xf64>
// CHECK-NEXT: return
func.func @memref_static_f64(%p: memref<50257x768xf64>, %g: memref<50257x768xf64>,
                             %m: memref<50257x768xf64>, %v: memref<50257x768xf64>,
                             %t: i64, %lr: f64) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr {weight_decay = 0.1 : f64}
      : memref<50257x768xf64>
  return
}

// CHECK-LABEL: func @memref_dynamic_rank0
// CHECK: optim.adamw_step {{.*}} : memref<?xf32>
// CHECK: optim.adamw_step {{.*}} : memref<f64>
func.func @memref_dynamic_rank0(%p: memref<?xf32>, %g: memref<?xf32>,
                                %m: memref<?xf32>, %v: memref<?xf32>,
                                %s: memref<f64>, %t: i64, %lr: f32, %lr64: f64) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr : memref<?xf32>
  optim.adamw_step %s, %s, %s, %s, step %t, lr %lr64 : memref<f64>
  return
}

// Types that differ (here: layouts) are all listed.
// CHECK-LABEL: func @memref_layouts
// CHECK: optim.adamw_step {{.*}} : (memref<4x8xf32, strided<[16, 1]>>, memref<4x8xf32>, memref<4x8xf32>, memref<4x8xf32>, f32)
func.func @memref_layouts(%p: memref<4x8xf32, strided<[16, 1]>>,
                          %g: memref<4x8xf32>, %m: memref<4x8xf32>,
                          %v: memref<4x8xf32>, %t: i64, %lr: f32) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
      : (memref<4x8xf32, strided<[16, 1]>>, memref<4x8xf32>, memref<4x8xf32>,
         memref<4x8xf32>, f32)
  return
}

// One type for all four states: lr has their compute type, f32 for bf16 and
// f16, and the short form is printed.
// CHECK-LABEL: func @all_bf16
// CHECK: optim.adamw_step %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, step %{{.+}}, lr %{{.+}} : memref<?xbf16>
func.func @all_bf16(%p: memref<?xbf16>, %t: i64, %lr: f32) {
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr : memref<?xbf16>
  return
}

// Each state its own element type; f64 moments make the compute type f64.
// CHECK-LABEL: func @mixed
// CHECK: optim.adamw_step %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, step %{{.+}}, lr %{{.+}} : (tensor<8xf16>, tensor<8xbf16>, tensor<8xf64>, tensor<8xf32>, f64)
func.func @mixed(%p: tensor<8xf16>, %g: tensor<8xbf16>, %m: tensor<8xf64>,
                 %v: tensor<8xf32>, %t: i64, %lr: f64)
    -> (tensor<8xf16>, tensor<8xf64>, tensor<8xf32>) {
  %p1, %m1, %v1 = optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
      : (tensor<8xf16>, tensor<8xbf16>, tensor<8xf64>, tensor<8xf32>, f64)
  return %p1, %m1, %v1 : tensor<8xf16>, tensor<8xf64>, tensor<8xf32>
}

// An f32 master with its bf16 copy, rounded stochastically: the copy is a
// fourth result of the tensor form.
// CHECK-LABEL: func @master_with_copy
// CHECK: optim.adamw_step %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, step %{{.+}}, lr %{{.+}} seed %{{.+}} copy %{{.+}} : tensor<8xbf16> rounding stochastic : tensor<8xf32>
func.func @master_with_copy(%p: tensor<8xf32>, %g: tensor<8xf32>, %m: tensor<8xf32>,
                            %v: tensor<8xf32>, %c: tensor<8xbf16>, %t: i64,
                            %lr: f32, %seed: i64)
    -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xbf16>) {
  %p1, %m1, %v1, %c1 = optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
      seed %seed copy %c : tensor<8xbf16> rounding stochastic : tensor<8xf32>
  return %p1, %m1, %v1, %c1
      : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xbf16>
}

// amsgrad: max_v is a fourth state, and a fourth result of the tensor form,
// before the copy; with L2 decay and maximize.
// CHECK-LABEL: func @amsgrad_l2_maximize
// CHECK: optim.adamw_step %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, step %{{.+}}, lr %{{.+}} max_v %{{.+}} : tensor<8xf32> copy %{{.+}} : tensor<8xbf16> decay l2 maximize {weight_decay = 1.000000e-01 : f64} : tensor<8xf32>
func.func @amsgrad_l2_maximize(%p: tensor<8xf32>, %mv: tensor<8xf32>,
                               %c: tensor<8xbf16>, %t: i64, %lr: f32)
    -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>,
        tensor<8xbf16>) {
  %p1, %m1, %v1, %mv1, %c1 = optim.adamw_step %p, %p, %p, %p, step %t, lr %lr
      max_v %mv : tensor<8xf32> copy %c : tensor<8xbf16> decay l2 maximize
      {weight_decay = 0.1 : f64} : tensor<8xf32>
  return %p1, %m1, %v1, %mv1, %c1 : tensor<8xf32>, tensor<8xf32>,
      tensor<8xf32>, tensor<8xf32>, tensor<8xbf16>
}

// An f64 max_v makes the compute type f64; the default decay, decoupled, is
// elided.
// CHECK-LABEL: func @amsgrad_f64_max_v
// CHECK: optim.adamw_step %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, step %{{.+}}, lr %{{.+}} max_v %{{.+}} : memref<?xf64> : (memref<?xf32>, memref<?xf32>, memref<?xf32>, memref<?xf32>, f64)
func.func @amsgrad_f64_max_v(%p: memref<?xf32>, %mv: memref<?xf64>, %t: i64,
                             %lr: f64) {
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr max_v %mv : memref<?xf64>
      decay decoupled
      : (memref<?xf32>, memref<?xf32>, memref<?xf32>, memref<?xf32>, f64)
  return
}

// The memref form with a copy and rounding to nearest (the default, elided).
// CHECK-LABEL: func @memref_copy
// CHECK: optim.adamw_step %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, step %{{.+}}, lr %{{.+}} copy %{{.+}} : memref<?xf16> : memref<?xf32>
func.func @memref_copy(%p: memref<?xf32>, %c: memref<?xf16>, %t: i64, %lr: f32) {
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr copy %c : memref<?xf16>
      : memref<?xf32>
  return
}

// Loss scaling: 0-d operands of the op's form, of their own element types.
// CHECK-LABEL: func @grad_scale_found_inf_tensor
// CHECK: optim.adamw_step %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, step %{{.+}}, lr %{{.+}} grad_scale %{{.+}} : tensor<f32> found_inf %{{.+}} : tensor<f64> : tensor<8xbf16>
func.func @grad_scale_found_inf_tensor(%p: tensor<8xbf16>, %s: tensor<f32>,
                                       %f: tensor<f64>, %t: i64, %lr: f32)
    -> (tensor<8xbf16>, tensor<8xbf16>, tensor<8xbf16>) {
  %p1, %m1, %v1 = optim.adamw_step %p, %p, %p, %p, step %t, lr %lr
      grad_scale %s : tensor<f32> found_inf %f : tensor<f64> : tensor<8xbf16>
  return %p1, %m1, %v1 : tensor<8xbf16>, tensor<8xbf16>, tensor<8xbf16>
}

// CHECK-LABEL: func @found_inf_memref
// CHECK: optim.adamw_step %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, step %{{.+}}, lr %{{.+}} found_inf %{{.+}} : memref<f32> : memref<?xf32>
func.func @found_inf_memref(%p: memref<?xf32>, %f: memref<f32>, %t: i64,
                            %lr: f32) {
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr found_inf %f : memref<f32>
      : memref<?xf32>
  return
}

// 8-bit moments: ui8 codes, one f32 absmax per block of the flattened tensor
// (1000 elements: three blocks of 256 and one of 232).
// CHECK-LABEL: func @quantized_memref
// CHECK: optim.adamw_step %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, step %{{.+}}, lr %{{.+}} m_absmax %{{.+}} : memref<4xf32> v_absmax %{{.+}} : memref<4xf32> : (memref<10x100xbf16>, memref<10x100xbf16>, memref<10x100xui8>, memref<10x100xui8>, f32)
func.func @quantized_memref(%p: memref<10x100xbf16>, %m: memref<10x100xui8>,
                            %v: memref<10x100xui8>, %am: memref<4xf32>,
                            %av: memref<4xf32>, %t: i64, %lr: f32) {
  optim.adamw_step %p, %p, %m, %v, step %t, lr %lr
      m_absmax %am : memref<4xf32> v_absmax %av : memref<4xf32>
      : (memref<10x100xbf16>, memref<10x100xbf16>, memref<10x100xui8>,
         memref<10x100xui8>, f32)
  return
}

// The tensor form returns the codes and absmax too; block_size is printed
// where it is not the default 256.
// CHECK-LABEL: func @quantized_tensor
// CHECK: optim.adamw_step {{.+}} m_absmax %{{.+}} : tensor<?xf32> v_absmax %{{.+}} : tensor<?xf32> {block_size = 64 : i64} : (tensor<?xf32>, tensor<?xf32>, tensor<?xui8>, tensor<?xui8>, f32)
func.func @quantized_tensor(%p: tensor<?xf32>, %m: tensor<?xui8>,
                            %v: tensor<?xui8>, %am: tensor<?xf32>,
                            %av: tensor<?xf32>, %t: i64, %lr: f32)
    -> (tensor<?xf32>, tensor<?xui8>, tensor<?xui8>, tensor<?xf32>,
        tensor<?xf32>) {
  %r:5 = optim.adamw_step %p, %p, %m, %v, step %t, lr %lr
      m_absmax %am : tensor<?xf32> v_absmax %av : tensor<?xf32>
      {block_size = 64} : (tensor<?xf32>, tensor<?xf32>, tensor<?xui8>,
                           tensor<?xui8>, f32)
  return %r#0, %r#1, %r#2, %r#3, %r#4 : tensor<?xf32>, tensor<?xui8>,
      tensor<?xui8>, tensor<?xf32>, tensor<?xf32>
}

// amsgrad with an 8-bit max_v and its absmax.
// CHECK-LABEL: func @quantized_max_v
// CHECK: optim.adamw_step {{.+}} max_v %{{.+}} : memref<600xui8> m_absmax %{{.+}} : memref<3xf32> v_absmax %{{.+}} : memref<3xf32> max_v_absmax %{{.+}} : memref<3xf32> : (memref<600xf16>
func.func @quantized_max_v(%p: memref<600xf16>, %m: memref<600xui8>,
                           %a: memref<3xf32>, %t: i64, %lr: f32) {
  optim.adamw_step %p, %p, %m, %m, step %t, lr %lr max_v %m : memref<600xui8>
      m_absmax %a : memref<3xf32> v_absmax %a : memref<3xf32>
      max_v_absmax %a : memref<3xf32>
      : (memref<600xf16>, memref<600xf16>, memref<600xui8>, memref<600xui8>, f32)
  return
}
