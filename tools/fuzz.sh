#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ with clang (ASan + UBSan) and runs each for a bounded
# time from its corpus in fuzz/corpus/<target>. New inputs the fuzzer finds go to a temporary
# folder, so the repository does not change; a crash, leak, timeout or failed property leaves
# its reproducer in fuzz-artifacts/ and makes the script fail.
#
#   tools/fuzz.sh [seconds per target, default 30]
#
# Environment: JOBS (build jobs, default 2), FUZZ_BUILD (build folder, default build-fuzz).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_EACH="${1:-30}"
JOBS="${JOBS:-2}"
BUILD="$ROOT/${FUZZ_BUILD:-build-fuzz}"
TARGETS=(filter patch_path json_body ldap_escape)

CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSCIMGATE_FUZZ=ON -DSCIMGATE_TESTS=OFF >&2
cmake --build "$BUILD" -j "$JOBS" --target fuzzers >&2

artifacts="$ROOT/fuzz-artifacts"
mkdir -p "$artifacts"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

run_one() {
  local target="$1" log="$scratch/$1.log"
  mkdir -p "$scratch/$target"
  if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$BUILD/fuzz/fuzz_$target" "$scratch/$target" "$ROOT/fuzz/corpus/$target" \
      -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -artifact_prefix="$artifacts/$target-" -print_final_stats=1 >"$log" 2>&1; then
    printf 'fuzz: %-12s ok   %s\n' "$target" "$(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$') runs"
  else
    printf 'fuzz: %-12s FAILED (reproducer in %s)\n' "$target" "$artifacts"
    tail -40 "$log" >&2
    return 1
  fi
}

# Two at a time: one per core.
failed=0
pids=()
for target in "${TARGETS[@]}"; do
  run_one "$target" &
  pids+=($!)
  if [ "${#pids[@]}" -ge "$JOBS" ]; then
    wait "${pids[0]}" || failed=1
    pids=("${pids[@]:1}")
  fi
done
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
[ "$failed" -eq 0 ] || { echo "fuzz: a target failed" >&2; exit 1; }
rmdir "$artifacts" 2>/dev/null || true
