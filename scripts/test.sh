#!/usr/bin/env bash
#===- scripts/test.sh - Build OptimMLIR and run every test ---------------===#
#
# Installs what is missing, builds, then runs the lit suite (check-optim's
# tests, with optim-opt's round-trip check), the Python tests, the C++ format
# check, the check that docs/generated is up to date, clang-tidy, a project
# built on the installed package (scripts/test-install.sh), the lit and
# Python suites again on a build with ASan and UBSan, the fuzzer on that
# build for ${FUZZ_SECONDS:-180} s, and the benchmark's smoke run, and ends
# with one line `N passed, N failed, N skipped` over all of them. Exits
# non-zero if any test failed.
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

# lit's summary lines read `  Passed: 12 (85.71%)`; add up each kind.
litsum() { # <kinds regex> <log>
  awk -v re="^ *($1) *:" '$0 ~ re {sub(/^[^:]*: */, ""); s += $1} END {print s + 0}' "$2"
}
run_lit() { # <label> <build dir> [env assignments...]: check-optim's tests
  local label=$1 dir=$2 out="$log/lit-$RANDOM" status
  shift 2
  env "$@" /usr/lib/llvm-22/bin/lit -sv --param roundtrip=1 "$dir/test" | tee "$out"
  status=$?
  count "$label" "$(litsum 'Passed|Passed With Retry|Expectedly Failed' "$out")" \
    "$(litsum 'Failed|Unresolved|Timed Out|Unexpectedly Passed' "$out")" \
    "$(litsum 'Unsupported' "$out")" "$status"
}
run_pytest() { # <label> <build dir> [env assignments...]: python/tests
  local label=$1 dir=$2 out="$log/pytest-$RANDOM" status
  shift 2
  env "$@" PYTHONPATH="$dir/python_packages" python3 -m pytest -q "$root/python/tests" \
    | tee "$out"
  status=$?
  count "$label" "$(field passed "$out")" \
    "$(( $(field failed "$out") + $(field error "$out") ))" \
    "$(field skipped "$out")" "$status"
}

echo "== lit: check-optim, with optim-opt's IR round-trip check"
run_lit lit "$build"

echo "== pytest: python/tests"
run_pytest pytest "$build"

echo "== C++ formatting (clang-format-22)"
if bash "$root/scripts/check-format.sh"; then count format 1 0 0; else count format 0 1 0; fi

echo "== generated docs (docs/generated against mlir-doc)"
if bash "$root/scripts/check-docs.sh"; then count docs 1 0 0; else count docs 0 1 0; fi

echo "== clang-tidy-22 (checks in .clang-tidy)"
if bash "$root/scripts/check-tidy.sh"; then count tidy 1 0 0; else count tidy 0 1 0; fi

echo "== the installed package (a project built on it, and the plugin)"
if bash "$root/scripts/test-install.sh"; then count install 1 0 0; else count install 0 1 0; fi

# The same suites on a build with AddressSanitizer and UndefinedBehaviorSanitizer
# (tools, libraries and the Python extension), and the fuzzer on that build.
# allow_user_poisoning=0 ignores the memory poisoning of LLVM's allocators: a
# sanitized project compiles their inline code, which poisons the slabs of
# allocators (MLIR's uniquer) that the uninstrumented libMLIR.so then hands
# out without unpoisoning, a false use-after-poison.
sanitize_build=${SANITIZE_BUILD_DIR:-$root/build-sanitize}
echo "== sanitizer build (ASan + UBSan) in $sanitize_build"
if OPTIM_SANITIZE=ON BUILD_DIR=$sanitize_build bash "$root/scripts/build.sh" \
  >"$log/sanitize-build" 2>&1; then
  echo "== lit under ASan + UBSan"
  run_lit "lit (ASan+UBSan)" "$sanitize_build" \
    ASAN_OPTIONS=allow_user_poisoning=0 \
    LSAN_OPTIONS="suppressions=$root/test/lsan.supp"
  echo "== pytest under ASan + UBSan"
  # The interpreter is not instrumented: it loads the sanitizer runtime
  # first, and frees little at exit, so leaks are not reported.
  run_pytest "pytest (ASan+UBSan)" "$sanitize_build" \
    LD_PRELOAD="$(/usr/lib/llvm-22/bin/clang -print-file-name=libclang_rt.asan-x86_64.so)" \
    ASAN_OPTIONS=detect_leaks=0:allow_user_poisoning=0
  echo "== fuzzing (scripts/fuzz.sh ${FUZZ_SECONDS:-180})"
  if SANITIZE_BUILD_DIR=$sanitize_build bash "$root/scripts/fuzz.sh" "${FUZZ_SECONDS:-180}"; then
    count fuzz 1 0 0
  else
    count fuzz 0 1 0
  fi
else
  tail -n 40 "$log/sanitize-build"
  count "sanitizer build" 0 1 0
fi

echo "== benchmark smoke run"
if bash "$root/bench/run.sh" --smoke >"$log/bench" 2>&1; then
  count bench 1 0 0
else
  cat "$log/bench"; count bench 0 1 0
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
