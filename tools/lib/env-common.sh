# shellcheck shell=bash
# env-common.sh -- helpers shared by the throw-away server scripts
# (tools/slapd-env.sh, tools/pg-env.sh, tools/389ds-env.sh, tools/samba-ad-env.sh).
# Sourced, never run.  The sourcing script sets PROG and MARKER, and defines what
# the helpers it uses call: REPO_DIR (safe_to_wipe), TOOL_DIRS (find_tool), usage
# (parse_stop_args, dispatch), stop_dir (make_fresh_dir, stop_and_wipe),
# recorded_pid (report_status) and cmd_* (dispatch).  A script may define its own
# version of a helper after sourcing this file (slapd-env.sh: abs_dir, pg-env.sh:
# safe_to_wipe).
# shellcheck disable=SC2154 # PROG, MARKER, REPO_DIR, TOOL_DIRS: set by the sourcing script

die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }  # message -> on stderr, exit 1
note() { printf '%s: %s\n' "$PROG" "$*" >&2; }                # message -> on stderr

find_tool() { # name -> path: PATH first, then the script's TOOL_DIRS (sbin may not be in PATH)
  local name=$1 d
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
  for d in "${TOOL_DIRS[@]}"; do
    if [[ -x "$d/$name" ]]; then printf '%s\n' "$d/$name"; return 0; fi
  done
  return 1
}

abs_dir() { # DIR -> absolute, normalised path (DIR need not exist)
  local d=$1
  [[ -n "$d" ]] || die "empty DIR"
  realpath -m -- "$d"
}

