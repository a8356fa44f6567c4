// One function updates seven tensors: five f32 tensors of different shapes,
// alignments and AdamW attributes, and two f64 tensors. With multi-tensor,
// optim-map-elementwise-to-gpu launches one kernel per tuple of element types;
// the f32 kernel walks a table of five tensors and has three body variants
// (weight decay or not, another beta2). The kernels run on the host
// (test-optim-gpu-to-cpu) for two steps and are compared with an f64 reference
// of the op's definition.

// RUN: optim-opt %s --optim-to-buffers-pipeline \
// RUN:   --optim-map-elementwise-to-gpu="threads-per-block=32 max-blocks=3 multi-tensor=true" \
// RUN: | FileCheck %s --check-prefix=LAUNCH

// LAUNCH-LABEL: func.func @step_all
// LAUNCH-COUNT-2: gpu.launch
// LAUNCH-NOT: gpu.launch
// LAUNCH-LABEL: func.func @value

// RUN: optim-opt %s --optim-to-buffers-pipeline \
// RUN:   --optim-map-elementwise-to-gpu="threads-per-block=32 max-blocks=3 multi-tensor=true" \
// RUN:   --test-optim-gpu-to-cpu --optim-cpu-to-llvm-pipeline \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_runtime_libs \
// RUN: | FileCheck %s

// CHECK: tensor 0 max-error {{.*}} PASS
// CHECK: tensor 1 max-error {{.*}} PASS
// CHECK: tensor 2 max-error {{.*}} PASS
// CHECK: tensor 3 max-error {{.*}} PASS
// CHECK: tensor 4 max-error {{.*}} PASS
// CHECK: tensor 5 max-error {{.*}} PASS
// CHECK: tensor 6 max-error {{.*}} PASS
// CHECK-NOT: FAIL

!misaligned = memref<?xf32, strided<[1], offset: ?>>

