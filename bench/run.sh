#!/usr/bin/env bash
#===- bench/run.sh - Build and run the AdamW step benchmarks ---------------===#
#
# Usage: bench/run.sh [step|mixed|torch|8bit] [--smoke] [options, see --help]
#
#   step   bench/run.py: the f32 and f64 step against a bandwidth probe,
#          hand-written C++, torch and numpy;
#   mixed  bench/mixed.py: every precision combination against a probe of its
#          bytes, torch's fused bf16 and f16 steps and DeepSpeed's CPU Adam;
#   torch  bench/torch_optim.py: optim_mlir.torch.AdamW against torch's fused
#          and foreach AdamW and DeepSpeed's CPU Adam, from Python;
#   8bit   bench/eightbit.py: optim_mlir.torch.AdamW8bit against a probe of
#          its bytes, bitsandbytes' and torchao's AdamW8bit and torch's fused
#          f32 AdamW, from Python.
#
# Without a suite name all run, in that order, with the options they share
# (--smoke, --threads, --sizes, --reps, --warmup, --no-doc). Builds the
# project into ${BUILD_DIR:-build} (a no-op when it is up to date), installs
# bench/requirements.txt when a full run lacks them, and runs the suites.
# --smoke: tiny sizes, 2 repetitions, exits non-zero when a correctness check
# fails.
#
#===----------------------------------------------------------------------===#
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export BUILD_DIR=${BUILD_DIR:-$root/build}
. "$root/scripts/python-env.sh"

suites=(run mixed torch_optim eightbit)
case "${1:-}" in
step) suites=(run); shift ;;
mixed) suites=(mixed); shift ;;
torch) suites=(torch_optim); shift ;;
8bit) suites=(eightbit); shift ;;
esac

# --help needs no build.
for arg in "$@"; do
  case "$arg" in -h | --help)
    for suite in "${suites[@]}"; do python3 "$root/bench/$suite.py" --help; done
    exit 0 ;;
  esac
done
if ! log=$(bash "$root/scripts/build.sh" 2>&1); then
  printf '%s\n' "$log" >&2
  exit 1
fi
if [[ " $* " != *" --smoke "* ]] &&
   ! python3 -c 'import matplotlib, numpy' 2>/dev/null; then
  python3 -m pip install -q -r "$root/bench/requirements.txt"
fi
for suite in "${suites[@]}"; do
  python3 "$root/bench/$suite.py" "$@"
done
