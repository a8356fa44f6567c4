// RUN: optim-opt %s --optim-elide-loop-barriers --split-input-file | FileCheck %s

// A worksharing loop that ends its parallel region: the join follows it, so
// its own barrier goes.

// CHECK-LABEL: func @ends_region
// CHECK:       omp.parallel {
// CHECK-NEXT:    omp.wsloop nowait {
func.func @ends_region(%n: index, %buf: memref<?xf32>, %x: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
        memref.store %x, %buf[%i] : memref<?xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  return
}

// -----

// The second loop reads what the first one wrote on other threads: the first
// loop's barrier orders them and stays; the second one ends the region.

// CHECK-LABEL: func @followed_by_loop
// CHECK:       omp.parallel {
// CHECK-NEXT:    omp.wsloop {
// CHECK:         omp.wsloop nowait {
func.func @followed_by_loop(%n: index, %a: memref<?xf32>, %b: memref<?xf32>,
                            %x: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
        memref.store %x, %a[%i] : memref<?xf32>
        omp.yield
      }
    }
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
        %j = arith.subi %n, %i : index
        %k = arith.subi %j, %c1 : index
        %y = memref.load %a[%k] : memref<?xf32>
        memref.store %y, %b[%i] : memref<?xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  return
}
