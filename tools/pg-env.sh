#!/usr/bin/env bash
# pg-env.sh -- start/stop a private, throw-away PostgreSQL server for scimgate
# (the MFA state store's CTest fixture and local development).
#
# Usage:
#   tools/pg-env.sh start  DIR [--port N]
#   tools/pg-env.sh stop   DIR [--wipe]
#   tools/pg-env.sh status DIR
#
# start  Creates DIR from scratch (a server recorded in an existing DIR is
#        stopped first, then DIR is wiped -- only if DIR is empty or was created
#        by this script), runs initdb into DIR/data with a random password for
#        the database user "scimgate" (scram-sha-256 for TCP and the socket;
#        pg_hba.conf accepts 127.0.0.1 only), then starts postgres listening ONLY
#        on 127.0.0.1:PORT (plus a unix socket in DIR when DIR's path is short
#        enough).  Without --port a random free port in 20000-60000 is picked
#        (retried up to 20 times when the port is taken).  Creates the database
#        "scimgate", then writes DIR/env (shell-sourceable, mode 0600) and prints
#        the same lines:
#          PG_HOST PG_PORT PG_USER PG_PASSWORD PG_DATABASE PG_CONNINFO PG_PID PG_DIR
#        PG_CONNINFO is a libpq connection string (what StoreSettings.postgres takes).
# stop   Stops the server recorded in DIR (pg_ctl stop -m fast; SIGKILL after
#        10 s).  Succeeds when nothing is running.  --wipe also deletes DIR.
# status Exit 0 when the server recorded in DIR is running, 1 otherwise.
#
# The system cluster (/var/lib/postgresql, port 5432) is never touched.
#
# Running as root: initdb and postgres refuse to run as root, so they run as the
# "postgres" system user that the Debian package creates (runuser), and DIR is
# made owned by it.  Every directory above DIR must be searchable by that user.
#
# Environment (optional):
#   PG_ENV_BINDIR=DIR   where initdb/pg_ctl/postgres live (default: the newest
#                       /usr/lib/postgresql/*/bin, then PATH)
#   PG_ENV_RUN_AS=USER  the user the server runs as when started by root
#                       (default postgres)
set -euo pipefail

PROG=${0##*/}
SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
MARKER=".scimgate-pg-env"
RUN_AS_DEFAULT=postgres
DB_USER=scimgate
DB_NAME=scimgate

# shellcheck source-path=SCRIPTDIR source=lib/env-common.sh
. "$SCRIPT_DIR/lib/env-common.sh"

usage() {
  cat >&2 <<EOF
usage: $PROG start  DIR [--port N]
       $PROG stop   DIR [--wipe]
       $PROG status DIR
EOF
  exit 2
}

# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

find_bindir() { # -> sets BINDIR (initdb, pg_ctl, postgres) and PSQL
  local d
  BINDIR=${PG_ENV_BINDIR:-}
  if [[ -z "$BINDIR" ]]; then
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4,4 -n -r); do
      if [[ -x "$d/initdb" && -x "$d/pg_ctl" && -x "$d/postgres" ]]; then BINDIR=$d; break; fi
    done
  fi
  if [[ -z "$BINDIR" ]] && command -v initdb >/dev/null 2>&1; then
    BINDIR=$(dirname -- "$(command -v initdb)")
  fi
  [[ -n "$BINDIR" && -x "$BINDIR/initdb" && -x "$BINDIR/pg_ctl" && -x "$BINDIR/postgres" ]] \
    || die "PostgreSQL server binaries not found: install the Debian package postgresql (looked in /usr/lib/postgresql/*/bin and PATH)"
  PSQL="$BINDIR/psql"
  [[ -x "$PSQL" ]] || PSQL=$(command -v psql 2>/dev/null) \
    || die "psql not found: install the Debian package postgresql-client"
}

