// One step of every combination of element types the op takes, at 37
// elements (a vector main loop and a masked remainder at any width), from
// p = 1, g = 0.5, m = v = 0, t = 1, lr = 0.01, weight_decay = 0: the compute
// type gives p = 0.99, m = 0.05, v = 0.00025, and each is written rounded to
// its own type (bf16: 0.98828125, 0.050048828125, 0.0002498626708984375;
// f16: 0.990234375, 0.04998779296875, 0.000250101089477539). Printed are the
// first element and the last (the remainder), widened to f32 or f64.

// RUN: optim-runner %s -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_runtime_libs | FileCheck %s
// The GPU kernels, run on the host, write the same values:
// RUN: optim-opt %s --optim-to-buffers-pipeline --optim-map-elementwise-to-gpu \
// RUN:   --test-optim-gpu-to-cpu --optim-cpu-to-llvm-pipeline \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_runtime_libs | FileCheck %s

// CHECK-LABEL: bf16 bf16 f32 f32
// CHECK-NEXT: 0.988281
// CHECK-NEXT: 0.988281
// CHECK-NEXT: 0.05
// CHECK-NEXT: 0.05
// CHECK-NEXT: 0.00025
// CHECK-NEXT: 0.00025
// CHECK-LABEL: bf16 bf16 bf16 bf16
// CHECK-NEXT: 0.988281
// CHECK-NEXT: 0.988281
// CHECK-NEXT: 0.0500488
// CHECK-NEXT: 0.0500488
// CHECK-NEXT: 0.000249863
// CHECK-NEXT: 0.000249863
// CHECK-LABEL: f16 f16 f16 f16
// CHECK-NEXT: 0.990234
// CHECK-NEXT: 0.990234
// CHECK-NEXT: 0.0499878
// CHECK-NEXT: 0.0499878
// CHECK-NEXT: 0.000250101
// CHECK-NEXT: 0.000250101
// CHECK-LABEL: f16 f16 f32 f32
// CHECK-NEXT: 0.990234
// CHECK-NEXT: 0.990234
// CHECK-NEXT: 0.05
// CHECK-NEXT: 0.05
// CHECK-NEXT: 0.00025
// CHECK-NEXT: 0.00025
// CHECK-LABEL: f32 f32 bf16 bf16
// CHECK-NEXT: 0.99
// CHECK-NEXT: 0.99
// CHECK-NEXT: 0.0500488
// CHECK-NEXT: 0.0500488
// CHECK-NEXT: 0.000249863
// CHECK-NEXT: 0.000249863
// CHECK-LABEL: f32 bf16 f32 f32
// CHECK-NEXT: 0.99
// CHECK-NEXT: 0.99
// CHECK-NEXT: 0.05
// CHECK-NEXT: 0.05
// CHECK-NEXT: 0.00025
// CHECK-NEXT: 0.00025
// CHECK-LABEL: f64 f32 f64 f64
// CHECK-NEXT: 0.99
// CHECK-NEXT: 0.99
// CHECK-NEXT: 0.05
// CHECK-NEXT: 0.05
// CHECK-NEXT: 0.00025
// CHECK-NEXT: 0.00025

