// One step on strided 2-D views: the first three columns of rows x 4 buffers,
// which cannot be flattened and keep their rank through vectorisation. The
// fourth column must stay as it was. Compared with the reference at 1e-12
// absolute. 100,000 rows: a stack buffer per row would overflow the stack.
// RUN: cat %s %S/Inputs/adamw-reference.mlir \
// RUN:   | optim-runner -e main -entry-point-result=void \
// RUN:       -shared-libs=%mlir_runtime_libs \
// RUN:   | FileCheck %s

!cols = memref<?x3xf64, strided<[4, 1]>>

func.func @step(%p: !cols, %g: !cols, %m: !cols, %v: !cols, %t: i64, %lr: f64) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
      {weight_decay = 0.1 : f64} : !cols
  return
}

// The first three columns of the rows x 4 matrix `flat`.
func.func @columns(%flat: memref<?xf64>, %rows: index) -> !cols {
  %c0 = arith.constant 0 : index
  %matrix = memref.reinterpret_cast %flat to offset: [0], sizes: [%rows, 4],
      strides: [4, 1] : memref<?xf64> to memref<?x4xf64>
  %cols = memref.subview %matrix[0, 0] [%rows, 3] [1, 1]
      : memref<?x4xf64> to !cols
  return %cols : !cols
}

// Copies the last column of rows x 4 matrix `src` into `dst`'s.
func.func @copy_last_column(%src: memref<?xf64>, %dst: memref<?xf64>,
                            %rows: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  scf.for %r = %c0 to %rows step %c1 {
    %row = arith.muli %r, %c4 : index
    %i = arith.addi %row, %c3 : index
    %x = memref.load %src[%i] : memref<?xf64>
    memref.store %x, %dst[%i] : memref<?xf64>
  }
  return
}

func.func @main() {
  %rows = arith.constant 100000 : index
  %c4 = arith.constant 4 : index
  %n = arith.muli %rows, %c4 : index
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
  %f4 = arith.constant 0.7 : f64
  %half = arith.constant 0.5 : f64
  %one = arith.constant 1.0 : f64
  %tenth = arith.constant 0.1 : f64
  %hundredth = arith.constant 0.01 : f64
  %zero = arith.constant 0.0 : f64
  call @fill(%p, %f1, %half, %one) : (memref<?xf64>, f64, f64, f64) -> ()
  call @fill(%g, %f4, %one, %zero) : (memref<?xf64>, f64, f64, f64) -> ()
  call @fill(%m, %f2, %tenth, %zero) : (memref<?xf64>, f64, f64, f64) -> ()
  call @fill(%v, %f3, %hundredth, %hundredth)
      : (memref<?xf64>, f64, f64, f64) -> ()
  call @copy(%p, %pr) : (memref<?xf64>, memref<?xf64>) -> ()
  call @copy(%m, %mr) : (memref<?xf64>, memref<?xf64>) -> ()
  call @copy(%v, %vr) : (memref<?xf64>, memref<?xf64>) -> ()

  %t = arith.constant 3 : i64
  %lr = arith.constant 1.0e-2 : f64
  %pc = call @columns(%p, %rows) : (memref<?xf64>, index) -> !cols
  %gc = call @columns(%g, %rows) : (memref<?xf64>, index) -> !cols
  %mc = call @columns(%m, %rows) : (memref<?xf64>, index) -> !cols
  %vc = call @columns(%v, %rows) : (memref<?xf64>, index) -> !cols
  call @step(%pc, %gc, %mc, %vc, %t, %lr)
      : (!cols, !cols, !cols, !cols, i64, f64) -> ()

  // The reference updates every element; the last column is then restored
  // to its input, which the step must have left alone.
  %p0 = memref.alloc(%n) : memref<?xf64>
  %m0 = memref.alloc(%n) : memref<?xf64>
  %v0 = memref.alloc(%n) : memref<?xf64>
  call @copy(%pr, %p0) : (memref<?xf64>, memref<?xf64>) -> ()
  call @copy(%mr, %m0) : (memref<?xf64>, memref<?xf64>) -> ()
  call @copy(%vr, %v0) : (memref<?xf64>, memref<?xf64>) -> ()
  %b1 = arith.constant 0.9 : f64
  %b2 = arith.constant 0.999 : f64
  %eps = arith.constant 1.0e-8 : f64
  call @reference_adamw(%pr, %g, %mr, %vr, %t, %lr, %b1, %b2, %eps, %tenth)
      : (memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, i64,
         f64, f64, f64, f64, f64) -> ()
  call @copy_last_column(%p0, %pr, %rows) : (memref<?xf64>, memref<?xf64>, index) -> ()
  call @copy_last_column(%m0, %mr, %rows) : (memref<?xf64>, memref<?xf64>, index) -> ()
  call @copy_last_column(%v0, %vr, %rows) : (memref<?xf64>, memref<?xf64>, index) -> ()

  %ep = call @max_abs_err(%p, %pr) : (memref<?xf64>, memref<?xf64>) -> f64
  %em = call @max_abs_err(%m, %mr) : (memref<?xf64>, memref<?xf64>) -> f64
  %ev = call @max_abs_err(%v, %vr) : (memref<?xf64>, memref<?xf64>) -> f64
  %e1 = arith.maximumf %ep, %em : f64
  %err = arith.maximumf %e1, %ev : f64
  %tol = arith.constant 1.0e-12 : f64
  // CHECK: PASS
  call @verdict(%err, %tol) : (f64, f64) -> ()
  return
}