random_secret() { # 32 alphanumeric characters from /dev/urandom
  local s=""
  while ((${#s} < 32)); do
    s+=$(head -c 256 /dev/urandom | LC_ALL=C tr -dc 'A-Za-z0-9')
  done
  printf '%s\n' "${s:0:32}"
}

shell_quote() { # quote only when needed, so the common case stays KEY=value
  local v=$1
  if [[ "$v" =~ ^[A-Za-z0-9_.,=/:@%+-]+$ ]]; then
    printf '%s' "$v"
  else
    printf "'%s'" "${v//\'/\'\\\'\'}"
  fi
}

write_env_file() { # file <lines -> writes stdin to file (mode 0600) through file.tmp and a rename
  (umask 077; cat >"$1.tmp")
  mv -f "$1.tmp" "$1"
}

pid_from_files() { # pidfile envfile -> pid from pidfile (or SLAPD_PID= in envfile), empty if none
  local pidfile=$1 envfile=$2 pid=""
  if [[ -r "$pidfile" ]]; then
    read -r pid <"$pidfile" || true
  fi
  if [[ -z "$pid" && -n "$envfile" && -r "$envfile" ]]; then
    pid=$(sed -n 's/^SLAPD_PID=//p' "$envfile" | head -n 1)
  fi
  if [[ "$pid" =~ ^[0-9]+$ ]]; then printf '%s\n' "$pid"; fi
}

proc_alive() { # pid -> 0 if the process exists and is not a zombie
  # (a daemonized server is reparented to pid 1, which may reap it late: a
  # zombie still answers kill -0)
  local pid=$1 stat
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -r "/proc/$pid/stat" ]]; then
    stat=$(<"/proc/$pid/stat") 2>/dev/null || return 1
    stat=${stat##*) }
    [[ "${stat:0:1}" != Z ]] || return 1
  fi
  return 0
}

wait_gone() { # pid polls -> 0 once pid is gone (a check every 50 ms, then a last one), 1 if still alive
  local pid=$1 polls=$2 i
  for ((i = 0; i < polls; i++)); do
    proc_alive "$pid" || return 0
    sleep 0.05
  done
  ! proc_alive "$pid"
}

kill_after_term() { # pid name seconds -> SIGKILL pid if it is alive after the wait (note), dies if it stays
  local pid=$1 name=$2 secs=$3
  wait_gone "$pid" $((secs * 20)) && return 0
  note "$name (pid $pid) did not stop within $secs s, sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  wait_gone "$pid" 40 && return 0
  die "could not kill $name (pid $pid)"
}

port_open() { # addr port -> 0 if something accepts connections there
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

port_in_use() { # port -> 0 if something accepts connections on 127.0.0.1:port
  port_open 127.0.0.1 "$1"
}

check_port_arg() { # value -> the --port value as a plain number; dies when it is not 1-65535
  local p=$1
  if ! [[ "$p" =~ ^[0-9]{1,5}$ ]] || ((10#$p < 1 || 10#$p > 65535)); then
    die "invalid --port: $p"
  fi
  printf '%s\n' "$((10#$p))"
}

pick_port() { # requested_port -> sets PORT to it, or to a random 20000-60000 one; 1 if that one is taken
  if [[ -n "$1" ]]; then
    PORT=$1
    return 0
  fi
  PORT=$((20000 + (RANDOM * 32768 + RANDOM) % 40001))
  ! port_in_use "$PORT"
}

dir_is_ours() { # dir -> 0 if DIR does not exist, holds $MARKER, or is empty
  local dir=$1
  [[ -d "$dir" ]] || return 0
  [[ -e "$dir/$MARKER" ]] && return 0
  [[ -z "$(ls -A -- "$dir")" ]] && return 0
  return 1
}

safe_to_wipe() { # dir -> 0 if DIR may be deleted (created by us, or empty; never a system folder or the repo)
  local dir=$1
  case $dir in
    /|/root|/home|/tmp|/var|/usr|/etc|/work|"$HOME"|"$REPO_DIR") return 1 ;;
  esac
  dir_is_ours "$dir"
}

make_fresh_dir() { # dir [subdir] -> stops and deletes an old DIR of ours, makes DIR[/subdir], 0700, with $MARKER
  local dir=$1
  if [[ -e "$dir" ]]; then
    [[ -d "$dir" ]] || die "$dir exists and is not a directory"
    safe_to_wipe "$dir" || die "$dir exists, is not empty and was not created by $PROG: refusing to wipe it"
    stop_dir "$dir"
    rm -rf -- "$dir"
  fi
  mkdir -p -- "$dir${2:+/$2}"
  chmod 700 "$dir"
  : >"$dir/$MARKER"
}

parse_stop_args() { # args... -> sets STOP_DIR_ARG and STOP_WIPE from "DIR [--wipe]"; usage on mistakes
  STOP_DIR_ARG="" STOP_WIPE=0
  while (($#)); do
    case $1 in
      --wipe) STOP_WIPE=1; shift ;;
      -h|--help) usage ;;
      -*) die "unknown option: $1" ;;
      *) [[ -z "$STOP_DIR_ARG" ]] || usage; STOP_DIR_ARG=$1; shift ;;
    esac
  done
  [[ -n "$STOP_DIR_ARG" ]] || usage
}

stop_and_wipe() { # -> stops the server recorded in $DIR, then deletes DIR when STOP_WIPE is set
  stop_dir "$DIR"
  if ((STOP_WIPE)); then
    safe_to_wipe "$DIR" || die "$DIR was not created by $PROG: not wiping it"
    rm -rf -- "$DIR"
  fi
}

report_status() { # name is_ours_fn -> "<name> running (pid N)" and 0 when $DIR's recorded pid passes is_ours_fn, else "<name> not running" and 1
  local name=$1 is_ours=$2 pid
  pid=$(recorded_pid "$DIR")
  if "$is_ours" "$pid" "$DIR"; then
    printf '%s running (pid %s)\n' "$name" "$pid"
    return 0
  fi
  printf '%s not running\n' "$name"
  return 1
}

dispatch() { # command args... -> runs cmd_<command> (start, stop, status, restart, replicate where defined); usage otherwise
  (($# >= 1)) || usage
  local cmd=$1
  shift
  case $cmd in
    start|stop|status|restart|replicate)
      declare -F "cmd_$cmd" >/dev/null || { note "unknown command: $cmd"; usage; }
      "cmd_$cmd" "$@" ;;
    -h|--help|help) usage ;;
    *) note "unknown command: $cmd"; usage ;;
  esac
}

# Test certificates (EC P-256: generated in milliseconds). $OPENSSL is the openssl binary.
make_test_ca() { # tls_dir ca_common_name -> ca.pem and ca-key.pem in tls_dir (made, mode 0700)
  local tls=$1 out
  mkdir -p "$tls"
  chmod 700 "$tls"
  if ! out=$( (
      umask 077
      "$OPENSSL" req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$tls/ca-key.pem" -out "$tls/ca.pem" -days 3650 -sha256 \
        -subj "/O=scimgate tests/CN=$2" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign"
    ) 2>&1); then
    printf '%s\n' "$out" >&2
    die "openssl could not make a test CA in $tls"
  fi
  chmod 600 "$tls/ca-key.pem"
  chmod 644 "$tls/ca.pem"
}

issue_test_cert() { # tls_dir name common_name serverAuth|clientAuth [subjectAltName] -> name.pem, name-key.pem signed by tls_dir's CA
  local tls=$1 name=$2 cn=$3 usage=$4 san=${5:-} out
  if ! out=$( (
      umask 077
      "$OPENSSL" req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$tls/$name-key.pem" -out "$tls/$name-req.pem" -subj "/O=scimgate tests/CN=$cn" &&
      {
        printf '%s\n' "basicConstraints=critical,CA:FALSE" \
          "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=$usage"
        [ -z "$san" ] || printf 'subjectAltName=%s\n' "$san"
      } >"$tls/$name-ext.cnf" &&
      "$OPENSSL" x509 -req -in "$tls/$name-req.pem" -CA "$tls/ca.pem" -CAkey "$tls/ca-key.pem" \
        -CAcreateserial -out "$tls/$name.pem" -days 3650 -sha256 -extfile "$tls/$name-ext.cnf"
    ) 2>&1); then
    printf '%s\n' "$out" >&2
    die "openssl could not make the $name certificate in $tls"
  fi
  rm -f "$tls/$name-req.pem" "$tls/$name-ext.cnf" "$tls/ca.srl"
  chmod 600 "$tls/$name-key.pem"
  chmod 644 "$tls/$name.pem"
}
