// 8-bit moments in the tensor form, JIT-run: with zero gradients and
// beta1 = beta2 = 1/2, each step halves every moment exactly, so the new
// absmax is half the old one (every block holds the code of 1) and every
// scaled value is a code itself: all 256 codes of both maps must come back
// unchanged, which checks the lookup of every code and the nearest-code
// search at every code. 600 elements: two blocks of 256 and a partial one
// of 88, with absmax 2, 1/4 and 8. Where m's code is 0 the parameter only
// decays: 0.99 per step with lr 1 and weight_decay 0.01.
// RUN: optim-opt %s --optim-cpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void \
// RUN:       -shared-libs=%mlir_runtime_libs | FileCheck %s
// RUN: optim-opt %s --optim-cpu-pipeline="vector-width=4" \
// RUN:   | mlir-runner -e main -entry-point-result=void \
// RUN:       -shared-libs=%mlir_runtime_libs | FileCheck %s
// RUN: optim-opt %s --optim-cpu-pipeline="num-threads=2" \
// RUN:   | mlir-runner -e main -entry-point-result=void \
// RUN:       -shared-libs=%mlir_runtime_libs,%openmp_lib | FileCheck %s

// CHECK: changed codes: 0
// CHECK: absmax: ( 0.25, 0.03125, 1 )
// CHECK: absmax: ( 0.25, 0.03125, 1 )
// CHECK: parameters: 0.970299

func.func @train(%p: tensor<600xf32>, %g: tensor<600xf32>,
                 %m: tensor<600xui8>, %v: tensor<600xui8>,
                 %am: tensor<3xf32>, %av: tensor<3xf32>, %lr: f32)
    -> (tensor<600xf32>, tensor<600xui8>, tensor<600xui8>, tensor<3xf32>,
        tensor<3xf32>) {
  %c1 = arith.constant 1 : i64
  %c4 = arith.constant 4 : i64
  %r:5 = scf.for %t = %c1 to %c4 step %c1
      iter_args(%pi = %p, %mi = %m, %vi = %v, %ami = %am, %avi = %av)
      -> (tensor<600xf32>, tensor<600xui8>, tensor<600xui8>, tensor<3xf32>,
          tensor<3xf32>) : i64 {
    %s:5 = optim.adamw_step %pi, %g, %mi, %vi, step %t, lr %lr
        m_absmax %ami : tensor<3xf32> v_absmax %avi : tensor<3xf32>
        {beta1 = 0.5 : f64, beta2 = 0.5 : f64}
        : (tensor<600xf32>, tensor<600xf32>, tensor<600xui8>, tensor<600xui8>,
           f32)
    scf.yield %s#0, %s#1, %s#2, %s#3, %s#4 : tensor<600xf32>, tensor<600xui8>,
        tensor<600xui8>, tensor<3xf32>, tensor<3xf32>
  }
  return %r#0, %r#1, %r#2, %r#3, %r#4 : tensor<600xf32>, tensor<600xui8>,
      tensor<600xui8>, tensor<3xf32>, tensor<3xf32>
}

