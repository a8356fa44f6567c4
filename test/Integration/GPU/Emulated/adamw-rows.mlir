// Runs the f64 AdamW kernel of optim-map-elementwise-to-gpu on rows of a wider
// buffer (a column block of a matrix, which no 1-D view covers) on the host
// (test-optim-gpu-to-cpu) for two steps, with and without multi-tensor, and
// compares param, m and v with an f64 reference of the op's definition within
// 1e-9 absolute. The columns outside the block must keep their values. Blocks
// of 32 threads, at most 3 blocks.

// RUN: optim-opt %s --optim-to-buffers-pipeline \
// RUN:   --optim-map-elementwise-to-gpu="threads-per-block=32 max-blocks=3" \
// RUN: | FileCheck %s --check-prefix=LAUNCH
// RUN: optim-opt %s --optim-to-buffers-pipeline \
// RUN:   --optim-map-elementwise-to-gpu="threads-per-block=32 max-blocks=3" \
// RUN:   --test-optim-gpu-to-cpu --optim-cpu-to-llvm-pipeline \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_runtime_libs \
// RUN: | FileCheck %s
// RUN: optim-opt %s --optim-to-buffers-pipeline \
// RUN:   --optim-map-elementwise-to-gpu="threads-per-block=32 max-blocks=3 multi-tensor=1" \
// RUN:   --test-optim-gpu-to-cpu --optim-cpu-to-llvm-pipeline \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_runtime_libs \
// RUN: | FileCheck %s

// The step is one kernel, nothing of it left on the host.
// LAUNCH-LABEL: func.func @step(
// LAUNCH:         gpu.launch
// LAUNCH-NOT:     linalg.generic
// LAUNCH-LABEL: func.func @reference_step(

// CHECK: rows 1 columns 1 max-abs-error {{.*}} outside 0 PASS
// CHECK: rows 257 columns 5 max-abs-error {{.*}} outside 0 PASS
// CHECK: rows 3 columns 70000 max-abs-error {{.*}} outside 0 PASS
// CHECK: rows 1000 columns 33 max-abs-error {{.*}} outside 0 PASS
// CHECK-NOT: FAIL

!rows = memref<?x?xf64, strided<[?, 1], offset: ?>>

func.func @step(%p: !rows, %g: !rows, %m: !rows, %v: !rows, %t: i64,
                %lr: f64) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
      {weight_decay = 1.0e-01 : f64} : !rows
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

// One reference AdamW step in f64, straight from the op's definition, on
// plain row-major matrices.
func.func @reference_step(%p: memref<?x?xf64>, %g: memref<?x?xf64>,
                          %m: memref<?x?xf64>, %v: memref<?x?xf64>,
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
  %rows = memref.dim %p, %c0 : memref<?x?xf64>
  %cols = memref.dim %p, %c1 : memref<?x?xf64>
  scf.for %r = %c0 to %rows step %c1 {
    scf.for %c = %c0 to %cols step %c1 {
      %pi = memref.load %p[%r, %c] : memref<?x?xf64>
      %gi = memref.load %g[%r, %c] : memref<?x?xf64>
      %mi = memref.load %m[%r, %c] : memref<?x?xf64>
      %vi = memref.load %v[%r, %c] : memref<?x?xf64>
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
      %q = arith.divf %mhat, %den : f64
      %dec = arith.mulf %wd, %pi : f64
      %u = arith.addf %q, %dec : f64
      %lu = arith.mulf %lr, %u : f64
      %pn = arith.subf %pi, %lu : f64
      memref.store %pn, %p[%r, %c] : memref<?x?xf64>
      memref.store %mn, %m[%r, %c] : memref<?x?xf64>
      memref.store %vn, %v[%r, %c] : memref<?x?xf64>
    }
  }
  return
}

// max over the block of |x - ref|, folded into %acc.
func.func @max_abs_error(%x: !rows, %ref: memref<?x?xf64>, %acc: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = memref.dim %ref, %c0 : memref<?x?xf64>
  %cols = memref.dim %ref, %c1 : memref<?x?xf64>
  %r = scf.for %i = %c0 to %rows step %c1 iter_args(%e = %acc) -> f64 {
    %rr = scf.for %j = %c0 to %cols step %c1 iter_args(%f = %e) -> f64 {
      %xi = memref.load %x[%i, %j] : !rows
      %ri = memref.load %ref[%i, %j] : memref<?x?xf64>
      %d = arith.subf %xi, %ri : f64
      %ad = math.absf %d : f64
      %fn = arith.maximumf %f, %ad : f64
      scf.yield %fn : f64
    }
    scf.yield %rr : f64
  }
  return %r : f64
}

