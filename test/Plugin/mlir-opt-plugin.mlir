// Upstream's own mlir-opt, with OptimMLIR loaded as a plugin: the dialect
// parses, verifies and prints, and the CPU and GPU pipelines (reached through
// --pass-pipeline, as a plugin's passes are) give exactly optim-opt's output.

// REQUIRES: plugin
// RUN: mlir-opt %s --load-dialect-plugin=%optim_plugin | FileCheck %s --check-prefix=ROUNDTRIP
// RUN: mlir-opt %s --load-dialect-plugin=%optim_plugin --load-pass-plugin=%optim_plugin \
// RUN:   --pass-pipeline='builtin.module(optim-cpu-pipeline{vector-width=8 num-threads=2})' \
// RUN:   > %t.cpu.plugin
// RUN: optim-opt %s --optim-cpu-pipeline="vector-width=8 num-threads=2" > %t.cpu.tool
// RUN: diff %t.cpu.plugin %t.cpu.tool
// RUN: FileCheck %s --check-prefix=CPU < %t.cpu.plugin
// The GPU module's properties include how long the PTX took to make.
// RUN: mlir-opt %s --load-dialect-plugin=%optim_plugin --load-pass-plugin=%optim_plugin \
// RUN:   --pass-pipeline='builtin.module(optim-gpu-pipeline{format=isa})' \
// RUN:   | sed -e 's/LLVMIRToISATimeInMs = [0-9]* : i64, //' > %t.gpu.plugin
// RUN: optim-opt %s --optim-gpu-pipeline="format=isa" \
// RUN:   | sed -e 's/LLVMIRToISATimeInMs = [0-9]* : i64, //' > %t.gpu.tool
// RUN: diff %t.gpu.plugin %t.gpu.tool
// RUN: FileCheck %s --check-prefix=GPU < %t.gpu.plugin
// The verifier's messages reach the user through upstream's tool too.
// RUN: not mlir-opt %S/Inputs/bad-lr.mlir --load-dialect-plugin=%optim_plugin 2>&1 \
// RUN:   | FileCheck %s --check-prefix=VERIFY

// ROUNDTRIP: optim.adamw_step %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, step %{{.+}}, lr %{{.+}} {weight_decay = 1.000000e-01 : f64} : memref<?xf32>
// CPU:       llvm.func @step
// CPU:       omp.parallel
// CPU:       llvm.fdiv {{.*}} : vector<8xf32>
// GPU:       gpu.binary @step_kernel
// GPU-SAME:  div.rn.f32
// VERIFY:    error: 'optim.adamw_step' op operand 'lr' has type 'f64'; expected the compute type 'f32'

func.func @step(%p: memref<?xf32>, %g: memref<?xf32>, %m: memref<?xf32>,
                %v: memref<?xf32>, %t: i64, %lr: f32) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr {weight_decay = 0.1 : f64}
      : memref<?xf32>
  return
}
