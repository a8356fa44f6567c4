// Part of the suite's inputs through upstream's mlir-opt with the plugin,
// each pass or pipeline as the suite runs it with optim-opt: the outputs are
// identical. The dialect (round trip and verifier), the conversion to linalg,
// the vectoriser with threads, the bf16 legalisation, the GPU mapping, and
// the CPU pipeline with bf16 operands.

// REQUIRES: plugin
// RUN: %plugin_opt %S/../Dialect/Optim/ops.mlir > %t.a
// RUN: optim-opt %S/../Dialect/Optim/ops.mlir > %t.b
// RUN: diff %t.a %t.b
// RUN: %plugin_opt %S/../Dialect/Optim/invalid.mlir -split-input-file -verify-diagnostics
// RUN: %plugin_opt %S/../Conversion/OptimToLinalg/optim-to-linalg.mlir -split-input-file \
// RUN:   --pass-pipeline='builtin.module(convert-optim-to-linalg)' > %t.a
// RUN: optim-opt %S/../Conversion/OptimToLinalg/optim-to-linalg.mlir -split-input-file \
// RUN:   --convert-optim-to-linalg > %t.b
// RUN: diff %t.a %t.b
// RUN: %plugin_opt %S/../Transforms/vectorize-parallel.mlir -split-input-file \
// RUN:   --pass-pipeline='builtin.module(convert-optim-to-linalg,optim-vectorize-elementwise{vector-width=8 num-threads=2 parallel-threshold=1024},canonicalize,cse)' > %t.a
// RUN: optim-opt %S/../Transforms/vectorize-parallel.mlir -split-input-file \
// RUN:   --convert-optim-to-linalg \
// RUN:   --optim-vectorize-elementwise="vector-width=8 num-threads=2 parallel-threshold=1024" \
// RUN:   --canonicalize --cse > %t.b
// RUN: diff %t.a %t.b
// RUN: %plugin_opt %S/../Transforms/legalize-bf16.mlir -split-input-file \
// RUN:   --pass-pipeline='builtin.module(optim-legalize-bf16)' > %t.a
// RUN: optim-opt %S/../Transforms/legalize-bf16.mlir -split-input-file \
// RUN:   --optim-legalize-bf16 > %t.b
// RUN: diff %t.a %t.b
// RUN: %plugin_opt %S/../Transforms/GPU/gpu-map.mlir \
// RUN:   --pass-pipeline='builtin.module(func.func(optim-map-elementwise-to-gpu),canonicalize)' > %t.a
// RUN: optim-opt %S/../Transforms/GPU/gpu-map.mlir --optim-map-elementwise-to-gpu \
// RUN:   --canonicalize > %t.b
// RUN: diff %t.a %t.b
// RUN: %plugin_opt %S/../Pipelines/cpu-pipeline-bf16.mlir \
// RUN:   --pass-pipeline='builtin.module(optim-cpu-pipeline{vector-width=16})' > %t.a
// RUN: optim-opt %S/../Pipelines/cpu-pipeline-bf16.mlir \
// RUN:   --optim-cpu-pipeline="vector-width=16" > %t.b
// RUN: diff %t.a %t.b
// RUN: test -s %t.a
