#!/usr/bin/env bash
#===- scripts/install-deps.sh - Install OptimMLIR's system packages -------===#
#
# Installs, with apt-get, whatever of Debian's LLVM/MLIR 22 tool chain and the
# Python packages the project needs is missing. Safe to run again: it installs
# nothing that is already there.
#
#===----------------------------------------------------------------------===#
set -euo pipefail

APT_PACKAGES=(
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22
  libomp-22-dev clang-format-22 cmake ninja-build ccache python3-dev
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done

if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "-- installing: ${missing[*]}"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi

# Python packages for the package, its build and its tests, pinned.
python3 -m pip install --quiet --disable-pip-version-check \
  -r "$(dirname "$0")/../python/requirements.txt"
