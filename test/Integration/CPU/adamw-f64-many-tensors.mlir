// Four tensors of 1, 9, 1000 and 70 elements stepped by one function, as a
// model's parameters are: on several threads they share one parallel loop,
// each thread an equal share of all their elements together, so that shares
// start and end inside tensors (at 2 threads: element 448 of the third; at 3
// threads: elements 192 and 640 of it). Ten steps, compared with the scalar
// f64 reference at 1e-12 absolute, on one thread, on 2 and 3 threads, with
// another vector width, and through the emulated multi-tensor GPU kernel.
// RUN: cat %s %S/Inputs/adamw-reference.mlir \
// RUN:   | optim-runner -e main -entry-point-result=void \
// RUN:       -shared-libs=%mlir_runtime_libs \
// RUN:   | FileCheck %s
// RUN: cat %s %S/Inputs/adamw-reference.mlir \
// RUN:   | optim-opt --optim-cpu-pipeline="num-threads=2 parallel-threshold=0" \
// RUN:   | mlir-runner -e main -entry-point-result=void \
// RUN:       -shared-libs=%mlir_runtime_libs,%openmp_lib \
// RUN:   | FileCheck %s
// RUN: cat %s %S/Inputs/adamw-reference.mlir \
// RUN:   | optim-opt --optim-cpu-pipeline="num-threads=3 parallel-threshold=0 vector-width=4" \
// RUN:   | mlir-runner -e main -entry-point-result=void \
// RUN:       -shared-libs=%mlir_runtime_libs,%openmp_lib \
// RUN:   | FileCheck %s
// RUN: cat %s %S/Inputs/adamw-reference.mlir \
// RUN:   | optim-opt --optim-to-buffers-pipeline \
// RUN:       --optim-map-elementwise-to-gpu="multi-tensor=true" \
// RUN:       --test-optim-gpu-to-cpu --optim-cpu-to-llvm-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void \
// RUN:       -shared-libs=%mlir_runtime_libs \
// RUN:   | FileCheck %s

// CHECK: tensor 0
// CHECK-NEXT: PASS
// CHECK: tensor 1
// CHECK-NEXT: PASS
// CHECK: tensor 2
// CHECK-NEXT: PASS
// CHECK: tensor 3
// CHECK-NEXT: PASS

!buf = memref<?xf64>

// The second tensor has no weight decay, as biases often do.
func.func @step_all(%p0: !buf, %g0: !buf, %m0: !buf, %v0: !buf,
                    %p1: !buf, %g1: !buf, %m1: !buf, %v1: !buf,
                    %p2: !buf, %g2: !buf, %m2: !buf, %v2: !buf,
                    %p3: !buf, %g3: !buf, %m3: !buf, %v3: !buf,
                    %t: i64, %lr: f64) {
  optim.adamw_step %p0, %g0, %m0, %v0, step %t, lr %lr
      {beta1 = 0.8 : f64, weight_decay = 0.05 : f64} : !buf
  optim.adamw_step %p1, %g1, %m1, %v1, step %t, lr %lr
      {beta1 = 0.8 : f64, weight_decay = 0.0 : f64} : !buf
  optim.adamw_step %p2, %g2, %m2, %v2, step %t, lr %lr
      {beta1 = 0.8 : f64, weight_decay = 0.05 : f64} : !buf
  optim.adamw_step %p3, %g3, %m3, %v3, step %t, lr %lr
      {beta1 = 0.8 : f64, weight_decay = 0.05 : f64} : !buf
  return
}

// p, m, v and their reference copies for a tensor of `n` elements, filled
// with phases of their own (`k`).
func.func @make(%n: index, %k: f64) -> (!buf, !buf, !buf, !buf, !buf, !buf, !buf) {
  %p = memref.alloc(%n) : !buf
  %g = memref.alloc(%n) : !buf
  %m = memref.alloc(%n) : !buf
  %v = memref.alloc(%n) : !buf
  %pr = memref.alloc(%n) : !buf
  %mr = memref.alloc(%n) : !buf
  %vr = memref.alloc(%n) : !buf
  %half = arith.constant 0.5 : f64
  %one = arith.constant 1.0 : f64
  %tenth = arith.constant 0.1 : f64
  %zero = arith.constant 0.0 : f64
  %f1 = arith.addf %k, %one : f64
  %f2 = arith.addf %k, %half : f64
  call @fill(%p, %f1, %half, %one) : (!buf, f64, f64, f64) -> ()
  call @fill(%m, %f2, %tenth, %zero) : (!buf, f64, f64, f64) -> ()
  call @fill(%v, %k, %tenth, %half) : (!buf, f64, f64, f64) -> ()
  call @copy(%p, %pr) : (!buf, !buf) -> ()
  call @copy(%m, %mr) : (!buf, !buf) -> ()
  call @copy(%v, %vr) : (!buf, !buf) -> ()
  return %p, %g, %m, %v, %pr, %mr, %vr : !buf, !buf, !buf, !buf, !buf, !buf, !buf
}

