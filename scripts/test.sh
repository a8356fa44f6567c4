#!/usr/bin/env bash
#===- scripts/test.sh - Build OptimMLIR and run every test ---------------===#
#
# Installs what is missing, builds, then runs the lit suite (check-optim's
# tests, with optim-opt's round-trip check), the Python tests, the C++ format
# check, the check that docs/generated is up to date, clang-tidy and the
# benchmark's smoke run, and ends with one line
# `N passed, N failed, N skipped` over all of them. Exits non-zero if any test
# failed.
#
#===----------------------------------------------------------------------===#
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
export BUILD_DIR=$build
log=$(mktemp -d)

# Without a build there is nothing to test: one failure, and the summary.
for step in install-deps build; do
  if ! bash "$root/scripts/$step.sh"; then
    echo "scripts/$step.sh failed"
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
  fi
done
# The Python install-deps.sh installed into (it may have made .venv).
. "$root/scripts/python-env.sh"

passed=0 failed=0 skipped=0
count() { # <label> <passed> <failed> <skipped> [exit status]
  # A suite that exits non-zero without a failing test (it crashed, or found
  # no tests) counts as one failure.
  local failures=$3
  if [ "${5:-0}" -ne 0 ] && [ "$failures" -eq 0 ]; then
    echo "-- $1 exited with status $5"
    failures=1
  fi
  echo "-- $1: $2 passed, $failures failed, $4 skipped"
  passed=$((passed + $2)) failed=$((failed + failures)) skipped=$((skipped + $4))
}
field() { # <regex> <file>: the number before the regex in the file, or 0
  grep -oE "[0-9]+ $1" "$2" | tail -n 1 | grep -oE '^[0-9]+' || echo 0
}

echo "== lit: check-optim, with optim-opt's IR round-trip check"
/usr/lib/llvm-22/bin/lit -sv --param roundtrip=1 "$build/test" | tee "$log/lit"
status=$?
# lit's summary lines read `  Passed: 12 (85.71%)`; add up each kind.
litsum() { awk -v re="^ *($1) *:" '$0 ~ re {sub(/^[^:]*: */, ""); s += $1} END {print s + 0}' "$log/lit"; }
count lit "$(litsum 'Passed|Passed With Retry|Expectedly Failed')" \
  "$(litsum 'Failed|Unresolved|Timed Out|Unexpectedly Passed')" \
  "$(litsum 'Unsupported')" "$status"

echo "== pytest: python/tests"
PYTHONPATH="$build/python_packages" python3 -m pytest -q "$root/python/tests" \
  | tee "$log/pytest"
status=$?
count pytest "$(field passed "$log/pytest")" \
  "$(( $(field failed "$log/pytest") + $(field error "$log/pytest") ))" \
  "$(field skipped "$log/pytest")" "$status"

echo "== C++ formatting (clang-format-22)"
if bash "$root/scripts/check-format.sh"; then count format 1 0 0; else count format 0 1 0; fi

echo "== generated docs (docs/generated against mlir-doc)"
if bash "$root/scripts/check-docs.sh"; then count docs 1 0 0; else count docs 0 1 0; fi

echo "== clang-tidy-22 (checks in .clang-tidy)"
if bash "$root/scripts/check-tidy.sh"; then count tidy 1 0 0; else count tidy 0 1 0; fi

echo "== benchmark smoke run"
if bash "$root/bench/run.sh" --smoke >"$log/bench" 2>&1; then
  count bench 1 0 0
else
  cat "$log/bench"; count bench 0 1 0
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
