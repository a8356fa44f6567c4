// RUN: optim-opt %s -split-input-file -verify-diagnostics

func.func @non_float(%p: tensor<4xi32>, %t: i64, %lr: i32) {
  // expected-error@+1 {{'optim.adamw_step' op operand 'param' has element type 'i32'; expected f64, f32, bf16 or f16}}
  %p1, %m1, %v1 = optim.adamw_step %p, %p, %p, %p, step %t, lr %lr : tensor<4xi32>
  return
}

// -----

func.func @f80(%p: memref<4xf32>, %v: memref<4xf80>, %t: i64, %lr: f32) {
  // expected-error@+1 {{operand 'v' has element type 'f80'; expected f64, f32, bf16 or f16}}
  optim.adamw_step %p, %p, %p, %v, step %t, lr %lr
      : (memref<4xf32>, memref<4xf32>, memref<4xf32>, memref<4xf80>, f32)
  return
}

// -----

func.func @mixed_forms(%p: tensor<4xf32>, %g: memref<4xf32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{operand 'grad' is a memref but 'param' is a tensor; all state operands must be tensors or all memrefs}}
  %p1, %m1, %v1 = optim.adamw_step %p, %g, %p, %p, step %t, lr %lr
      : (tensor<4xf32>, memref<4xf32>, tensor<4xf32>, tensor<4xf32>, f32)
  return
}

// -----

func.func @mixed_forms_state(%p: tensor<4xf32>, %m: memref<4xf32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{operand 'm' is a memref but 'param' is a tensor}}
  %p1, %m1, %v1 = optim.adamw_step %p, %p, %m, %p, step %t, lr %lr
      : (tensor<4xf32>, tensor<4xf32>, memref<4xf32>, tensor<4xf32>, f32)
  return
}

// -----

func.func @state_shape_tensor(%p: tensor<4xf32>, %v: tensor<8xf32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{operand 'v' has shape 8 but 'param' has shape 4}}
  %p1, %m1, %v1 = optim.adamw_step %p, %p, %p, %v, step %t, lr %lr
      : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<8xf32>, f32)
  return
}

// -----

func.func @mixed_forms_memref(%p: memref<4xf32>, %v: tensor<4xf32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{operand 'v' is a tensor but 'param' is a memref}}
  optim.adamw_step %p, %p, %p, %v, step %t, lr %lr
      : (memref<4xf32>, memref<4xf32>, memref<4xf32>, tensor<4xf32>, f32)
  return
}

// -----

func.func @lr_not_compute_type(%p: memref<4xf32>, %m: memref<4xf64>, %t: i64, %lr: f32) {
  // expected-error@+1 {{operand 'lr' has type 'f32'; expected the compute type 'f64' (f64 when param, m, v or max_v is f64, else f32)}}
  optim.adamw_step %p, %p, %m, %p, step %t, lr %lr
      : (memref<4xf32>, memref<4xf32>, memref<4xf64>, memref<4xf32>, f32)
  return
}

// -----

func.func @lr_bf16(%p: memref<4xbf16>, %t: i64, %lr: bf16) {
  // expected-error@+1 {{operand 'lr' has type 'bf16'; expected the compute type 'f32' (f64 when param, m, v or max_v is f64, else f32)}}
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr
      : (memref<4xbf16>, memref<4xbf16>, memref<4xbf16>, memref<4xbf16>, bf16)
  return
}

// -----

func.func @shape_mismatch(%p: tensor<4x4xf32>, %g: tensor<4x8xf32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{operand 'grad' has shape 4x8 but 'param' has shape 4x4}}
  %p1, %m1, %v1 = optim.adamw_step %p, %g, %p, %p, step %t, lr %lr
      : (tensor<4x4xf32>, tensor<4x8xf32>, tensor<4x4xf32>, tensor<4x4xf32>, f32)
  return
}

// -----

func.func @rank_mismatch(%p: memref<4xf32>, %v: memref<f32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{operand 'v' has shape () but 'param' has shape 4}}
  optim.adamw_step %p, %p, %p, %v, step %t, lr %lr
      : (memref<4xf32>, memref<4xf32>, memref<4xf32>, memref<f32>, f32)
  return
}

// -----

