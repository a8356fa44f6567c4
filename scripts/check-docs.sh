#!/usr/bin/env bash
#===- scripts/check-docs.sh - Check that docs/generated is up to date ----===#
#
# Regenerates the dialect and pass documentation from ODS (the `mlir-doc`
# target of ${BUILD_DIR:-build}) and fails, listing the files, if
# docs/generated differs from it: a stale, missing or extra Markdown file.
#
#===----------------------------------------------------------------------===#
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
gen=$build/docs
checked=$root/docs/generated

if ! out=$(cmake --build "$build" --target mlir-doc 2>&1); then
  echo "$out"
  echo "error: building mlir-doc in $build failed" >&2
  exit 1
fi

# The mapping of docs/CopyDocs.cmake (what `update-docs` copies): every
# Markdown file under build/docs goes to the same relative path under
# docs/generated.
mds() { # <dir>: its Markdown files, relative to it, sorted
  [ -d "$1" ] && (cd "$1" && find . -name '*.md' -type f | sed 's|^\./||' | LC_ALL=C sort)
}
generated=$(mds "$gen")
if [ -z "$generated" ]; then
  echo "error: mlir-doc generated no Markdown files under $gen" >&2
  exit 1
fi

stale=() missing=() extra=()
for f in $generated; do
  if [ ! -f "$checked/$f" ]; then
    missing+=("$f")
  elif ! cmp -s "$gen/$f" "$checked/$f"; then
    stale+=("$f")
  fi
done
# A file that nothing generates any more (its ODS was removed or renamed):
# update-docs does not delete it.
for f in $(mds "$checked"); do
  [ -f "$gen/$f" ] || extra+=("$f")
done

if ((${#stale[@]} + ${#missing[@]} + ${#extra[@]})); then
  echo "docs/generated is out of date with the ODS:"
  ((${#stale[@]})) && printf '  stale:   docs/generated/%s\n' "${stale[@]}"
  ((${#missing[@]})) && printf '  missing: docs/generated/%s\n' "${missing[@]}"
  ((${#extra[@]})) && printf '  extra:   docs/generated/%s\n' "${extra[@]}"
  echo "fix: cmake --build ${build#"$root"/} --target update-docs"
  ((${#extra[@]})) && echo "     and git rm the extra files (update-docs does not delete them)"
  exit 1
fi
echo "docs/generated matches the docs generated from ODS"