func.func @step_all(
    %p0: memref<?xf32>, %g0: memref<?xf32>, %m0: memref<?xf32>, %v0: memref<?xf32>,
    %p1: memref<4x37xf32>, %g1: memref<4x37xf32>, %m1: memref<4x37xf32>, %v1: memref<4x37xf32>,
    %p2: memref<f32>, %g2: memref<f32>, %m2: memref<f32>, %v2: memref<f32>,
    %p3: !misaligned, %g3: !misaligned, %m3: !misaligned, %v3: !misaligned,
    %p4: memref<?xf32>, %g4: memref<?xf32>, %m4: memref<?xf32>, %v4: memref<?xf32>,
    %p5: memref<?xf64>, %g5: memref<?xf64>, %m5: memref<?xf64>, %v5: memref<?xf64>,
    %p6: memref<?xf64>, %g6: memref<?xf64>, %m6: memref<?xf64>, %v6: memref<?xf64>,
    %t: i64, %lr: f32, %lr64: f64) {
  optim.adamw_step %p0, %g0, %m0, %v0, step %t, lr %lr
      {weight_decay = 1.0e-01 : f64} : memref<?xf32>
  optim.adamw_step %p1, %g1, %m1, %v1, step %t, lr %lr
      {weight_decay = 1.0e-01 : f64} : memref<4x37xf32>
  optim.adamw_step %p2, %g2, %m2, %v2, step %t, lr %lr
      {weight_decay = 0.0 : f64} : memref<f32>
  optim.adamw_step %p3, %g3, %m3, %v3, step %t, lr %lr
      {weight_decay = 0.0 : f64} : !misaligned
  optim.adamw_step %p4, %g4, %m4, %v4, step %t, lr %lr
      {beta2 = 9.5e-01 : f64, weight_decay = 1.0e-01 : f64} : memref<?xf32>
  optim.adamw_step %p5, %g5, %m5, %v5, step %t, lr %lr64
      {weight_decay = 1.0e-01 : f64} : memref<?xf64>
  optim.adamw_step %p6, %g6, %m6, %v6, step %t, lr %lr64
      {weight_decay = 0.0 : f64} : memref<?xf64>
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

// A tensor of `n` elements: f32 (at element `offset` of its allocation) or
// f64 state, and the f64 reference state, initialised alike.
func.func @make_f32(%n: index, %offset: index, %seed: index)
    -> (!misaligned, !misaligned, !misaligned, !misaligned,
        memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %tenth = arith.constant 0.1 : f64
  %total = arith.addi %n, %offset : index
  %P = memref.alloc(%total) {alignment = 64} : memref<?xf32>
  %G = memref.alloc(%total) {alignment = 64} : memref<?xf32>
  %M = memref.alloc(%total) {alignment = 64} : memref<?xf32>
  %V = memref.alloc(%total) {alignment = 64} : memref<?xf32>
  %p = memref.subview %P[%offset] [%n] [1] : memref<?xf32> to !misaligned
  %g = memref.subview %G[%offset] [%n] [1] : memref<?xf32> to !misaligned
  %m = memref.subview %M[%offset] [%n] [1] : memref<?xf32> to !misaligned
  %v = memref.subview %V[%offset] [%n] [1] : memref<?xf32> to !misaligned
  %rp = memref.alloc(%n) : memref<?xf64>
  %rg = memref.alloc(%n) : memref<?xf64>
  %rm = memref.alloc(%n) : memref<?xf64>
  %rv = memref.alloc(%n) : memref<?xf64>
  %s1 = arith.addi %seed, %c1 : index
  %s2 = arith.addi %s1, %c1 : index
  %s3 = arith.addi %s2, %c1 : index
  scf.for %i = %c0 to %n step %c1 {
    %x0 = func.call @value(%i, %seed) : (index, index) -> f64
    %x1 = func.call @value(%i, %s1) : (index, index) -> f64
    %x2 = func.call @value(%i, %s2) : (index, index) -> f64
    %x3 = func.call @value(%i, %s3) : (index, index) -> f64
    %mi = arith.mulf %x2, %tenth : f64
    %sq = arith.mulf %x3, %x3 : f64
    %vi = arith.mulf %sq, %tenth : f64
    // Round to f32 once, so that both sides start from the same data.
    %f0 = arith.truncf %x0 : f64 to f32
    %f1 = arith.truncf %x1 : f64 to f32
    %f2 = arith.truncf %mi : f64 to f32
    %f3 = arith.truncf %vi : f64 to f32
    %e0 = arith.extf %f0 : f32 to f64
    %e1 = arith.extf %f1 : f32 to f64
    %e2 = arith.extf %f2 : f32 to f64
    %e3 = arith.extf %f3 : f32 to f64
    memref.store %f0, %p[%i] : !misaligned
    memref.store %f1, %g[%i] : !misaligned
    memref.store %f2, %m[%i] : !misaligned
    memref.store %f3, %v[%i] : !misaligned
    memref.store %e0, %rp[%i] : memref<?xf64>
    memref.store %e1, %rg[%i] : memref<?xf64>
    memref.store %e2, %rm[%i] : memref<?xf64>
    memref.store %e3, %rv[%i] : memref<?xf64>
  }
  return %p, %g, %m, %v, %rp, %rg, %rm, %rv
      : !misaligned, !misaligned, !misaligned, !misaligned,
        memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>
}

func.func @make_f64(%n: index, %seed: index)
    -> (memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>,
        memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %tenth = arith.constant 0.1 : f64
  %p = memref.alloc(%n) {alignment = 64} : memref<?xf64>
  %g = memref.alloc(%n) {alignment = 64} : memref<?xf64>
  %m = memref.alloc(%n) {alignment = 64} : memref<?xf64>
  %v = memref.alloc(%n) {alignment = 64} : memref<?xf64>
  %rp = memref.alloc(%n) : memref<?xf64>
  %rg = memref.alloc(%n) : memref<?xf64>
  %rm = memref.alloc(%n) : memref<?xf64>
  %rv = memref.alloc(%n) : memref<?xf64>
  %s1 = arith.addi %seed, %c1 : index
  %s2 = arith.addi %s1, %c1 : index
  %s3 = arith.addi %s2, %c1 : index
  scf.for %i = %c0 to %n step %c1 {
    %x0 = func.call @value(%i, %seed) : (index, index) -> f64
    %x1 = func.call @value(%i, %s1) : (index, index) -> f64
    %x2 = func.call @value(%i, %s2) : (index, index) -> f64
    %x3 = func.call @value(%i, %s3) : (index, index) -> f64
    %mi = arith.mulf %x2, %tenth : f64
    %sq = arith.mulf %x3, %x3 : f64
    %vi = arith.mulf %sq, %tenth : f64
    memref.store %x0, %p[%i] : memref<?xf64>
    memref.store %x1, %g[%i] : memref<?xf64>
    memref.store %mi, %m[%i] : memref<?xf64>
    memref.store %vi, %v[%i] : memref<?xf64>
    memref.store %x0, %rp[%i] : memref<?xf64>
    memref.store %x1, %rg[%i] : memref<?xf64>
    memref.store %mi, %rm[%i] : memref<?xf64>
    memref.store %vi, %rv[%i] : memref<?xf64>
  }
  return %p, %g, %m, %v, %rp, %rg, %rm, %rv
      : memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>,
        memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>
}

// One reference AdamW step in f64, straight from the op's definition.
func.func @reference_step(%p: memref<?xf64>, %g: memref<?xf64>,
                          %m: memref<?xf64>, %v: memref<?xf64>,
                          %t: f64, %lr: f64, %beta2: f64, %wd: f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f64
  %beta1 = arith.constant 0.9 : f64
  %eps = arith.constant 1.0e-8 : f64
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

// max over i of |x[i] - ref[i]| / max(|ref[i]|, %floor), folded into %acc.
func.func @error_f32(%x: !misaligned, %ref: memref<?xf64>, %floor: f64,
                     %acc: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %ref, %c0 : memref<?xf64>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%e = %acc) -> f64 {
    %xi = memref.load %x[%i] : !misaligned
    %xd = arith.extf %xi : f32 to f64
    %ri = memref.load %ref[%i] : memref<?xf64>
    %d = arith.subf %xd, %ri : f64
    %ad = math.absf %d : f64
    %ar = math.absf %ri : f64
    %s = arith.maximumf %ar, %floor : f64
    %rel = arith.divf %ad, %s : f64
    %en = arith.maximumf %e, %rel : f64
    scf.yield %en : f64
  }
  return %r : f64
}

func.func @error_f64(%x: memref<?xf64>, %ref: memref<?xf64>, %acc: f64)
    -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %ref, %c0 : memref<?xf64>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%e = %acc) -> f64 {
    %xi = memref.load %x[%i] : memref<?xf64>
    %ri = memref.load %ref[%i] : memref<?xf64>
    %d = arith.subf %xi, %ri : f64
    %ad = math.absf %d : f64
    %en = arith.maximumf %e, %ad : f64
    scf.yield %en : f64
  }
  return %r : f64
}

