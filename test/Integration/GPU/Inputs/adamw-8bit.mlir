// Shared by the tests of a step with 8-bit moments on the GPU (Emulated/ and
// CUDA/adamw-8bit.mlir): @step, and a @main that runs four steps through
// @run_step, which each test defines (on host buffers, or copying them to the
// device), and prints every parameter's pattern, every code and absmax, and
// what the last step, skipped by found_inf, changed. SHIFT (0 or 1, set by
// the tests' RUN lines) is how many bytes into their buffer m's codes start.
// The host's buffers are stack buffers, which optim-gpu-pipeline lets host
// code use (any other buffer of a GPU module is the device's).

func.func @step(%p: memref<1001xf32>, %g: memref<1001xf32>,
                %m: memref<1001xui8>, %v: memref<1001xui8>,
                %am: memref<21xf32>, %av: memref<21xf32>, %t: i64, %lr: f32,
                %scale: memref<f32>, %inf: memref<f32>, %mv: memref<1001xui8>,
                %amv: memref<21xf32>) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr max_v %mv : memref<1001xui8>
      grad_scale %scale : memref<f32> found_inf %inf : memref<f32>
      m_absmax %am : memref<21xf32> v_absmax %av : memref<21xf32>
      max_v_absmax %amv : memref<21xf32>
      {block_size = 48 : i64}
      : (memref<1001xf32>, memref<1001xf32>, memref<1001xui8>,
         memref<1001xui8>, f32)
  return
}

