// Runs the f64 AdamW kernel of optim-map-elementwise-to-gpu (two elements per
// 128-bit vector) on the host (test-optim-gpu-to-cpu) for two steps and compares
// param, m and v with an f64 reference of the op's definition, within 1e-9
// absolute. Blocks of 32 threads, at most 3 blocks.

// RUN: optim-opt %s --optim-to-buffers-pipeline \
// RUN:   --optim-map-elementwise-to-gpu="threads-per-block=32 max-blocks=3" \
// RUN:   --test-optim-gpu-to-cpu --optim-cpu-to-llvm-pipeline \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_runtime_libs \
// RUN: | FileCheck %s

// CHECK: size 1 offset 0 max-abs-error {{.*}} PASS
// CHECK: size 31 offset 0 max-abs-error {{.*}} PASS
// CHECK: size 1001 offset 0 max-abs-error {{.*}} PASS
// CHECK: size 10000 offset 0 max-abs-error {{.*}} PASS
// Misaligned by 8 bytes: the scalar path alone.
// CHECK: size 1001 offset 1 max-abs-error {{.*}} PASS
// CHECK-NOT: FAIL

!buffer = memref<?xf64, strided<[1], offset: ?>>

func.func @step(%p: !buffer, %g: !buffer, %m: !buffer, %v: !buffer,
                %t: i64, %lr: f64) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
      {weight_decay = 1.0e-01 : f64} : !buffer
  return
}

// A deterministic value in [-0.5, 0.5) for element `i` of stream `seed`.
func.func @value(%i: index, %seed: index) -> f64 {
  %c7919 = arith.constant 7919 : index
  %c104729 = arith.constant 104729 : index
  %c2003 = arith.constant 2003 : index
  %a = arith.muli %i, %c7919 : index
  %b = arith.muli %seed, %c104729 : index
  %c = arith.addi %a, %b : index
  %d = arith.remui %c, %c2003 : index
  %e = arith.index_cast %d : index to i64
  %f = arith.sitofp %e : i64 to f64
  %scale = arith.constant 2003.0 : f64
  %half = arith.constant 0.5 : f64
  %x = arith.divf %f, %scale : f64
  %y = arith.subf %x, %half : f64
  return %y : f64
}

// One reference AdamW step in f64, straight from the op's definition.
func.func @reference_step(%p: memref<?xf64>, %g: memref<?xf64>,
                          %m: memref<?xf64>, %v: memref<?xf64>,
                          %t: f64, %lr: f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f64
  %beta1 = arith.constant 0.9 : f64
  %beta2 = arith.constant 0.999 : f64
  %eps = arith.constant 1.0e-8 : f64
  %wd = arith.constant 0.1 : f64
  %b1t = math.powf %beta1, %t : f64
  %b2t = math.powf %beta2, %t : f64
  %bc1 = arith.subf %one, %b1t : f64
  %bc2 = arith.subf %one, %b2t : f64
  %omb1 = arith.subf %one, %beta1 : f64
  %omb2 = arith.subf %one, %beta2 : f64
  %n = memref.dim %p, %c0 : memref<?xf64>
  scf.for %i = %c0 to %n step %c1 {
    %pi = memref.load %p[%i] : memref<?xf64>
    %gi = memref.load %g[%i] : memref<?xf64>
    %mi = memref.load %m[%i] : memref<?xf64>
    %vi = memref.load %v[%i] : memref<?xf64>
    %m1 = arith.mulf %beta1, %mi : f64
    %m2 = arith.mulf %omb1, %gi : f64
    %mn = arith.addf %m1, %m2 : f64
    %v1 = arith.mulf %beta2, %vi : f64
    %gg = arith.mulf %gi, %gi : f64
    %v2 = arith.mulf %omb2, %gg : f64
    %vn = arith.addf %v1, %v2 : f64
    %mhat = arith.divf %mn, %bc1 : f64
    %vhat = arith.divf %vn, %bc2 : f64
    %sq = math.sqrt %vhat : f64
    %den = arith.addf %sq, %eps : f64
    %r = arith.divf %mhat, %den : f64
    %dec = arith.mulf %wd, %pi : f64
    %u = arith.addf %r, %dec : f64
    %lu = arith.mulf %lr, %u : f64
    %pn = arith.subf %pi, %lu : f64
    memref.store %pn, %p[%i] : memref<?xf64>
    memref.store %mn, %m[%i] : memref<?xf64>
    memref.store %vn, %v[%i] : memref<?xf64>
  }
  return
}

// max over i of |x[i] - ref[i]|, folded into %acc.
func.func @max_abs_error(%x: !buffer, %ref: memref<?xf64>, %acc: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %ref, %c0 : memref<?xf64>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%e = %acc) -> f64 {
    %xi = memref.load %x[%i] : !buffer
    %ri = memref.load %ref[%i] : memref<?xf64>
    %d = arith.subf %xi, %ri : f64
    %ad = math.absf %d : f64
    %en = arith.maximumf %e, %ad : f64
    scf.yield %en : f64
  }
  return %r : f64
}

