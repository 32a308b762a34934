#!/usr/bin/env bash
# bench/run.sh -- the scimgate benchmark in one command (bench/README.md).
#
#   bench/run.sh [scimgate_bench options, e.g. --seconds 10 --only group-small,group-big]
#
# Builds scimgate and scimgate_bench into build-bench/ (-DSCIMGATE_BENCH=ON, -j2), starts a
# private slapd (tools/slapd-env.sh, in a temporary directory) loaded with 100,000 users and two
# groups of 100 and 50,000 members, starts the gateway in front of it on a free port, runs
# scimgate_bench, prints its table and stops everything it started.
#
# Environment (optional):
#   BENCH_BUILD_DIR   build directory (default: build-bench in the repository)
#   BENCH_GATEWAY_BIN an already built scimgate to measure (then only scimgate_bench is built)
#   BENCH_KEEP_LOG=F  copy the gateway's JSON request log to F before cleaning up
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
BUILD=${BENCH_BUILD_DIR:-$ROOT/build-bench}
USERS=100000
SMALL=100
BIG=50000
ROLE_SMALL=1000

say() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }
find_tool() { command -v "$1" 2>/dev/null || { [ -x "/usr/sbin/$1" ] && echo "/usr/sbin/$1"; } || return 1; }

SLAPADD=$(find_tool slapadd) || die "slapadd not found: install slapd and ldap-utils (./quickstart test does)"
command -v ldapsearch >/dev/null || die "ldapsearch not found: install ldap-utils"
command -v cmake >/dev/null || die "cmake not found (./quickstart test installs the build tools)"

# ---- build ----------------------------------------------------------------------------------
targets=(scimgate_bench)
[ -n "${BENCH_GATEWAY_BIN:-}" ] || targets+=(scimgate)
say "building ${targets[*]} in $BUILD (-j2)"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSCIMGATE_TESTS=OFF \
  -DSCIMGATE_BENCH=ON >/dev/null
cmake --build "$BUILD" -j2 --target "${targets[@]}" >"$BUILD/bench-build.log" 2>&1 ||
  { tail -n 30 "$BUILD/bench-build.log" >&2; die "build failed (full log: $BUILD/bench-build.log)"; }
GATEWAY_BIN=${BENCH_GATEWAY_BIN:-$BUILD/gateway/scimgate}
BENCH_BIN="$BUILD/bench/scimgate_bench"
[ -x "$GATEWAY_BIN" ] || die "no gateway binary at $GATEWAY_BIN"

# ---- clean-up of everything started below ------------------------------------------------------
# A short path: slapd's ldapi socket must fit in 108 bytes.
WORK=$(mktemp -d /tmp/scimgate-bench.XXXXXX)
GATEWAY_PID=""
SECOND_PID=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  local pid
  for pid in "$GATEWAY_PID" "$SECOND_PID"; do
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  if [ -n "${BENCH_KEEP_LOG:-}" ] && [ -f "$WORK/scimgate.log" ]; then
    cp "$WORK/scimgate.log" "$BENCH_KEEP_LOG"
  fi
  "$ROOT/tools/slapd-env.sh" stop "$WORK/slapd" --wipe >/dev/null 2>&1 || true
  rm -rf -- "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- directory ------------------------------------------------------------------------------
# slapadd into the private slapd's own database, with slapd stopped, is the fastest correct load
# (about 30 s for 100,000 users on 2 cores, against minutes for ldapadd through the overlays).
# It adds entryUUID, entryCSN and the timestamps itself; it runs no overlays, so the LDIF carries
# the memberOf values the memberof overlay would keep (bench/gen-ldif.awk).
say "starting a private slapd in $WORK/slapd"
"$ROOT/tools/slapd-env.sh" start "$WORK/slapd" --empty >/dev/null
# shellcheck disable=SC1091
. "$WORK/slapd/env"
started=$(date +%s)
say "loading $USERS users and groups of $SMALL and $BIG members (slapadd)"
awk -v suffix="$SLAPD_SUFFIX" -v users="$USERS" -v small="$SMALL" -v big="$BIG" \
  -v roleSmall="$ROLE_SMALL" -f "$ROOT/bench/gen-ldif.awk" >"$WORK/bench.ldif"
"$ROOT/tools/slapd-env.sh" stop "$WORK/slapd"
"$SLAPADD" -q -f "$WORK/slapd/slapd.conf" -l "$WORK/bench.ldif"
rm -f "$WORK/bench.ldif"
"$ROOT/tools/slapd-env.sh" restart "$WORK/slapd" >/dev/null
. "$WORK/slapd/env"
say "loaded in $(($(date +%s) - started)) s"

