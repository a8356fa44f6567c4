// RUN: optim-opt %s --split-input-file --verify-diagnostics \
// RUN:   --optim-check-lowered="legal-dialects=llvm legal-ops=gpu.binary" \
// RUN: | FileCheck %s

// Only ops of the legal dialects and the legal ops: the module passes as it
// is.
// CHECK-LABEL: llvm.func @lowered
// CHECK:       gpu.binary @kernels
llvm.func @lowered() {
  llvm.return
}
gpu.binary @kernels [#gpu.object<#nvvm.target, "">]

// -----

// The first op left behind is named, and the pass fails.
llvm.func @half_lowered() {
  // expected-error@+1 {{'builtin.unrealized_conversion_cast' was not lowered; the pipeline must leave only ops of the dialects llvm and the ops gpu.binary}}
  %0 = builtin.unrealized_conversion_cast to index
  llvm.return
}

// -----

// expected-error@+1 {{'func.func' was not lowered}}
func.func @not_lowered() {
  return
}