func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c21 = arith.constant 21 : index
  %c1001 = arith.constant 1001 : index
  %p = memref.alloca() : memref<1001xf32>
  %g = memref.alloca() : memref<1001xf32>
  // The codes are written and read as i8 (arith takes signless integers),
  // and stepped through ui8 views of the same bytes.
  // The codes of m start SHIFT bytes into their buffer: 0, or 1 for the run
  // where they are misaligned for 4-code accesses.
  %shift = arith.constant SHIFT : index
  %mbytes = memref.alloca() : memref<1004xi8>
  %mraw = memref.view %mbytes[%shift][] : memref<1004xi8> to memref<1001xi8>
  %vraw = memref.alloca() : memref<1001xi8>
  %mvraw = memref.alloca() : memref<1001xi8>
  %mv = memref.view %mvraw[%c0][] : memref<1001xi8> to memref<1001xui8>
  %amv = memref.alloca() : memref<21xf32>
  %m = memref.view %mraw[%c0][] : memref<1001xi8> to memref<1001xui8>
  %v = memref.view %vraw[%c0][] : memref<1001xi8> to memref<1001xui8>
  %am = memref.alloca() : memref<21xf32>
  %av = memref.alloca() : memref<21xf32>
  %zero = arith.constant 0.0 : f32
  %c127 = arith.constant 127 : i8
  %c0i8 = arith.constant 0 : i8
  scf.for %b = %c0 to %c21 step %c1 {
    memref.store %zero, %am[%b] : memref<21xf32>
    memref.store %zero, %av[%b] : memref<21xf32>
    memref.store %zero, %amv[%b] : memref<21xf32>
  }
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
  %steps = arith.constant 5 : i64
  %last = arith.constant 4 : i64
  %two = arith.constant 2.0 : f32
  %gscale = memref.alloca() : memref<f32>
  memref.store %two, %gscale[] : memref<f32>
  %inf = memref.alloca() : memref<f32>
  // Copies of the state before the last step, which found_inf skips.
  %p0 = memref.alloca() : memref<1001xf32>
  %m0 = memref.alloca() : memref<1001xi8>
  %v0 = memref.alloca() : memref<1001xi8>
  %am0 = memref.alloca() : memref<21xf32>
  %av0 = memref.alloca() : memref<21xf32>
  %mv0 = memref.alloca() : memref<1001xi8>
  %amv0 = memref.alloca() : memref<21xf32>
  %one = arith.constant 1 : i64
  scf.for %t = %one to %steps step %one : i64 {
    // Gradients of a fixed pseudo-random sign and magnitude per element and
    // step: k = (i * 7919 + t * 104729) mod 1009, g = (k - 504) * 10^(k mod 7 - 6).
    scf.for %i = %c0 to %c1001 step %c1 {
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
      memref.store %gi, %g[%i] : memref<1001xf32>
      %first = arith.cmpi eq, %t, %one : i64
      scf.if %first {
        %pi = arith.mulf %kf, %f001 : f32
        memref.store %pi, %p[%i] : memref<1001xf32>
        memref.store %c127, %mraw[%i] : memref<1001xi8>
        memref.store %c0i8, %vraw[%i] : memref<1001xi8>
        memref.store %c0i8, %mvraw[%i] : memref<1001xi8>
      }
    }
    %skip = arith.cmpi eq, %t, %last : i64
    %flag = arith.uitofp %skip : i1 to f32
    memref.store %flag, %inf[] : memref<f32>
    memref.copy %p, %p0 : memref<1001xf32> to memref<1001xf32>
    memref.copy %mraw, %m0 : memref<1001xi8> to memref<1001xi8>
    memref.copy %vraw, %v0 : memref<1001xi8> to memref<1001xi8>
    memref.copy %am, %am0 : memref<21xf32> to memref<21xf32>
    memref.copy %av, %av0 : memref<21xf32> to memref<21xf32>
    memref.copy %mvraw, %mv0 : memref<1001xi8> to memref<1001xi8>
    memref.copy %amv, %amv0 : memref<21xf32> to memref<21xf32>
    func.call @run_step(%p, %g, %m, %v, %am, %av, %t, %lr, %gscale, %inf, %mv, %amv)
        : (memref<1001xf32>, memref<1001xf32>, memref<1001xui8>,
           memref<1001xui8>, memref<21xf32>, memref<21xf32>, i64, f32,
           memref<f32>, memref<f32>, memref<1001xui8>, memref<21xf32>) -> ()
  }
  %nonzero = scf.for %i = %c0 to %c1001 step %c1 iter_args(%n = %c0i64) -> (i64) {
    %pv = memref.load %p[%i] : memref<1001xf32>
    %pb = arith.bitcast %pv : f32 to i32
    %mi = memref.load %mraw[%i] : memref<1001xi8>
    %vi = memref.load %vraw[%i] : memref<1001xi8>
    %xi = memref.load %mvraw[%i] : memref<1001xi8>
    %mw = arith.extui %mi : i8 to i32
    %vw = arith.extui %vi : i8 to i32
    %xw = arith.extui %xi : i8 to i32
    vector.print str "p "
    vector.print %pb : i32 punctuation <no_punctuation>
    vector.print str " m "
    vector.print %mw : i32 punctuation <no_punctuation>
    vector.print str " v "
    vector.print %vw : i32 punctuation <no_punctuation>
    vector.print str " max_v "
    vector.print %xw : i32
    %nz = arith.cmpi ne, %vw, %c0i32 : i32
    %nzi = arith.extui %nz : i1 to i64
    %n1 = arith.addi %n, %nzi : i64
    scf.yield %n1 : i64
  }
  scf.for %b = %c0 to %c21 step %c1 {
    %x = memref.load %am[%b] : memref<21xf32>
    %y = memref.load %av[%b] : memref<21xf32>
    %z = memref.load %amv[%b] : memref<21xf32>
    vector.print str "absmax "
    vector.print %x : f32 punctuation <no_punctuation>
    vector.print str " "
    vector.print %y : f32 punctuation <no_punctuation>
    vector.print str " "
    vector.print %z : f32
  }
  vector.print str "nonzero codes "
  vector.print %nonzero : i64
  // Bit patterns that the skipped step changed.
  %changed = scf.for %i = %c0 to %c1001 step %c1 iter_args(%n = %c0i64) -> (i64) {
    %a = memref.load %p[%i] : memref<1001xf32>
    %a0 = memref.load %p0[%i] : memref<1001xf32>
    %ab = arith.bitcast %a : f32 to i32
    %ab0 = arith.bitcast %a0 : f32 to i32
    %mi = memref.load %mraw[%i] : memref<1001xi8>
    %mi0 = memref.load %m0[%i] : memref<1001xi8>
    %vi = memref.load %vraw[%i] : memref<1001xi8>
    %vi0 = memref.load %v0[%i] : memref<1001xi8>
    %xi = memref.load %mvraw[%i] : memref<1001xi8>
    %xi0 = memref.load %mv0[%i] : memref<1001xi8>
    %dp = arith.cmpi ne, %ab, %ab0 : i32
    %dm = arith.cmpi ne, %mi, %mi0 : i8
    %dv = arith.cmpi ne, %vi, %vi0 : i8
    %dx = arith.cmpi ne, %xi, %xi0 : i8
    %d1 = arith.ori %dp, %dm : i1
    %d2 = arith.ori %d1, %dv : i1
    %d = arith.ori %d2, %dx : i1
    %di = arith.extui %d : i1 to i64
    %n1 = arith.addi %n, %di : i64
    scf.yield %n1 : i64
  }
  %changedAll = scf.for %b = %c0 to %c21 step %c1 iter_args(%n = %changed) -> (i64) {
    %x = memref.load %am[%b] : memref<21xf32>
    %x0 = memref.load %am0[%b] : memref<21xf32>
    %y = memref.load %av[%b] : memref<21xf32>
    %y0 = memref.load %av0[%b] : memref<21xf32>
    %xb = arith.bitcast %x : f32 to i32
    %xb0 = arith.bitcast %x0 : f32 to i32
    %yb = arith.bitcast %y : f32 to i32
    %yb0 = arith.bitcast %y0 : f32 to i32
    %z = memref.load %amv[%b] : memref<21xf32>
    %z0 = memref.load %amv0[%b] : memref<21xf32>
    %zb = arith.bitcast %z : f32 to i32
    %zb0 = arith.bitcast %z0 : f32 to i32
    %dx = arith.cmpi ne, %xb, %xb0 : i32
    %dy = arith.cmpi ne, %yb, %yb0 : i32
    %dz = arith.cmpi ne, %zb, %zb0 : i32
    %d1 = arith.ori %dx, %dy : i1
    %d = arith.ori %d1, %dz : i1
    %di = arith.extui %d : i1 to i64
    %n1 = arith.addi %n, %di : i64
    scf.yield %n1 : i64
  }
  vector.print str "changed by the skipped step "
  vector.print %changedAll : i64
  return
}
