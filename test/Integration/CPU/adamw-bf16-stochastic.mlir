// Stochastic rounding of bf16 parameters, and of the bf16 copy of an f32
// master. 1000 parameters at 1.5 take a first step of lr = 2^-9, a quarter
// of bf16's spacing at 1.5 (2^-7): rounding to nearest leaves them at 1.5;
// stochastic rounding moves each down to 1.4921875 with probability 1/4, so
// the mean moves by the update. The count of those that moved is within
// 4.4 standard deviations of 250 (sqrt(1000 * 1/4 * 3/4) = 13.7), and no
// element takes another value. The random bits are a function of (seed,
// step, element index): the results are the same, to the bit, at another
// vector width, on two threads, and in the GPU kernel run on the host.

// RUN: optim-runner %s -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_runtime_libs > %t.default
// RUN: FileCheck %s < %t.default
// RUN: optim-opt %s --optim-cpu-pipeline="vector-width=4 num-threads=2 parallel-threshold=0" \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_runtime_libs,%openmp_lib > %t.threads
// RUN: diff %t.default %t.threads
// RUN: optim-opt %s --optim-to-buffers-pipeline --optim-map-elementwise-to-gpu \
// RUN:   --test-optim-gpu-to-cpu --optim-cpu-to-llvm-pipeline \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_runtime_libs > %t.gpu
// RUN: diff %t.default %t.gpu

// CHECK:      bf16 param
// CHECK-NEXT: only 1.5 and 1.4921875: 1
// CHECK-NEXT: moved down within 4.4 sigma of 250: 1
// CHECK:      bf16 copy of an f32 master
// CHECK-NEXT: only 1.5 and 1.4921875: 1
// CHECK-NEXT: moved down within 4.4 sigma of 250: 1
// CHECK:      nearest
// CHECK-NEXT: moved down: 0

!bf16s = memref<1000xbf16>
!f32s = memref<1000xf32>

func.func @fill_bf16(%a: !bf16s, %x: bf16) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = arith.constant 1000 : index
  scf.for %i = %c0 to %n step %c1 {
    memref.store %x, %a[%i] : !bf16s
  }
  return
}

func.func @fill_f32(%a: !f32s, %x: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = arith.constant 1000 : index
  scf.for %i = %c0 to %n step %c1 {
    memref.store %x, %a[%i] : !f32s
  }
  return
}

// Prints whether every element is 1.5 or 1.4921875, how many moved down,
// and a checksum of the bits of all elements (which the RUN lines compare).
func.func @report(%a: !bf16s) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = arith.constant 1000 : index
  %up = arith.constant 1.5 : bf16
  %down = arith.constant 1.4921875 : bf16
  %zero = arith.constant 0 : i64
  %one = arith.constant 1 : i64
  %true = arith.constant true
  %r:3 = scf.for %i = %c0 to %n step %c1
      iter_args(%ok = %true, %moved = %zero, %sum = %zero) -> (i1, i64, i64) {
    %x = memref.load %a[%i] : !bf16s
    %isUp = arith.cmpf oeq, %x, %up : bf16
    %isDown = arith.cmpf oeq, %x, %down : bf16
    %either = arith.ori %isUp, %isDown : i1
    %ok1 = arith.andi %ok, %either : i1
    %inc = arith.extui %isDown : i1 to i64
    %moved1 = arith.addi %moved, %inc : i64
    %bits = arith.bitcast %x : bf16 to i16
    %bits64 = arith.extui %bits : i16 to i64
    %i64 = arith.index_cast %i : index to i64
    %w = arith.addi %i64, %one : i64
    %term = arith.muli %bits64, %w : i64
    %sum1 = arith.addi %sum, %term : i64
    scf.yield %ok1, %moved1, %sum1 : i1, i64, i64
  }
  vector.print str "only 1.5 and 1.4921875: "
  vector.print %r#0 : i1
  %lo = arith.constant 190 : i64
  %hi = arith.constant 310 : i64
  %aboveLo = arith.cmpi sge, %r#1, %lo : i64
  %belowHi = arith.cmpi sle, %r#1, %hi : i64
  %within = arith.andi %aboveLo, %belowHi : i1
  vector.print str "moved down within 4.4 sigma of 250: "
  vector.print %within : i1
  vector.print str "checksum: "
  vector.print %r#2 : i64
  return
}

func.func @main() {
  %t = arith.constant 1 : i64
  %lr = arith.constant 0.001953125 : f32
  %seed = arith.constant 42 : i64
  %onePointFive = arith.constant 1.5 : bf16
  %onePointFive32 = arith.constant 1.5 : f32
  %one = arith.constant 1.0 : f32
  %zero = arith.constant 0.0 : f32

  vector.print str "bf16 param\n"
  %p = memref.alloc() : !bf16s
  %g = memref.alloc() : !f32s
  %m = memref.alloc() : !f32s
  %v = memref.alloc() : !f32s
  call @fill_bf16(%p, %onePointFive) : (!bf16s, bf16) -> ()
  call @fill_f32(%g, %one) : (!f32s, f32) -> ()
  call @fill_f32(%m, %zero) : (!f32s, f32) -> ()
  call @fill_f32(%v, %zero) : (!f32s, f32) -> ()
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr seed %seed
      rounding stochastic {weight_decay = 0.0 : f64}
      : (!bf16s, !f32s, !f32s, !f32s, f32)
  call @report(%p) : (!bf16s) -> ()

  vector.print str "bf16 copy of an f32 master\n"
  %master = memref.alloc() : !f32s
  %copy = memref.alloc() : !bf16s
  call @fill_f32(%master, %onePointFive32) : (!f32s, f32) -> ()
  call @fill_f32(%m, %zero) : (!f32s, f32) -> ()
  call @fill_f32(%v, %zero) : (!f32s, f32) -> ()
  optim.adamw_step %master, %g, %m, %v, step %t, lr %lr seed %seed
      copy %copy : !bf16s rounding stochastic {weight_decay = 0.0 : f64}
      : !f32s
  call @report(%copy) : (!bf16s) -> ()

  vector.print str "nearest\n"
  call @fill_bf16(%p, %onePointFive) : (!bf16s, bf16) -> ()
  call @fill_f32(%m, %zero) : (!f32s, f32) -> ()
  call @fill_f32(%v, %zero) : (!f32s, f32) -> ()
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr {weight_decay = 0.0 : f64}
      : (!bf16s, !f32s, !f32s, !f32s, f32)
  call @count_down(%p) : (!bf16s) -> ()
  memref.dealloc %p : !bf16s
  memref.dealloc %g : !f32s
  memref.dealloc %m : !f32s
  memref.dealloc %v : !f32s
  memref.dealloc %master : !f32s
  memref.dealloc %copy : !bf16s
  return
}

func.func @count_down(%a: !bf16s) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = arith.constant 1000 : index
  %down = arith.constant 1.4921875 : bf16
  %zero = arith.constant 0 : i64
  %moved = scf.for %i = %c0 to %n step %c1 iter_args(%c = %zero) -> (i64) {
    %x = memref.load %a[%i] : !bf16s
    %isDown = arith.cmpf oeq, %x, %down : bf16
    %inc = arith.extui %isDown : i1 to i64
    %c2 = arith.addi %c, %inc : i64
    scf.yield %c2 : i64
  }
  vector.print str "moved down: "
  vector.print %moved : i64
  return
}