func.func @report(%id: index, %err: f64, %tol: f64) {
  vector.print str "tensor "
  vector.print %id : index punctuation <no_punctuation>
  vector.print str " max-error "
  vector.print %err : f64 punctuation <no_punctuation>
  %ok = arith.cmpf ole, %err, %tol : f64
  scf.if %ok {
    vector.print str " PASS\n"
  } else {
    vector.print str " FAIL\n"
  }
  return
}

func.func @check_f32(%id: index, %p: !misaligned, %m: !misaligned,
                     %v: !misaligned, %rp: memref<?xf64>, %rm: memref<?xf64>,
                     %rv: memref<?xf64>) {
  %zero = arith.constant 0.0 : f64
  %floor = arith.constant 1.0e-2 : f64
  %e0 = func.call @error_f32(%p, %rp, %floor, %zero)
      : (!misaligned, memref<?xf64>, f64, f64) -> f64
  %e1 = func.call @error_f32(%m, %rm, %floor, %e0)
      : (!misaligned, memref<?xf64>, f64, f64) -> f64
  %e2 = func.call @error_f32(%v, %rv, %floor, %e1)
      : (!misaligned, memref<?xf64>, f64, f64) -> f64
  %tol = arith.constant 1.0e-6 : f64
  func.call @report(%id, %e2, %tol) : (index, f64, f64) -> ()
  return
}

