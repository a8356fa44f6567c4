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

# Python packages for the package, its build and its tests, pinned, into the
# python3 on PATH. Debian's own /usr/bin/python3 has no pip and refuses
# packages from PyPI (it is "externally managed"): use a virtual environment.
if ! python3 -m pip install --quiet --disable-pip-version-check \
  -r "$(dirname "$0")/../python/requirements.txt"; then
  echo "error: pip could not install python/requirements.txt into $(command -v python3)." >&2
  echo "For Debian's system Python, set up from a virtual environment:" >&2
  echo "  apt-get install python3-venv && python3 -m venv .venv && . .venv/bin/activate" >&2
  exit 1
fi
