// weight_decay = 0 is plain Adam: the tensor form on a static 4x33 tensor
// (flattened to one loop of 132, not a multiple of the vector width) matches
// the reference with wd = 0 at 1e-12 absolute over 20 steps, at the host's
// vector width and at an odd width of 3 lanes.
// RUN: cat %s %S/Inputs/adamw-reference.mlir \
// RUN:   | optim-runner -e main -entry-point-result=void \
// RUN:       -shared-libs=%mlir_runtime_libs \
// RUN:   | FileCheck %s
// RUN: cat %s %S/Inputs/adamw-reference.mlir \
// RUN:   | optim-opt --optim-cpu-pipeline="vector-width=3" \
// RUN:   | mlir-runner -e main -entry-point-result=void \
// RUN:       -shared-libs=%mlir_runtime_libs \
// RUN:   | FileCheck %s

func.func @adam(%p: tensor<4x33xf64>, %g: tensor<4x33xf64>,
                %m: tensor<4x33xf64>, %v: tensor<4x33xf64>, %t: i64,
                %lr: f64)
    -> (tensor<4x33xf64>, tensor<4x33xf64>, tensor<4x33xf64>) {
  %p1, %m1, %v1 = optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
      {weight_decay = 0.0 : f64} : tensor<4x33xf64>
  return %p1, %m1, %v1 : tensor<4x33xf64>, tensor<4x33xf64>, tensor<4x33xf64>
}

func.func @main() {
  %c132 = arith.constant 132 : index
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %half = arith.constant 0.5 : f64
  %tenth = arith.constant 0.1 : f64
  %hundredth = arith.constant 0.01 : f64
  %p = memref.alloc() : memref<4x33xf64>
  %g = memref.alloc() : memref<4x33xf64>
  %m = memref.alloc() : memref<4x33xf64>
  %v = memref.alloc() : memref<4x33xf64>
  %pf0 = memref.collapse_shape %p [[0, 1]] : memref<4x33xf64> into memref<132xf64>
  %gf0 = memref.collapse_shape %g [[0, 1]] : memref<4x33xf64> into memref<132xf64>
  %mf0 = memref.collapse_shape %m [[0, 1]] : memref<4x33xf64> into memref<132xf64>
  %vf0 = memref.collapse_shape %v [[0, 1]] : memref<4x33xf64> into memref<132xf64>
  %pf = memref.cast %pf0 : memref<132xf64> to memref<?xf64>
  %gf = memref.cast %gf0 : memref<132xf64> to memref<?xf64>
  %mf = memref.cast %mf0 : memref<132xf64> to memref<?xf64>
  %vf = memref.cast %vf0 : memref<132xf64> to memref<?xf64>
  %pr = memref.alloc(%c132) : memref<?xf64>
  %mr = memref.alloc(%c132) : memref<?xf64>
  %vr = memref.alloc(%c132) : memref<?xf64>
  call @fill(%pf, %one, %half, %one) : (memref<?xf64>, f64, f64, f64) -> ()
  call @fill(%mf, %tenth, %tenth, %zero) : (memref<?xf64>, f64, f64, f64) -> ()
  call @fill(%vf, %half, %hundredth, %hundredth) : (memref<?xf64>, f64, f64, f64) -> ()
  call @copy(%pf, %pr) : (memref<?xf64>, memref<?xf64>) -> ()
  call @copy(%mf, %mr) : (memref<?xf64>, memref<?xf64>) -> ()
  call @copy(%vf, %vr) : (memref<?xf64>, memref<?xf64>) -> ()

  %lr = arith.constant 1.0e-2 : f64
  %b1 = arith.constant 0.9 : f64
  %b2 = arith.constant 0.999 : f64
  %eps = arith.constant 1.0e-8 : f64
  %c1 = arith.constant 1 : i64
  %c21 = arith.constant 21 : i64
  scf.for %t = %c1 to %c21 step %c1 : i64 {
    %tf = arith.sitofp %t : i64 to f64
    func.call @fill(%gf, %tf, %one, %zero) : (memref<?xf64>, f64, f64, f64) -> ()
    %pt = bufferization.to_tensor %p restrict writable : memref<4x33xf64> to tensor<4x33xf64>
    %gt = bufferization.to_tensor %g restrict : memref<4x33xf64> to tensor<4x33xf64>
    %mt = bufferization.to_tensor %m restrict writable : memref<4x33xf64> to tensor<4x33xf64>
    %vt = bufferization.to_tensor %v restrict writable : memref<4x33xf64> to tensor<4x33xf64>
    %r:3 = func.call @adam(%pt, %gt, %mt, %vt, %t, %lr)
        : (tensor<4x33xf64>, tensor<4x33xf64>, tensor<4x33xf64>, tensor<4x33xf64>, i64, f64)
        -> (tensor<4x33xf64>, tensor<4x33xf64>, tensor<4x33xf64>)
    bufferization.materialize_in_destination %r#0 in restrict writable %p : (tensor<4x33xf64>, memref<4x33xf64>) -> ()
    bufferization.materialize_in_destination %r#1 in restrict writable %m : (tensor<4x33xf64>, memref<4x33xf64>) -> ()
    bufferization.materialize_in_destination %r#2 in restrict writable %v : (tensor<4x33xf64>, memref<4x33xf64>) -> ()
    func.call @reference_adamw(%pr, %gf, %mr, %vr, %t, %lr, %b1, %b2, %eps, %zero)
        : (memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, i64,
           f64, f64, f64, f64, f64) -> ()
  }
  %ep = call @max_abs_err(%pf, %pr) : (memref<?xf64>, memref<?xf64>) -> f64
  %em = call @max_abs_err(%mf, %mr) : (memref<?xf64>, memref<?xf64>) -> f64
  %ev = call @max_abs_err(%vf, %vr) : (memref<?xf64>, memref<?xf64>) -> f64
  %tol = arith.constant 1.0e-12 : f64
  // CHECK: p: PASS
  // CHECK-NEXT: m: PASS
  // CHECK-NEXT: v: PASS
  vector.print str "p: "
  call @verdict(%ep, %tol) : (f64, f64) -> ()
  vector.print str "m: "
  call @verdict(%em, %tol) : (f64, f64) -> ()
  vector.print str "v: "
  call @verdict(%ev, %tol) : (f64, f64) -> ()
  return
}