func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = arith.constant 37 : index
  %last = arith.constant 36 : index
  %t = arith.constant 1 : i64
  vector.print str "bf16 bf16 f32 f32\n"
  %p0 = memref.alloc() : memref<37xbf16>
  %p0i = arith.constant 1.0 : bf16
  scf.for %i = %c0 to %n step %c1 {
    memref.store %p0i, %p0[%i] : memref<37xbf16>
  }
  %g0 = memref.alloc() : memref<37xbf16>
  %g0i = arith.constant 0.5 : bf16
  scf.for %i = %c0 to %n step %c1 {
    memref.store %g0i, %g0[%i] : memref<37xbf16>
  }
  %m0 = memref.alloc() : memref<37xf32>
  %m0i = arith.constant 0.0 : f32
  scf.for %i = %c0 to %n step %c1 {
    memref.store %m0i, %m0[%i] : memref<37xf32>
  }
  %v0 = memref.alloc() : memref<37xf32>
  %v0i = arith.constant 0.0 : f32
  scf.for %i = %c0 to %n step %c1 {
    memref.store %v0i, %v0[%i] : memref<37xf32>
  }
  %lr0 = arith.constant 1.0e-2 : f32
  optim.adamw_step %p0, %g0, %m0, %v0, step %t, lr %lr0 {weight_decay = 0.0 : f64}
      : (memref<37xbf16>, memref<37xbf16>, memref<37xf32>, memref<37xf32>, f32)
  %p0c0 = memref.load %p0[%c0] : memref<37xbf16>
  %p0c0w = arith.extf %p0c0 : bf16 to f32
  vector.print %p0c0w : f32
  %p0last = memref.load %p0[%last] : memref<37xbf16>
  %p0lastw = arith.extf %p0last : bf16 to f32
  vector.print %p0lastw : f32
  %m0c0 = memref.load %m0[%c0] : memref<37xf32>
  vector.print %m0c0 : f32
  %m0last = memref.load %m0[%last] : memref<37xf32>
  vector.print %m0last : f32
  %v0c0 = memref.load %v0[%c0] : memref<37xf32>
  vector.print %v0c0 : f32
  %v0last = memref.load %v0[%last] : memref<37xf32>
  vector.print %v0last : f32
  memref.dealloc %p0 : memref<37xbf16>
  memref.dealloc %g0 : memref<37xbf16>
  memref.dealloc %m0 : memref<37xf32>
  memref.dealloc %v0 : memref<37xf32>
  vector.print str "bf16 bf16 bf16 bf16\n"
  %p1 = memref.alloc() : memref<37xbf16>
  %p1i = arith.constant 1.0 : bf16
  scf.for %i = %c0 to %n step %c1 {
    memref.store %p1i, %p1[%i] : memref<37xbf16>
  }
  %g1 = memref.alloc() : memref<37xbf16>
  %g1i = arith.constant 0.5 : bf16
  scf.for %i = %c0 to %n step %c1 {
    memref.store %g1i, %g1[%i] : memref<37xbf16>
  }
  %m1 = memref.alloc() : memref<37xbf16>
  %m1i = arith.constant 0.0 : bf16
  scf.for %i = %c0 to %n step %c1 {
    memref.store %m1i, %m1[%i] : memref<37xbf16>
  }
  %v1 = memref.alloc() : memref<37xbf16>
  %v1i = arith.constant 0.0 : bf16
  scf.for %i = %c0 to %n step %c1 {
    memref.store %v1i, %v1[%i] : memref<37xbf16>
  }
  %lr1 = arith.constant 1.0e-2 : f32
  optim.adamw_step %p1, %g1, %m1, %v1, step %t, lr %lr1 {weight_decay = 0.0 : f64}
      : (memref<37xbf16>, memref<37xbf16>, memref<37xbf16>, memref<37xbf16>, f32)
  %p1c0 = memref.load %p1[%c0] : memref<37xbf16>
  %p1c0w = arith.extf %p1c0 : bf16 to f32
  vector.print %p1c0w : f32
  %p1last = memref.load %p1[%last] : memref<37xbf16>
  %p1lastw = arith.extf %p1last : bf16 to f32
  vector.print %p1lastw : f32
  %m1c0 = memref.load %m1[%c0] : memref<37xbf16>
  %m1c0w = arith.extf %m1c0 : bf16 to f32
  vector.print %m1c0w : f32
  %m1last = memref.load %m1[%last] : memref<37xbf16>
  %m1lastw = arith.extf %m1last : bf16 to f32
  vector.print %m1lastw : f32
  %v1c0 = memref.load %v1[%c0] : memref<37xbf16>
  %v1c0w = arith.extf %v1c0 : bf16 to f32
  vector.print %v1c0w : f32
  %v1last = memref.load %v1[%last] : memref<37xbf16>
  %v1lastw = arith.extf %v1last : bf16 to f32
  vector.print %v1lastw : f32
  memref.dealloc %p1 : memref<37xbf16>
  memref.dealloc %g1 : memref<37xbf16>
  memref.dealloc %m1 : memref<37xbf16>
  memref.dealloc %v1 : memref<37xbf16>
  vector.print str "f16 f16 f16 f16\n"
  %p2 = memref.alloc() : memref<37xf16>
  %p2i = arith.constant 1.0 : f16
  scf.for %i = %c0 to %n step %c1 {
    memref.store %p2i, %p2[%i] : memref<37xf16>
  }
  %g2 = memref.alloc() : memref<37xf16>
  %g2i = arith.constant 0.5 : f16
  scf.for %i = %c0 to %n step %c1 {
    memref.store %g2i, %g2[%i] : memref<37xf16>
  }
  %m2 = memref.alloc() : memref<37xf16>
  %m2i = arith.constant 0.0 : f16
  scf.for %i = %c0 to %n step %c1 {
    memref.store %m2i, %m2[%i] : memref<37xf16>
  }
  %v2 = memref.alloc() : memref<37xf16>
  %v2i = arith.constant 0.0 : f16
  scf.for %i = %c0 to %n step %c1 {
    memref.store %v2i, %v2[%i] : memref<37xf16>
  }
  %lr2 = arith.constant 1.0e-2 : f32
  optim.adamw_step %p2, %g2, %m2, %v2, step %t, lr %lr2 {weight_decay = 0.0 : f64}
      : (memref<37xf16>, memref<37xf16>, memref<37xf16>, memref<37xf16>, f32)
  %p2c0 = memref.load %p2[%c0] : memref<37xf16>
  %p2c0w = arith.extf %p2c0 : f16 to f32
  vector.print %p2c0w : f32
  %p2last = memref.load %p2[%last] : memref<37xf16>
  %p2lastw = arith.extf %p2last : f16 to f32
  vector.print %p2lastw : f32
  %m2c0 = memref.load %m2[%c0] : memref<37xf16>
  %m2c0w = arith.extf %m2c0 : f16 to f32
  vector.print %m2c0w : f32
  %m2last = memref.load %m2[%last] : memref<37xf16>
  %m2lastw = arith.extf %m2last : f16 to f32
  vector.print %m2lastw : f32
  %v2c0 = memref.load %v2[%c0] : memref<37xf16>
  %v2c0w = arith.extf %v2c0 : f16 to f32
  vector.print %v2c0w : f32
  %v2last = memref.load %v2[%last] : memref<37xf16>
  %v2lastw = arith.extf %v2last : f16 to f32
  vector.print %v2lastw : f32
  memref.dealloc %p2 : memref<37xf16>
  memref.dealloc %g2 : memref<37xf16>
  memref.dealloc %m2 : memref<37xf16>
  memref.dealloc %v2 : memref<37xf16>
  vector.print str "f16 f16 f32 f32\n"
  %p3 = memref.alloc() : memref<37xf16>
  %p3i = arith.constant 1.0 : f16
  scf.for %i = %c0 to %n step %c1 {
    memref.store %p3i, %p3[%i] : memref<37xf16>
  }
  %g3 = memref.alloc() : memref<37xf16>
  %g3i = arith.constant 0.5 : f16
  scf.for %i = %c0 to %n step %c1 {
    memref.store %g3i, %g3[%i] : memref<37xf16>
  }
  %m3 = memref.alloc() : memref<37xf32>
  %m3i = arith.constant 0.0 : f32
  scf.for %i = %c0 to %n step %c1 {
    memref.store %m3i, %m3[%i] : memref<37xf32>
  }
  %v3 = memref.alloc() : memref<37xf32>
  %v3i = arith.constant 0.0 : f32
  scf.for %i = %c0 to %n step %c1 {
    memref.store %v3i, %v3[%i] : memref<37xf32>
  }
  %lr3 = arith.constant 1.0e-2 : f32
  optim.adamw_step %p3, %g3, %m3, %v3, step %t, lr %lr3 {weight_decay = 0.0 : f64}
      : (memref<37xf16>, memref<37xf16>, memref<37xf32>, memref<37xf32>, f32)
  %p3c0 = memref.load %p3[%c0] : memref<37xf16>
  %p3c0w = arith.extf %p3c0 : f16 to f32
  vector.print %p3c0w : f32
  %p3last = memref.load %p3[%last] : memref<37xf16>
  %p3lastw = arith.extf %p3last : f16 to f32
  vector.print %p3lastw : f32
  %m3c0 = memref.load %m3[%c0] : memref<37xf32>
  vector.print %m3c0 : f32
  %m3last = memref.load %m3[%last] : memref<37xf32>
  vector.print %m3last : f32
  %v3c0 = memref.load %v3[%c0] : memref<37xf32>
  vector.print %v3c0 : f32
  %v3last = memref.load %v3[%last] : memref<37xf32>
  vector.print %v3last : f32
  memref.dealloc %p3 : memref<37xf16>
  memref.dealloc %g3 : memref<37xf16>
  memref.dealloc %m3 : memref<37xf32>
  memref.dealloc %v3 : memref<37xf32>
  vector.print str "f32 f32 bf16 bf16\n"
  %p4 = memref.alloc() : memref<37xf32>
  %p4i = arith.constant 1.0 : f32
  scf.for %i = %c0 to %n step %c1 {
    memref.store %p4i, %p4[%i] : memref<37xf32>
  }
  %g4 = memref.alloc() : memref<37xf32>
  %g4i = arith.constant 0.5 : f32
  scf.for %i = %c0 to %n step %c1 {
    memref.store %g4i, %g4[%i] : memref<37xf32>
  }
  %m4 = memref.alloc() : memref<37xbf16>
  %m4i = arith.constant 0.0 : bf16
  scf.for %i = %c0 to %n step %c1 {
    memref.store %m4i, %m4[%i] : memref<37xbf16>
  }
  %v4 = memref.alloc() : memref<37xbf16>
  %v4i = arith.constant 0.0 : bf16
  scf.for %i = %c0 to %n step %c1 {
    memref.store %v4i, %v4[%i] : memref<37xbf16>
  }
  %lr4 = arith.constant 1.0e-2 : f32
  optim.adamw_step %p4, %g4, %m4, %v4, step %t, lr %lr4 {weight_decay = 0.0 : f64}
      : (memref<37xf32>, memref<37xf32>, memref<37xbf16>, memref<37xbf16>, f32)
  %p4c0 = memref.load %p4[%c0] : memref<37xf32>
  vector.print %p4c0 : f32
  %p4last = memref.load %p4[%last] : memref<37xf32>
  vector.print %p4last : f32
  %m4c0 = memref.load %m4[%c0] : memref<37xbf16>
  %m4c0w = arith.extf %m4c0 : bf16 to f32
  vector.print %m4c0w : f32
  %m4last = memref.load %m4[%last] : memref<37xbf16>
  %m4lastw = arith.extf %m4last : bf16 to f32
  vector.print %m4lastw : f32
  %v4c0 = memref.load %v4[%c0] : memref<37xbf16>
  %v4c0w = arith.extf %v4c0 : bf16 to f32
  vector.print %v4c0w : f32
  %v4last = memref.load %v4[%last] : memref<37xbf16>
  %v4lastw = arith.extf %v4last : bf16 to f32
  vector.print %v4lastw : f32
  memref.dealloc %p4 : memref<37xf32>
  memref.dealloc %g4 : memref<37xf32>
  memref.dealloc %m4 : memref<37xbf16>
  memref.dealloc %v4 : memref<37xbf16>
  vector.print str "f32 bf16 f32 f32\n"
  %p5 = memref.alloc() : memref<37xf32>
  %p5i = arith.constant 1.0 : f32
  scf.for %i = %c0 to %n step %c1 {
    memref.store %p5i, %p5[%i] : memref<37xf32>
  }
  %g5 = memref.alloc() : memref<37xbf16>
  %g5i = arith.constant 0.5 : bf16
  scf.for %i = %c0 to %n step %c1 {
    memref.store %g5i, %g5[%i] : memref<37xbf16>
  }
  %m5 = memref.alloc() : memref<37xf32>
  %m5i = arith.constant 0.0 : f32
  scf.for %i = %c0 to %n step %c1 {
    memref.store %m5i, %m5[%i] : memref<37xf32>
  }
  %v5 = memref.alloc() : memref<37xf32>
  %v5i = arith.constant 0.0 : f32
  scf.for %i = %c0 to %n step %c1 {
    memref.store %v5i, %v5[%i] : memref<37xf32>
  }
  %lr5 = arith.constant 1.0e-2 : f32
  optim.adamw_step %p5, %g5, %m5, %v5, step %t, lr %lr5 {weight_decay = 0.0 : f64}
      : (memref<37xf32>, memref<37xbf16>, memref<37xf32>, memref<37xf32>, f32)
  %p5c0 = memref.load %p5[%c0] : memref<37xf32>
  vector.print %p5c0 : f32
  %p5last = memref.load %p5[%last] : memref<37xf32>
  vector.print %p5last : f32
  %m5c0 = memref.load %m5[%c0] : memref<37xf32>
  vector.print %m5c0 : f32
  %m5last = memref.load %m5[%last] : memref<37xf32>
  vector.print %m5last : f32
  %v5c0 = memref.load %v5[%c0] : memref<37xf32>
  vector.print %v5c0 : f32
  %v5last = memref.load %v5[%last] : memref<37xf32>
  vector.print %v5last : f32
  memref.dealloc %p5 : memref<37xf32>
  memref.dealloc %g5 : memref<37xbf16>
  memref.dealloc %m5 : memref<37xf32>
  memref.dealloc %v5 : memref<37xf32>
  vector.print str "f64 f32 f64 f64\n"
  %p6 = memref.alloc() : memref<37xf64>
  %p6i = arith.constant 1.0 : f64
  scf.for %i = %c0 to %n step %c1 {
    memref.store %p6i, %p6[%i] : memref<37xf64>
  }
  %g6 = memref.alloc() : memref<37xf32>
  %g6i = arith.constant 0.5 : f32
  scf.for %i = %c0 to %n step %c1 {
    memref.store %g6i, %g6[%i] : memref<37xf32>
  }
  %m6 = memref.alloc() : memref<37xf64>
  %m6i = arith.constant 0.0 : f64
  scf.for %i = %c0 to %n step %c1 {
    memref.store %m6i, %m6[%i] : memref<37xf64>
  }
  %v6 = memref.alloc() : memref<37xf64>
  %v6i = arith.constant 0.0 : f64
  scf.for %i = %c0 to %n step %c1 {
    memref.store %v6i, %v6[%i] : memref<37xf64>
  }
  %lr6 = arith.constant 1.0e-2 : f64
  optim.adamw_step %p6, %g6, %m6, %v6, step %t, lr %lr6 {weight_decay = 0.0 : f64}
      : (memref<37xf64>, memref<37xf32>, memref<37xf64>, memref<37xf64>, f64)
  %p6c0 = memref.load %p6[%c0] : memref<37xf64>
  vector.print %p6c0 : f64
  %p6last = memref.load %p6[%last] : memref<37xf64>
  vector.print %p6last : f64
  %m6c0 = memref.load %m6[%c0] : memref<37xf64>
  vector.print %m6c0 : f64
  %m6last = memref.load %m6[%last] : memref<37xf64>
  vector.print %m6last : f64
  %v6c0 = memref.load %v6[%c0] : memref<37xf64>
  vector.print %v6c0 : f64
  %v6last = memref.load %v6[%last] : memref<37xf64>
  vector.print %v6last : f64
  memref.dealloc %p6 : memref<37xf64>
  memref.dealloc %g6 : memref<37xf32>
  memref.dealloc %m6 : memref<37xf64>
  memref.dealloc %v6 : memref<37xf64>
  return
}
