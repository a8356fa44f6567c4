// torch's options of Adam and AdamW, each alone and all together: ten
// consecutive steps on dynamically shaped memrefs of sizes around the
// vector width, compared with a scalar f64 reference written from torch's
// documented algorithm at 1e-12 absolute (values are of order 1):
//   g = -g (maximize);  g = g + wd*p (L2 decay)
//   m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g*g;  max_v = max(max_v, v)
//   p = p - lr*(mhat/(sqrt(vhat)+eps) + wd*p (decoupled decay only))
// with vhat = max_v/(1-b2^t) under amsgrad, else v/(1-b2^t). v starts
// large and decays, so that max_v keeps its first value for many elements.
// RUN: cat %s %S/Inputs/adamw-reference.mlir \
// RUN:   | optim-runner -e main -entry-point-result=void \
// RUN:       -shared-libs=%mlir_runtime_libs \
// RUN:   | FileCheck %s
// RUN: cat %s %S/Inputs/adamw-reference.mlir \
// RUN:   | optim-opt --optim-cpu-pipeline="num-threads=2 parallel-threshold=16" \
// RUN:   | mlir-runner -e main -entry-point-result=void \
// RUN:       -shared-libs=%mlir_runtime_libs,%openmp_lib \
// RUN:   | FileCheck %s
// The GPU kernels, run on the host:
// RUN: cat %s %S/Inputs/adamw-reference.mlir \
// RUN:   | optim-opt --optim-to-buffers-pipeline --optim-map-elementwise-to-gpu \
// RUN:       --test-optim-gpu-to-cpu --optim-cpu-to-llvm-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void \
// RUN:       -shared-libs=%mlir_runtime_libs \
// RUN:   | FileCheck %s

!buf = memref<?xf64>

func.func @amsgrad(%p: !buf, %g: !buf, %m: !buf, %v: !buf, %maxv: !buf,
                   %t: i64, %lr: f64) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr max_v %maxv : !buf
      {beta1 = 0.8 : f64, beta2 = 0.99 : f64, eps = 1.0e-6 : f64,
       weight_decay = 0.05 : f64} : !buf
  return
}

func.func @maximize(%p: !buf, %g: !buf, %m: !buf, %v: !buf, %maxv: !buf,
                    %t: i64, %lr: f64) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr maximize
      {beta1 = 0.8 : f64, beta2 = 0.99 : f64, eps = 1.0e-6 : f64,
       weight_decay = 0.05 : f64} : !buf
  return
}

func.func @l2(%p: !buf, %g: !buf, %m: !buf, %v: !buf, %maxv: !buf,
              %t: i64, %lr: f64) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr decay l2
      {beta1 = 0.8 : f64, beta2 = 0.99 : f64, eps = 1.0e-6 : f64,
       weight_decay = 0.05 : f64} : !buf
  return
}

func.func @all(%p: !buf, %g: !buf, %m: !buf, %v: !buf, %maxv: !buf,
               %t: i64, %lr: f64) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr max_v %maxv : !buf
      decay l2 maximize
      {beta1 = 0.8 : f64, beta2 = 0.99 : f64, eps = 1.0e-6 : f64,
       weight_decay = 0.05 : f64} : !buf
  return
}

