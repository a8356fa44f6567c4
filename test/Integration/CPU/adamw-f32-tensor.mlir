// The tensor form on dynamically shaped 2-D f32 tensors, several steps in an
// scf.for, lowered by optim-opt and JIT-run by mlir-runner. The f32 results
// are compared with the f64 reference (run on the same rounded inputs) at
// 1e-6 (normwise) relative; shapes cover 1 element and sizes around the vector width.
// RUN: cat %s %S/Inputs/adamw-reference.mlir \
// RUN:   | optim-opt --optim-cpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void \
// RUN:       -shared-libs=%mlir_runtime_libs \
// RUN:   | FileCheck %s
// RUN: cat %s %S/Inputs/adamw-reference.mlir \
// RUN:   | optim-opt --optim-cpu-pipeline="vector-width=4" \
// RUN:   | mlir-runner -e main -entry-point-result=void \
// RUN:       -shared-libs=%mlir_runtime_libs \
// RUN:   | FileCheck %s
// Multithreaded: ops of at least the threshold run as chunks of an
// scf.parallel lowered through OpenMP, smaller ones on one thread.
// RUN: cat %s %S/Inputs/adamw-reference.mlir \
// RUN:   | optim-opt --optim-cpu-pipeline="num-threads=2 parallel-threshold=8" \
// RUN:   | mlir-runner -e main -entry-point-result=void \
// RUN:       -shared-libs=%mlir_runtime_libs,%openmp_lib \
// RUN:   | FileCheck %s

func.func @train(%p: tensor<?x?xf32>, %g: tensor<?x?xf32>,
                 %m: tensor<?x?xf32>, %v: tensor<?x?xf32>, %steps: i64,
                 %lr: f32)
    -> (tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x?xf32>) {
  %c1 = arith.constant 1 : i64
  %last = arith.addi %steps, %c1 : i64
  %r:3 = scf.for %t = %c1 to %last step %c1
      iter_args(%pi = %p, %mi = %m, %vi = %v)
      -> (tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x?xf32>) : i64 {
    %p1, %m1, %v1 = optim.adamw_step %pi, %g, %mi, %vi, step %t, lr %lr
        {weight_decay = 0.1 : f64} : tensor<?x?xf32>
    scf.yield %p1, %m1, %v1 : tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x?xf32>
  }
  return %r#0, %r#1, %r#2 : tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x?xf32>
}

// A rows x cols f32 state and its flat f64 twin with equal values. (The
// state is allocated 2-D and collapsed, not expanded: expand-strided-metadata
// of MLIR 22 crashes on a dynamically shaped memref.expand_shape.)
func.func @make(%rows: index, %cols: index, %freq: f64, %scale: f64,
                %offset: f64) -> (memref<?xf64>, memref<?x?xf32>) {
  %n = arith.muli %rows, %cols : index
  %x = memref.alloc(%n) : memref<?xf64>
  %y = memref.alloc(%rows, %cols) : memref<?x?xf32>
  %flat = memref.collapse_shape %y [[0, 1]] : memref<?x?xf32> into memref<?xf32>
  call @fill(%x, %freq, %scale, %offset) : (memref<?xf64>, f64, f64, f64) -> ()
  call @round_to_f32(%x, %flat) : (memref<?xf64>, memref<?xf32>) -> ()
  return %x, %y : memref<?xf64>, memref<?x?xf32>
}

