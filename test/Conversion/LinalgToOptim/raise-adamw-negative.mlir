// What is not AdamW stays as it is: torch's Adam with L2 decay (the decay
// enters the gradient of the moments), amsgrad (the denominator takes a
// running maximum), an update without bias correction, and one whose bias
// correction uses another beta than its moment (Inputs/, from export.py).
// Each still runs, unchanged, to the frontend's results.

// RUN: optim-opt %S/Inputs/torch-adam-l2.mlir --linalg-fuse-elementwise-ops \
// RUN:   --canonicalize --cse --optim-raise-adamw | FileCheck %s
// RUN: optim-opt %S/Inputs/torch-amsgrad.mlir --linalg-fuse-elementwise-ops \
// RUN:   --canonicalize --cse --optim-raise-adamw | FileCheck %s
// RUN: optim-opt %S/Inputs/torch-no-bias-correction.mlir --linalg-fuse-elementwise-ops \
// RUN:   --canonicalize --cse --optim-raise-adamw | FileCheck %s
// RUN: optim-opt %S/Inputs/torch-mismatched-betas.mlir --linalg-fuse-elementwise-ops \
// RUN:   --canonicalize --cse --optim-raise-adamw > %t.mlir
// RUN: FileCheck %s < %t.mlir
// RUN: optim-runner %t.mlir -e main -entry-point-result=void \
// RUN:   -shared-libs=%mlir_runtime_libs | FileCheck %s --check-prefix=EXEC

// CHECK-LABEL: func.func @step(
// CHECK-NOT:   optim.adamw_step
// CHECK:       func.func @main

// EXEC-COUNT-4: PASS
// EXEC-NOT:    FAIL