// The reference: one step of torch's Adam/AdamW with its options.
func.func @reference(%p: !buf, %g: !buf, %m: !buf, %v: !buf, %maxv: !buf,
                     %t: i64, %lr: f64, %amsgrad: i1, %maximize: i1,
                     %l2: i1) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f64
  %zero = arith.constant 0.0 : f64
  %b1 = arith.constant 0.8 : f64
  %b2 = arith.constant 0.99 : f64
  %eps = arith.constant 1.0e-6 : f64
  %wd = arith.constant 0.05 : f64
  %n = memref.dim %p, %c0 : !buf
  %tf = arith.sitofp %t : i64 to f64
  %b1t = math.powf %b1, %tf : f64
  %b2t = math.powf %b2, %tf : f64
  %bc1 = arith.subf %one, %b1t : f64
  %bc2 = arith.subf %one, %b2t : f64
  %omb1 = arith.subf %one, %b1 : f64
  %omb2 = arith.subf %one, %b2 : f64
  %decoupled = arith.select %l2, %zero, %wd : f64
  scf.for %i = %c0 to %n step %c1 {
    %pi = memref.load %p[%i] : !buf
    %g0 = memref.load %g[%i] : !buf
    %mi = memref.load %m[%i] : !buf
    %vi = memref.load %v[%i] : !buf
    %maxvi = memref.load %maxv[%i] : !buf
    %neg = arith.negf %g0 : f64
    %g1 = arith.select %maximize, %neg, %g0 : f64
    %wdp = arith.mulf %wd, %pi : f64
    %g1l2 = arith.addf %g1, %wdp : f64
    %gi = arith.select %l2, %g1l2, %g1 : f64
    %m1a = arith.mulf %b1, %mi : f64
    %m1b = arith.mulf %omb1, %gi : f64
    %m1 = arith.addf %m1a, %m1b : f64
    %gg = arith.mulf %gi, %gi : f64
    %v1a = arith.mulf %b2, %vi : f64
    %v1b = arith.mulf %omb2, %gg : f64
    %v1 = arith.addf %v1a, %v1b : f64
    %max1 = arith.maximumf %maxvi, %v1 : f64
    %vd = arith.select %amsgrad, %max1, %v1 : f64
    %mhat = arith.divf %m1, %bc1 : f64
    %vhat = arith.divf %vd, %bc2 : f64
    %sq = math.sqrt %vhat : f64
    %den = arith.addf %sq, %eps : f64
    %adam = arith.divf %mhat, %den : f64
    %decay = arith.mulf %decoupled, %pi : f64
    %upd = arith.addf %adam, %decay : f64
    %step = arith.mulf %lr, %upd : f64
    %p1 = arith.subf %pi, %step : f64
    memref.store %p1, %p[%i] : !buf
    memref.store %m1, %m[%i] : !buf
    memref.store %v1, %v[%i] : !buf
    scf.if %amsgrad {
      memref.store %max1, %maxv[%i] : !buf
    }
  }
  return
}

// Runs ten steps of `step` and of the reference with the given options on
// `n` elements; prints the verdict on the largest error of p, m, v, max_v.
func.func @check(%step: (!buf, !buf, !buf, !buf, !buf, i64, f64) -> (),
                 %n: index, %amsgrad: i1, %maximize: i1, %l2: i1) {
  %p = memref.alloc(%n) : !buf
  %g = memref.alloc(%n) : !buf
  %m = memref.alloc(%n) : !buf
  %v = memref.alloc(%n) : !buf
  %maxv = memref.alloc(%n) : !buf
  %pr = memref.alloc(%n) : !buf
  %mr = memref.alloc(%n) : !buf
  %vr = memref.alloc(%n) : !buf
  %maxvr = memref.alloc(%n) : !buf
  %f1 = arith.constant 1.3 : f64
  %f2 = arith.constant 0.9 : f64
  %f3 = arith.constant 0.4 : f64
  %half = arith.constant 0.5 : f64
  %one = arith.constant 1.0 : f64
  %tenth = arith.constant 0.1 : f64
  %zero = arith.constant 0.0 : f64
  call @fill(%p, %f1, %half, %one) : (!buf, f64, f64, f64) -> ()
  call @fill(%m, %f2, %tenth, %zero) : (!buf, f64, f64, f64) -> ()
  call @fill(%v, %f3, %tenth, %half) : (!buf, f64, f64, f64) -> ()
  call @copy(%v, %maxv) : (!buf, !buf) -> ()
  call @copy(%p, %pr) : (!buf, !buf) -> ()
  call @copy(%m, %mr) : (!buf, !buf) -> ()
  call @copy(%v, %vr) : (!buf, !buf) -> ()
  call @copy(%v, %maxvr) : (!buf, !buf) -> ()

  %lr0 = arith.constant 1.0e-2 : f64
  %c1 = arith.constant 1 : i64
  %last = arith.constant 11 : i64
  scf.for %t = %c1 to %last step %c1 : i64 {
    // A new gradient and learning rate at every step.
    %tf = arith.sitofp %t : i64 to f64
    %freq = arith.mulf %tf, %tenth : f64
    %gfreq = arith.addf %freq, %f2 : f64
    func.call @fill(%g, %gfreq, %one, %zero) : (!buf, f64, f64, f64) -> ()
    %lr = arith.mulf %lr0, %tf : f64
    func.call_indirect %step(%p, %g, %m, %v, %maxv, %t, %lr)
        : (!buf, !buf, !buf, !buf, !buf, i64, f64) -> ()
    func.call @reference(%pr, %g, %mr, %vr, %maxvr, %t, %lr, %amsgrad,
                         %maximize, %l2)
        : (!buf, !buf, !buf, !buf, !buf, i64, f64, i1, i1, i1) -> ()
  }

  %ep = call @max_abs_err(%p, %pr) : (!buf, !buf) -> f64
  %em = call @max_abs_err(%m, %mr) : (!buf, !buf) -> f64
  %ev = call @max_abs_err(%v, %vr) : (!buf, !buf) -> f64
  %emax = call @max_abs_err(%maxv, %maxvr) : (!buf, !buf) -> f64
  %e1 = arith.maximumf %ep, %em : f64
  %e2 = arith.maximumf %e1, %ev : f64
  %err = arith.maximumf %e2, %emax : f64
  %tol = arith.constant 1.0e-12 : f64
  vector.print str "n = "
  vector.print %n : index
  call @verdict(%err, %tol) : (f64, f64) -> ()
  memref.dealloc %p : !buf
  memref.dealloc %g : !buf
  memref.dealloc %m : !buf
  memref.dealloc %v : !buf
  memref.dealloc %maxv : !buf
  memref.dealloc %pr : !buf
  memref.dealloc %mr : !buf
  memref.dealloc %vr : !buf
  memref.dealloc %maxvr : !buf
  return
}

