#!/usr/bin/env bash
# tools/check-format.sh [files...]: checks that the given C++ files (default: every tracked
# *.cpp and *.h) match the repository's .clang-format. Lists the files that do not, with
# how to fix them, and exits 1; changes nothing. CI runs it (./quickstart test).
#
# Environment: CLANG_FORMAT (default clang-format; the style is settled with Debian 12's 14).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CLANG_FORMAT="${CLANG_FORMAT:-clang-format}"

command -v "$CLANG_FORMAT" >/dev/null ||
  { echo "check-format.sh: $CLANG_FORMAT not found (apt-get install clang-format)" >&2; exit 2; }
if [ $# -eq 0 ]; then
  mapfile -t files < <(git ls-files '*.cpp' '*.h')
else
  files=("$@")
fi

offenders=()
for f in "${files[@]}"; do
  if ! messages="$("$CLANG_FORMAT" --dry-run --Werror "$f" 2>&1 >/dev/null)"; then
    # Anything but a formatting difference (a missing file, a bad .clang-format) is an error.
    [[ "$messages" == *"[-Wclang-format-violations]"* ]] ||
      { printf 'check-format.sh: %s: %s\n' "$f" "$messages" >&2; exit 2; }
    offenders+=("$f")
  fi
done

if [ ${#offenders[@]} -eq 0 ]; then
  echo "check-format.sh: ${#files[@]} file(s) match .clang-format"
  exit 0
fi
echo "check-format.sh: ${#offenders[@]} of ${#files[@]} file(s) do not match .clang-format:" >&2
printf '  %s\n' "${offenders[@]}" >&2
echo "fix: $CLANG_FORMAT -i <file>...  (see the differences: $CLANG_FORMAT --dry-run <file>)" >&2
exit 1
