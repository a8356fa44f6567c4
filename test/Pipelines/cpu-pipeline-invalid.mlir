// RUN: not optim-opt %s --optim-cpu-pipeline 2>&1 | FileCheck %s

// A pipeline that cannot lower everything fails, naming the first op it left
// behind, instead of succeeding with IR that mlir-translate rejects. Here
// finalize-memref-to-llvm cannot convert the memory space, reports it and
// leaves the function alone.

// CHECK: error: conversion of memref memory space "foo" to integer address space failed
// CHECK: [[# @LINE + 1]]:1: error: 'func.func' was not lowered; the pipeline must leave only ops of the dialects llvm
func.func @memory_space(%a: memref<16xf32, "foo">, %i: index) -> f32 {
  %x = memref.load %a[%i] : memref<16xf32, "foo">
  return %x : f32
}
