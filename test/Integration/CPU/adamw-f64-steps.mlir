// Ten consecutive steps on a dynamically shaped memref, with a learning-rate
// schedule, for sizes around the vector width; compared with the reference
// at 1e-12 absolute (values are of order 1).
// RUN: cat %s %S/Inputs/adamw-reference.mlir \
// RUN:   | optim-runner -e main -entry-point-result=void \
// RUN:       -shared-libs=%mlir_runtime_libs \
// RUN:   | FileCheck %s
// Multithreaded: ops of at least the threshold run as chunks of an
// scf.parallel lowered through OpenMP, smaller ones on one thread.
// RUN: cat %s %S/Inputs/adamw-reference.mlir \
// RUN:   | optim-opt --optim-cpu-pipeline="num-threads=2 parallel-threshold=16" \
// RUN:   | mlir-runner -e main -entry-point-result=void \
// RUN:       -shared-libs=%mlir_runtime_libs,%openmp_lib \
// RUN:   | FileCheck %s

func.func @step(%p: memref<?xf64>, %g: memref<?xf64>, %m: memref<?xf64>,
                %v: memref<?xf64>, %t: i64, %lr: f64) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
      {beta1 = 0.8 : f64, beta2 = 0.99 : f64, eps = 1.0e-6 : f64,
       weight_decay = 0.05 : f64} : memref<?xf64>
  return
}

// Runs `steps` steps on `n` elements; returns the largest error of p, m, v.
func.func @run(%n: index, %steps: i64) -> f64 {
  %p = memref.alloc(%n) : memref<?xf64>
  %g = memref.alloc(%n) : memref<?xf64>
  %m = memref.alloc(%n) : memref<?xf64>
  %v = memref.alloc(%n) : memref<?xf64>
  %pr = memref.alloc(%n) : memref<?xf64>
  %mr = memref.alloc(%n) : memref<?xf64>
  %vr = memref.alloc(%n) : memref<?xf64>
  %f1 = arith.constant 1.3 : f64
  %f2 = arith.constant 0.9 : f64
  %f3 = arith.constant 0.4 : f64
  %half = arith.constant 0.5 : f64
  %one = arith.constant 1.0 : f64
  %tenth = arith.constant 0.1 : f64
  %hundredth = arith.constant 0.01 : f64
  %zero = arith.constant 0.0 : f64
  call @fill(%p, %f1, %half, %one) : (memref<?xf64>, f64, f64, f64) -> ()
  call @fill(%m, %f2, %tenth, %zero) : (memref<?xf64>, f64, f64, f64) -> ()
  call @fill(%v, %f3, %hundredth, %hundredth)
      : (memref<?xf64>, f64, f64, f64) -> ()
  call @copy(%p, %pr) : (memref<?xf64>, memref<?xf64>) -> ()
  call @copy(%m, %mr) : (memref<?xf64>, memref<?xf64>) -> ()
  call @copy(%v, %vr) : (memref<?xf64>, memref<?xf64>) -> ()

  %b1 = arith.constant 0.8 : f64
  %b2 = arith.constant 0.99 : f64
  %eps = arith.constant 1.0e-6 : f64
  %wd = arith.constant 0.05 : f64
  %lr0 = arith.constant 1.0e-3 : f64
  %c1 = arith.constant 1 : i64
  %last = arith.addi %steps, %c1 : i64
  scf.for %t = %c1 to %last step %c1 : i64 {
    // A new gradient and learning rate at every step.
    %tf = arith.sitofp %t : i64 to f64
    %freq = arith.mulf %tf, %tenth : f64
    %gfreq = arith.addf %freq, %f2 : f64
    func.call @fill(%g, %gfreq, %one, %zero) : (memref<?xf64>, f64, f64, f64) -> ()
    %lr = arith.mulf %lr0, %tf : f64
    func.call @step(%p, %g, %m, %v, %t, %lr)
        : (memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, i64,
           f64) -> ()
    func.call @reference_adamw(%pr, %g, %mr, %vr, %t, %lr, %b1, %b2, %eps, %wd)
        : (memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, i64,
           f64, f64, f64, f64, f64) -> ()
  }

  %ep = call @max_abs_err(%p, %pr) : (memref<?xf64>, memref<?xf64>) -> f64
  %em = call @max_abs_err(%m, %mr) : (memref<?xf64>, memref<?xf64>) -> f64
  %ev = call @max_abs_err(%v, %vr) : (memref<?xf64>, memref<?xf64>) -> f64
  %e1 = arith.maximumf %ep, %em : f64
  %err = arith.maximumf %e1, %ev : f64
  memref.dealloc %p : memref<?xf64>
  memref.dealloc %g : memref<?xf64>
  memref.dealloc %m : memref<?xf64>
  memref.dealloc %v : memref<?xf64>
  memref.dealloc %pr : memref<?xf64>
  memref.dealloc %mr : memref<?xf64>
  memref.dealloc %vr : memref<?xf64>
  return %err : f64
}

func.func @check(%n: index) {
  %steps = arith.constant 10 : i64
  %tol = arith.constant 1.0e-12 : f64
  %err = call @run(%n, %steps) : (index, i64) -> f64
  vector.print str "n = "
  vector.print %n : index
  call @verdict(%err, %tol) : (f64, f64) -> ()
  return
}

func.func @main() {
  %s1 = arith.constant 1 : index
  %s7 = arith.constant 7 : index
  %s8 = arith.constant 8 : index
  %s9 = arith.constant 9 : index
  %s31 = arith.constant 31 : index
  %s1000 = arith.constant 1000 : index
  // CHECK: n = 1
  // CHECK-NEXT: PASS
  call @check(%s1) : (index) -> ()
  // CHECK: n = 7
  // CHECK-NEXT: PASS
  call @check(%s7) : (index) -> ()
  // CHECK: n = 8
  // CHECK-NEXT: PASS
  call @check(%s8) : (index) -> ()
  // CHECK: n = 9
  // CHECK-NEXT: PASS
  call @check(%s9) : (index) -> ()
  // CHECK: n = 31
  // CHECK-NEXT: PASS
  call @check(%s31) : (index) -> ()
  // CHECK: n = 1000
  // CHECK-NEXT: PASS
  call @check(%s1000) : (index) -> ()
  return
}
