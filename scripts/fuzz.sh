#!/usr/bin/env bash
#===- scripts/fuzz.sh - Fuzz the optim pipelines -------------------------===#
#
# Usage: scripts/fuzz.sh [seconds]   (default 180)
#
# Builds the sanitizer build (${SANITIZE_BUILD_DIR:-build-sanitize}, ASan,
# UBSan and libFuzzer instrumentation) and runs its libFuzzer target,
# optim-fuzz (tools/optim-fuzz), for the given time: it parses each input,
# runs optim-cpu-pipeline and optim-gpu-pipeline on it, and counts as a
# crash a dead process, IR that does not verify after a pass that succeeded,
# and a pipeline that succeeds with output that does not translate to LLVM
# IR. The corpus starts from every .mlir file under test/, split at
# `// -----`, and grows in ${SANITIZE_BUILD_DIR}/fuzz/corpus between runs.
# A crash is minimised into ${SANITIZE_BUILD_DIR}/fuzz/ and fails the run:
# turn it into a lit test in test/Fuzz once fixed.
#
#===----------------------------------------------------------------------===#
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SANITIZE_BUILD_DIR:-$root/build-sanitize}
seconds=${1:-180}
work=$build/fuzz

if ! OPTIM_SANITIZE=ON BUILD_DIR=$build bash "$root/scripts/build.sh" \
  --target optim-fuzz >"$work.build.log" 2>&1; then
  cat "$work.build.log"
  echo "error: building optim-fuzz in $build failed" >&2
  exit 1
fi

mkdir -p "$work/corpus"
python3 - "$root/test" "$work/corpus" <<'PY'
import pathlib, re, sys
tests, corpus = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for path in sorted(tests.rglob("*.mlir")):
    chunks = re.split(r"^// -----\s*$", path.read_text(), flags=re.M)
    for k, chunk in enumerate(chunks):
        name = "seed-" + "-".join(path.relative_to(tests).with_suffix("").parts)
        (corpus / f"{name}-{k}.mlir").write_text(chunk)
PY

# One process, a fixed seed: the same run finds the same inputs. Leaks are
# not crashes here: a pipeline that fails may leave IR it built unfreed.
# allow_user_poisoning=0: see scripts/test.sh.
fuzz() {
  ASAN_OPTIONS=detect_leaks=0:allow_user_poisoning=0 "$build/bin/optim-fuzz" "$@"
}
echo "-- fuzzing for $seconds s (corpus: $work/corpus)"
fuzz -max_total_time="$seconds" -timeout=60 -rss_limit_mb=4096 \
  -max_len=8192 -seed=1 -print_final_stats=1 \
  -dict="$root/tools/optim-fuzz/mlir.dict" \
  -artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1
status=$?
grep -E "^(Done|stat::number_of_executed_units|stat::new_units_added)" "$work/log"
if [ "$status" -eq 0 ]; then
  echo "no crash"
  exit 0
fi

tail -n 40 "$work/log"
crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$work/log" | tail -n 1)
if [ -n "$crash" ] && [ -f "$crash" ]; then
  fuzz -minimize_crash=1 -max_total_time=120 -timeout=60 \
    -exact_artifact_path="$crash.min" "$crash" >"$work/minimize.log" 2>&1
  [ -f "$crash.min" ] || cp "$crash" "$crash.min"
  echo "crash: $crash (minimised: $crash.min):"
  cat "$crash.min"
fi
exit 1
