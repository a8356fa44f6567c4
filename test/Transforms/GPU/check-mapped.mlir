// RUN: optim-opt %s --split-input-file --verify-diagnostics --allow-unregistered-dialect \
// RUN:   --optim-gpu-check-mapped | FileCheck %s

// Kernels pass, and so does host code that touches only its own stack
// buffers (the table of a multi-tensor launch), or views of them, and device
// memory through the runtime.
// CHECK-LABEL: func.func @mapped(
func.func @mapped(%buf: memref<4xf32>, %x: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %table = memref.alloca() : memref<4xf32>
  memref.store %x, %table[%c0] : memref<4xf32>
  %bytes = memref.alloca() : memref<20xi8>
  %floats = memref.view %bytes[%c0][] : memref<20xi8> to memref<5xf32>
  memref.store %x, %floats[%c0] : memref<5xf32>
  %dev = gpu.alloc () : memref<4xf32>
  gpu.memcpy %dev, %table : memref<4xf32>, memref<4xf32>
  %d = memref.dim %buf, %c0 : memref<4xf32>
  %view = memref.subview %buf[1] [2] [1]
      : memref<4xf32> to memref<2xf32, strided<[1], offset: 1>>
  gpu.launch blocks(%b0, %b1, %b2) in (%g0 = %c1, %g1 = %c1, %g2 = %c1)
             threads(%t0, %t1, %t2) in (%s0 = %c1, %s1 = %c1, %s2 = %c1) {
    %y = memref.load %dev[%t0] : memref<4xf32>
    memref.store %y, %view[%t0] : memref<2xf32, strided<[1], offset: 1>>
    gpu.terminator
  }
  gpu.dealloc %dev : memref<4xf32>
  return
}

// -----

// Host code must not touch device buffers: the arguments that reach a
// kernel, here or in a callee, and gpu.alloc's.
func.func @host_access(%buf: memref<4xf32>, %other: memref<4xf32>, %x: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  // expected-error @below {{not on the GPU: this memref.store would access device buffers from the host}}
  memref.store %x, %buf[%c0] : memref<4xf32>
  // expected-error @below {{not on the GPU: this memref.copy would access device buffers from the host}}
  memref.copy %buf, %other : memref<4xf32> to memref<4xf32>
  %dev = gpu.alloc () : memref<4xf32>
  // expected-error @below {{not on the GPU: this memref.load would access device buffers from the host}}
  %y = memref.load %dev[%c0] : memref<4xf32>
  gpu.launch blocks(%b0, %b1, %b2) in (%g0 = %c1, %g1 = %c1, %g2 = %c1)
             threads(%t0, %t1, %t2) in (%s0 = %c1, %s1 = %c1, %s2 = %c1) {
    memref.store %x, %buf[%t0] : memref<4xf32>
    gpu.terminator
  }
  func.call @kernel_on(%other) : (memref<4xf32>) -> ()
  gpu.dealloc %dev : memref<4xf32>
  return
}

func.func @kernel_on(%buf: memref<4xf32>) {
  %c1 = arith.constant 1 : index
  %x = arith.constant 1.0 : f32
  %view = memref.subview %buf[1] [2] [1]
      : memref<4xf32> to memref<2xf32, strided<[1], offset: 1>>
  gpu.launch blocks(%b0, %b1, %b2) in (%g0 = %c1, %g1 = %c1, %g2 = %c1)
             threads(%t0, %t1, %t2) in (%s0 = %c1, %s1 = %c1, %s2 = %c1) {
    memref.store %x, %view[%t0] : memref<2xf32, strided<[1], offset: 1>>
    gpu.terminator
  }
  return
}

// -----

// Host memory that no kernel reaches is the host's: a harness may allocate,
// fill and check it, also in helpers, and copy it to and from the device.
// CHECK-LABEL: func.func @host_harness(
func.func @host_harness(%x: f32) {
  %c0 = arith.constant 0 : index
  %host = memref.alloc() : memref<4xf32>
  memref.store %x, %host[%c0] : memref<4xf32>
  func.call @host_helper(%host) : (memref<4xf32>) -> ()
  %dev = gpu.alloc () : memref<4xf32>
  gpu.memcpy %dev, %host : memref<4xf32>, memref<4xf32>
  func.call @device_step(%dev) : (memref<4xf32>) -> ()
  gpu.memcpy %host, %dev : memref<4xf32>, memref<4xf32>
  gpu.dealloc %dev : memref<4xf32>
  memref.dealloc %host : memref<4xf32>
  return
}

func.func @host_helper(%buf: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %y = memref.load %buf[%c0] : memref<4xf32>
  memref.store %y, %buf[%c0] : memref<4xf32>
  return
}

func.func @device_step(%buf: memref<4xf32>) {
  %c1 = arith.constant 1 : index
  %x = arith.constant 1.0 : f32
  gpu.launch blocks(%b0, %b1, %b2) in (%g0 = %c1, %g1 = %c1, %g2 = %c1)
             threads(%t0, %t1, %t2) in (%s0 = %c1, %s1 = %c1, %s2 = %c1) {
    memref.store %x, %buf[%t0] : memref<4xf32>
    gpu.terminator
  }
  return
}

