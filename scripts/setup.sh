#!/usr/bin/env bash
#===- scripts/setup.sh - Set up OptimMLIR and run the example ------------===#
#
# On a fresh Debian 12 machine: installs what is missing (apt-get, pip),
# configures and builds the project, then lowers the shipped example with
# optim-opt and JIT-executes it with mlir-runner, printing the parameters
# before and after three AdamW steps.
#
#===----------------------------------------------------------------------===#
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}

bash "$root/scripts/install-deps.sh"
bash "$root/scripts/build.sh"

echo "== lowering examples/adamw.mlir with optim-opt --optim-cpu-pipeline"
"$build/bin/optim-opt" --optim-cpu-pipeline "$root/examples/adamw.mlir" \
  -o "$build/adamw.llvm.mlir"
echo "== JIT-executing it with mlir-runner (parameters before, then after)"
/usr/lib/llvm-22/bin/mlir-runner "$build/adamw.llvm.mlir" \
  -e main -entry-point-result=void \
  -shared-libs=/usr/lib/llvm-22/lib/libmlir_runner_utils.so
