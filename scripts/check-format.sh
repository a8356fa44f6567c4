#!/usr/bin/env bash
#===- scripts/check-format.sh - Check the C++ formatting -----------------===#
#
# Fails, listing the files, if any tracked C++ file differs from what
# clang-format-22 (LLVM style, see .clang-format) makes of it.
#
#===----------------------------------------------------------------------===#
set -uo pipefail
cd "$(dirname "$0")/.."
# The tracked files: outside a git checkout there is nothing to go by.
if ! files=$(git ls-files '*.cpp' '*.h') || [ -z "$files" ]; then
  echo "error: no tracked C++ files (is this a git checkout?)" >&2
  exit 1
fi
bad=()
for f in $files; do
  clang-format-22 --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]})); then
  echo "not clang-formatted (run clang-format-22 -i on them):"
  printf '  %s\n' "${bad[@]}"
  exit 1
fi
echo "all C++ files are clang-formatted"