func.func @static_vs_dynamic(%p: tensor<?xf32>, %m: tensor<4xf32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{operand 'm' has shape 4 but 'param' has shape ?}}
  %p1, %m1, %v1 = optim.adamw_step %p, %p, %m, %p, step %t, lr %lr
      : (tensor<?xf32>, tensor<?xf32>, tensor<4xf32>, tensor<?xf32>, f32)
  return
}

// -----

func.func @lr_type(%p: memref<4xf32>, %t: i64, %lr: f64) {
  // expected-error@+1 {{operand 'lr' has type 'f64'; expected the compute type 'f32' (f64 when param, m, v or max_v is f64, else f32)}}
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr
      : (memref<4xf32>, memref<4xf32>, memref<4xf32>, memref<4xf32>, f64)
  return
}

// -----

func.func @step_type(%p: memref<4xf32>, %t: i32, %lr: f32) {
  // expected-error@+1 {{operand 'step' has type 'i32'; expected i64}}
  "optim.adamw_step"(%p, %p, %p, %p, %t, %lr) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0>}>
      : (memref<4xf32>, memref<4xf32>, memref<4xf32>, memref<4xf32>, i32, f32) -> ()
  return
}

// -----

func.func @beta1_one(%p: memref<4xf32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{attribute 'beta1' is 1; expected a value in [0, 1)}}
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr {beta1 = 1.0 : f64} : memref<4xf32>
  return
}

// -----

func.func @beta1_negative(%p: memref<4xf32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{attribute 'beta1' is -0.5; expected a value in [0, 1)}}
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr {beta1 = -0.5 : f64} : memref<4xf32>
  return
}

// -----

func.func @beta2_above_one(%p: memref<4xf32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{attribute 'beta2' is 1.5; expected a value in [0, 1)}}
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr {beta2 = 1.5 : f64} : memref<4xf32>
  return
}

// -----

func.func @beta2_nan(%p: memref<4xf32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{attribute 'beta2' is nan; expected a value in [0, 1)}}
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr {beta2 = 0x7FF8000000000000 : f64} : memref<4xf32>
  return
}

// -----

func.func @eps_negative(%p: memref<4xf32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{attribute 'eps' is -1e-08; expected a finite, non-negative value}}
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr {eps = -1.0e-8 : f64} : memref<4xf32>
  return
}

// -----

func.func @weight_decay_negative(%p: memref<4xf32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{attribute 'weight_decay' is -0.01; expected a finite, non-negative value}}
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr {weight_decay = -0.01 : f64} : memref<4xf32>
  return
}

// -----

func.func @eps_beyond_f32(%p: memref<4xf32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{attribute 'eps' is 1e+39, which 'f32' cannot hold; expected at most the largest 'f32'}}
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr {eps = 1.0e+39 : f64} : memref<4xf32>
  return
}

// -----

func.func @weight_decay_beyond_f32(%p: memref<4xf32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{attribute 'weight_decay' is 3.5e+38, which 'f32' cannot hold; expected at most the largest 'f32'}}
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr {weight_decay = 3.5e+38 : f64} : memref<4xf32>
  return
}

// -----

func.func @weight_decay_infinite(%p: memref<4xf32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{attribute 'weight_decay' is inf; expected a finite, non-negative value}}
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr {weight_decay = 0x7FF0000000000000 : f64} : memref<4xf32>
  return
}

// -----

func.func @scalar_state(%p: memref<4xf32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{operand 'grad' has type 'f32'; expected a ranked tensor or a strided memref}}
  "optim.adamw_step"(%p, %lr, %p, %p, %t, %lr) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0>}>
      : (memref<4xf32>, f32, memref<4xf32>, memref<4xf32>, i64, f32) -> ()
  return
}

// -----

func.func @unranked(%p: memref<*xf32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{operand 'param' has type 'memref<*xf32>'; expected a ranked tensor or a strided memref}}
  "optim.adamw_step"(%p, %p, %p, %p, %t, %lr) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0>}>
      : (memref<*xf32>, memref<*xf32>, memref<*xf32>, memref<*xf32>, i64, f32) -> ()
  return
}

// -----

