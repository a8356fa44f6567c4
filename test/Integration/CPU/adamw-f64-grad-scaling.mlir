// Loss scaling read inside the step (grad_scale, found_inf), as
// torch.amp.GradScaler hands it to torch's fused optimizers: eleven calls on
// f64 states with float32 scalars, of which two are skipped. An unskipped call
// gets the gradient times 3 (not a power of two, so that dividing is not
// exact) and the scale 3; a skipped one gets gradients of +inf and a found-inf
// flag of 1, or NaNs and a flag of NaN, and must leave p, m and v as they
// were (the step count does not advance over it, as in torch). Compared with
// the scalar f64 reference on the unscaled gradients at 1e-12 absolute.
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
!scalar = memref<f32>

func.func @step(%p: !buf, %g: !buf, %m: !buf, %v: !buf, %t: i64, %lr: f64,
                %scale: !scalar, %inf: !scalar) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
      grad_scale %scale : !scalar found_inf %inf : !scalar
      {beta1 = 0.8 : f64, beta2 = 0.99 : f64, eps = 1.0e-6 : f64,
       weight_decay = 0.05 : f64} : !buf
  return
}

// buf[i] = x for every i.
func.func @splat(%buf: !buf, %x: f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %buf, %c0 : !buf
  scf.for %i = %c0 to %n step %c1 {
    memref.store %x, %buf[%i] : !buf
  }
  return
}

// dst[i] = 3 * src[i].
func.func @times3(%src: !buf, %dst: !buf) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %three = arith.constant 3.0 : f64
  %n = memref.dim %src, %c0 : !buf
  scf.for %i = %c0 to %n step %c1 {
    %x = memref.load %src[%i] : !buf
    %y = arith.mulf %x, %three : f64
    memref.store %y, %dst[%i] : !buf
  }
  return
}

func.func @check(%n: index) {
  %p = memref.alloc(%n) : !buf
  %g = memref.alloc(%n) : !buf
  %gs = memref.alloc(%n) : !buf
  %m = memref.alloc(%n) : !buf
  %v = memref.alloc(%n) : !buf
  %pr = memref.alloc(%n) : !buf
  %mr = memref.alloc(%n) : !buf
  %vr = memref.alloc(%n) : !buf
  %scale = memref.alloc() : !scalar
  %inf = memref.alloc() : !scalar
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
  call @copy(%p, %pr) : (!buf, !buf) -> ()
  call @copy(%m, %mr) : (!buf, !buf) -> ()
  call @copy(%v, %vr) : (!buf, !buf) -> ()

  %three = arith.constant 3.0 : f32
  %zero32 = arith.constant 0.0 : f32
  %one32 = arith.constant 1.0 : f32
  %nan32 = arith.constant 0x7FC00000 : f32
  %posinf = arith.constant 0x7FF0000000000000 : f64
  %nan = arith.constant 0x7FF8000000000000 : f64
  memref.store %three, %scale[] : !scalar
  %lr0 = arith.constant 1.0e-2 : f64
  %b1 = arith.constant 0.8 : f64
  %b2 = arith.constant 0.99 : f64
  %eps = arith.constant 1.0e-6 : f64
  %wd = arith.constant 0.05 : f64
  %c1 = arith.constant 1 : i64
  %c4 = arith.constant 4 : i64
  %c8 = arith.constant 8 : i64
  %last = arith.constant 12 : i64
  // Calls 4 and 8 are skipped; t counts the others.
  scf.for %k = %c1 to %last step %c1 iter_args(%t0 = %c1) -> (i64) : i64 {
    %skip4 = arith.cmpi eq, %k, %c4 : i64
    %skip8 = arith.cmpi eq, %k, %c8 : i64
    %skip = arith.ori %skip4, %skip8 : i1
    %tf = arith.sitofp %t0 : i64 to f64
    %lr = arith.mulf %lr0, %tf : f64
    %t1 = scf.if %skip -> (i64) {
      %bad = arith.select %skip4, %posinf, %nan : f64
      %flag = arith.select %skip4, %one32, %nan32 : f32
      func.call @splat(%gs, %bad) : (!buf, f64) -> ()
      memref.store %flag, %inf[] : !scalar
      func.call @step(%p, %gs, %m, %v, %t0, %lr, %scale, %inf)
          : (!buf, !buf, !buf, !buf, i64, f64, !scalar, !scalar) -> ()
      scf.yield %t0 : i64
    } else {
      %freq = arith.mulf %tf, %tenth : f64
      %gfreq = arith.addf %freq, %f2 : f64
      func.call @fill(%g, %gfreq, %one, %zero) : (!buf, f64, f64, f64) -> ()
      func.call @times3(%g, %gs) : (!buf, !buf) -> ()
      memref.store %zero32, %inf[] : !scalar
      func.call @step(%p, %gs, %m, %v, %t0, %lr, %scale, %inf)
          : (!buf, !buf, !buf, !buf, i64, f64, !scalar, !scalar) -> ()
      func.call @reference_adamw(%pr, %g, %mr, %vr, %t0, %lr, %b1, %b2, %eps,
                                 %wd)
          : (!buf, !buf, !buf, !buf, i64, f64, f64, f64, f64, f64) -> ()
      %next = arith.addi %t0, %c1 : i64
      scf.yield %next : i64
    }
    scf.yield %t1 : i64
  }

  %ep = call @max_abs_err(%p, %pr) : (!buf, !buf) -> f64
  %em = call @max_abs_err(%m, %mr) : (!buf, !buf) -> f64
  %ev = call @max_abs_err(%v, %vr) : (!buf, !buf) -> f64
  %e1 = arith.maximumf %ep, %em : f64
  %err = arith.maximumf %e1, %ev : f64
  %tol = arith.constant 1.0e-12 : f64
  vector.print str "n = "
  vector.print %n : index
  call @verdict(%err, %tol) : (f64, f64) -> ()
  memref.dealloc %p : !buf
  memref.dealloc %g : !buf
  memref.dealloc %gs : !buf
  memref.dealloc %m : !buf
  memref.dealloc %v : !buf
  memref.dealloc %pr : !buf
  memref.dealloc %mr : !buf
  memref.dealloc %vr : !buf
  memref.dealloc %scale : !scalar
  memref.dealloc %inf : !scalar
  return
}

func.func @main() {
  // CHECK: n = 1
  // CHECK-NEXT: PASS
  // CHECK: n = 9
  // CHECK-NEXT: PASS
  // CHECK: n = 1000
  // CHECK-NEXT: PASS
  %s1 = arith.constant 1 : index
  %s9 = arith.constant 9 : index
  %s1000 = arith.constant 1000 : index
  call @check(%s1) : (index) -> ()
  call @check(%s9) : (index) -> ()
  call @check(%s1000) : (index) -> ()
  return
}
