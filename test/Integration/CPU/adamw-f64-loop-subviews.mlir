// Steps on subviews of subviews inside an affine loop: row r of a 64 x 16
// matrix, then the 8 elements from column r mod 8. The lowering of the
// subviews composes their offsets with the loop's induction variable, which
// affine maps may not take as a symbol: the pipeline lowers the caller's
// affine loops first. The other elements stay as they were. Compared with the
// reference at 1e-12 absolute, on the CPU and in the GPU kernel run on the
// host.
// RUN: cat %s %S/Inputs/adamw-reference.mlir \
// RUN:   | optim-runner -e main -entry-point-result=void \
// RUN:       -shared-libs=%mlir_runtime_libs \
// RUN:   | FileCheck %s
// RUN: cat %s %S/Inputs/adamw-reference.mlir \
// RUN:   | optim-opt --optim-to-buffers-pipeline --optim-map-elementwise-to-gpu \
// RUN:       --test-optim-gpu-to-cpu --optim-cpu-to-llvm-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void \
// RUN:       -shared-libs=%mlir_runtime_libs \
// RUN:   | FileCheck %s

!window = memref<8xf64, strided<[1], offset: ?>>

func.func @step_windows(%p: memref<?xf64>, %g: memref<?xf64>, %m: memref<?xf64>,
                        %v: memref<?xf64>, %t: i64, %lr: f64) {
  %pm = memref.reinterpret_cast %p to offset: [0], sizes: [64, 16], strides: [16, 1]
      : memref<?xf64> to memref<64x16xf64>
  %gm = memref.reinterpret_cast %g to offset: [0], sizes: [64, 16], strides: [16, 1]
      : memref<?xf64> to memref<64x16xf64>
  %mm = memref.reinterpret_cast %m to offset: [0], sizes: [64, 16], strides: [16, 1]
      : memref<?xf64> to memref<64x16xf64>
  %vm = memref.reinterpret_cast %v to offset: [0], sizes: [64, 16], strides: [16, 1]
      : memref<?xf64> to memref<64x16xf64>
  affine.for %r = 0 to 64 {
    %c = affine.apply affine_map<(d0) -> (d0 mod 8)>(%r)
    %pr = memref.subview %pm[%r, 0] [1, 16] [1, 1]
        : memref<64x16xf64> to memref<16xf64, strided<[1], offset: ?>>
    %gr = memref.subview %gm[%r, 0] [1, 16] [1, 1]
        : memref<64x16xf64> to memref<16xf64, strided<[1], offset: ?>>
    %mr = memref.subview %mm[%r, 0] [1, 16] [1, 1]
        : memref<64x16xf64> to memref<16xf64, strided<[1], offset: ?>>
    %vr = memref.subview %vm[%r, 0] [1, 16] [1, 1]
        : memref<64x16xf64> to memref<16xf64, strided<[1], offset: ?>>
    %pw = memref.subview %pr[%c] [8] [1]
        : memref<16xf64, strided<[1], offset: ?>> to !window
    %gw = memref.subview %gr[%c] [8] [1]
        : memref<16xf64, strided<[1], offset: ?>> to !window
    %mw = memref.subview %mr[%c] [8] [1]
        : memref<16xf64, strided<[1], offset: ?>> to !window
    %vw = memref.subview %vr[%c] [8] [1]
        : memref<16xf64, strided<[1], offset: ?>> to !window
    optim.adamw_step %pw, %gw, %mw, %vw, step %t, lr %lr
        {weight_decay = 0.1 : f64} : !window
  }
  return
}

// Copies into `dst` the elements of `src` outside row r's window.
func.func @copy_outside_windows(%src: memref<?xf64>, %dst: memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  scf.for %r = %c0 to %c64 step %c1 {
    %first = arith.remui %r, %c8 : index
    %end = arith.addi %first, %c8 : index
    scf.for %c = %c0 to %c16 step %c1 {
      %before = arith.cmpi ult, %c, %first : index
      %after = arith.cmpi uge, %c, %end : index
      %outside = arith.ori %before, %after : i1
      scf.if %outside {
        %row = arith.muli %r, %c16 : index
        %i = arith.addi %row, %c : index
        %x = memref.load %src[%i] : memref<?xf64>
        memref.store %x, %dst[%i] : memref<?xf64>
      }
    }
  }
  return
}

func.func @main() {
  %n = arith.constant 1024 : index
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
  call @step_windows(%p, %g, %m, %v, %t, %lr)
      : (memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, i64, f64) -> ()

  // The reference updates every element; the ones outside the windows are
  // then restored to their inputs, which the step must have left alone.
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
  call @copy_outside_windows(%p0, %pr) : (memref<?xf64>, memref<?xf64>) -> ()
  call @copy_outside_windows(%m0, %mr) : (memref<?xf64>, memref<?xf64>) -> ()
  call @copy_outside_windows(%v0, %vr) : (memref<?xf64>, memref<?xf64>) -> ()

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
