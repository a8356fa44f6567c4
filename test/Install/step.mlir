// The input of scripts/test-install.sh: one step on dynamically shaped
// memrefs.
func.func @step(%p: memref<?xf32>, %g: memref<?xf32>, %m: memref<?xf32>,
                %v: memref<?xf32>, %t: i64, %lr: f32) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr {weight_decay = 0.1 : f64}
      : memref<?xf32>
  return
}
