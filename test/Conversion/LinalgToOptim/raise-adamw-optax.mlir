// optax.adamw as JAX exports it, through StableHLO and torch-mlir-opt's
// --stablehlo-legalize-to-linalg (Inputs/, from export.py): optax counts
// steps in a saturating i32 and bias-corrects m and v before the division;
// each parameter's update becomes one optim.adamw_step, which, run, agrees
// with optax's own results at f32 tolerance.

// RUN: optim-opt %S/Inputs/optax-adamw-f32.mlir --linalg-fuse-elementwise-ops \
// RUN:   --canonicalize --cse --optim-raise-adamw --canonicalize > %t.mlir
// RUN: FileCheck %s < %t.mlir
// RUN: optim-runner %t.mlir -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_runtime_libs | FileCheck %s --check-prefix=EXEC

// CHECK-LABEL: func.func @step(
// CHECK-SAME:      %{{[^:]+}}: tensor<4x8xf32>, %{{[^:]+}}: tensor<5xf32>, %{{[^:]+}}: tensor<4x8xf32>, %{{[^:]+}}: tensor<5xf32>, %[[COUNT:[^:]+]]: tensor<i32>
// CHECK-DAG:   %[[LR:.+]] = arith.constant 1.000000e-03 : f32
// CHECK:       %[[C:.+]] = tensor.extract %[[COUNT]][] : tensor<i32>
// CHECK:       %[[I:.+]] = arith.extsi %[[C]] : i32 to i64
// CHECK:       %[[T:.+]] = arith.addi %[[I]], %{{.+}} : i64
// The two parameters share the count, and its conversion.
// CHECK:       optim.adamw_step {{.*}} step %[[T]], lr %[[LR]] {weight_decay = 1.000000e-04 : f64} : tensor<4x8xf32>
// CHECK:       optim.adamw_step {{.*}} step %[[T]], lr %[[LR]] {weight_decay = 1.000000e-04 : f64} : tensor<5xf32>
// CHECK-NOT:   iterator_types = ["parallel"
// CHECK:       func.func @main

// EXEC-COUNT-7: PASS
// EXEC-NOT:    FAIL
