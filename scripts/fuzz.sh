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
# A crash is minimised into ${SANITIZE_BUILD_DIR}/fuzz/ and fails the run
# (turn it into a lit test in test/Fuzz once fixed), unless it lies wholly
# inside upstream's parser.
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

# A fixed seed, and fork mode: a crash is recorded and fuzzing goes on, so
# that one run reports every crash it finds. Leaks are not crashes here: a
# pipeline that fails may leave IR it built unfreed. allow_user_poisoning=0:
# see scripts/test.sh.
fuzz() {
  ASAN_OPTIONS=detect_leaks=0:allow_user_poisoning=0 "$build/bin/optim-fuzz" "$@"
}
rm -f "$work"/crash-* "$work"/timeout-* "$work"/oom-*
echo "-- fuzzing for $seconds s (corpus: $work/corpus)"
fuzz -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
  -max_total_time="$seconds" -timeout=60 -rss_limit_mb=4096 \
  -max_len=8192 -seed=1 -dict="$root/tools/optim-fuzz/mlir.dict" \
  -artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1
status=$?
grep -E "^#[0-9]+: " "$work/log" | tail -n 1
if [ "$status" -ne 0 ]; then
  tail -n 40 "$work/log"
  echo "error: optim-fuzz exited with $status" >&2
  exit 1
fi

# A crash inside upstream's parser, on input that never reaches a line of
# this project (no frame under $root between the fault and the target's
# entry), is a bug of Debian's libMLIR that the project cannot fix: it is
# reported, and does not fail the run. Any other crash, timeout or
# out-of-memory does.
failed=0
for artifact in "$work"/crash-* "$work"/timeout-* "$work"/oom-*; do
  [ -f "$artifact" ] || continue
  fuzz -timeout=60 -rss_limit_mb=4096 "$artifact" >"$artifact.log" 2>&1
  frames=$(grep -E "^ +#[0-9]+ " "$artifact.log" |
    sed -n '/LLVMFuzzerTestOneInput/q;p')
  if [[ $artifact == */crash-* ]] &&
    grep -q "mlir::parseSourceFile" <<<"$frames" &&
    ! grep -qF "$root/" <<<"$frames"; then
    echo "note: upstream's parser crashes on $artifact (not this project's" \
      "code; see docs/Reliability.md):"
    head -c 300 "$artifact"
    echo
    grep -m 3 -E "^ +#[0-9]+ " "$artifact.log"
    continue
  fi
  failed=1
  grep -E "ERROR|SUMMARY|optim-fuzz:" "$artifact.log"
  grep -m 20 -E "^ +#[0-9]+ " "$artifact.log"
  fuzz -minimize_crash=1 -max_total_time=120 -timeout=60 \
    -exact_artifact_path="$artifact.min" "$artifact" >"$work/minimize.log" 2>&1
  [ -f "$artifact.min" ] || cp "$artifact" "$artifact.min"
  echo "crash: $artifact (minimised: $artifact.min):"
  cat "$artifact.min"
  echo
done
[ "$failed" -eq 0 ] && echo "no crash in this project's code"
exit "$failed"
