// A step with 8-bit moments through optim-gpu-pipeline: one thread per block
// of 256 elements, its two block buffers (2 KB) in local memory, the code
// tables in global memory. ptxas assembles it for sm_80 and sm_90 without
// spills or barriers; the emulated run (Emulated/adamw-8bit.mlir) checks
// its results against the CPU's, bit for bit.

// RUN: optim-opt %s --optim-gpu-pipeline="format=isa chip=sm_90" > %t.sm_90.mlir
// RUN: %extract_ptx --binary step_kernel < %t.sm_90.mlir > %t.sm_90.ptx
// RUN: %ptxas -arch=sm_90 -v %t.sm_90.ptx -o %t.sm_90.cubin 2>&1 \
// RUN: | FileCheck %s -DCHIP=sm_90
// RUN: FileCheck %s --check-prefix=PTX < %t.sm_90.ptx
// RUN: optim-opt %s --optim-gpu-pipeline="format=isa chip=sm_80" > %t.sm_80.mlir
// RUN: %extract_ptx --binary step_kernel < %t.sm_80.mlir > %t.sm_80.ptx
// RUN: %ptxas -arch=sm_80 -v %t.sm_80.ptx -o %t.sm_80.cubin 2>&1 \
// RUN: | FileCheck %s -DCHIP=sm_80

// CHECK: Compiling entry function 'step_kernel' for '[[CHIP]]'
// CHECK: 2048 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// CHECK: used 0 barriers

// The tables are module globals of the kernel, read from global memory.
// PTX-DAG: .global .align {{[0-9]+}} .b8 __optim_signed_buckets[12292]
// PTX-DAG: .global .align {{[0-9]+}} .b8 __optim_unsigned_code[1024]
// PTX: .entry step_kernel(

func.func @step(%p: memref<?xbf16>, %g: memref<?xbf16>, %m: memref<?xui8>,
                %v: memref<?xui8>, %am: memref<?xf32>, %av: memref<?xf32>,
                %t: i64, %lr: f32) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
      m_absmax %am : memref<?xf32> v_absmax %av : memref<?xf32>
      : (memref<?xbf16>, memref<?xbf16>, memref<?xui8>, memref<?xui8>, f32)
  return
}
