#!/usr/bin/env bash
# tools/tidy.sh [files...]: clang-tidy with the repository's .clang-tidy over the given files
# (default: every tracked .cpp; a header is checked through the .cpp files that include it).
# Prints the findings, each once, then how many per check; exit 1 when there are any.
# Slow (a minute or more per file for some): not part of CI; run it on the files you change.
#
# Environment: BUILD_DIR (a configured build tree with compile_commands.json, default build),
# CLANG_TIDY (default clang-tidy), JOBS (parallel runs, default 2).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD_DIR="${BUILD_DIR:-build}"
CLANG_TIDY="${CLANG_TIDY:-clang-tidy}"
JOBS="${JOBS:-2}"

[ -f "$BUILD_DIR/compile_commands.json" ] ||
  { echo "tidy.sh: no $BUILD_DIR/compile_commands.json; configure first (cmake -S . -B $BUILD_DIR)" >&2; exit 2; }
if [ $# -eq 0 ]; then
  mapfile -t files < <(git ls-files '*.cpp')
else
  files=("$@")
fi

out="$(mktemp)"
trap 'rm -f "$out"' EXIT
printf '%s\0' "${files[@]}" |
  xargs -0 -n 1 -P "$JOBS" "$CLANG_TIDY" -p "$BUILD_DIR" --quiet >"$out" 2>/dev/null || true

# A header's finding comes once per file that includes it: keep each once.
findings="$(grep -E '^([^ ]+:[0-9]+:[0-9]+: )?(warning|error): .*\[[^]]+\]$' "$out" | sort -u || true)"
if [ -z "$findings" ]; then
  echo "tidy.sh: no findings in ${#files[@]} file(s)"
  exit 0
fi
printf '%s\n' "$findings"
echo
echo "tidy.sh: $(printf '%s\n' "$findings" | wc -l) finding(s) in ${#files[@]} file(s), per check:"
printf '%s\n' "$findings" | sed -E 's/.*\[([^]]+)\]$/\1/' | sort | uniq -c | sort -rn
exit 1
