// The GPU benchmark (bench/gpu), run briefly: the AdamW step of GPT-2
// small's 148 tensors and of one 16M-element tensor, and a kernel moving the
// same 28 bytes per element, with one launch for all tensors and with one
// launch per tensor. bench/gpu/run.sh runs it at full length.

// RUN: %python %optim_bench_dir/gen-adamw-bench.py --iterations 3 --warmup 1 \
// RUN:   --big-elements 16777216 > %t.mlir
// RUN: optim-opt %t.mlir \
// RUN:   --optim-gpu-pipeline="format=isa chip=%cuda_chip multi-tensor=true" \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:   -shared-libs=%optim_cuda_runtime,%mlir_runtime_libs \
// RUN: | FileCheck %s
// RUN: optim-opt %t.mlir \
// RUN:   --optim-gpu-pipeline="format=isa chip=%cuda_chip multi-tensor=false" \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:   -shared-libs=%optim_cuda_runtime,%mlir_runtime_libs \
// RUN: | FileCheck %s

// CHECK: gpt2 adamw: {{[0-9.e+-]+}} ms per call, {{[0-9.e+-]+}} GB/s effective (28 B/element)
// CHECK: gpt2 copy: {{[0-9.e+-]+}} ms per call, {{[0-9.e+-]+}} GB/s effective (28 B/element)
// CHECK: big adamw: {{[0-9.e+-]+}} ms per call, {{[0-9.e+-]+}} GB/s effective (28 B/element)
// CHECK: big copy: {{[0-9.e+-]+}} ms per call, {{[0-9.e+-]+}} GB/s effective (28 B/element)
