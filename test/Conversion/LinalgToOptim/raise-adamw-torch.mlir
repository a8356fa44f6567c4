// torch.optim.AdamW as torch-mlir exports it (Inputs/, from export.py), after
// elementwise fusion: each parameter's update becomes one optim.adamw_step
// with the hyperparameters of the export, its f32 step count + 1 as the i64
// step, and nothing of the traced update is left (no elementwise generic
// over a parameter, none of torch's asserts). The raised step, run, agrees
// with torch's own results at f32 tolerance.

// RUN: optim-opt %S/Inputs/torch-adamw-f32.mlir --linalg-fuse-elementwise-ops \
// RUN:   --canonicalize --cse --optim-raise-adamw --canonicalize > %t.f32.mlir
// RUN: FileCheck %s --check-prefix=F32 < %t.f32.mlir
// RUN: optim-runner %t.f32.mlir -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_runtime_libs | FileCheck %s --check-prefix=RUN8
// RUN: optim-opt %t.f32.mlir --optim-cpu-pipeline=vector-width=8 \
// RUN:   | FileCheck %s --check-prefix=LOOPS
// RUN: optim-opt %S/Inputs/torch-adamw-f64.mlir --linalg-fuse-elementwise-ops \
// RUN:   --canonicalize --cse --optim-raise-adamw --canonicalize > %t.f64.mlir
// RUN: FileCheck %s --check-prefix=F64 < %t.f64.mlir
// RUN: optim-runner %t.f64.mlir -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_runtime_libs | FileCheck %s --check-prefix=RUN12

// Two parameters, lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 0.01:
// all the op's defaults but lr.
// F32-LABEL: func.func @step(
// F32-SAME:      %[[P0:[^:]+]]: tensor<4x8xf32>, %[[G0:[^:]+]]: tensor<4x8xf32>, %[[M0:[^:]+]]: tensor<4x8xf32>, %[[V0:[^:]+]]: tensor<4x8xf32>, %[[S0:[^:]+]]: tensor<f32>, %[[P1:[^:]+]]: tensor<16xf32>
// F32-DAG:   %[[LR:.+]] = arith.constant 1.000000e-03 : f32
// F32-DAG:   %[[ONE:.+]] = arith.constant 1 : i64
// F32:       %[[C0:.+]] = tensor.extract %[[S0]][] : tensor<f32>
// F32:       %[[I0:.+]] = arith.fptosi %[[C0]] : f32 to i64
// F32:       %[[T0:.+]] = arith.addi %[[I0]], %[[ONE]] : i64
// F32:       optim.adamw_step %[[P0]], %[[G0]], %[[M0]], %[[V0]], step %[[T0]], lr %[[LR]] : tensor<4x8xf32>
// F32:       optim.adamw_step %[[P1]], %{{.+}}, %{{.+}}, %{{.+}}, step %{{.+}}, lr %[[LR]] : tensor<16xf32>
// F32-NOT:   iterator_types = ["parallel"
// F32-NOT:   cf.assert
// F32:       func.func @main

// Three parameters of other shapes in f64, lr 2e-3, betas (0.8, 0.99), eps
// 1e-6, no weight decay.
// F64-LABEL: func.func @step(
// F64-DAG:   %[[LR:.+]] = arith.constant 2.000000e-03 : f64
// F64-COUNT-3: optim.adamw_step {{.*}} lr %[[LR]] {beta1 = 8.000000e-01 : f64, beta2 = 0.98999999999999999 : f64, eps = 9.9999999999999995E-7 : f64, weight_decay = 0.000000e+00 : f64}
// F64-NOT:   iterator_types = ["parallel"
// F64-NOT:   cf.assert
// F64:       func.func @main

// Lowered, the step is one vector loop per parameter (32 and 16 elements,
// whole vectors of 8: no remainders).
// LOOPS-LABEL: llvm.func @step(
// LOOPS-COUNT-2: llvm.intr.sqrt({{.*}}) : (vector<8xf32>) -> vector<8xf32>
// LOOPS-NOT:   llvm.intr.sqrt({{.*}}) : (vector
// LOOPS:       llvm.func @main

// RUN8-COUNT-8: PASS
// RUN8-NOT:     FAIL
// RUN12-COUNT-12: PASS
// RUN12-NOT:      FAIL

// torch's capturable branch: the learning rate is a 0-d tensor argument,
// read at run time, and torch's asserts on the step size, over whole
// tensors, go too.
// RUN: optim-opt %S/Inputs/torch-adamw-capturable-f32.mlir --linalg-fuse-elementwise-ops \
// RUN:   --canonicalize --cse --optim-raise-adamw --canonicalize > %t.cap.mlir
// RUN: FileCheck %s --check-prefix=CAP < %t.cap.mlir
// RUN: optim-runner %t.cap.mlir -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_runtime_libs | FileCheck %s --check-prefix=RUN8
// CAP-LABEL: func.func @step(
// CAP-SAME:      %[[LRT:[^:]+]]: tensor<f32>) ->
// CAP:       %[[LR:.+]] = tensor.extract %[[LRT]][] : tensor<f32>
// CAP:       optim.adamw_step {{.*}} lr %[[LR]] : tensor<4x8xf32>
// CAP:       optim.adamw_step {{.*}} : tensor<6xf32>
// CAP-NOT:   iterator_types = ["parallel"
// CAP-NOT:   cf.assert
// CAP:       func.func @main