setup_user() { # -> sets AS (command prefix running as the server's user) and OWNER
  AS=()
  OWNER=$(id -un)
  if (($(id -u) == 0)); then
    OWNER=${PG_ENV_RUN_AS:-$RUN_AS_DEFAULT}
    id -u "$OWNER" >/dev/null 2>&1 \
      || die "running as root, but the user '$OWNER' does not exist (the postgresql package creates it; or set PG_ENV_RUN_AS)"
    command -v runuser >/dev/null 2>&1 || die "runuser not found (util-linux)"
    AS=(runuser -u "$OWNER" --)
  fi
}

as_owner() { "${AS[@]}" "$@"; }

recorded_pid() { # DIR -> postmaster pid from DIR/data/postmaster.pid, empty if none
  pid_from_files "$1/data/postmaster.pid" ""
}

is_our_postgres() { # pid dir -> 0 if pid is alive, is a postgres, and serves DIR/data
  local pid=$1 dir=$2 comm cmdline
  [[ -n "$pid" ]] || return 1
  proc_alive "$pid" || return 1
  if [[ -r "/proc/$pid/comm" ]]; then
    read -r comm <"/proc/$pid/comm" || return 1
    [[ "$comm" == postgres* ]] || return 1
    cmdline=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null || true)
    grep -qxF -- "$dir/data" <<<"$cmdline" || return 1
  fi
  return 0
}

stop_dir() { # dir -> stops the recorded server, if any
  local dir=$1 pid
  pid=$(recorded_pid "$dir")
  is_our_postgres "$pid" "$dir" || return 0
  # Fast shutdown: active sessions are disconnected, no checkpoint wait for clients.
  as_owner "$BINDIR/pg_ctl" -D "$dir/data" -m fast -w -t 10 stop >/dev/null 2>&1 || true
  if ! wait_gone "$pid" 200; then          # 200 x 50 ms = 10 s
    note "postgres (pid $pid) did not stop within 10 s, sending SIGKILL to its process group"
    kill -KILL "$pid" 2>/dev/null || true
    pkill -KILL -P "$pid" 2>/dev/null || true
    wait_gone "$pid" 40 || die "could not kill postgres (pid $pid)"
  fi
  return 0
}

safe_to_wipe() { # dir -> 0 if DIR may be deleted (created by us, or empty); pg's own list of folders never wiped
  local dir=$1
  case $dir in
    /|/root|/home|/tmp|/var|/usr|/etc|/work|/var/lib/postgresql*|"$HOME") return 1 ;;
  esac
  dir_is_ours "$dir"
}

