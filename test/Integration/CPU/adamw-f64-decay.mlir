// Under a zero gradient every tensor, whatever its shape and second moment,
// decays by exactly (1 - lr * wd); the decay never enters m or v, so m stays
// 0 and v only decays by beta2. Shapes: 3x5, 17, 2x3x4 and rank 0.
// RUN: cat %s %S/Inputs/adamw-reference.mlir \
// RUN:   | optim-runner -e main -entry-point-result=void \
// RUN:       -shared-libs=%mlir_runtime_libs \
// RUN:   | FileCheck %s

// dst[i] = factor * src[i].
func.func @scale(%src: memref<?xf64>, %dst: memref<?xf64>, %factor: f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %src, %c0 : memref<?xf64>
  scf.for %i = %c0 to %n step %c1 {
    %x = memref.load %src[%i] : memref<?xf64>
    %y = arith.mulf %factor, %x : f64
    memref.store %y, %dst[%i] : memref<?xf64>
  }
  return
}

// Fills p and v of `n` elements, runs `body` on views of them, and checks
// p == (1 - lr*wd) * p0, m == 0 and v == beta2 * v0.
func.func @check(%p: memref<?xf64>, %m: memref<?xf64>, %v: memref<?xf64>,
                 %p0: memref<?xf64>, %v0: memref<?xf64>, %decay: f64,
                 %beta2: f64) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %p, %c0 : memref<?xf64>
  %zeros = memref.alloc(%n) : memref<?xf64>
  %zero = arith.constant 0.0 : f64
  linalg.fill ins(%zero : f64) outs(%zeros : memref<?xf64>)
  %pe = memref.alloc(%n) : memref<?xf64>
  %ve = memref.alloc(%n) : memref<?xf64>
  call @scale(%p0, %pe, %decay) : (memref<?xf64>, memref<?xf64>, f64) -> ()
  call @scale(%v0, %ve, %beta2) : (memref<?xf64>, memref<?xf64>, f64) -> ()
  %ep = call @max_abs_err(%p, %pe) : (memref<?xf64>, memref<?xf64>) -> f64
  %em = call @max_abs_err(%m, %zeros) : (memref<?xf64>, memref<?xf64>) -> f64
  %ev = call @max_abs_err(%v, %ve) : (memref<?xf64>, memref<?xf64>) -> f64
  %tol = arith.constant 1.0e-15 : f64
  vector.print str "p decays by (1 - lr*wd): "
  call @verdict(%ep, %tol) : (f64, f64) -> ()
  vector.print str "m stays 0: "
  call @verdict(%em, %tol) : (f64, f64) -> ()
  vector.print str "v decays by beta2 only: "
  call @verdict(%ev, %tol) : (f64, f64) -> ()
  memref.dealloc %zeros : memref<?xf64>
  memref.dealloc %pe : memref<?xf64>
  memref.dealloc %ve : memref<?xf64>
  return
}

// Allocates and fills the flat state of one tensor of `n` elements.
func.func @make_state(%n: index, %freq: f64)
    -> (memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>,
        memref<?xf64>, memref<?xf64>) {
  %p = memref.alloc(%n) : memref<?xf64>
  %g = memref.alloc(%n) : memref<?xf64>
  %m = memref.alloc(%n) : memref<?xf64>
  %v = memref.alloc(%n) : memref<?xf64>
  %p0 = memref.alloc(%n) : memref<?xf64>
  %v0 = memref.alloc(%n) : memref<?xf64>
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %half = arith.constant 0.5 : f64
  linalg.fill ins(%zero : f64) outs(%g : memref<?xf64>)
  linalg.fill ins(%zero : f64) outs(%m : memref<?xf64>)
  call @fill(%p, %freq, %half, %one) : (memref<?xf64>, f64, f64, f64) -> ()
  // Second moments of very different sizes per tensor and element.
  call @fill(%v, %freq, %half, %half) : (memref<?xf64>, f64, f64, f64) -> ()
  call @copy(%p, %p0) : (memref<?xf64>, memref<?xf64>) -> ()
  call @copy(%v, %v0) : (memref<?xf64>, memref<?xf64>) -> ()
  return %p, %g, %m, %v, %p0, %v0 : memref<?xf64>, memref<?xf64>,
      memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>
}