func.func @check(%rows: index, %cols: index) {
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %half = arith.constant 0.5 : f64
  %tenth = arith.constant 0.1 : f64
  %hundredth = arith.constant 0.01 : f64
  %p:2 = call @make(%rows, %cols, %one, %half, %one) : (index, index, f64, f64, f64) -> (memref<?xf64>, memref<?x?xf32>)
  %g:2 = call @make(%rows, %cols, %half, %one, %zero) : (index, index, f64, f64, f64) -> (memref<?xf64>, memref<?x?xf32>)
  %m:2 = call @make(%rows, %cols, %tenth, %tenth, %zero) : (index, index, f64, f64, f64) -> (memref<?xf64>, memref<?x?xf32>)
  %v:2 = call @make(%rows, %cols, %hundredth, %hundredth, %hundredth) : (index, index, f64, f64, f64) -> (memref<?xf64>, memref<?x?xf32>)
  %pt = bufferization.to_tensor %p#1 restrict writable : memref<?x?xf32> to tensor<?x?xf32>
  %gt = bufferization.to_tensor %g#1 restrict : memref<?x?xf32> to tensor<?x?xf32>
  %mt = bufferization.to_tensor %m#1 restrict writable : memref<?x?xf32> to tensor<?x?xf32>
  %vt = bufferization.to_tensor %v#1 restrict writable : memref<?x?xf32> to tensor<?x?xf32>
  %steps = arith.constant 5 : i64
  %lr = arith.constant 1.0e-3 : f32
  %r:3 = call @train(%pt, %gt, %mt, %vt, %steps, %lr)
      : (tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x?xf32>, i64, f32)
      -> (tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x?xf32>)
  bufferization.materialize_in_destination %r#0 in restrict writable %p#1 : (tensor<?x?xf32>, memref<?x?xf32>) -> ()
  bufferization.materialize_in_destination %r#1 in restrict writable %m#1 : (tensor<?x?xf32>, memref<?x?xf32>) -> ()
  bufferization.materialize_in_destination %r#2 in restrict writable %v#1 : (tensor<?x?xf32>, memref<?x?xf32>) -> ()

  %c1 = arith.constant 1 : i64
  %last = arith.addi %steps, %c1 : i64
  %lr64 = arith.extf %lr : f32 to f64
  %b1 = arith.constant 0.9 : f64
  %b2 = arith.constant 0.999 : f64
  %eps = arith.constant 1.0e-8 : f64
  scf.for %t = %c1 to %last step %c1 : i64 {
    func.call @reference_adamw(%p#0, %g#0, %m#0, %v#0, %t, %lr64, %b1, %b2, %eps, %tenth)
        : (memref<?xf64>, memref<?xf64>, memref<?xf64>, memref<?xf64>, i64,
           f64, f64, f64, f64, f64) -> ()
  }
  %pf = memref.collapse_shape %p#1 [[0, 1]] : memref<?x?xf32> into memref<?xf32>
  %mf = memref.collapse_shape %m#1 [[0, 1]] : memref<?x?xf32> into memref<?xf32>
  %vf = memref.collapse_shape %v#1 [[0, 1]] : memref<?x?xf32> into memref<?xf32>
  %ep = call @rel_err_f32(%pf, %p#0) : (memref<?xf32>, memref<?xf64>) -> f64
  %em = call @rel_err_f32(%mf, %m#0) : (memref<?xf32>, memref<?xf64>) -> f64
  %ev = call @rel_err_f32(%vf, %v#0) : (memref<?xf32>, memref<?xf64>) -> f64
  %e1 = arith.maximumf %ep, %em : f64
  %err = arith.maximumf %e1, %ev : f64
  %tol = arith.constant 1.0e-6 : f64
  vector.print str "shape "
  vector.print %rows : index
  vector.print %cols : index
  call @verdict(%err, %tol) : (f64, f64) -> ()
  return
}

func.func @main() {
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c5 = arith.constant 5 : index
  %c17 = arith.constant 17 : index
  %c64 = arith.constant 64 : index
  // CHECK: shape 1
  // CHECK-NEXT: 1
  // CHECK-NEXT: PASS
  call @check(%c1, %c1) : (index, index) -> ()
  // CHECK: shape 3
  // CHECK-NEXT: 5
  // CHECK-NEXT: PASS
  call @check(%c3, %c5) : (index, index) -> ()
  // CHECK: shape 4
  // CHECK-NEXT: 4
  // CHECK-NEXT: PASS
  call @check(%c4, %c4) : (index, index) -> ()
  // CHECK: shape 17
  // CHECK-NEXT: 3
  // CHECK-NEXT: PASS
  call @check(%c17, %c3) : (index, index) -> ()
  // CHECK: shape 64
  // CHECK-NEXT: 17
  // CHECK-NEXT: PASS
  call @check(%c64, %c17) : (index, index) -> ()
  return
}