// Checks `step` at 1, 9 and 1000 elements.
func.func @sizes(%step: (!buf, !buf, !buf, !buf, !buf, i64, f64) -> (),
                 %amsgrad: i1, %maximize: i1, %l2: i1) {
  %s1 = arith.constant 1 : index
  %s9 = arith.constant 9 : index
  %s1000 = arith.constant 1000 : index
  call @check(%step, %s1, %amsgrad, %maximize, %l2)
      : ((!buf, !buf, !buf, !buf, !buf, i64, f64) -> (), index, i1, i1, i1)
      -> ()
  call @check(%step, %s9, %amsgrad, %maximize, %l2)
      : ((!buf, !buf, !buf, !buf, !buf, i64, f64) -> (), index, i1, i1, i1)
      -> ()
  call @check(%step, %s1000, %amsgrad, %maximize, %l2)
      : ((!buf, !buf, !buf, !buf, !buf, i64, f64) -> (), index, i1, i1, i1)
      -> ()
  return
}

func.func @main() {
  %yes = arith.constant true
  %no = arith.constant false
  %amsgrad = constant @amsgrad : (!buf, !buf, !buf, !buf, !buf, i64, f64) -> ()
  %maximize = constant @maximize
      : (!buf, !buf, !buf, !buf, !buf, i64, f64) -> ()
  %l2 = constant @l2 : (!buf, !buf, !buf, !buf, !buf, i64, f64) -> ()
  %all = constant @all : (!buf, !buf, !buf, !buf, !buf, i64, f64) -> ()
  // CHECK-LABEL: amsgrad
  // CHECK: n = 1
  // CHECK-NEXT: PASS
  // CHECK: n = 9
  // CHECK-NEXT: PASS
  // CHECK: n = 1000
  // CHECK-NEXT: PASS
  vector.print str "amsgrad\n"
  call @sizes(%amsgrad, %yes, %no, %no)
      : ((!buf, !buf, !buf, !buf, !buf, i64, f64) -> (), i1, i1, i1) -> ()
  // CHECK-LABEL: maximize
  // CHECK: n = 1
  // CHECK-NEXT: PASS
  // CHECK: n = 9
  // CHECK-NEXT: PASS
  // CHECK: n = 1000
  // CHECK-NEXT: PASS
  vector.print str "maximize\n"
  call @sizes(%maximize, %no, %yes, %no)
      : ((!buf, !buf, !buf, !buf, !buf, i64, f64) -> (), i1, i1, i1) -> ()
  // CHECK-LABEL: l2
  // CHECK: n = 1
  // CHECK-NEXT: PASS
  // CHECK: n = 9
  // CHECK-NEXT: PASS
  // CHECK: n = 1000
  // CHECK-NEXT: PASS
  vector.print str "l2\n"
  call @sizes(%l2, %no, %no, %yes)
      : ((!buf, !buf, !buf, !buf, !buf, i64, f64) -> (), i1, i1, i1) -> ()
  // CHECK-LABEL: all
  // CHECK: n = 1
  // CHECK-NEXT: PASS
  // CHECK: n = 9
  // CHECK-NEXT: PASS
  // CHECK: n = 1000
  // CHECK-NEXT: PASS
  vector.print str "all\n"
  call @sizes(%all, %yes, %yes, %yes)
      : ((!buf, !buf, !buf, !buf, !buf, i64, f64) -> (), i1, i1, i1) -> ()
  return
}
