// The two worked examples of the AdamW contract, in f64 at 1e-9 absolute.
// RUN: cat %s %S/Inputs/adamw-reference.mlir \
// RUN:   | optim-runner -e main -entry-point-result=void \
// RUN:       -shared-libs=%mlir_runtime_libs \
// RUN:   | FileCheck %s

func.func @main() {
  %c0 = arith.constant 0 : index
  %t1 = arith.constant 1 : i64
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %tol = arith.constant 1.0e-9 : f64
  %p = memref.alloc() : memref<1xf64>
  %g = memref.alloc() : memref<1xf64>
  %m = memref.alloc() : memref<1xf64>
  %v = memref.alloc() : memref<1xf64>

  // Example 1: a zero gradient still decays the parameter:
  // p = 1 - 0.1 * 0.5 * 1 = 0.95; plain Adam would leave it at 1.
  memref.store %one, %p[%c0] : memref<1xf64>
  memref.store %zero, %g[%c0] : memref<1xf64>
  memref.store %zero, %m[%c0] : memref<1xf64>
  memref.store %zero, %v[%c0] : memref<1xf64>
  %lr1 = arith.constant 0.1 : f64
  optim.adamw_step %p, %g, %m, %v, step %t1, lr %lr1
      {beta1 = 0.9 : f64, beta2 = 0.999 : f64, eps = 1.0e-8 : f64,
       weight_decay = 0.5 : f64} : memref<1xf64>
  %p1 = memref.load %p[%c0] : memref<1xf64>
  %want1 = arith.constant 0.95 : f64
  %d1 = arith.subf %p1, %want1 : f64
  %e1 = math.absf %d1 : f64
  // CHECK: example 1: p = 0.95
  // CHECK-NEXT: PASS
  vector.print str "example 1: p = 0.95\n"
  call @verdict(%e1, %tol) : (f64, f64) -> ()

  // Example 2: the decay never enters the moments: m = (1 - beta1) * g =
  // 0.1, not (1 - beta1) * (g + wd * p) = 0.11.
  memref.store %one, %p[%c0] : memref<1xf64>
  memref.store %one, %g[%c0] : memref<1xf64>
  memref.store %zero, %m[%c0] : memref<1xf64>
  memref.store %zero, %v[%c0] : memref<1xf64>
  %lr2 = arith.constant 1.0e-3 : f64
  optim.adamw_step %p, %g, %m, %v, step %t1, lr %lr2
      {weight_decay = 0.1 : f64} : memref<1xf64>
  %m2 = memref.load %m[%c0] : memref<1xf64>
  %want2 = arith.constant 0.1 : f64
  %d2 = arith.subf %m2, %want2 : f64
  %e2 = math.absf %d2 : f64
  // CHECK: example 2: m = 0.1
  // CHECK-NEXT: PASS
  vector.print str "example 2: m = 0.1\n"
  call @verdict(%e2, %tol) : (f64, f64) -> ()
  // The coupled (Adam + L2) value is far outside the tolerance.
  %l2 = arith.constant 0.11 : f64
  %d3 = arith.subf %m2, %l2 : f64
  %e3 = math.absf %d3 : f64
  %far = arith.cmpf ogt, %e3, %tol : f64
  // CHECK: m != 0.11: 1
  vector.print str "m != 0.11: "
  vector.print %far : i1
  // The first step of Adam moves p by about lr: p = 1 - 1e-3 * (1 + 0.1).
  %p2 = memref.load %p[%c0] : memref<1xf64>
  %want3 = arith.constant 0.9989 : f64
  %d4 = arith.subf %p2, %want3 : f64
  %e4 = math.absf %d4 : f64
  // CHECK: example 2: p = 0.9989
  // CHECK-NEXT: PASS
  vector.print str "example 2: p = 0.9989\n"
  call @verdict(%e4, %tol) : (f64, f64) -> ()

  memref.dealloc %p : memref<1xf64>
  memref.dealloc %g : memref<1xf64>
  memref.dealloc %m : memref<1xf64>
  memref.dealloc %v : memref<1xf64>
  return
}
