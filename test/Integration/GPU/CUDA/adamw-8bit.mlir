// The step with 8-bit moments of optim-gpu-pipeline (8 lanes of a warp per
// block of 48, their maxima met by warp shuffles), run on the GPU,
// must write the same bits as the CPU lowering (../Inputs/adamw-8bit.mlir:
// four steps on 1001 elements, a partial last chunk, GPU blocks with groups
// past the end, an 8-bit amsgrad max_v, a grad scale, and found_inf set at
// the last step, which must change nothing): every parameter's pattern, code
// and absmax is printed by both and compared. The emulated run of the same
// kernel (Emulated/adamw-8bit.mlir) checks this without a GPU.
// RUN: sed s/SHIFT/0/ %S/../Inputs/adamw-8bit.mlir | cat %s - > %t.mlir
// RUN: optim-opt %t.mlir --test-optim-gpu-to-cpu --optim-cpu-pipeline \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_runtime_libs > %t.cpu
// RUN: optim-opt %t.mlir --optim-gpu-pipeline="format=isa chip=%cuda_chip" \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:   -shared-libs=%optim_cuda_runtime,%mlir_runtime_libs > %t.gpu
// RUN: diff %t.cpu %t.gpu
// RUN: FileCheck %s < %t.gpu

// CHECK-COUNT-1001: p {{-?[0-9]+}} m {{[0-9]+}} v {{[0-9]+}} max_v {{[0-9]+}}
// CHECK-COUNT-21: absmax {{[0-9.e+-]+}} {{[0-9.e+-]+}} {{[0-9.e+-]+}}
// CHECK: nonzero codes {{[1-9][0-9]*}}
// CHECK: changed by the skipped step 0

// The step on device copies of the host's buffers, copied back after. (On
// the CPU, test-optim-gpu-to-cpu makes the copies host copies.)
func.func @run_step(%p: memref<1001xf32>, %g: memref<1001xf32>,
                    %m: memref<1001xui8>, %v: memref<1001xui8>,
                    %am: memref<21xf32>, %av: memref<21xf32>, %t: i64,
                    %lr: f32, %scale: memref<f32>, %inf: memref<f32>,
                    %mv: memref<1001xui8>, %amv: memref<21xf32>) {
  %dp = gpu.alloc () : memref<1001xf32>
  %dg = gpu.alloc () : memref<1001xf32>
  %dm = gpu.alloc () : memref<1001xui8>
  %dv = gpu.alloc () : memref<1001xui8>
  %dam = gpu.alloc () : memref<21xf32>
  %dav = gpu.alloc () : memref<21xf32>
  %dscale = gpu.alloc () : memref<f32>
  %dinf = gpu.alloc () : memref<f32>
  %dmv = gpu.alloc () : memref<1001xui8>
  %damv = gpu.alloc () : memref<21xf32>
  gpu.memcpy %dp, %p : memref<1001xf32>, memref<1001xf32>
  gpu.memcpy %dg, %g : memref<1001xf32>, memref<1001xf32>
  gpu.memcpy %dm, %m : memref<1001xui8>, memref<1001xui8>
  gpu.memcpy %dv, %v : memref<1001xui8>, memref<1001xui8>
  gpu.memcpy %dam, %am : memref<21xf32>, memref<21xf32>
  gpu.memcpy %dav, %av : memref<21xf32>, memref<21xf32>
  gpu.memcpy %dscale, %scale : memref<f32>, memref<f32>
  gpu.memcpy %dinf, %inf : memref<f32>, memref<f32>
  gpu.memcpy %dmv, %mv : memref<1001xui8>, memref<1001xui8>
  gpu.memcpy %damv, %amv : memref<21xf32>, memref<21xf32>
  func.call @step(%dp, %dg, %dm, %dv, %dam, %dav, %t, %lr, %dscale, %dinf,
                  %dmv, %damv)
      : (memref<1001xf32>, memref<1001xf32>, memref<1001xui8>,
         memref<1001xui8>, memref<21xf32>, memref<21xf32>, i64, f32,
         memref<f32>, memref<f32>, memref<1001xui8>, memref<21xf32>) -> ()
  gpu.memcpy %p, %dp : memref<1001xf32>, memref<1001xf32>
  gpu.memcpy %m, %dm : memref<1001xui8>, memref<1001xui8>
  gpu.memcpy %v, %dv : memref<1001xui8>, memref<1001xui8>
  gpu.memcpy %am, %dam : memref<21xf32>, memref<21xf32>
  gpu.memcpy %av, %dav : memref<21xf32>, memref<21xf32>
  gpu.memcpy %mv, %dmv : memref<1001xui8>, memref<1001xui8>
  gpu.memcpy %amv, %damv : memref<21xf32>, memref<21xf32>
  gpu.dealloc %dp : memref<1001xf32>
  gpu.dealloc %dg : memref<1001xf32>
  gpu.dealloc %dm : memref<1001xui8>
  gpu.dealloc %dv : memref<1001xui8>
  gpu.dealloc %dam : memref<21xf32>
  gpu.dealloc %dav : memref<21xf32>
  gpu.dealloc %dscale : memref<f32>
  gpu.dealloc %dinf : memref<f32>
  gpu.dealloc %dmv : memref<1001xui8>
  gpu.dealloc %damv : memref<21xf32>
  return
}