func.func @memref_with_results(%p: memref<4xf32>, %t: i64, %lr: f32) {
  // expected-error@+2 {{'optim.adamw_step' op inferred type(s)  are incompatible with return type(s) of operation 'tensor<4xf32>', 'tensor<4xf32>', 'tensor<4xf32>'}}
  // expected-error@+1 {{failed to infer returned types}}
  %a, %b, %c = "optim.adamw_step"(%p, %p, %p, %p, %t, %lr) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0>}>
      : (memref<4xf32>, memref<4xf32>, memref<4xf32>, memref<4xf32>, i64, f32)
      -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
  return
}

// -----

func.func @tensor_without_results(%p: tensor<4xf32>, %t: i64, %lr: f32) {
  // expected-error@+2 {{'optim.adamw_step' op inferred type(s) 'tensor<4xf32>', 'tensor<4xf32>', 'tensor<4xf32>' are incompatible with return type(s) of operation}}
  // expected-error@+1 {{failed to infer returned types}}
  "optim.adamw_step"(%p, %p, %p, %p, %t, %lr) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0>}>
      : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, i64, f32) -> ()
  return
}

// -----

func.func @encoding(%p: tensor<4xf32>, %m: tensor<4xf32, "sparse">, %t: i64, %lr: f32) {
  // expected-error@+1 {{operand 'm' has the tensor encoding "sparse"; expected a tensor without encoding}}
  %a, %b, %c = optim.adamw_step %p, %p, %m, %p, step %t, lr %lr
      : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32, "sparse">, tensor<4xf32>, f32)
  return
}

// -----

func.func @memory_space(%p: memref<16xf32, "foo">, %t: i64, %lr: f32) {
  // expected-error@+1 {{operand 'param' is in memory space "foo"; expected a memref in the default memory space}}
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr : memref<16xf32, "foo">
  return
}

// -----

func.func @gpu_memory_space(%p: memref<16xf32>, %g: memref<16xf32, #gpu.address_space<global>>,
                            %t: i64, %lr: f32) {
  // expected-error@+1 {{operand 'grad' is in memory space #gpu.address_space<global>; expected a memref in the default memory space}}
  optim.adamw_step %p, %g, %p, %p, step %t, lr %lr
      : (memref<16xf32>, memref<16xf32, #gpu.address_space<global>>, memref<16xf32>, memref<16xf32>, f32)
  return
}

// -----

func.func @too_many_elements(%p: memref<4294967296x?x4294967296xf32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{operand 'param' has shape 4294967296x?x4294967296, more elements than 2^63 - 1; expected fewer}}
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr : memref<4294967296x?x4294967296xf32>
  return
}

// -----

func.func @copy_not_low_precision(%p: memref<4xf32>, %c: memref<4xf32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{operand 'param_copy' has element type 'f32'; expected bf16 or f16 (a low-precision copy of param)}}
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr copy %c : memref<4xf32> : memref<4xf32>
  return
}

// -----

func.func @copy_shape(%p: memref<4xf32>, %c: memref<5xbf16>, %t: i64, %lr: f32) {
  // expected-error@+1 {{operand 'param_copy' has shape 5 but 'param' has shape 4}}
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr copy %c : memref<5xbf16> : memref<4xf32>
  return
}

// -----

func.func @max_v_shape(%p: memref<4xf32>, %mv: memref<5xf32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{operand 'max_v' has shape 5 but 'param' has shape 4}}
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr max_v %mv : memref<5xf32> : memref<4xf32>
  return
}

// -----

func.func @max_v_element_type(%p: memref<4xf32>, %mv: memref<4xi32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{operand 'max_v' has element type 'i32'; expected f64, f32, bf16 or f16}}
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr max_v %mv : memref<4xi32> : memref<4xf32>
  return
}

// -----

func.func @max_v_tensor(%p: memref<4xf32>, %mv: tensor<4xf32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{operand 'max_v' is a tensor but 'param' is a memref; all state operands must be tensors or all memrefs}}
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr max_v %mv : tensor<4xf32> : memref<4xf32>
  return
}

// -----

func.func @max_v_f64_lr(%p: memref<4xf32>, %mv: memref<4xf64>, %t: i64, %lr: f32) {
  // expected-error@+1 {{operand 'lr' has type 'f32'; expected the compute type 'f64' (f64 when param, m, v or max_v is f64, else f32)}}
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr max_v %mv : memref<4xf64> : memref<4xf32>
  return
}

// -----