# Sanity: memberOf as the overlay would have it, entryUUIDs generated.
count_members() {
  LDAPNOINIT=1 ldapsearch -x -LLL -H "$SLAPD_URL" -D "$SLAPD_BIND_DN" -w "$SLAPD_BIND_PASSWORD" \
    -b "ou=people,$SLAPD_SUFFIX" -E pr=5000/noprompt "(memberOf=cn=$1,ou=${2:-groups},$SLAPD_SUFFIX)" 1.1 |
    grep -c '^dn:' || true
}
[ "$(count_members bench-small)" = "$SMALL" ] || die "memberOf of bench-small is not $SMALL users"
[ "$(count_members bench-big)" = "$BIG" ] || die "memberOf of bench-big is not $BIG users"
[ "$(count_members bench-role-1k roles)" = "$ROLE_SMALL" ] ||
  die "memberOf of bench-role-1k is not $ROLE_SMALL users"
[ "$(count_members bench-role-all roles)" = "$USERS" ] ||
  die "memberOf of bench-role-all is not $USERS users"

# ---- gateway --------------------------------------------------------------------------------
TOKEN=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
HASH=$("$GATEWAY_BIN" --hash-token "$TOKEN")
# 16 HTTP threads and 16 pooled LDAP connections, so concurrency 16 is not queued by the
# gateway's defaults (8 threads, 4 connections).
(umask 077; cat >"$WORK/scimgate.json" <<JSON
{
  "server": { "listen": "127.0.0.1", "port": 0, "threads": 16 },
  "tokens": [ { "name": "bench", "sha256": "$HASH" } ],
  "ldap": {
    "uris": ["$SLAPD_URL"],
    "bindDn": "$SLAPD_BIND_DN",
    "baseDn": "$SLAPD_SUFFIX",
    "poolSize": 16
  },
  "roles": {
    "names": ["Administrator", "Manager", "Agent", "Viewer", "bench-role-1k", "bench-role-all"]
  }
}
JSON
)
start_gateway() { # name -> starts a gateway with the config above; sets STARTED_PID and STARTED_PORT
  SCIMGATE_LDAP_BIND_PASSWORD="$SLAPD_BIND_PASSWORD" \
    "$GATEWAY_BIN" --config "$WORK/scimgate.json" --port-file "$WORK/$1.port" 2>"$WORK/$1.log" &
  STARTED_PID=$!
  for _ in $(seq 1 100); do
    [ -s "$WORK/$1.port" ] && break
    kill -0 "$STARTED_PID" 2>/dev/null || { cat "$WORK/$1.log" >&2; die "the gateway did not start"; }
    sleep 0.1
  done
  [ -s "$WORK/$1.port" ] || die "the gateway did not report its port"
  STARTED_PORT=$(cat "$WORK/$1.port")
}
start_gateway scimgate
GATEWAY_PID=$STARTED_PID PORT=$STARTED_PORT
# A second one, the same config on the same directory, for the two-gateway row (issue #19).
start_gateway second
SECOND_PID=$STARTED_PID SECOND_PORT=$STARTED_PORT
say "gateway pid $GATEWAY_PID on 127.0.0.1:$PORT (a second one on $SECOND_PORT), slapd on $SLAPD_URL"

rss() { sed -n 's/^\(VmRSS\|VmHWM\):[[:space:]]*//p' "/proc/$GATEWAY_PID/status" | tr '\n' ' '; }
RSS_BEFORE=$(rss)

# ---- benchmark ------------------------------------------------------------------------------
say "running scimgate_bench $*"
status=0
SCIMGATE_BENCH_LDAP_PASSWORD="$SLAPD_BIND_PASSWORD" "$BENCH_BIN" \
  --url "http://127.0.0.1:$PORT/scim/v2" --token "$TOKEN" --ldap-url "$SLAPD_URL" \
  --bind-dn "$SLAPD_BIND_DN" --suffix "$SLAPD_SUFFIX" --slapd-pid "$SLAPD_PID" \
  --gateway-pid "$GATEWAY_PID" --second-url "http://127.0.0.1:$SECOND_PORT/scim/v2" "$@" || status=$?

if kill -0 "$GATEWAY_PID" 2>/dev/null; then
  # /proc/PID/status lists VmHWM (peak) before VmRSS.
  read -r hwm_now _ rss_now _ <<<"$(rss)"
  read -r _ _ rss_then _ <<<"$RSS_BEFORE"
  printf '\ngateway memory: RSS %s kB before the run, %s kB after, peak %s kB\n' \
    "$rss_then" "$rss_now" "$hwm_now"
else
  wait "$GATEWAY_PID" 2>/dev/null && gateway_status=0 || gateway_status=$?
  GATEWAY_PID=""
  printf '\nTHE GATEWAY DIED during the run (exit status %s%s); last lines of its log:\n' \
    "$gateway_status" "$( ((gateway_status == 139)) && echo ', SIGSEGV')"
  tail -n 5 "$WORK/scimgate.log"
  status=1
fi
printf 'machine: %s cores (%s), %s; slapd %s\n' "$(nproc)" \
  "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" "$(date -u '+%Y-%m-%d %H:%M UTC')" \
  "$(dpkg-query -W -f '${Version}' slapd 2>/dev/null || echo '?')"
exit "$status"
