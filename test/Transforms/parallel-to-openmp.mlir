// RUN: optim-opt %s --optim-parallel-to-openmp="num-threads=2" \
// RUN:   --split-input-file --verify-diagnostics | FileCheck %s
// RUN: not optim-opt %s --optim-parallel-to-openmp="num-threads=-1" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BAD
// RUN: not optim-opt %s --optim-parallel-to-openmp="num-threads=2147483648" \
// RUN:   2>&1 | FileCheck %s --check-prefix=BAD

// BAD: optim-parallel-to-openmp: num-threads must be from 0 (the runtime's default) to 2147483647

// Thread k of n runs block k of ceil(trips / n) iterations of the outermost
// dimension, clamped to the trip count; no worksharing loop.

// CHECK-LABEL: func private @omp_get_num_threads() -> i32
// CHECK-LABEL: func private @omp_get_thread_num() -> i32
// CHECK-LABEL: func @chunks
// CHECK-SAME:  (%[[LB:.+]]: index, %[[UB:.+]]: index, %[[STEP:.+]]: index,
// CHECK:       %[[TWO:.+]] = arith.constant 2 : i32
// CHECK:       omp.parallel num_threads(%[[TWO]] : i32) {
// CHECK:         %[[K32:.+]] = func.call @omp_get_thread_num()
// CHECK:         %[[K:.+]] = arith.index_cast %[[K32]] : i32 to index
// CHECK:         %[[N32:.+]] = func.call @omp_get_num_threads()
// CHECK:         %[[N:.+]] = arith.index_cast %[[N32]] : i32 to index
// CHECK:         %[[SPAN:.+]] = arith.subi %[[UB]], %[[LB]]
// CHECK:         %[[TRIPS:.+]] = arith.ceildivsi %[[SPAN]], %[[STEP]]
// CHECK:         %[[PER:.+]] = arith.ceildivsi %[[TRIPS]], %[[N]]
// CHECK:         %[[KPER:.+]] = arith.muli %[[K]], %[[PER]]
// CHECK:         %[[FIRST:.+]] = arith.minsi %[[KPER]], %[[TRIPS]]
// CHECK:         %[[FIRSTX:.+]] = arith.muli %[[FIRST]], %[[STEP]]
// CHECK:         %[[BEGIN:.+]] = arith.addi %[[LB]], %[[FIRSTX]]
// CHECK:         %[[K1:.+]] = arith.addi %[[K]], %c1
// CHECK:         %[[K1PER:.+]] = arith.muli %[[K1]], %[[PER]]
// CHECK:         %[[LAST:.+]] = arith.minsi %[[K1PER]], %[[TRIPS]]
// CHECK:         %[[LASTX:.+]] = arith.muli %[[LAST]], %[[STEP]]
// CHECK:         %[[END:.+]] = arith.addi %[[LB]], %[[LASTX]]
// CHECK:         scf.for %[[I:.+]] = %[[BEGIN]] to %[[END]] step %[[STEP]] {
// CHECK-NEXT:      memref.store %{{.+}}, %{{.+}}[%[[I]]]
// CHECK-NEXT:    }
// CHECK-NEXT:    omp.terminator
// CHECK-NOT:   omp.wsloop
// CHECK-NOT:   scf.parallel
func.func @chunks(%lb: index, %ub: index, %step: index, %buf: memref<?xf32>,
                  %x: f32) {
  scf.parallel (%i) = (%lb) to (%ub) step (%step) {
    memref.store %x, %buf[%i] : memref<?xf32>
  }
  return
}

// -----

// Inner dimensions run whole in every thread; a loop nested in another
// scf.parallel stays, to run sequentially in its thread.

// CHECK-LABEL: func @nest
// CHECK:       omp.parallel
// CHECK:         scf.for %[[I:.+]] =
// CHECK-NEXT:      scf.for %[[J:.+]] = %c0 to %c8 step %c1 {
// CHECK-NEXT:        scf.parallel (%[[K:.+]]) =
// CHECK-NEXT:          memref.store %{{.+}}, %{{.+}}[%[[I]], %[[J]], %[[K]]]
// CHECK-NOT:   omp.parallel
func.func @nest(%n: index, %buf: memref<?x8x4xf32>, %x: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%n, %c8) step (%c1, %c1) {
    scf.parallel (%k) = (%c0) to (%c4) step (%c1) {
      memref.store %x, %buf[%i, %j, %k] : memref<?x8x4xf32>
    }
  }
  return
}

// -----

// A loop with a reduction is left alone.

// CHECK-LABEL: func @reduction
// CHECK-NOT:   omp.parallel
// CHECK:       scf.parallel
func.func @reduction(%n: index, %buf: memref<?xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %sum = scf.parallel (%i) = (%c0) to (%n) step (%c1) init (%zero) -> f32 {
    %x = memref.load %buf[%i] : memref<?xf32>
    scf.reduce(%x : f32) {
    ^bb0(%a: f32, %b: f32):
      %s = arith.addf %a, %b : f32
      scf.reduce.return %s : f32
    }
  }
  return %sum : f32
}

// -----

// expected-error @+1 {{expected the OpenMP runtime's `omp_get_thread_num` to have type '() -> i32'}}
func.func private @omp_get_thread_num() -> i64

func.func @clash(%n: index, %buf: memref<?xf32>, %x: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %x, %buf[%i] : memref<?xf32>
  }
  return
}

// -----

// A loop in a nested module calls queries declared in that module.
// CHECK-LABEL: module @inner
// CHECK-DAG:     func private @omp_get_num_threads() -> i32
// CHECK-DAG:     func private @omp_get_thread_num() -> i32
// CHECK:         func @nested
// CHECK:           func.call @omp_get_thread_num()
module @inner {
  func.func @nested(%n: index, %buf: memref<?xf32>, %x: f32) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    scf.parallel (%i) = (%c0) to (%n) step (%c1) {
      memref.store %x, %buf[%i] : memref<?xf32>
    }
    return
  }
}