func.func @decay_unknown(%p: memref<4xf32>, %t: i64, %lr: f32) {
  // expected-error@+2 {{expected ::mlir::optim::WeightDecay to be one of: decoupled, l2}}
  // expected-error@+1 {{failed to parse Optim_WeightDecayAttr parameter 'value'}}
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr decay l1 : memref<4xf32>
  return
}

// -----

func.func @stochastic_without_seed(%p: memref<4xbf16>, %t: i64, %lr: f32) {
  // expected-error@+1 {{rounding is stochastic but operand 'seed' is missing}}
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr rounding stochastic : memref<4xbf16>
  return
}

// -----

func.func @seed_without_stochastic(%p: memref<4xbf16>, %t: i64, %lr: f32, %s: i64) {
  // expected-error@+1 {{operand 'seed' is given but rounding is nearest; a seed drives only stochastic rounding}}
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr seed %s : memref<4xbf16>
  return
}

// -----

func.func @stochastic_nothing_to_round(%p: memref<4xf32>, %t: i64, %lr: f32, %s: i64) {
  // expected-error@+1 {{rounding is stochastic but neither 'param' nor 'param_copy' is bf16 or f16; there is nothing to round stochastically}}
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr seed %s rounding stochastic : memref<4xf32>
  return
}

// -----

func.func @grad_scale_not_0d(%p: memref<4xf32>, %s: memref<1xf32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{operand 'grad_scale' has type 'memref<1xf32>'; expected a 0-d memref, as 'param' is a memref}}
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr grad_scale %s : memref<1xf32> : memref<4xf32>
  return
}

// -----

func.func @found_inf_memref_with_tensors(%p: tensor<4xf32>, %f: memref<f32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{operand 'found_inf' has type 'memref<f32>'; expected a 0-d tensor, as 'param' is a tensor}}
  %0:3 = optim.adamw_step %p, %p, %p, %p, step %t, lr %lr found_inf %f : memref<f32> : tensor<4xf32>
  return
}

// -----

func.func @found_inf_element_type(%p: memref<4xf32>, %f: memref<i32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{operand 'found_inf' has element type 'i32'; expected f64, f32, bf16 or f16}}
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr found_inf %f : memref<i32> : memref<4xf32>
  return
}

// -----

func.func @grad_scale_memory_space(%p: memref<4xf32>, %s: memref<f32, 1>, %t: i64, %lr: f32) {
  // expected-error@+1 {{operand 'grad_scale' has type 'memref<f32, 1>'; expected no memory space and no encoding}}
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr grad_scale %s : memref<f32, 1> : memref<4xf32>
  return
}

// -----

func.func @codes_without_absmax(%p: memref<512xf32>, %m: memref<512xui8>, %a: memref<2xf32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{operand 'v' holds 8-bit codes (ui8) but operand 'v_absmax' is missing}}
  optim.adamw_step %p, %p, %m, %m, step %t, lr %lr m_absmax %a : memref<2xf32> : (memref<512xf32>, memref<512xf32>, memref<512xui8>, memref<512xui8>, f32)
  return
}

// -----

func.func @absmax_without_codes(%p: memref<512xf32>, %a: memref<2xf32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{operand 'm_absmax' is given but 'm' is not 8-bit codes (ui8); an absmax scales codes}}
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr m_absmax %a : memref<2xf32> : memref<512xf32>
  return
}

// -----

func.func @one_moment_8bit(%p: memref<512xf32>, %m: memref<512xui8>, %a: memref<2xf32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{operand 'v' is a float state but 'm' holds 8-bit codes; expected both moments 8-bit or neither}}
  optim.adamw_step %p, %p, %m, %p, step %t, lr %lr m_absmax %a : memref<2xf32> : (memref<512xf32>, memref<512xf32>, memref<512xui8>, memref<512xf32>, f32)
  return
}

// -----

func.func @param_codes(%p: memref<512xui8>, %a: memref<2xf32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{operand 'param' has element type 'ui8'; expected f64, f32, bf16 or f16}}
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr m_absmax %a : memref<2xf32> v_absmax %a : memref<2xf32> : (memref<512xui8>, memref<512xui8>, memref<512xui8>, memref<512xui8>, f32)
  return
}

// -----

