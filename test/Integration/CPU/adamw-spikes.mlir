// A gradient spike whose square overflows although the new v fits: the step
// computes ((1 - beta2) * g) * g, as torch does, so v stays finite (f32:
// 1.8e19 < |g| < 5.8e20; f64: 1.3e154 < |g| < 4.2e155) and the parameter
// moves by lr (first step); past the last bound v is inf, as in torch, and
// the parameter only decays. On the CPU and in the GPU kernel.

// RUN: optim-runner %s -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_runtime_libs | FileCheck %s
// The GPU kernel, run on the host:
// RUN: optim-opt %s --optim-to-buffers-pipeline --optim-map-elementwise-to-gpu \
// RUN:   --test-optim-gpu-to-cpu --optim-cpu-to-llvm-pipeline \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_runtime_libs | FileCheck %s

// g = 1e20, 5e20, -5.7e20, 6e20: v = 1e37, 2.5e38, 3.249e38, inf.
// CHECK:      [1e+37,  2.5e+38,  3.249e+38,  inf]
// CHECK:      [0.99899,  0.99899,  1.00099,  0.99999]
// g = 1e155, -4e155, 5e155: v = 1e307, 1.6e308, inf.
// CHECK:      [1e+307,  1.6e+308,  inf]
// CHECK:      [0.99899,  1.00099,  0.99999]

func.func private @printMemrefF32(memref<*xf32>)
func.func private @printMemrefF64(memref<*xf64>)

func.func @main() {
  %t = arith.constant 1 : i64
  %lr32 = arith.constant 1.0e-3 : f32
  %g32 = arith.constant dense<[1.0e20, 5.0e20, -5.7e20, 6.0e20]> : tensor<4xf32>
  %one32 = arith.constant dense<1.0> : tensor<4xf32>
  %zero32 = arith.constant dense<0.0> : tensor<4xf32>
  %p32, %m32, %v32 = optim.adamw_step %one32, %g32, %zero32, %zero32, step %t,
      lr %lr32 : tensor<4xf32>
  %vb32 = bufferization.to_buffer %v32 : tensor<4xf32> to memref<4xf32>
  %pb32 = bufferization.to_buffer %p32 : tensor<4xf32> to memref<4xf32>
  %vu32 = memref.cast %vb32 : memref<4xf32> to memref<*xf32>
  %pu32 = memref.cast %pb32 : memref<4xf32> to memref<*xf32>
  call @printMemrefF32(%vu32) : (memref<*xf32>) -> ()
  call @printMemrefF32(%pu32) : (memref<*xf32>) -> ()

  %lr64 = arith.constant 1.0e-3 : f64
  %g64 = arith.constant dense<[1.0e155, -4.0e155, 5.0e155]> : tensor<3xf64>
  %one64 = arith.constant dense<1.0> : tensor<3xf64>
  %zero64 = arith.constant dense<0.0> : tensor<3xf64>
  %p64, %m64, %v64 = optim.adamw_step %one64, %g64, %zero64, %zero64, step %t,
      lr %lr64 : tensor<3xf64>
  %vb64 = bufferization.to_buffer %v64 : tensor<3xf64> to memref<3xf64>
  %pb64 = bufferization.to_buffer %p64 : tensor<3xf64> to memref<3xf64>
  %vu64 = memref.cast %vb64 : memref<3xf64> to memref<*xf64>
  %pu64 = memref.cast %pb64 : memref<3xf64> to memref<*xf64>
  call @printMemrefF64(%vu64) : (memref<*xf64>) -> ()
  call @printMemrefF64(%pu64) : (memref<*xf64>) -> ()
  return
}