func.func @main() {
  %t = arith.constant 1000 : i64
  %lr = arith.constant 0.1 : f64
  %c1 = arith.constant 1 : index
  %c15 = arith.constant 15 : index
  %c17 = arith.constant 17 : index
  %c24 = arith.constant 24 : index
  %fa = arith.constant 0.3 : f64
  %fb = arith.constant 0.7 : f64
  %fc = arith.constant 1.1 : f64
  %fd = arith.constant 2.3 : f64
  %a:6 = call @make_state(%c15, %fa) : (index, f64) -> (memref<?xf64>,
      memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>,
      memref<?xf64>)
  %b:6 = call @make_state(%c17, %fb) : (index, f64) -> (memref<?xf64>,
      memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>,
      memref<?xf64>)
  %c:6 = call @make_state(%c24, %fc) : (index, f64) -> (memref<?xf64>,
      memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>,
      memref<?xf64>)
  %d:6 = call @make_state(%c1, %fd) : (index, f64) -> (memref<?xf64>,
      memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>,
      memref<?xf64>)

  // A 3x5 tensor.
  %aps = memref.cast %a#0 : memref<?xf64> to memref<15xf64>
  %ap = memref.expand_shape %aps [[0, 1]] output_shape [3, 5] : memref<15xf64> into memref<3x5xf64>
  %ags = memref.cast %a#1 : memref<?xf64> to memref<15xf64>
  %ag = memref.expand_shape %ags [[0, 1]] output_shape [3, 5] : memref<15xf64> into memref<3x5xf64>
  %ams = memref.cast %a#2 : memref<?xf64> to memref<15xf64>
  %am = memref.expand_shape %ams [[0, 1]] output_shape [3, 5] : memref<15xf64> into memref<3x5xf64>
  %avs = memref.cast %a#3 : memref<?xf64> to memref<15xf64>
  %av = memref.expand_shape %avs [[0, 1]] output_shape [3, 5] : memref<15xf64> into memref<3x5xf64>
  optim.adamw_step %ap, %ag, %am, %av, step %t, lr %lr
      {beta2 = 0.95 : f64, weight_decay = 0.05 : f64} : memref<3x5xf64>
  // A vector of 17.
  optim.adamw_step %b#0, %b#1, %b#2, %b#3, step %t, lr %lr
      {beta2 = 0.95 : f64, weight_decay = 0.05 : f64} : memref<?xf64>
  // A 2x3x4 tensor.
  %cps = memref.cast %c#0 : memref<?xf64> to memref<24xf64>
  %cp = memref.expand_shape %cps [[0, 1, 2]] output_shape [2, 3, 4] : memref<24xf64> into memref<2x3x4xf64>
  %cgs = memref.cast %c#1 : memref<?xf64> to memref<24xf64>
  %cg = memref.expand_shape %cgs [[0, 1, 2]] output_shape [2, 3, 4] : memref<24xf64> into memref<2x3x4xf64>
  %cms = memref.cast %c#2 : memref<?xf64> to memref<24xf64>
  %cm = memref.expand_shape %cms [[0, 1, 2]] output_shape [2, 3, 4] : memref<24xf64> into memref<2x3x4xf64>
  %cvs = memref.cast %c#3 : memref<?xf64> to memref<24xf64>
  %cv = memref.expand_shape %cvs [[0, 1, 2]] output_shape [2, 3, 4] : memref<24xf64> into memref<2x3x4xf64>
  optim.adamw_step %cp, %cg, %cm, %cv, step %t, lr %lr
      {beta2 = 0.95 : f64, weight_decay = 0.05 : f64} : memref<2x3x4xf64>
  // A scalar (rank 0).
  %dps = memref.cast %d#0 : memref<?xf64> to memref<1xf64>
  %dp = memref.collapse_shape %dps [] : memref<1xf64> into memref<f64>
  %dgs = memref.cast %d#1 : memref<?xf64> to memref<1xf64>
  %dg = memref.collapse_shape %dgs [] : memref<1xf64> into memref<f64>
  %dms = memref.cast %d#2 : memref<?xf64> to memref<1xf64>
  %dm = memref.collapse_shape %dms [] : memref<1xf64> into memref<f64>
  %dvs = memref.cast %d#3 : memref<?xf64> to memref<1xf64>
  %dv = memref.collapse_shape %dvs [] : memref<1xf64> into memref<f64>
  optim.adamw_step %dp, %dg, %dm, %dv, step %t, lr %lr
      {beta2 = 0.95 : f64, weight_decay = 0.05 : f64} : memref<f64>

  %decay = arith.constant 0.995 : f64
  %beta2 = arith.constant 0.95 : f64
  // CHECK: p decays by (1 - lr*wd): PASS
  // CHECK-NEXT: m stays 0: PASS
  // CHECK-NEXT: v decays by beta2 only: PASS
  // CHECK: p decays by (1 - lr*wd): PASS
  // CHECK-NEXT: m stays 0: PASS
  // CHECK-NEXT: v decays by beta2 only: PASS
  // CHECK: p decays by (1 - lr*wd): PASS
  // CHECK-NEXT: m stays 0: PASS
  // CHECK-NEXT: v decays by beta2 only: PASS
  // CHECK: p decays by (1 - lr*wd): PASS
  // CHECK-NEXT: m stays 0: PASS
  // CHECK-NEXT: v decays by beta2 only: PASS
  call @check(%a#0, %a#2, %a#3, %a#4, %a#5, %decay, %beta2) : (memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, f64, f64) -> ()
  call @check(%b#0, %b#2, %b#3, %b#4, %b#5, %decay, %beta2) : (memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, f64, f64) -> ()
  call @check(%c#0, %c#2, %c#3, %c#4, %c#5, %decay, %beta2) : (memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, f64, f64) -> ()
  call @check(%d#0, %d#2, %d#3, %d#4, %d#5, %decay, %beta2) : (memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, f64, f64) -> ()
  return
}