func.func @fill(%x: memref<?x?xf64>, %value: f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = memref.dim %x, %c0 : memref<?x?xf64>
  %width = memref.dim %x, %c1 : memref<?x?xf64>
  scf.for %i = %c0 to %rows step %c1 {
    scf.for %j = %c0 to %width step %c1 {
      memref.store %value, %x[%i, %j] : memref<?x?xf64>
    }
  }
  return
}

// The number of elements of the wide buffer `x`, outside columns
// [first, first + cols), that no longer hold `sentinel`.
func.func @changed_outside(%x: memref<?x?xf64>, %first: index, %cols: index,
                           %sentinel: f64, %acc: index) -> index {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = memref.dim %x, %c0 : memref<?x?xf64>
  %width = memref.dim %x, %c1 : memref<?x?xf64>
  %last = arith.addi %first, %cols : index
  %r = scf.for %i = %c0 to %rows step %c1 iter_args(%a = %acc) -> index {
    %rr = scf.for %j = %c0 to %width step %c1 iter_args(%b = %a) -> index {
      %before = arith.cmpi ult, %j, %first : index
      %after = arith.cmpi uge, %j, %last : index
      %outside = arith.ori %before, %after : i1
      %xi = memref.load %x[%i, %j] : memref<?x?xf64>
      %moved = arith.cmpf une, %xi, %sentinel : f64
      %bad = arith.andi %outside, %moved : i1
      %inc = arith.select %bad, %c1, %c0 : index
      %bn = arith.addi %b, %inc : index
      scf.yield %bn : index
    }
    scf.yield %rr : index
  }
  return %r : index
}

