#!/usr/bin/env bash
#===- scripts/build.sh - Configure and build OptimMLIR ---------------------===#
#
# Configures and builds the project into ${BUILD_DIR:-build} against Debian's
# LLVM/MLIR 22, with sanitizers where OPTIM_SANITIZE=ON (scripts/sanitize.sh).
# It configures a new build directory, or one that was configured for another
# Python (the extension is built for one interpreter).
#
#===----------------------------------------------------------------------===#
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
llvm=/usr/lib/llvm-22
. "$root/scripts/python-env.sh"
python=$(command -v python3)

configured_python=$(sed -n 's/^Python3_EXECUTABLE:[A-Z]*=//p' \
  "$build/CMakeCache.txt" 2>/dev/null || true)
if [ ! -f "$build/build.ninja" ] || [ "$configured_python" != "$python" ]; then
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=$llvm/bin/clang -DCMAKE_CXX_COMPILER=$llvm/bin/clang++ \
    -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld -DCMAKE_SHARED_LINKER_FLAGS=-fuse-ld=lld \
    -DCMAKE_MODULE_LINKER_FLAGS=-fuse-ld=lld \
    -DMLIR_DIR=$llvm/lib/cmake/mlir -DLLVM_EXTERNAL_LIT=$llvm/bin/lit \
    -DPython3_EXECUTABLE="$python" -DOPTIM_SANITIZE="${OPTIM_SANITIZE:-OFF}" \
    "${launcher[@]}"
fi
cmake --build "$build" -j "${JOBS:-2}" "$@"
