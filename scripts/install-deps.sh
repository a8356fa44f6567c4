#!/usr/bin/env bash
#===- scripts/install-deps.sh - Install OptimMLIR's system packages -------===#
#
# Installs, with apt-get, whatever of Debian's LLVM/MLIR 22 tool chain the
# project needs is missing, and with pip its pinned Python packages. Safe to
# run again: it installs nothing that is already there.
#
#===----------------------------------------------------------------------===#
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/python-env.sh"

APT_PACKAGES=(
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22
  libomp-22-dev libclang-rt-22-dev clang-format-22 clang-tidy-22 cmake
  ninja-build ccache python3-dev
)

installed() { # <package>
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}
missing=()
for p in "${APT_PACKAGES[@]}"; do
  installed "$p" || missing+=("$p")
done

# Whether pip can install into the python3 on PATH: it has pip, and it is a
# virtual environment or not "externally managed" (Debian's own
# /usr/bin/python3 has no pip and refuses packages from PyPI).
pip_usable() {
  python3 - <<'PY'
import importlib.util, os, sys, sysconfig
managed = os.path.exists(
    os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED"))
in_venv = sys.prefix != sys.base_prefix
sys.exit(0 if importlib.util.find_spec("pip") and (in_venv or not managed) else 1)
PY
}
make_venv=0
if ! pip_usable; then
  make_venv=1
  installed python3-venv || missing+=(python3-venv)
fi

if ((${#missing[@]})); then
  SUDO=()
  [ "$(id -u)" -eq 0 ] || SUDO=(sudo)
  echo "-- installing: ${missing[*]}"
  "${SUDO[@]}" apt-get update
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
fi

# The pinned Python packages of the package, its build and its tests: into
# the python3 on PATH, or into a virtual environment in .venv, which the
# other scripts then use (scripts/python-env.sh).
if ((make_venv)); then
  echo "-- pip cannot install into $(command -v python3): using a virtual environment in .venv"
  python3 -m venv "$root/.venv"
  . "$root/scripts/python-env.sh"
fi
python3 -m pip install --quiet --disable-pip-version-check \
  -r "$root/python/requirements.txt"
