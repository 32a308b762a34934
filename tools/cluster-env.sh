#!/usr/bin/env bash
# cluster-env.sh -- scimgate scaled out, on one machine (issue #19; README "Running several
# instances"): two OpenLDAP providers in multi-provider replication, one PostgreSQL state store,
# two gateways sharing both, and haproxy in front sending requests to the gateways in turn.
#
# Usage:
#   tools/cluster-env.sh start  DIR [--gateway PATH]
#   tools/cluster-env.sh stop   DIR [--wipe]
#   tools/cluster-env.sh status DIR
#
# start  Starts, each in a folder of DIR and on free ports of 127.0.0.1:
#          slapd-1, slapd-2  tools/slapd-env.sh --server-id 1|2 --peer (the other): the first
#                            with the demo tree, the second filled by replication;
#          pg                tools/pg-env.sh (the state store: MFA, throttling, mail outbox,
#                            ended sessions);
#          gateway-a, -b     the scimgate binary (--gateway, default build/gateway/scimgate),
#                            one config each: the same token, session key and MFA key; gateway-a
#                            lists slapd-1 then slapd-2 in ldap.uris, gateway-b the reverse;
#          haproxy           round robin over the two gateways, each checked on /readyz every
#                            second (a gateway that stops answering is taken out).
#        Then writes DIR/env (shell-sourceable, mode 0600) and prints it:
#          CLUSTER_URL (haproxy) CLUSTER_TOKEN GATEWAY_A_URL GATEWAY_B_URL
#          SLAPD_1_URL SLAPD_2_URL PG_CONNINFO
# stop   Stops what start started (each by the pid it recorded), and with --wipe deletes DIR.
# status Exit 0 when every part is running; one line per part.
set -euo pipefail