// Fills the gradient of step t and steps the reference.
func.func @reference(%pr: !buf, %g: !buf, %mr: !buf, %vr: !buf, %k: f64,
                     %t: i64, %lr: f64, %wd: f64) {
  %one = arith.constant 1.0 : f64
  %zero = arith.constant 0.0 : f64
  %b1 = arith.constant 0.8 : f64
  %b2 = arith.constant 0.999 : f64
  %eps = arith.constant 1.0e-8 : f64
  %tf = arith.sitofp %t : i64 to f64
  %freq = arith.addf %tf, %k : f64
  call @fill(%g, %freq, %one, %zero) : (!buf, f64, f64, f64) -> ()
  call @reference_adamw(%pr, %g, %mr, %vr, %t, %lr, %b1, %b2, %eps, %wd)
      : (!buf, !buf, !buf, !buf, i64, f64, f64, f64, f64, f64) -> ()
  return
}

// Prints the verdict on the largest error of p, m and v, and frees the
// tensor's buffers.
func.func @report(%p: !buf, %g: !buf, %m: !buf, %v: !buf, %pr: !buf,
                  %mr: !buf, %vr: !buf) {
  %ep = call @max_abs_err(%p, %pr) : (!buf, !buf) -> f64
  %em = call @max_abs_err(%m, %mr) : (!buf, !buf) -> f64
  %ev = call @max_abs_err(%v, %vr) : (!buf, !buf) -> f64
  %e1 = arith.maximumf %ep, %em : f64
  %err = arith.maximumf %e1, %ev : f64
  %tol = arith.constant 1.0e-12 : f64
  call @verdict(%err, %tol) : (f64, f64) -> ()
  memref.dealloc %p : !buf
  memref.dealloc %g : !buf
  memref.dealloc %m : !buf
  memref.dealloc %v : !buf
  memref.dealloc %pr : !buf
  memref.dealloc %mr : !buf
  memref.dealloc %vr : !buf
  return
}

func.func @main() {
  %n0 = arith.constant 1 : index
  %n1 = arith.constant 9 : index
  %n2 = arith.constant 1000 : index
  %n3 = arith.constant 70 : index
  %k0 = arith.constant 0.3 : f64
  %k1 = arith.constant 0.7 : f64
  %k2 = arith.constant 1.1 : f64
  %k3 = arith.constant 1.9 : f64
  %p0, %g0, %m0, %v0, %pr0, %mr0, %vr0 = call @make(%n0, %k0)
      : (index, f64) -> (!buf, !buf, !buf, !buf, !buf, !buf, !buf)
  %p1, %g1, %m1, %v1, %pr1, %mr1, %vr1 = call @make(%n1, %k1)
      : (index, f64) -> (!buf, !buf, !buf, !buf, !buf, !buf, !buf)
  %p2, %g2, %m2, %v2, %pr2, %mr2, %vr2 = call @make(%n2, %k2)
      : (index, f64) -> (!buf, !buf, !buf, !buf, !buf, !buf, !buf)
  %p3, %g3, %m3, %v3, %pr3, %mr3, %vr3 = call @make(%n3, %k3)
      : (index, f64) -> (!buf, !buf, !buf, !buf, !buf, !buf, !buf)

  %lr0 = arith.constant 1.0e-2 : f64
  %wd = arith.constant 0.05 : f64
  %nowd = arith.constant 0.0 : f64
  %c1 = arith.constant 1 : i64
  %last = arith.constant 11 : i64
  scf.for %t = %c1 to %last step %c1 : i64 {
    %tf = arith.sitofp %t : i64 to f64
    %lr = arith.mulf %lr0, %tf : f64
    // The reference fills each tensor's gradient, then steps its copy.
    func.call @reference(%pr0, %g0, %mr0, %vr0, %k0, %t, %lr, %wd)
        : (!buf, !buf, !buf, !buf, f64, i64, f64, f64) -> ()
    func.call @reference(%pr1, %g1, %mr1, %vr1, %k1, %t, %lr, %nowd)
        : (!buf, !buf, !buf, !buf, f64, i64, f64, f64) -> ()
    func.call @reference(%pr2, %g2, %mr2, %vr2, %k2, %t, %lr, %wd)
        : (!buf, !buf, !buf, !buf, f64, i64, f64, f64) -> ()
    func.call @reference(%pr3, %g3, %mr3, %vr3, %k3, %t, %lr, %wd)
        : (!buf, !buf, !buf, !buf, f64, i64, f64, f64) -> ()
    func.call @step_all(%p0, %g0, %m0, %v0, %p1, %g1, %m1, %v1,
                        %p2, %g2, %m2, %v2, %p3, %g3, %m3, %v3, %t, %lr)
        : (!buf, !buf, !buf, !buf, !buf, !buf, !buf, !buf,
           !buf, !buf, !buf, !buf, !buf, !buf, !buf, !buf, i64, f64) -> ()
  }

  vector.print str "tensor 0\n"
  call @report(%p0, %g0, %m0, %v0, %pr0, %mr0, %vr0)
      : (!buf, !buf, !buf, !buf, !buf, !buf, !buf) -> ()
  vector.print str "tensor 1\n"
  call @report(%p1, %g1, %m1, %v1, %pr1, %mr1, %vr1)
      : (!buf, !buf, !buf, !buf, !buf, !buf, !buf) -> ()
  vector.print str "tensor 2\n"
  call @report(%p2, %g2, %m2, %v2, %pr2, %mr2, %vr2)
      : (!buf, !buf, !buf, !buf, !buf, !buf, !buf) -> ()
  vector.print str "tensor 3\n"
  call @report(%p3, %g3, %m3, %v3, %pr3, %mr3, %vr3)
      : (!buf, !buf, !buf, !buf, !buf, !buf, !buf) -> ()
  return
}