func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c256 = arith.constant 256 : index
  %c600 = arith.constant 600 : index
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %p = memref.alloc() : memref<600xf32>
  %g = memref.alloc() : memref<600xf32>
  %m = memref.alloc() : memref<600xui8>
  %v = memref.alloc() : memref<600xui8>
  %codes = memref.alloc() : memref<600xui8>
  // Codes 0..255 in each block; the partial block holds 0..86 and 255.
  scf.for %i = %c0 to %c600 step %c1 {
    %k = arith.remui %i, %c256 : index
    %c599 = arith.constant 599 : index
    %last = arith.cmpi eq, %i, %c599 : index
    %c255 = arith.constant 255 : index
    %kk = arith.select %last, %c255, %k : index
    %ki = arith.index_cast %kk : index to i8
    %code = builtin.unrealized_conversion_cast %ki : i8 to ui8
    memref.store %code, %m[%i] : memref<600xui8>
    memref.store %code, %v[%i] : memref<600xui8>
    memref.store %code, %codes[%i] : memref<600xui8>
    memref.store %one, %p[%i] : memref<600xf32>
    memref.store %zero, %g[%i] : memref<600xf32>
  }
  %am = memref.alloc() : memref<3xf32>
  %av = memref.alloc() : memref<3xf32>
  %c2 = arith.constant 2 : index
  %a0 = arith.constant 2.0 : f32
  %a1 = arith.constant 0.25 : f32
  %a2 = arith.constant 8.0 : f32
  memref.store %a0, %am[%c0] : memref<3xf32>
  memref.store %a1, %am[%c1] : memref<3xf32>
  memref.store %a2, %am[%c2] : memref<3xf32>
  memref.copy %am, %av : memref<3xf32> to memref<3xf32>

  %pt = bufferization.to_tensor %p restrict writable : memref<600xf32> to tensor<600xf32>
  %gt = bufferization.to_tensor %g restrict : memref<600xf32> to tensor<600xf32>
  %mt = bufferization.to_tensor %m restrict writable : memref<600xui8> to tensor<600xui8>
  %vt = bufferization.to_tensor %v restrict writable : memref<600xui8> to tensor<600xui8>
  %amt = bufferization.to_tensor %am restrict writable : memref<3xf32> to tensor<3xf32>
  %avt = bufferization.to_tensor %av restrict writable : memref<3xf32> to tensor<3xf32>
  // lr = 1, weight_decay 0.01: the parameters decay by 0.99 per step.
  %r:5 = call @train(%pt, %gt, %mt, %vt, %amt, %avt, %one)
      : (tensor<600xf32>, tensor<600xf32>, tensor<600xui8>, tensor<600xui8>,
         tensor<3xf32>, tensor<3xf32>, f32)
      -> (tensor<600xf32>, tensor<600xui8>, tensor<600xui8>, tensor<3xf32>,
          tensor<3xf32>)
  bufferization.materialize_in_destination %r#0 in restrict writable %p : (tensor<600xf32>, memref<600xf32>) -> ()
  bufferization.materialize_in_destination %r#1 in restrict writable %m : (tensor<600xui8>, memref<600xui8>) -> ()
  bufferization.materialize_in_destination %r#2 in restrict writable %v : (tensor<600xui8>, memref<600xui8>) -> ()
  bufferization.materialize_in_destination %r#3 in restrict writable %am : (tensor<3xf32>, memref<3xf32>) -> ()
  bufferization.materialize_in_destination %r#4 in restrict writable %av : (tensor<3xf32>, memref<3xf32>) -> ()

  %none = arith.constant 0 : i64
  %changed = scf.for %i = %c0 to %c600 step %c1 iter_args(%n = %none) -> (i64) {
    %want = memref.load %codes[%i] : memref<600xui8>
    %gotm = memref.load %m[%i] : memref<600xui8>
    %gotv = memref.load %v[%i] : memref<600xui8>
    %w = builtin.unrealized_conversion_cast %want : ui8 to i8
    %x = builtin.unrealized_conversion_cast %gotm : ui8 to i8
    %y = builtin.unrealized_conversion_cast %gotv : ui8 to i8
    %dm = arith.cmpi ne, %w, %x : i8
    %dv = arith.cmpi ne, %w, %y : i8
    %d = arith.ori %dm, %dv : i1
    %di = arith.extui %d : i1 to i64
    %n1 = arith.addi %n, %di : i64
    scf.yield %n1 : i64
  }
  vector.print str "changed codes: "
  vector.print %changed : i64
  %amv = vector.transfer_read %am[%c0], %zero : memref<3xf32>, vector<3xf32>
  %avv = vector.transfer_read %av[%c0], %zero : memref<3xf32>, vector<3xf32>
  vector.print str "absmax: "
  vector.print %amv : vector<3xf32>
  vector.print str "absmax: "
  vector.print %avv : vector<3xf32>
  %c127 = arith.constant 127 : index
  %p0 = memref.load %p[%c127] : memref<600xf32>
  vector.print str "parameters: "
  vector.print %p0 : f32
  return
}