// Steps columns [2, 2 + cols) of buffers of `rows` rows and cols + 5 columns.
func.func @check(%rows: index, %cols: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c5 = arith.constant 5 : index
  %tenth = arith.constant 0.1 : f64
  %sentinel = arith.constant 7.0 : f64
  %width = arith.addi %cols, %c5 : index
  %P = memref.alloc(%rows, %width) : memref<?x?xf64>
  %G = memref.alloc(%rows, %width) : memref<?x?xf64>
  %M = memref.alloc(%rows, %width) : memref<?x?xf64>
  %V = memref.alloc(%rows, %width) : memref<?x?xf64>
  func.call @fill(%P, %sentinel) : (memref<?x?xf64>, f64) -> ()
  func.call @fill(%G, %sentinel) : (memref<?x?xf64>, f64) -> ()
  func.call @fill(%M, %sentinel) : (memref<?x?xf64>, f64) -> ()
  func.call @fill(%V, %sentinel) : (memref<?x?xf64>, f64) -> ()
  %rp = memref.alloc(%rows, %cols) : memref<?x?xf64>
  %rg = memref.alloc(%rows, %cols) : memref<?x?xf64>
  %rm = memref.alloc(%rows, %cols) : memref<?x?xf64>
  %rv = memref.alloc(%rows, %cols) : memref<?x?xf64>
  %p = memref.subview %P[0, %c2] [%rows, %cols] [1, 1] : memref<?x?xf64> to !rows
  %g = memref.subview %G[0, %c2] [%rows, %cols] [1, 1] : memref<?x?xf64> to !rows
  %m = memref.subview %M[0, %c2] [%rows, %cols] [1, 1] : memref<?x?xf64> to !rows
  %v = memref.subview %V[0, %c2] [%rows, %cols] [1, 1] : memref<?x?xf64> to !rows

  scf.for %r = %c0 to %rows step %c1 {
    scf.for %c = %c0 to %cols step %c1 {
      %rc = arith.muli %r, %cols : index
      %i = arith.addi %rc, %c : index
      %x0 = func.call @value(%i, %c1) : (index, index) -> f64
      %x1 = func.call @value(%i, %c2) : (index, index) -> f64
      %x2 = func.call @value(%i, %c3) : (index, index) -> f64
      %x3 = func.call @value(%i, %c4) : (index, index) -> f64
      %m0 = arith.mulf %x2, %tenth : f64
      %v0 = arith.mulf %x3, %x3 : f64
      %v1 = arith.mulf %v0, %tenth : f64
      memref.store %x0, %p[%r, %c] : !rows
      memref.store %x1, %g[%r, %c] : !rows
      memref.store %m0, %m[%r, %c] : !rows
      memref.store %v1, %v[%r, %c] : !rows
      memref.store %x0, %rp[%r, %c] : memref<?x?xf64>
      memref.store %x1, %rg[%r, %c] : memref<?x?xf64>
      memref.store %m0, %rm[%r, %c] : memref<?x?xf64>
      memref.store %v1, %rv[%r, %c] : memref<?x?xf64>
    }
  }

  // Two steps; the second with another step and learning rate.
  %t1 = arith.constant 1 : i64
  %t2 = arith.constant 2 : i64
  %lr1 = arith.constant 1.0e-3 : f64
  %lr2 = arith.constant 5.0e-4 : f64
  func.call @step(%p, %g, %m, %v, %t1, %lr1)
      : (!rows, !rows, !rows, !rows, i64, f64) -> ()
  func.call @step(%p, %g, %m, %v, %t2, %lr2)
      : (!rows, !rows, !rows, !rows, i64, f64) -> ()
  %t1d = arith.constant 1.0 : f64
  %t2d = arith.constant 2.0 : f64
  func.call @reference_step(%rp, %rg, %rm, %rv, %t1d, %lr1)
      : (memref<?x?xf64>, memref<?x?xf64>, memref<?x?xf64>, memref<?x?xf64>,
         f64, f64) -> ()
  func.call @reference_step(%rp, %rg, %rm, %rv, %t2d, %lr2)
      : (memref<?x?xf64>, memref<?x?xf64>, memref<?x?xf64>, memref<?x?xf64>,
         f64, f64) -> ()

  %zero = arith.constant 0.0 : f64
  %e0 = func.call @max_abs_error(%p, %rp, %zero)
      : (!rows, memref<?x?xf64>, f64) -> f64
  %e1 = func.call @max_abs_error(%m, %rm, %e0)
      : (!rows, memref<?x?xf64>, f64) -> f64
  %err = func.call @max_abs_error(%v, %rv, %e1)
      : (!rows, memref<?x?xf64>, f64) -> f64
  %o0 = func.call @changed_outside(%P, %c2, %cols, %sentinel, %c0)
      : (memref<?x?xf64>, index, index, f64, index) -> index
  %o1 = func.call @changed_outside(%G, %c2, %cols, %sentinel, %o0)
      : (memref<?x?xf64>, index, index, f64, index) -> index
  %o2 = func.call @changed_outside(%M, %c2, %cols, %sentinel, %o1)
      : (memref<?x?xf64>, index, index, f64, index) -> index
  %outside = func.call @changed_outside(%V, %c2, %cols, %sentinel, %o2)
      : (memref<?x?xf64>, index, index, f64, index) -> index
  vector.print str "rows "
  vector.print %rows : index punctuation <no_punctuation>
  vector.print str " columns "
  vector.print %cols : index punctuation <no_punctuation>
  vector.print str " max-abs-error "
  vector.print %err : f64 punctuation <no_punctuation>
  vector.print str " outside "
  vector.print %outside : index punctuation <no_punctuation>
  %tol = arith.constant 1.0e-9 : f64
  %close = arith.cmpf ole, %err, %tol : f64
  %untouched = arith.cmpi eq, %outside, %c0 : index
  %ok = arith.andi %close, %untouched : i1
  scf.if %ok {
    vector.print str " PASS\n"
  } else {
    vector.print str " FAIL\n"
  }

  memref.dealloc %P : memref<?x?xf64>
  memref.dealloc %G : memref<?x?xf64>
  memref.dealloc %M : memref<?x?xf64>
  memref.dealloc %V : memref<?x?xf64>
  memref.dealloc %rp : memref<?x?xf64>
  memref.dealloc %rg : memref<?x?xf64>
  memref.dealloc %rm : memref<?x?xf64>
  memref.dealloc %rv : memref<?x?xf64>
  return
}

func.func @main() {
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c5 = arith.constant 5 : index
  %c33 = arith.constant 33 : index
  %c257 = arith.constant 257 : index
  %c1000 = arith.constant 1000 : index
  %c70000 = arith.constant 70000 : index
  func.call @check(%c1, %c1) : (index, index) -> ()
  func.call @check(%c257, %c5) : (index, index) -> ()
  func.call @check(%c3, %c70000) : (index, index) -> ()
  func.call @check(%c1000, %c33) : (index, index) -> ()
  return
}
