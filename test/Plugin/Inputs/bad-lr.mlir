// An f32 step given an f64 learning rate, for the verifier.
func.func @bad(%p: memref<4xf32>, %t: i64, %lr: f64) {
  optim.adamw_step %p, %p, %p, %p, step %t, lr %lr
      : (memref<4xf32>, memref<4xf32>, memref<4xf32>, memref<4xf32>, f64)
  return
}