PROG=${0##*/}
SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO_DIR=$(cd -- "$SCRIPT_DIR/.." && pwd -P)
MARKER=".scimgate-cluster-env"
TOOL_DIRS=(/usr/sbin /usr/local/sbin /sbin)
# shellcheck source-path=SCRIPTDIR source=lib/env-common.sh
. "$SCRIPT_DIR/lib/env-common.sh"

usage() {
  cat >&2 <<EOF
usage: $PROG start  DIR [--gateway PATH]
       $PROG stop   DIR [--wipe]
       $PROG status DIR
EOF
  exit 2
}

stop_dir() { # dir -> stops what an earlier start left in dir (make_fresh_dir calls it)
  cmd_stop "$1" >/dev/null 2>&1 || true
}

free_local_port() { # -> a port of 127.0.0.1 nothing listens on (env-common's pick_port range)
  local _
  for _ in $(seq 1 50); do
    pick_port "" && { printf '%s\n' "$PORT"; return 0; }
  done
  die "no free port found"
}

env_value() { # file name -> the value of name= in a shell-sourceable env file
  # shellcheck disable=SC1090
  (. "$1" && eval "printf '%s\n' \"\${$2}\"")
}

is_ours() { # pid dir -> 0 if pid is alive and its command line names something in dir
  local pid=$1 dir=$2
  [[ -n "$pid" ]] && proc_alive "$pid" || return 1
  tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$dir/"
}

stop_pid_file() { # file dir name -> SIGTERM the process in file (if it is ours), SIGKILL after 10 s
  local file=$1 dir=$2 name=$3 pid
  [[ -r "$file" ]] || return 0
  pid=$(cat "$file")
  if is_ours "$pid" "$dir"; then
    kill -TERM "$pid" 2>/dev/null || true
    kill_after_term "$pid" "$name" 10
  fi
  rm -f "$file"
}

start_gateway() { # name config -> starts the gateway in the background, records its pid and port
  local name=$1 config=$2 i
  local port_file="$DIR/$name/port"
  rm -f "$port_file"
  "$GATEWAY" --config "$config" --port-file "$port_file" </dev/null >/dev/null \
    2>"$DIR/$name/gateway.log" &
  echo $! >"$DIR/$name/pid"
  for ((i = 0; i < 200; i++)); do
    [[ -s "$port_file" ]] && return 0
    proc_alive "$(cat "$DIR/$name/pid")" || break
    sleep 0.05
  done
  tail -n 20 "$DIR/$name/gateway.log" >&2 || true
  die "$name did not start (its log: $DIR/$name/gateway.log)"
}

write_gateway_config() { # name first_uri second_uri -> DIR/name/scimgate.json
  local name=$1 first=$2 second=$3
  mkdir -p "$DIR/$name"
  (umask 077; cat >"$DIR/$name/scimgate.json" <<JSON
{
  "server": { "listen": "127.0.0.1", "port": 0 },
  "tokens": [ { "name": "cluster", "sha256": "$TOKEN_HASH" } ],
  "auth": { "sessionKey": "$SESSION_KEY" },
  "mfa": { "store": { "kind": "postgres", "postgres": "$PG_CONNINFO" },
           "encryptionKey": "$MFA_KEY" },
  "ldap": {
    "uris": ["$first", "$second"],
    "bindDn": "$BIND_DN",
    "bindPassword": "$BIND_PW",
    "baseDn": "$SUFFIX"
  }
}
JSON
  )
}

cmd_start() {
  local dir_arg="" gateway="$REPO_DIR/build/gateway/scimgate"
  while (($#)); do
    case $1 in
      --gateway) (($# >= 2)) || usage; gateway=$2; shift 2 ;;
      -h|--help) usage ;;
      -*) die "unknown option: $1" ;;
      *) [[ -z "$dir_arg" ]] || usage; dir_arg=$1; shift ;;
    esac
  done
  [[ -n "$dir_arg" ]] || usage
  [[ -x "$gateway" ]] || die "no gateway at $gateway: build it (./quickstart does) or pass --gateway PATH"
  GATEWAY=$(cd -- "$(dirname -- "$gateway")" && pwd -P)/$(basename -- "$gateway")
  HAPROXY=$(find_tool haproxy) || die "haproxy not found: install the Debian package haproxy"
  DIR=$(abs_dir "$dir_arg")
  make_fresh_dir "$DIR"
  # PostgreSQL runs as its own system user when started by root: it must be able to pass through
  # DIR to its folder (pg-env.sh). Listing DIR stays its owner's; what is secret is mode 0600.
  chmod 711 "$DIR"
  trap 'status=$?; ((status == 0)) || cmd_stop "$DIR" >/dev/null 2>&1 || true' EXIT

  # The two providers: each must name the other's port before either starts.
  local port1 port2
  port1=$(free_local_port)
  port2=$(free_local_port)
  while [[ "$port2" == "$port1" ]]; do port2=$(free_local_port); done
  "$SCRIPT_DIR/slapd-env.sh" start "$DIR/slapd-1" --port "$port1" --server-id 1 \
    --peer "ldap://127.0.0.1:$port2" >/dev/null
  "$SCRIPT_DIR/slapd-env.sh" start "$DIR/slapd-2" --port "$port2" --server-id 2 \
    --peer "ldap://127.0.0.1:$port1" --secrets-from "$DIR/slapd-1" --no-data >/dev/null
  "$SCRIPT_DIR/pg-env.sh" start "$DIR/pg" >/dev/null

  SUFFIX=$(env_value "$DIR/slapd-1/env" SLAPD_SUFFIX)
  BIND_DN=$(env_value "$DIR/slapd-1/env" SLAPD_BIND_DN)
  BIND_PW=$(env_value "$DIR/slapd-1/env" SLAPD_BIND_PASSWORD)
  PG_CONNINFO=$(env_value "$DIR/pg/env" PG_CONNINFO)
  local token
  token=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
  TOKEN_HASH=$("$GATEWAY" --hash-token "$token")
  SESSION_KEY=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
  MFA_KEY=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
  local url1="ldap://127.0.0.1:$port1" url2="ldap://127.0.0.1:$port2"
  write_gateway_config gateway-a "$url1" "$url2"
  write_gateway_config gateway-b "$url2" "$url1"
  start_gateway gateway-a "$DIR/gateway-a/scimgate.json"
  start_gateway gateway-b "$DIR/gateway-b/scimgate.json"
  local port_a port_b front
  port_a=$(cat "$DIR/gateway-a/port")
  port_b=$(cat "$DIR/gateway-b/port")
  front=$(free_local_port)

  mkdir -p "$DIR/haproxy"
  cat >"$DIR/haproxy/haproxy.cfg" <<EOF
# Generated by tools/cluster-env.sh: round robin over the two gateways.
global
    pidfile $DIR/haproxy/haproxy.pid
    log stderr format short local0 notice
defaults
    mode http
    log global
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    retries 2
    option redispatch
frontend scim
    bind 127.0.0.1:$front
    default_backend gateways
backend gateways
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    server gateway-a 127.0.0.1:$port_a check inter 1s fall 2 rise 1
    server gateway-b 127.0.0.1:$port_b check inter 1s fall 2 rise 1
EOF
  "$HAPROXY" -c -q -f "$DIR/haproxy/haproxy.cfg" || die "haproxy refused $DIR/haproxy/haproxy.cfg"
  "$HAPROXY" -D -f "$DIR/haproxy/haproxy.cfg" 2>"$DIR/haproxy/haproxy.log" \
    || die "haproxy did not start (its log: $DIR/haproxy/haproxy.log)"
  local i
  for ((i = 0; i < 100; i++)); do
    port_in_use "$front" && [[ -s "$DIR/haproxy/haproxy.pid" ]] && break
    sleep 0.05
  done
  port_in_use "$front" || die "haproxy does not listen on 127.0.0.1:$front"

  write_env_file "$DIR/env" <<EOF
CLUSTER_URL=http://127.0.0.1:$front
CLUSTER_TOKEN=$token
GATEWAY_A_URL=http://127.0.0.1:$port_a
GATEWAY_B_URL=http://127.0.0.1:$port_b
SLAPD_1_URL=$url1
SLAPD_2_URL=$url2
PG_CONNINFO=$(shell_quote "$PG_CONNINFO")
CLUSTER_DIR=$(shell_quote "$DIR")
EOF
  trap - EXIT
  cat "$DIR/env"
}

cmd_stop() {
  parse_stop_args "$@"
  DIR=$(abs_dir "$STOP_DIR_ARG")
  [[ -d "$DIR" ]] || return 0
  dir_is_ours "$DIR" || die "$DIR was not made by $PROG: not touching it"
  stop_pid_file "$DIR/haproxy/haproxy.pid" "$DIR" haproxy
  stop_pid_file "$DIR/gateway-a/pid" "$DIR" gateway-a
  stop_pid_file "$DIR/gateway-b/pid" "$DIR" gateway-b
  "$SCRIPT_DIR/slapd-env.sh" stop "$DIR/slapd-1" --wipe >/dev/null 2>&1 || true
  "$SCRIPT_DIR/slapd-env.sh" stop "$DIR/slapd-2" --wipe >/dev/null 2>&1 || true
  "$SCRIPT_DIR/pg-env.sh" stop "$DIR/pg" --wipe >/dev/null 2>&1 || true
  if ((STOP_WIPE)); then
    safe_to_wipe "$DIR" && rm -rf -- "$DIR"
  fi
  return 0
}

cmd_status() {
  (($# == 1)) || usage
  DIR=$(abs_dir "$1")
  local ok=0 part pid
  for part in haproxy/haproxy.pid gateway-a/pid gateway-b/pid; do
    pid=$(cat "$DIR/$part" 2>/dev/null || true)
    if is_ours "$pid" "$DIR"; then echo "${part%%/*} running (pid $pid)"; else echo "${part%%/*} not running"; ok=1; fi
  done
  "$SCRIPT_DIR/slapd-env.sh" status "$DIR/slapd-1" || ok=1
  "$SCRIPT_DIR/slapd-env.sh" status "$DIR/slapd-2" || ok=1
  "$SCRIPT_DIR/pg-env.sh" status "$DIR/pg" || ok=1
  return "$ok"
}

dispatch "$@"
