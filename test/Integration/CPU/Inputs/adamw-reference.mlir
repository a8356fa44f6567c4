// Shared by the CPU integration tests: deterministic inputs, an independent
// scalar AdamW reference written from the textbook formula, and error
// measures. Tests append this file to their own (`cat %s %S/Inputs/...`).

// buf[i] = offset + scale * sin(freq * (i + 1)).
func.func @fill(%buf: memref<?xf64>, %freq: f64, %scale: f64, %offset: f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %buf, %c0 : memref<?xf64>
  scf.for %i = %c0 to %n step %c1 {
    %i1 = arith.addi %i, %c1 : index
    %ii = arith.index_cast %i1 : index to i64
    %x = arith.sitofp %ii : i64 to f64
    %fx = arith.mulf %freq, %x : f64
    %s = math.sin %fx : f64
    %ss = arith.mulf %scale, %s : f64
    %y = arith.addf %offset, %ss : f64
    memref.store %y, %buf[%i] : memref<?xf64>
  }
  return
}

// dst[i] = src[i] (f64 copy, for keeping the inputs of the reference).
func.func @copy(%src: memref<?xf64>, %dst: memref<?xf64>) {
  memref.copy %src, %dst : memref<?xf64> to memref<?xf64>
  return
}

// Rounds to f32 (dst) and back (src), so both sides see the same inputs.
func.func @round_to_f32(%src: memref<?xf64>, %dst: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %src, %c0 : memref<?xf64>
  scf.for %i = %c0 to %n step %c1 {
    %x = memref.load %src[%i] : memref<?xf64>
    %y = arith.truncf %x : f64 to f32
    %z = arith.extf %y : f32 to f64
    memref.store %y, %dst[%i] : memref<?xf32>
    memref.store %z, %src[%i] : memref<?xf64>
  }
  return
}

// The textbook AdamW step, element by element, in f64:
//   m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g*g
//   mhat = m/(1-b1^t);    vhat = v/(1-b2^t)
//   p = p - lr*(mhat/(sqrt(vhat)+eps) + wd*p)
func.func @reference_adamw(%p: memref<?xf64>, %g: memref<?xf64>,
                           %m: memref<?xf64>, %v: memref<?xf64>, %t: i64,
                           %lr: f64, %b1: f64, %b2: f64, %eps: f64,
                           %wd: f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f64
  %n = memref.dim %p, %c0 : memref<?xf64>
  %tf = arith.sitofp %t : i64 to f64
  %b1t = math.powf %b1, %tf : f64
  %b2t = math.powf %b2, %tf : f64
  %bc1 = arith.subf %one, %b1t : f64
  %bc2 = arith.subf %one, %b2t : f64
  %omb1 = arith.subf %one, %b1 : f64
  %omb2 = arith.subf %one, %b2 : f64
  scf.for %i = %c0 to %n step %c1 {
    %pi = memref.load %p[%i] : memref<?xf64>
    %gi = memref.load %g[%i] : memref<?xf64>
    %mi = memref.load %m[%i] : memref<?xf64>
    %vi = memref.load %v[%i] : memref<?xf64>
    %m1a = arith.mulf %b1, %mi : f64
    %m1b = arith.mulf %omb1, %gi : f64
    %m1 = arith.addf %m1a, %m1b : f64
    %gg = arith.mulf %gi, %gi : f64
    %v1a = arith.mulf %b2, %vi : f64
    %v1b = arith.mulf %omb2, %gg : f64
    %v1 = arith.addf %v1a, %v1b : f64
    %mhat = arith.divf %m1, %bc1 : f64
    %vhat = arith.divf %v1, %bc2 : f64
    %sq = math.sqrt %vhat : f64
    %den = arith.addf %sq, %eps : f64
    %adam = arith.divf %mhat, %den : f64
    %decay = arith.mulf %wd, %pi : f64
    %upd = arith.addf %adam, %decay : f64
    %step = arith.mulf %lr, %upd : f64
    %p1 = arith.subf %pi, %step : f64
    memref.store %p1, %p[%i] : memref<?xf64>
    memref.store %m1, %m[%i] : memref<?xf64>
    memref.store %v1, %v[%i] : memref<?xf64>
  }
  return
}

// max_i |a[i] - b[i]|, with `b` the reference.
func.func @max_abs_err(%a: memref<?xf64>, %b: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %a, %c0 : memref<?xf64>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> f64 {
    %x = memref.load %a[%i] : memref<?xf64>
    %y = memref.load %b[%i] : memref<?xf64>
    %d = arith.subf %x, %y : f64
    %e = math.absf %d : f64
    // maximumf propagates NaN, so a NaN result fails the check.
    %m = arith.maximumf %acc, %e : f64
    scf.yield %m : f64
  }
  return %r : f64
}

// Normwise relative error of f32 results `a` against an f64 reference `b`:
// max_i |a[i] - b[i]| / max_i |b[i]|. (Elementwise relative error is not
// meaningful where a moment crosses zero.)
func.func @rel_err_f32(%a: memref<?xf32>, %b: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %a, %c0 : memref<?xf32>
  %r:2 = scf.for %i = %c0 to %n step %c1 iter_args(%err = %zero, %mag = %zero)
      -> (f64, f64) {
    %x32 = memref.load %a[%i] : memref<?xf32>
    %x = arith.extf %x32 : f32 to f64
    %y = memref.load %b[%i] : memref<?xf64>
    %d = arith.subf %x, %y : f64
    %e = math.absf %d : f64
    %ay = math.absf %y : f64
    %err1 = arith.maximumf %err, %e : f64
    %mag1 = arith.maximumf %mag, %ay : f64
    scf.yield %err1, %mag1 : f64, f64
  }
  %rel = arith.divf %r#0, %r#1 : f64
  return %rel : f64
}

// Prints "PASS" if 0 <= err <= tol (a NaN fails), else "FAIL", then err.
func.func @verdict(%err: f64, %tol: f64) {
  %ok = arith.cmpf ole, %err, %tol : f64
  scf.if %ok {
    vector.print str "PASS "
  } else {
    vector.print str "FAIL "
  }
  vector.print %err : f64
  return
}
