// The GPU lowering of a step with 8-bit moments (a group of lanes per block,
// exchanging maxima with gpu.shuffle, as optim-gpu-pipeline maps it), run on
// the host (test-optim-gpu-to-cpu, which runs the threads in phases between
// shuffles), must write the same bits as the CPU lowering
// (../Inputs/adamw-8bit.mlir): four steps on 1001 elements in blocks of 48
// (8 lanes per block, 12 chunks of 4: lanes 0-3 take two; the last block 41
// elements, its partial chunk lane 2's second), 8 groups per GPU block (the
// last GPU block has 3 groups past the end), amsgrad with an 8-bit max_v,
// gradients over seven decades divided by a grad scale of 2, and found_inf
// set at the last step, which must change nothing. Every parameter's
// pattern, code and absmax is printed by both and compared, also when m's
// codes are misaligned and every chunk takes the masked path.
// DEFINE: %{run} = mlir-runner -e main -entry-point-result=void \
// DEFINE:   -shared-libs=%mlir_runtime_libs
// DEFINE: %{gpu} = optim-opt --optim-to-buffers-pipeline \
// DEFINE:   --convert-linalg-to-parallel-loops \
// DEFINE:   --scf-parallel-loop-tiling="parallel-loop-tile-sizes=8" --canonicalize \
// DEFINE:   --gpu-map-parallel-loops \
// DEFINE:   --optim-lower-quantized-steps="vector-width=4 gpu-threads=64" \
// DEFINE:   --convert-parallel-loops-to-gpu \
// DEFINE:   --test-optim-gpu-to-cpu --optim-cpu-to-llvm-pipeline
// RUN: sed s/SHIFT/0/ %S/../Inputs/adamw-8bit.mlir | cat %s - > %t.mlir
// RUN: optim-opt %t.mlir --optim-cpu-pipeline | %{run} > %t.cpu
// RUN: %{gpu} %t.mlir | %{run} > %t.gpu
// RUN: diff %t.cpu %t.gpu
// RUN: FileCheck %s < %t.gpu
// With m's codes misaligned every chunk is masked; the bits stay the same.
// RUN: sed s/SHIFT/1/ %S/../Inputs/adamw-8bit.mlir | cat %s - | %{gpu} \
// RUN: | %{run} > %t.misaligned
// RUN: diff %t.cpu %t.misaligned

// CHECK-COUNT-1001: p {{-?[0-9]+}} m {{[0-9]+}} v {{[0-9]+}} max_v {{[0-9]+}}
// CHECK-COUNT-21: absmax {{[0-9.e+-]+}} {{[0-9.e+-]+}} {{[0-9.e+-]+}}
// CHECK: nonzero codes {{[1-9][0-9]*}}
// CHECK: changed by the skipped step 0

// The step on the host's buffers, which the emulated kernel reads directly.
func.func @run_step(%p: memref<1001xf32>, %g: memref<1001xf32>,
                    %m: memref<1001xui8>, %v: memref<1001xui8>,
                    %am: memref<21xf32>, %av: memref<21xf32>, %t: i64,
                    %lr: f32, %scale: memref<f32>, %inf: memref<f32>,
                    %mv: memref<1001xui8>, %amv: memref<21xf32>) {
  func.call @step(%p, %g, %m, %v, %am, %av, %t, %lr, %scale, %inf, %mv, %amv)
      : (memref<1001xf32>, memref<1001xf32>, memref<1001xui8>,
         memref<1001xui8>, memref<21xf32>, memref<21xf32>, i64, f32,
         memref<f32>, memref<f32>, memref<1001xui8>, memref<21xf32>) -> ()
  return
}