func.func @check(%n: index, %offset: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %tenth = arith.constant 0.1 : f64
  %total = arith.addi %n, %offset : index
  %P = memref.alloc(%total) {alignment = 64} : memref<?xf64>
  %G = memref.alloc(%total) {alignment = 64} : memref<?xf64>
  %M = memref.alloc(%total) {alignment = 64} : memref<?xf64>
  %V = memref.alloc(%total) {alignment = 64} : memref<?xf64>
  %rp = memref.alloc(%n) : memref<?xf64>
  %rg = memref.alloc(%n) : memref<?xf64>
  %rm = memref.alloc(%n) : memref<?xf64>
  %rv = memref.alloc(%n) : memref<?xf64>
  %p = memref.subview %P[%offset] [%n] [1] : memref<?xf64> to !buffer
  %g = memref.subview %G[%offset] [%n] [1] : memref<?xf64> to !buffer
  %m = memref.subview %M[%offset] [%n] [1] : memref<?xf64> to !buffer
  %v = memref.subview %V[%offset] [%n] [1] : memref<?xf64> to !buffer

  scf.for %i = %c0 to %n step %c1 {
    %x0 = func.call @value(%i, %c1) : (index, index) -> f64
    %x1 = func.call @value(%i, %c2) : (index, index) -> f64
    %x2 = func.call @value(%i, %c3) : (index, index) -> f64
    %x3 = func.call @value(%i, %c4) : (index, index) -> f64
    %m0 = arith.mulf %x2, %tenth : f64
    %v0 = arith.mulf %x3, %x3 : f64
    %v1 = arith.mulf %v0, %tenth : f64
    memref.store %x0, %p[%i] : !buffer
    memref.store %x1, %g[%i] : !buffer
    memref.store %m0, %m[%i] : !buffer
    memref.store %v1, %v[%i] : !buffer
    memref.store %x0, %rp[%i] : memref<?xf64>
    memref.store %x1, %rg[%i] : memref<?xf64>
    memref.store %m0, %rm[%i] : memref<?xf64>
    memref.store %v1, %rv[%i] : memref<?xf64>
  }

  // Two steps; the second with another step and learning rate.
  %t1 = arith.constant 1 : i64
  %t2 = arith.constant 2 : i64
  %lr1 = arith.constant 1.0e-3 : f64
  %lr2 = arith.constant 5.0e-4 : f64
  func.call @step(%p, %g, %m, %v, %t1, %lr1)
      : (!buffer, !buffer, !buffer, !buffer, i64, f64) -> ()
  func.call @step(%p, %g, %m, %v, %t2, %lr2)
      : (!buffer, !buffer, !buffer, !buffer, i64, f64) -> ()
  %t1d = arith.constant 1.0 : f64
  %t2d = arith.constant 2.0 : f64
  func.call @reference_step(%rp, %rg, %rm, %rv, %t1d, %lr1)
      : (memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, f64,
         f64) -> ()
  func.call @reference_step(%rp, %rg, %rm, %rv, %t2d, %lr2)
      : (memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, f64,
         f64) -> ()

  %zero = arith.constant 0.0 : f64
  %e0 = func.call @max_abs_error(%p, %rp, %zero)
      : (!buffer, memref<?xf64>, f64) -> f64
  %e1 = func.call @max_abs_error(%m, %rm, %e0)
      : (!buffer, memref<?xf64>, f64) -> f64
  %err = func.call @max_abs_error(%v, %rv, %e1)
      : (!buffer, memref<?xf64>, f64) -> f64
  vector.print str "size "
  vector.print %n : index punctuation <no_punctuation>
  vector.print str " offset "
  vector.print %offset : index punctuation <no_punctuation>
  vector.print str " max-abs-error "
  vector.print %err : f64 punctuation <no_punctuation>
  %tol = arith.constant 1.0e-9 : f64
  %ok = arith.cmpf ole, %err, %tol : f64
  scf.if %ok {
    vector.print str " PASS\n"
  } else {
    vector.print str " FAIL\n"
  }

  memref.dealloc %P : memref<?xf64>
  memref.dealloc %G : memref<?xf64>
  memref.dealloc %M : memref<?xf64>
  memref.dealloc %V : memref<?xf64>
  memref.dealloc %rp : memref<?xf64>
  memref.dealloc %rg : memref<?xf64>
  memref.dealloc %rm : memref<?xf64>
  memref.dealloc %rv : memref<?xf64>
  return
}

func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c31 = arith.constant 31 : index
  %c1001 = arith.constant 1001 : index
  %c10000 = arith.constant 10000 : index
  func.call @check(%c1, %c0) : (index, index) -> ()
  func.call @check(%c31, %c0) : (index, index) -> ()
  func.call @check(%c1001, %c0) : (index, index) -> ()
  func.call @check(%c10000, %c0) : (index, index) -> ()
  func.call @check(%c1001, %c1) : (index, index) -> ()
  return
}