// -----

// Kernels cannot use host memory: bufferization's allocations and globals
// (of tensors it cannot update in place, and of constants), handed to a
// kernel or returned to a caller, or a stack buffer handed to a callee's
// kernel.
memref.global "private" constant @zeros : memref<4xf32> = dense<0.0>
func.func @host_memory(%x: f32) -> (memref<4xf32>, memref<4xf32>) {
  %c1 = arith.constant 1 : index
  // expected-error @below {{this memref.alloc holds host memory, which kernels cannot use; in tensor form, bufferization makes such a buffer for a constant tensor, or for a copy of a tensor that the step cannot update in place (one still used after it)}}
  %a = memref.alloc() : memref<4xf32>
  // expected-error @below {{this memref.get_global holds host memory}}
  %z = memref.get_global @zeros : memref<4xf32>
  // expected-error @below {{this memref.alloc holds host memory}}
  %b = memref.alloc() : memref<4xf32>
  gpu.launch blocks(%b0, %b1, %b2) in (%g0 = %c1, %g1 = %c1, %g2 = %c1)
             threads(%t0, %t1, %t2) in (%s0 = %c1, %s1 = %c1, %s2 = %c1) {
    memref.store %x, %b[%t0] : memref<4xf32>
    gpu.terminator
  }
  // expected-error @below {{this memref.alloca holds host memory}}
  %s = memref.alloca() : memref<4xf32>
  func.call @device_step(%s) : (memref<4xf32>) -> ()
  return %a, %z : memref<4xf32>, memref<4xf32>
}

func.func @device_step(%buf: memref<4xf32>) {
  %c1 = arith.constant 1 : index
  %x = arith.constant 1.0 : f32
  gpu.launch blocks(%b0, %b1, %b2) in (%g0 = %c1, %g1 = %c1, %g2 = %c1)
             threads(%t0, %t1, %t2) in (%s0 = %c1, %s1 = %c1, %s2 = %c1) {
    memref.store %x, %buf[%t0] : memref<4xf32>
    gpu.terminator
  }
  return
}

// -----

// A kernel inside a kernel: the loop around an op that was mapped was
// mapped too.
func.func @nested_launch(%buf: memref<4xf32>, %x: f32) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%b0, %b1, %b2) in (%g0 = %c1, %g1 = %c1, %g2 = %c1)
             threads(%t0, %t1, %t2) in (%s0 = %c1, %s1 = %c1, %s2 = %c1) {
    // expected-error @below {{a kernel launched from inside a kernel: a loop around this op was mapped to the GPU too (e.g. an op in an scf.parallel); make that loop an scf.for}}
    gpu.launch blocks(%c0, %c2, %c3) in (%h0 = %c1, %h1 = %c1, %h2 = %c1)
               threads(%u0, %u1, %u2) in (%r0 = %c1, %r1 = %c1, %r2 = %c1) {
      memref.store %x, %buf[%u0] : memref<4xf32>
      gpu.terminator
    }
    gpu.terminator
  }
  return
}

// -----

func.func @parallel_loop(%buf: memref<4xf32>, %x: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  // expected-error @below {{not mapped to the GPU: this scf.parallel would run on the host over device buffers}}
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    memref.store %x, %buf[%i] : memref<4xf32>
  }
  return
}

// -----

func.func @linalg(%buf: memref<4xf32>, %x: f32) {
  // expected-error @below {{not mapped to the GPU: this linalg.fill would run on the host over device buffers}}
  linalg.fill ins(%x : f32) outs(%buf : memref<4xf32>)
  return
}

// -----

// Every leftover op is reported, not only the first; an unregistered op is
// not one of them.
func.func @several(%buf: memref<4xf32>, %x: f32) {
  // expected-error @below {{this linalg.fill would run on the host}}
  linalg.fill ins(%x : f32) outs(%buf : memref<4xf32>)
  "test.unregistered"() : () -> ()
  // expected-error @below {{this linalg.fill would run on the host}}
  linalg.fill ins(%x : f32) outs(%buf : memref<4xf32>)
  return
}

// -----

// A step with 8-bit moments that was not lowered first says which pass it
// needs.
func.func @quantized(%p: memref<512xf32>, %m: memref<512xui8>,
                     %a: memref<2xf32>, %t: i64, %lr: f32) {
  // expected-error@+1 {{not mapped to the GPU: this optim.adamw_step was not lowered; steps with 8-bit moments need optim-lower-quantized-steps (gpu-threads) first, as optim-gpu-pipeline runs it}}
  optim.adamw_step %p, %p, %m, %m, step %t, lr %lr
      m_absmax %a : memref<2xf32> v_absmax %a : memref<2xf32>
      : (memref<512xf32>, memref<512xf32>, memref<512xui8>, memref<512xui8>,
         f32)
  return
}
