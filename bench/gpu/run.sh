#!/usr/bin/env bash
#===- bench/gpu/run.sh - Run the GPU AdamW benchmark -----------------------===#
#
# Usage: bench/gpu/run.sh [gen-adamw-bench.py options, e.g. --iterations 100]
#
# Builds OptimMLIR into ${BUILD_DIR:-build} (it needs the CUDA toolkit for
# liboptim_cuda_runtime.so), generates the benchmark, compiles it for the
# first GPU's architecture with one launch for all tensors (multi-tensor) and
# with one launch per tensor, runs both and prints the results; they are also
# written to bench/gpu/results/<gpu>-<date>.txt.
#
#===----------------------------------------------------------------------===#
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build}
llvm=/usr/lib/llvm-22

BUILD_DIR=$build bash "$root/scripts/build.sh" >/dev/null
runtime=$build/lib/liboptim_cuda_runtime.so
if [ ! -f "$runtime" ]; then
  echo "bench/gpu: $runtime is missing; configure with a CUDA toolkit" >&2
  exit 1
fi
if ! nvidia-smi -L >/dev/null 2>&1; then
  echo "bench/gpu: no NVIDIA GPU answers nvidia-smi" >&2
  exit 1
fi
gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -n1)
chip=sm_$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader |
          head -n1 | tr -d .)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$root/bench/gpu/gen-adamw-bench.py" "$@" >"$work/bench.mlir"

mkdir -p "$root/bench/gpu/results"
results="$root/bench/gpu/results/$(echo "$gpu" | tr ' /' '__')-$(date +%Y%m%d).txt"
{
  echo "# $gpu ($chip), $(date -u +%Y-%m-%dT%H:%M:%SZ), options: $*"
  for multi in true false; do
    echo "## multi-tensor=$multi"
    "$build/bin/optim-opt" "$work/bench.mlir" \
      --optim-gpu-pipeline="format=fatbin chip=$chip multi-tensor=$multi" |
      "$llvm/bin/mlir-runner" -e main -entry-point-result=void \
        -shared-libs="$runtime,$llvm/lib/libmlir_runner_utils.so,$llvm/lib/libmlir_c_runner_utils.so"
  done
} | tee "$results"
