// A step with 8-bit moments through optim-gpu-pipeline: a warp per block of
// 256 elements, each lane stepping 2 chunks of 4 (8 bf16 bytes, 4 code
// bytes: one access each when the host found the operands aligned) into
// buffers of 32 bytes per moment in local memory, the absmax of each moment
// a butterfly of 5 warp shuffles, the code tables in global memory. ptxas
// assembles it for sm_80 and sm_90 without spills or barriers; the emulated
// run (Emulated/adamw-8bit.mlir) checks its results against the CPU's, bit
// for bit.

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
// CHECK: 64 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// CHECK: used 0 barriers

// The tables are module globals of the kernel, read from global memory.
// PTX-DAG: .global .align {{[0-9]+}} .b8 __optim_signed_buckets[12292]
// PTX-DAG: .global .align {{[0-9]+}} .b8 __optim_unsigned_code[1024]
// PTX: .entry step_kernel(
// Whole chunks: param and grad 4 bf16 at once, 4 codes of m and of v.
// PTX: ld.global.v4.b16
// PTX: ld.global.b32
// PTX: ld.global.b32
// PTX: ld.global.v4.b16
// PTX: st.global.v2.b32
// Each moment's maxima meet across the warp, then its codes are written 4
// at once.
// PTX-COUNT-5: shfl.sync.bfly.b32
// PTX-COUNT-5: shfl.sync.bfly.b32
// PTX: st.global.b32

func.func @step(%p: memref<?xbf16>, %g: memref<?xbf16>, %m: memref<?xui8>,
                %v: memref<?xui8>, %am: memref<?xf32>, %av: memref<?xf32>,
                %t: i64, %lr: f32) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
      m_absmax %am : memref<?xf32> v_absmax %av : memref<?xf32>
      : (memref<?xbf16>, memref<?xbf16>, memref<?xui8>, memref<?xui8>, f32)
  return
}
