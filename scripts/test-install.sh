#!/usr/bin/env bash
#===- scripts/test-install.sh - Build a project on the installed package -===#
#
# Installs the build (`cmake --install`) into a temporary prefix, configures
# and builds test/Install (a tool of its own, found through
# find_package(OptimMLIR CONFIG)) against it, and checks that the tool's
# output for test/Install/step.mlir equals the installed optim-opt's and that
# upstream's mlir-opt runs the pipeline with the installed plugin.
#
#===----------------------------------------------------------------------===#
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >"$work/install.log"
compiler=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
launcher=$(sed -n 's/^CMAKE_CXX_COMPILER_LAUNCHER:[A-Z]*=//p' "$build/CMakeCache.txt")
cmake -G Ninja -S "$root/test/Install" -B "$work/consumer" \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER="$compiler" -DCMAKE_CXX_COMPILER_LAUNCHER="$launcher" \
  >"$work/configure.log"
cmake --build "$work/consumer" -j2 >"$work/build.log"

input="$root/test/Install/step.mlir"
"$work/consumer/consumer-opt" "$input" >"$work/consumer.out"
"$work/prefix/bin/optim-opt" --optim-cpu-pipeline "$input" >"$work/optim-opt.out"
diff "$work/consumer.out" "$work/optim-opt.out"
grep -q "llvm.func @step" "$work/consumer.out"
plugin="$work/prefix/lib/OptimMLIRPlugin.so"
/usr/lib/llvm-22/bin/mlir-opt --load-dialect-plugin="$plugin" \
  --load-pass-plugin="$plugin" --pass-pipeline='builtin.module(optim-cpu-pipeline)' \
  "$input" >"$work/plugin.out"
diff "$work/plugin.out" "$work/optim-opt.out"
echo "the installed package builds test/Install, whose tool and the plugin match optim-opt"
