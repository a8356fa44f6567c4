#!/usr/bin/env bash
#===- scripts/check-tidy.sh - Run clang-tidy over the C++ sources --------===#
#
# Runs clang-tidy-22, with the checks of .clang-tidy and every warning an
# error, over the project's C++ sources that ${BUILD_DIR:-build} compiles
# (lib/, tools/, test/lib, python/src, and runtime/ where it is built) and
# the project's headers they include. Fails, listing the diagnostics, if
# any check fires. Needs a build: the sources include headers that TableGen
# generates. Arguments, if any, restrict it to those source files.
#
# The whole tree takes about three minutes on two cores, so every run checks
# every source rather than only the files a change touched.
#
#===----------------------------------------------------------------------===#
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
db=$build/compile_commands.json
# The checkout's path, escaped for the regexes below.
rroot=$(sed 's/[][\.*^$+?(){}|]/\\&/g' <<<"$root")

for tool in clang-tidy-22 run-clang-tidy-22; do
  if ! command -v "$tool" >/dev/null; then
    echo "error: $tool not found (scripts/install-deps.sh installs clang-tidy-22)" >&2
    exit 1
  fi
done
if [ ! -f "$db" ]; then
  echo "error: no $db (build first: scripts/build.sh)" >&2
  exit 1
fi

# The sources to check, from the compilation database (it also compiles
# nanobind's own sources, outside the tree), or the arguments; each as an
# anchored regex, since run-clang-tidy matches its file arguments as regexes.
# A source the database lists but the tree lacks means a stale database.
project="^$rroot/(lib|tools|test|python|runtime)/"
if ! out=$(python3 - "$db" "$project" "$@" <<'PY'
import json, os, re, sys
db, project, wanted = sys.argv[1], re.compile(sys.argv[2]), sys.argv[3:]
files = sorted({os.path.normpath(os.path.join(e["directory"], e["file"]))
                for e in json.load(open(db))})
files = [f for f in files if project.match(f)]
status = 0
for f in files:
    if not os.path.exists(f):
        print(f"error: {db} lists {f}, which does not exist: rebuild", file=sys.stderr)
        status = 1
if wanted:
    wanted = {os.path.abspath(w) for w in wanted}
    for w in sorted(wanted - set(files)):
        print(f"error: {w} is not a project source in {db}", file=sys.stderr)
        status = 1
    files = [f for f in files if f in wanted]
if not files and status == 0:
    print(f"error: no project sources in {db}", file=sys.stderr)
    status = 1
for f in files:
    print("^" + re.escape(f) + "$")
sys.exit(status)
PY
); then
  exit 1
fi
mapfile -t regexes <<<"$out"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "-- clang-tidy-22 over ${#regexes[@]} source files, ${TIDY_JOBS:-2} jobs"
start=$SECONDS
# Diagnostics in the project's headers too, not in LLVM's, nanobind's or the
# TableGen-generated ones in the build directory.
run-clang-tidy-22 -clang-tidy-binary "$(command -v clang-tidy-22)" \
  -p "$build" -j "${TIDY_JOBS:-2}" -quiet -hide-progress \
  -warnings-as-errors='*' \
  -header-filter="^$rroot/(include|lib|tools|test|python|runtime)/" \
  "${regexes[@]}" >"$log" 2>&1
status=$?
echo "-- clang-tidy-22 took $((SECONDS - start)) s"

# A header included by several sources reports its diagnostics once for each.
diags=$(grep -E '^/[^:]+:[0-9]+:[0-9]+: (warning|error): ' "$log" | LC_ALL=C sort -u |
  LC_ALL=C sort -s -t: -k1,1 -k2,2n -k3,3n)
if [ "$status" -ne 0 ] || [ -n "$diags" ]; then
  cat "$log"
  if [ -n "$diags" ]; then
    echo "clang-tidy-22 diagnostics (checks in .clang-tidy):"
    while IFS= read -r d; do echo "  ${d#"$root"/}"; done <<<"$diags"
  else
    echo "error: run-clang-tidy-22 failed"
  fi
  exit 1
fi
echo "clang-tidy-22: no diagnostics"