func.func @check_f64(%id: index, %p: memref<?xf64>, %m: memref<?xf64>,
                     %v: memref<?xf64>, %rp: memref<?xf64>, %rm: memref<?xf64>,
                     %rv: memref<?xf64>) {
  %zero = arith.constant 0.0 : f64
  %e0 = func.call @error_f64(%p, %rp, %zero)
      : (memref<?xf64>, memref<?xf64>, f64) -> f64
  %e1 = func.call @error_f64(%m, %rm, %e0)
      : (memref<?xf64>, memref<?xf64>, f64) -> f64
  %e2 = func.call @error_f64(%v, %rv, %e1)
      : (memref<?xf64>, memref<?xf64>, f64) -> f64
  %tol = arith.constant 1.0e-9 : f64
  func.call @report(%id, %e2, %tol) : (index, f64, f64) -> ()
  return
}

func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c5 = arith.constant 5 : index
  %c6 = arith.constant 6 : index
  %c10 = arith.constant 10 : index
  %c20 = arith.constant 20 : index
  %c30 = arith.constant 30 : index
  %c40 = arith.constant 40 : index
  %c50 = arith.constant 50 : index
  %c60 = arith.constant 60 : index
  %c64 = arith.constant 64 : index
  %c70 = arith.constant 70 : index
  %c77 = arith.constant 77 : index
  %c148 = arith.constant 148 : index
  %c300 = arith.constant 300 : index
  %c33 = arith.constant 33 : index
  %c1001 = arith.constant 1001 : index

  %p0, %g0, %m0, %v0, %rp0, %rg0, %rm0, %rv0 = func.call @make_f32(%c1001, %c0, %c10)
      : (index, index, index) -> (!misaligned, !misaligned, !misaligned, !misaligned, memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>)
  %p1, %g1, %m1, %v1, %rp1, %rg1, %rm1, %rv1 = func.call @make_f32(%c148, %c0, %c20)
      : (index, index, index) -> (!misaligned, !misaligned, !misaligned, !misaligned, memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>)
  %p2, %g2, %m2, %v2, %rp2, %rg2, %rm2, %rv2 = func.call @make_f32(%c1, %c0, %c30)
      : (index, index, index) -> (!misaligned, !misaligned, !misaligned, !misaligned, memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>)
  %p3, %g3, %m3, %v3, %rp3, %rg3, %rm3, %rv3 = func.call @make_f32(%c77, %c1, %c40)
      : (index, index, index) -> (!misaligned, !misaligned, !misaligned, !misaligned, memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>)
  %p4, %g4, %m4, %v4, %rp4, %rg4, %rm4, %rv4 = func.call @make_f32(%c64, %c0, %c50)
      : (index, index, index) -> (!misaligned, !misaligned, !misaligned, !misaligned, memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>)
  %p5, %g5, %m5, %v5, %rp5, %rg5, %rm5, %rv5 = func.call @make_f64(%c300, %c60)
      : (index, index) -> (memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>)
  %p6, %g6, %m6, %v6, %rp6, %rg6, %rm6, %rv6 = func.call @make_f64(%c33, %c70)
      : (index, index) -> (memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>)

  // The shapes @step_all expects. Tensor 0 and 4 start at offset 0, so their
  // identity-layout views are exact; tensor 3 stays misaligned.
  %pa = memref.reinterpret_cast %p0 to offset: [0], sizes: [%c1001], strides: [1] : !misaligned to memref<?xf32>
  %ga = memref.reinterpret_cast %g0 to offset: [0], sizes: [%c1001], strides: [1] : !misaligned to memref<?xf32>
  %ma = memref.reinterpret_cast %m0 to offset: [0], sizes: [%c1001], strides: [1] : !misaligned to memref<?xf32>
  %va = memref.reinterpret_cast %v0 to offset: [0], sizes: [%c1001], strides: [1] : !misaligned to memref<?xf32>
  %pb = memref.reinterpret_cast %p1 to offset: [0], sizes: [4, 37], strides: [37, 1] : !misaligned to memref<4x37xf32>
  %gb = memref.reinterpret_cast %g1 to offset: [0], sizes: [4, 37], strides: [37, 1] : !misaligned to memref<4x37xf32>
  %mb = memref.reinterpret_cast %m1 to offset: [0], sizes: [4, 37], strides: [37, 1] : !misaligned to memref<4x37xf32>
  %vb = memref.reinterpret_cast %v1 to offset: [0], sizes: [4, 37], strides: [37, 1] : !misaligned to memref<4x37xf32>
  %pc = memref.reinterpret_cast %p2 to offset: [0], sizes: [], strides: [] : !misaligned to memref<f32>
  %gc = memref.reinterpret_cast %g2 to offset: [0], sizes: [], strides: [] : !misaligned to memref<f32>
  %mc = memref.reinterpret_cast %m2 to offset: [0], sizes: [], strides: [] : !misaligned to memref<f32>
  %vc = memref.reinterpret_cast %v2 to offset: [0], sizes: [], strides: [] : !misaligned to memref<f32>
  %pe = memref.reinterpret_cast %p4 to offset: [0], sizes: [%c64], strides: [1] : !misaligned to memref<?xf32>
  %ge = memref.reinterpret_cast %g4 to offset: [0], sizes: [%c64], strides: [1] : !misaligned to memref<?xf32>
  %me = memref.reinterpret_cast %m4 to offset: [0], sizes: [%c64], strides: [1] : !misaligned to memref<?xf32>
  %ve = memref.reinterpret_cast %v4 to offset: [0], sizes: [%c64], strides: [1] : !misaligned to memref<?xf32>

  %t1 = arith.constant 1 : i64
  %t2 = arith.constant 2 : i64
  %lr1 = arith.constant 1.0e-3 : f32
  %lr2 = arith.constant 5.0e-4 : f32
  %lr1d = arith.extf %lr1 : f32 to f64
  %lr2d = arith.extf %lr2 : f32 to f64
  func.call @step_all(%pa, %ga, %ma, %va, %pb, %gb, %mb, %vb, %pc, %gc, %mc, %vc,
                      %p3, %g3, %m3, %v3, %pe, %ge, %me, %ve,
                      %p5, %g5, %m5, %v5, %p6, %g6, %m6, %v6, %t1, %lr1, %lr1d)
      : (memref<?xf32>, memref<?xf32>, memref<?xf32>, memref<?xf32>,
         memref<4x37xf32>, memref<4x37xf32>, memref<4x37xf32>, memref<4x37xf32>,
         memref<f32>, memref<f32>, memref<f32>, memref<f32>,
         !misaligned, !misaligned, !misaligned, !misaligned,
         memref<?xf32>, memref<?xf32>, memref<?xf32>, memref<?xf32>,
         memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>,
         memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>,
         i64, f32, f64) -> ()
  func.call @step_all(%pa, %ga, %ma, %va, %pb, %gb, %mb, %vb, %pc, %gc, %mc, %vc,
                      %p3, %g3, %m3, %v3, %pe, %ge, %me, %ve,
                      %p5, %g5, %m5, %v5, %p6, %g6, %m6, %v6, %t2, %lr2, %lr2d)
      : (memref<?xf32>, memref<?xf32>, memref<?xf32>, memref<?xf32>,
         memref<4x37xf32>, memref<4x37xf32>, memref<4x37xf32>, memref<4x37xf32>,
         memref<f32>, memref<f32>, memref<f32>, memref<f32>,
         !misaligned, !misaligned, !misaligned, !misaligned,
         memref<?xf32>, memref<?xf32>, memref<?xf32>, memref<?xf32>,
         memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>,
         memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>,
         i64, f32, f64) -> ()

  %one = arith.constant 1.0 : f64
  %two = arith.constant 2.0 : f64
  %b2 = arith.constant 0.999 : f64
  %b2e = arith.constant 0.95 : f64
  %wd = arith.constant 0.1 : f64
  %nowd = arith.constant 0.0 : f64
  func.call @reference_step(%rp0, %rg0, %rm0, %rv0, %one, %lr1d, %b2, %wd) : (memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, f64, f64, f64, f64) -> ()
  func.call @reference_step(%rp0, %rg0, %rm0, %rv0, %two, %lr2d, %b2, %wd) : (memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, f64, f64, f64, f64) -> ()
  func.call @reference_step(%rp1, %rg1, %rm1, %rv1, %one, %lr1d, %b2, %wd) : (memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, f64, f64, f64, f64) -> ()
  func.call @reference_step(%rp1, %rg1, %rm1, %rv1, %two, %lr2d, %b2, %wd) : (memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, f64, f64, f64, f64) -> ()
  func.call @reference_step(%rp2, %rg2, %rm2, %rv2, %one, %lr1d, %b2, %nowd) : (memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, f64, f64, f64, f64) -> ()
  func.call @reference_step(%rp2, %rg2, %rm2, %rv2, %two, %lr2d, %b2, %nowd) : (memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, f64, f64, f64, f64) -> ()
  func.call @reference_step(%rp3, %rg3, %rm3, %rv3, %one, %lr1d, %b2, %nowd) : (memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, f64, f64, f64, f64) -> ()
  func.call @reference_step(%rp3, %rg3, %rm3, %rv3, %two, %lr2d, %b2, %nowd) : (memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, f64, f64, f64, f64) -> ()
  func.call @reference_step(%rp4, %rg4, %rm4, %rv4, %one, %lr1d, %b2e, %wd) : (memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, f64, f64, f64, f64) -> ()
  func.call @reference_step(%rp4, %rg4, %rm4, %rv4, %two, %lr2d, %b2e, %wd) : (memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, f64, f64, f64, f64) -> ()
  func.call @reference_step(%rp5, %rg5, %rm5, %rv5, %one, %lr1d, %b2, %wd) : (memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, f64, f64, f64, f64) -> ()
  func.call @reference_step(%rp5, %rg5, %rm5, %rv5, %two, %lr2d, %b2, %wd) : (memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, f64, f64, f64, f64) -> ()
  func.call @reference_step(%rp6, %rg6, %rm6, %rv6, %one, %lr1d, %b2, %nowd) : (memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, f64, f64, f64, f64) -> ()
  func.call @reference_step(%rp6, %rg6, %rm6, %rv6, %two, %lr2d, %b2, %nowd) : (memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, f64, f64, f64, f64) -> ()

  func.call @check_f32(%c0, %p0, %m0, %v0, %rp0, %rm0, %rv0) : (index, !misaligned, !misaligned, !misaligned, memref<?xf64>, memref<?xf64>, memref<?xf64>) -> ()
  func.call @check_f32(%c1, %p1, %m1, %v1, %rp1, %rm1, %rv1) : (index, !misaligned, !misaligned, !misaligned, memref<?xf64>, memref<?xf64>, memref<?xf64>) -> ()
  func.call @check_f32(%c2, %p2, %m2, %v2, %rp2, %rm2, %rv2) : (index, !misaligned, !misaligned, !misaligned, memref<?xf64>, memref<?xf64>, memref<?xf64>) -> ()
  func.call @check_f32(%c3, %p3, %m3, %v3, %rp3, %rm3, %rv3) : (index, !misaligned, !misaligned, !misaligned, memref<?xf64>, memref<?xf64>, memref<?xf64>) -> ()
  func.call @check_f32(%c4, %p4, %m4, %v4, %rp4, %rm4, %rv4) : (index, !misaligned, !misaligned, !misaligned, memref<?xf64>, memref<?xf64>, memref<?xf64>) -> ()
  func.call @check_f64(%c5, %p5, %m5, %v5, %rp5, %rm5, %rv5) : (index, memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>) -> ()
  func.call @check_f64(%c6, %p6, %m6, %v6, %rp6, %rm6, %rv6) : (index, memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>) -> ()
  return
}
