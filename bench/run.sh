#!/usr/bin/env bash
#===- bench/run.sh - Build and run the AdamW step benchmark ----------------===#
#
# Usage: bench/run.sh [--smoke] [bench/run.py options, see --help]
#
# Builds the project into ${BUILD_DIR:-build} (a no-op when it is up to date),
# installs bench/requirements.txt when a full run lacks them, and runs
# bench/run.py. --smoke: tiny sizes, 2 repetitions, exits non-zero when a
# correctness check fails.
#
#===----------------------------------------------------------------------===#
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export BUILD_DIR=${BUILD_DIR:-$root/build}
. "$root/scripts/python-env.sh"

# --help needs no build.
for arg in "$@"; do
  case "$arg" in -h | --help) exec python3 "$root/bench/run.py" --help ;; esac
done
if ! log=$(bash "$root/scripts/build.sh" 2>&1); then
  printf '%s\n' "$log" >&2
  exit 1
fi
if [[ " $* " != *" --smoke "* ]] &&
   ! python3 -c 'import matplotlib, numpy' 2>/dev/null; then
  python3 -m pip install -q -r "$root/bench/requirements.txt"
fi
exec python3 "$root/bench/run.py" "$@"