func.func @block_size(%p: memref<512xf32>, %m: memref<512xui8>, %a: memref<2xf32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{attribute 'block_size' is 100; expected a multiple of 16 from 16 to 4096}}
  optim.adamw_step %p, %p, %m, %m, step %t, lr %lr m_absmax %a : memref<2xf32> v_absmax %a : memref<2xf32> {block_size = 100} : (memref<512xf32>, memref<512xf32>, memref<512xui8>, memref<512xui8>, f32)
  return
}

// -----

func.func @absmax_blocks(%p: memref<513xf32>, %m: memref<513xui8>, %a: memref<2xf32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{operand 'm_absmax' has 2 elements but 'param' has 513 in 3 blocks of 256}}
  optim.adamw_step %p, %p, %m, %m, step %t, lr %lr m_absmax %a : memref<2xf32> v_absmax %a : memref<2xf32> : (memref<513xf32>, memref<513xf32>, memref<513xui8>, memref<513xui8>, f32)
  return
}

// -----

func.func @absmax_type(%p: memref<512xf32>, %m: memref<512xui8>, %a: memref<2xf32>, %b: memref<2xf16>, %t: i64, %lr: f32) {
  // expected-error@+1 {{operand 'v_absmax' has type 'memref<2xf16>'; expected a 1-d memref of f32, one element per block}}
  optim.adamw_step %p, %p, %m, %m, step %t, lr %lr m_absmax %a : memref<2xf32> v_absmax %b : memref<2xf16> : (memref<512xf32>, memref<512xf32>, memref<512xui8>, memref<512xui8>, f32)
  return
}

// -----

func.func @quantized_f64(%p: memref<512xf64>, %m: memref<512xui8>, %a: memref<2xf32>, %t: i64, %lr: f64) {
  // expected-error@+1 {{operand 'param' has element type f64; with 8-bit moments the step computes in f32, so 'param' and 'max_v' are f32, bf16 or f16}}
  optim.adamw_step %p, %p, %m, %m, step %t, lr %lr m_absmax %a : memref<2xf32> v_absmax %a : memref<2xf32> : (memref<512xf64>, memref<512xf64>, memref<512xui8>, memref<512xui8>, f64)
  return
}

// -----

func.func @quantized_stochastic(%p: memref<512xbf16>, %m: memref<512xui8>, %a: memref<2xf32>, %t: i64, %lr: f32, %s: i64) {
  // expected-error@+1 {{rounding is stochastic but the moments are 8-bit codes; 8-bit steps round to nearest}}
  optim.adamw_step %p, %p, %m, %m, step %t, lr %lr seed %s m_absmax %a : memref<2xf32> v_absmax %a : memref<2xf32> rounding stochastic : (memref<512xbf16>, memref<512xbf16>, memref<512xui8>, memref<512xui8>, f32)
  return
}

// -----

func.func @quantized_strided(%p: memref<16x32xf32, strided<[64, 1]>>, %m: memref<16x32xui8>, %a: memref<2xf32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{operand 'param' has type 'memref<16x32xf32, strided<[64, 1]>>'; with 8-bit states every memref must have the identity layout}}
  optim.adamw_step %p, %p, %m, %m, step %t, lr %lr m_absmax %a : memref<2xf32> v_absmax %a : memref<2xf32> : (memref<16x32xf32, strided<[64, 1]>>, memref<16x32xf32, strided<[64, 1]>>, memref<16x32xui8>, memref<16x32xui8>, f32)
  return
}

// -----

func.func @max_v_absmax_without_max_v(%p: memref<512xf32>, %m: memref<512xui8>, %a: memref<2xf32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{operand 'max_v_absmax' is given but 'max_v' is missing}}
  optim.adamw_step %p, %p, %m, %m, step %t, lr %lr m_absmax %a : memref<2xf32> v_absmax %a : memref<2xf32> max_v_absmax %a : memref<2xf32> : (memref<512xf32>, memref<512xf32>, memref<512xui8>, memref<512xui8>, f32)
  return
}

// -----

func.func @max_v_codes_with_float_moments(%p: memref<512xf32>, %mv: memref<512xui8>, %a: memref<2xf32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{operand 'max_v' holds 8-bit codes but 'm' and 'v' do not; an 8-bit max_v comes with 8-bit moments}}
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr max_v %mv : memref<512xui8> max_v_absmax %a : memref<2xf32> : memref<512xf32>
  return
}
