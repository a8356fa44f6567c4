#!/usr/bin/env bash
#===- scripts/test.sh - Build OptimMLIR and run every test ---------------===#
#
# Installs what is missing, builds, then runs the lit suite (check-optim),
# the Python tests, the C++ format check and the benchmark's smoke run, and
# ends with one line `N passed, N failed, N skipped` over all of them. Exits
# non-zero if any test failed.
#
#===----------------------------------------------------------------------===#
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
export BUILD_DIR=$build
log=$(mktemp -d)

bash "$root/scripts/install-deps.sh" || exit 1
bash "$root/scripts/build.sh" || exit 1

passed=0 failed=0 skipped=0
count() { # <label> <passed> <failed> <skipped>
  echo "-- $1: $2 passed, $3 failed, $4 skipped"
  passed=$((passed + $2)) failed=$((failed + $3)) skipped=$((skipped + $4))
}
field() { # <regex> <file>: the number before the regex in the file, or 0
  grep -oE "[0-9]+ $1" "$2" | tail -n 1 | grep -oE '^[0-9]+' || echo 0
}

echo "== lit: check-optim"
/usr/lib/llvm-22/bin/lit -sv "$build/test" | tee "$log/lit"
# lit's summary lines read `  Passed: 12 (85.71%)`; add up each kind.
litsum() { awk -v re="^ *($1) *:" '$0 ~ re {sub(/^[^:]*: */, ""); s += $1} END {print s + 0}' "$log/lit"; }
count lit "$(litsum 'Passed|Expectedly Failed')" \
  "$(litsum 'Failed|Unresolved|Timed Out|Unexpectedly Passed')" \
  "$(litsum 'Unsupported')"

echo "== pytest: python/tests"
PYTHONPATH="$build/python_packages" python3 -m pytest -q "$root/python/tests" \
  | tee "$log/pytest"
count pytest "$(field passed "$log/pytest")" \
  "$(( $(field failed "$log/pytest") + $(field error "$log/pytest") ))" \
  "$(field skipped "$log/pytest")"

echo "== C++ formatting (clang-format-22)"
if bash "$root/scripts/check-format.sh"; then count format 1 0 0; else count format 0 1 0; fi

echo "== benchmark smoke run"
if bash "$root/bench/run.sh" --smoke >"$log/bench" 2>&1; then
  count bench 1 0 0
else
  cat "$log/bench"; count bench 0 1 0
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