check_reachable() { # dir -> dies when the server's user cannot reach DIR
  ((${#AS[@]})) || return 0
  as_owner test -x "$1" \
    || die "the user '$OWNER' cannot enter $1: every directory above it must be searchable (chmod o+x), or pick another DIR"
}

write_env() {
  write_env_file "$DIR/env" <<EOF
PG_HOST=127.0.0.1
PG_PORT=$PORT
PG_USER=$DB_USER
PG_PASSWORD=$PASSWORD
PG_DATABASE=$DB_NAME
PG_CONNINFO=$(shell_quote "$CONNINFO")
PG_PID=$PID
PG_DIR=$(shell_quote "$DIR")
EOF
}

# --------------------------------------------------------------------------
# commands
# --------------------------------------------------------------------------

cmd_start() {
  local dir_arg="" req_port=""
  while (($#)); do
    case $1 in
      --port) (($# >= 2)) || usage; req_port=$2; shift 2 ;;
      --port=*) req_port=${1#*=}; shift ;;
      -h|--help) usage ;;
      -*) die "unknown option: $1" ;;
      *) [[ -z "$dir_arg" ]] || usage; dir_arg=$1; shift ;;
    esac
  done
  [[ -n "$dir_arg" ]] || usage
  [[ -z "$req_port" ]] || req_port=$(check_port_arg "$req_port")

  find_bindir
  setup_user
  DIR=$(abs_dir "$dir_arg")

  make_fresh_dir "$DIR"
  if ((${#AS[@]})); then chown "$OWNER:" "$DIR" "$DIR/$MARKER"; fi
  check_reachable "$DIR"

  PASSWORD=$(random_secret)
  local pwfile
  pwfile=$(umask 077; mktemp "$DIR/.pw.XXXXXX")
  printf '%s\n' "$PASSWORD" >"$pwfile"
  if ((${#AS[@]})); then chown "$OWNER:" "$pwfile"; fi
  local out
  if ! out=$(as_owner "$BINDIR/initdb" -D "$DIR/data" -U "$DB_USER" --pwfile="$pwfile" \
               --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync 2>&1); then
    rm -f "$pwfile"
    printf '%s\n' "$out" >&2
    die "initdb failed in $DIR/data"
  fi
  rm -f "$pwfile"

  # Only 127.0.0.1 (and the private socket), always with the password.
  cat >"$DIR/data/pg_hba.conf" <<EOF
# Generated by tools/pg-env.sh -- private PostgreSQL for scimgate tests.
local   all  all                 scram-sha-256
host    all  all  127.0.0.1/32   scram-sha-256
EOF
  # The socket path (DIR/.s.PGSQL.PORT) must fit in sun_path (107 bytes).
  local socket_dir="$DIR"
  ((${#DIR} + 18 < 100)) || socket_dir=""
  cat >>"$DIR/data/postgresql.conf" <<EOF

# --- tools/pg-env.sh: throw-away server, durability traded for speed ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$socket_dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
shared_buffers = 32MB
logging_collector = off
EOF
  if ((${#AS[@]})); then chown "$OWNER:" "$DIR/data/pg_hba.conf" "$DIR/data/postgresql.conf"; fi

  local attempt max_attempts=20 started=0
  [[ -n "$req_port" ]] && max_attempts=1
  for ((attempt = 1; attempt <= max_attempts; attempt++)); do
    pick_port "$req_port" || continue
    # -w: pg_ctl returns once the server accepts connections (or has failed).
    if as_owner "$BINDIR/pg_ctl" -D "$DIR/data" -l "$DIR/postgres.log" -w -t 30 \
         -o "-p $PORT" start >/dev/null 2>&1; then
      started=1
      break
    fi
    stop_dir "$DIR"
  done
  if ((!started)); then
    [[ -s "$DIR/postgres.log" ]] && tail -n 20 "$DIR/postgres.log" >&2
    if [[ -n "$req_port" ]]; then
      port_in_use "$req_port" && die "port $req_port is already in use on 127.0.0.1"
      die "postgres failed to start on port $req_port (log: $DIR/postgres.log)"
    fi
    die "postgres failed to start after $max_attempts attempts on random ports (log: $DIR/postgres.log)"
  fi
  PID=$(recorded_pid "$DIR")

  if ! out=$(PGPASSWORD=$PASSWORD PGCONNECT_TIMEOUT=10 "$PSQL" -X -q -v ON_ERROR_STOP=1 \
               -h 127.0.0.1 -p "$PORT" -U "$DB_USER" -d postgres \
               -c "CREATE DATABASE $DB_NAME OWNER $DB_USER" 2>&1); then
    printf '%s\n' "$out" >&2
    stop_dir "$DIR" || true
    die "could not create the database $DB_NAME on 127.0.0.1:$PORT"
  fi

  CONNINFO="host=127.0.0.1 port=$PORT dbname=$DB_NAME user=$DB_USER password=$PASSWORD connect_timeout=10"
  write_env
  cat "$DIR/env"
}

cmd_stop() {
  parse_stop_args "$@"
  DIR=$(abs_dir "$STOP_DIR_ARG")
  [[ -d "$DIR" ]] || return 0
  find_bindir
  setup_user
  stop_and_wipe
}

cmd_status() {
  (($# == 1)) || usage
  DIR=$(abs_dir "$1")
  report_status postgres is_our_postgres
}

dispatch "$@"
