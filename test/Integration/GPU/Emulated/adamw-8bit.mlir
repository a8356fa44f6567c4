// The GPU lowering of a step with 8-bit moments (one thread per block, as
// optim-gpu-pipeline maps it), run on the host (test-optim-gpu-to-cpu), must
// write the same bits as the CPU lowering: three steps on 1000 elements in
// blocks of 64 (the last partial), gradients over seven decades; every
// parameter's pattern, code and absmax is printed by both and compared.
// RUN: optim-opt %s --optim-cpu-pipeline \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_runtime_libs > %t.cpu
// RUN: optim-opt %s --optim-to-buffers-pipeline \
// RUN:   --optim-lower-quantized-steps="vector-width=4 parallel-blocks=1" \
// RUN:   --convert-linalg-to-parallel-loops \
// RUN:   --scf-parallel-loop-tiling="parallel-loop-tile-sizes=8" --canonicalize \
// RUN:   --gpu-map-parallel-loops --convert-parallel-loops-to-gpu \
// RUN:   --test-optim-gpu-to-cpu --optim-cpu-to-llvm-pipeline \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_runtime_libs > %t.gpu
// RUN: diff %t.cpu %t.gpu
// RUN: FileCheck %s < %t.gpu

// CHECK-COUNT-1000: p {{-?[0-9]+}} m {{[0-9]+}} v {{[0-9]+}}
// CHECK-COUNT-16: absmax {{[0-9.e+-]+}} {{[0-9.e+-]+}}
// CHECK: nonzero codes {{[1-9][0-9]*}}

func.func @step(%p: memref<1000xf32>, %g: memref<1000xf32>,
                %m: memref<1000xui8>, %v: memref<1000xui8>,
                %am: memref<16xf32>, %av: memref<16xf32>, %t: i64, %lr: f32) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
      m_absmax %am : memref<16xf32> v_absmax %av : memref<16xf32>
      {block_size = 64 : i64}
      : (memref<1000xf32>, memref<1000xf32>, memref<1000xui8>,
         memref<1000xui8>, f32)
  return
}

func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c1000 = arith.constant 1000 : index
  %p = memref.alloc() : memref<1000xf32>
  %g = memref.alloc() : memref<1000xf32>
  // The codes are written and read as i8 (arith takes signless integers),
  // and stepped through ui8 views of the same bytes.
  %mraw = memref.alloc() : memref<1000xi8>
  %vraw = memref.alloc() : memref<1000xi8>
  %m = memref.view %mraw[%c0][] : memref<1000xi8> to memref<1000xui8>
  %v = memref.view %vraw[%c0][] : memref<1000xi8> to memref<1000xui8>
  %am = memref.alloc() : memref<16xf32>
  %av = memref.alloc() : memref<16xf32>
  %zero = arith.constant 0.0 : f32
  %c127 = arith.constant 127 : i8
  %c0i8 = arith.constant 0 : i8
  linalg.fill ins(%zero : f32) outs(%am : memref<16xf32>)
  linalg.fill ins(%zero : f32) outs(%av : memref<16xf32>)
  %lr = arith.constant 1.0e-3 : f32
  %c7919 = arith.constant 7919 : i64
  %c104729 = arith.constant 104729 : i64
  %c1009 = arith.constant 1009 : i64
  %c7 = arith.constant 7 : i64
  %c0i64 = arith.constant 0 : i64
  %c0i32 = arith.constant 0 : i32
  %f504 = arith.constant 504.0 : f32
  %f6 = arith.constant 6.0 : f32
  %f10 = arith.constant 10.0 : f32
  %f001 = arith.constant 0.01 : f32
  %steps = arith.constant 4 : i64
  %one = arith.constant 1 : i64
  scf.for %t = %one to %steps step %one : i64 {
    // Gradients of a fixed pseudo-random sign and magnitude per element and
    // step: k = (i * 7919 + t * 104729) mod 1009, g = (k - 504) * 10^(k mod 7 - 6).
    scf.for %i = %c0 to %c1000 step %c1 {
      %ii = arith.index_cast %i : index to i64
      %a = arith.muli %ii, %c7919 : i64
      %b = arith.muli %t, %c104729 : i64
      %s = arith.addi %a, %b : i64
      %k = arith.remui %s, %c1009 : i64
      %e = arith.remui %k, %c7 : i64
      %kf = arith.sitofp %k : i64 to f32
      %centred = arith.subf %kf, %f504 : f32
      %ef = arith.sitofp %e : i64 to f32
      %ex = arith.subf %ef, %f6 : f32
      %scale = math.powf %f10, %ex : f32
      %gi = arith.mulf %centred, %scale : f32
      memref.store %gi, %g[%i] : memref<1000xf32>
      %first = arith.cmpi eq, %t, %one : i64
      scf.if %first {
        %pi = arith.mulf %kf, %f001 : f32
        memref.store %pi, %p[%i] : memref<1000xf32>
        memref.store %c127, %mraw[%i] : memref<1000xi8>
        memref.store %c0i8, %vraw[%i] : memref<1000xi8>
      }
    }
    func.call @step(%p, %g, %m, %v, %am, %av, %t, %lr)
        : (memref<1000xf32>, memref<1000xf32>, memref<1000xui8>,
           memref<1000xui8>, memref<16xf32>, memref<16xf32>, i64, f32) -> ()
  }
  %nonzero = scf.for %i = %c0 to %c1000 step %c1 iter_args(%n = %c0i64) -> (i64) {
    %pv = memref.load %p[%i] : memref<1000xf32>
    %pb = arith.bitcast %pv : f32 to i32
    %mi = memref.load %mraw[%i] : memref<1000xi8>
    %vi = memref.load %vraw[%i] : memref<1000xi8>
    %mw = arith.extui %mi : i8 to i32
    %vw = arith.extui %vi : i8 to i32
    vector.print str "p "
    vector.print %pb : i32 punctuation <no_punctuation>
    vector.print str " m "
    vector.print %mw : i32 punctuation <no_punctuation>
    vector.print str " v "
    vector.print %vw : i32
    %nz = arith.cmpi ne, %vw, %c0i32 : i32
    %nzi = arith.extui %nz : i1 to i64
    %n1 = arith.addi %n, %nzi : i64
    scf.yield %n1 : i64
  }
  scf.for %b = %c0 to %c16 step %c1 {
    %x = memref.load %am[%b] : memref<16xf32>
    %y = memref.load %av[%b] : memref<16xf32>
    vector.print str "absmax "
    vector.print %x : f32 punctuation <no_punctuation>
    vector.print str " "
    vector.print %y : f32
  }
  vector.print str "nonzero codes "
  vector.print %nonzero : i64
  return
}
