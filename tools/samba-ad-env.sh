#!/usr/bin/env bash
# samba-ad-env.sh -- start/stop a private, throw-away Samba Active Directory
# domain controller for scimgate tests (the AD counterpart of slapd-env.sh:
# same commands, same DIR/env contract, SLAPD_PROFILE=activedirectory).
#
# Usage:
#   tools/samba-ad-env.sh start   DIR [--empty] [--template T] [--address 127.0.0.N] [--shared-mail]
#   tools/samba-ad-env.sh stop    DIR [--wipe]
#   tools/samba-ad-env.sh status  DIR
#   tools/samba-ad-env.sh restart DIR
#
# start  Creates DIR from scratch (a DC recorded in an existing DIR is stopped
#        first, then DIR is wiped -- only if DIR is empty or was created by this
#        script) and provisions a new domain in it with "samba-tool domain
#        provision": realm SCIMGATE.TEST, NetBIOS domain SCIMGATE, suffix
#        DC=scimgate,DC=test, no DNS, a random Administrator password, then
#        loads the scimgate schema extension (tools/ad-schema.sh: the
#        scimgate* attributes, auxiliary classes scimgateUser and
#        scimgateGroup) as Administrator over LDAPS, from a samba started
#        for that alone with "dsdb:schema update allowed = yes" (16
#        attributes and 2 classes: about 4 s idle, 8 s busy).  Every
#        path Samba uses (private, state, cache, lock, pid, ncalrpc, binddns,
#        log, sockets) is under DIR via DIR/smb.conf: nothing is written to
#        /etc/samba, /var/lib/samba, /var/cache/samba or /run/samba.
#        Then starts "samba" (the AD DC binary, in the foreground, in the
#        background, its own session) listening ONLY on a loopback address of
#        its own, 127.0.0.N (the first of 127.0.0.2 .. 127.0.0.254 on which
#        nothing answers on 389/636, or --address), so it can use the fixed
#        ports 389 (LDAP), 636 (LDAPS), 3268/3269 (global catalog).  Several
#        DCs (several DIRs) run side by side, each on its own address.
#        Only the ldap service runs ("server services = ldap": no KDC, no
#        RPC, no SMB, no DNS, no NetBIOS).
#        LDAPS: a CA and a server certificate for 127.0.0.N (IP
#        subjectAltName, so clients can verify the host name) are made with
#        openssl in DIR/private/tls; the CA is SLAPD_TLS_CA.
#        Simple binds over plain LDAP on 389 are allowed ("ldap server require
#        strong auth = no").  With it Samba also
#        accepts unicodePwd writes over plain LDAP, which Windows refuses:
#        the gateway must send passwords over LDAPS by itself (see the notes).
#        Once LDAP answers, loads the base tree over LDAPS (as Administrator):
#          OU=people, OU=groups, OU=roles, OU=queues, OU=accounts
#          CN=Administrator|Manager|Agent|Viewer,OU=roles  (global security
#              groups, objectClass group + scimgateGroup, scimgateGroupKind
#              role, sAMAccountName role-<Name>: "Administrator" is taken
#              by the built-in user)
#          CN=scimgate,CN=Users  the gateway's service account, member of
#              Domain Admins (acceptable for a test DC: it may create users,
#              reset passwords, and read everything), password never expires
#          CN=demo-admin,OU=people (not with --empty): enabled user
#              (userAccountControl 512), objectClass user + scimgateUser,
#              sAMAccountName demo-admin, userPrincipalName demo-admin (the
#              gateway's userName is the UPN verbatim; Samba accepts a UPN
#              without '@', but a simple bind by it fails: bind by DN,
#              demo-admin@scimgate.test or SCIMGATE\demo-admin), Demo Admin,
#              mail demo-admin@example.com, scimgateStatus active,
#              scimgateExternalId demo-admin (as slapd-env.sh), member of
#              CN=Administrator,OU=roles; its password is
#              SLAPD_DEMO_ADMIN_PASSWORD in DIR/env
#        and relaxes the domain password policy for tests: minPwdAge 0 (a
#        user may change their password twice in a row), maxPwdAge never.
#        Complexity, minimum length 7 and a history of 24 stay as provisioned.
#        Writes DIR/env (shell-sourceable) and prints the same lines:
#          SLAPD_URL SLAPD_LDAPS_URL SLAPD_TLS_CA SLAPD_PORT SLAPD_SUFFIX
#          SLAPD_BIND_DN SLAPD_BIND_PASSWORD SLAPD_ROOT_DN SLAPD_ROOT_PASSWORD
#          SLAPD_PID SLAPD_DIR SLAPD_PROFILE SLAPD_ADDRESS
#          [SLAPD_DEMO_ADMIN_PASSWORD]
#        --template T: provisioning and the schema take 11-12 s on an idle
#        2-core machine (about 20 s while a build runs); with a template it
#        is done once: the first start provisions into T (atomically: into a
#        temporary sibling, then renamed), every start copies T's database
#        into DIR (~0.1 s; the whole start ~1-2 s) and gives Administrator a
#        new random password.  All DCs made from one T share the domain SID
#        and GUIDs (harmless for tests).  T is rebuilt when the installed
#        Samba version, ldap/schema/scimgate.schema or tools/ad-schema.sh
#        change (T's version stamp holds their checksum); delete T to force
#        a new one.  Never point T at a running DC's DIR.
#        --address 127.0.0.N: use this address (fails if it is taken).
#        --shared-mail: accepted and ignored (slapd-env.sh's option to make
#        mail not unique; AD never makes mail unique).
# stop   SIGTERM the samba recorded in DIR (and its child processes), wait up
#        to 20 s, then SIGKILL.  Succeeds when nothing is running.  --wipe
#        also deletes DIR.
# status Exit 0 when the samba recorded in DIR is running, 1 otherwise.
# restart Stops and starts the same DC again: same address, same data, same
#        passwords, same DIR/smb.conf (for reconnect tests).
#
# Environment (optional):
#   SAMBA_AD_ENV_MODEL=single|prefork|standard  process model (default single:
#                     one process: serves one request at a time, which is
#                     plenty for tests; starts in ~0.7 s, stops in ~0.1 s.
#                     prefork: 11 processes, 4 LDAP workers)
#   SAMBA_AD_ENV_DEBUG=N     Samba log level (default 0) for DIR/log/log.samba
#   SAMBA_AD_ENV_SCHEMA_UPDATES=1  allow schema changes over LDAP on the
#                     running DC too ("dsdb:schema update allowed = yes"),
#                     see docs/samba-ad-notes.md (the scimgate extension is
#                     loaded either way)
#
# Needs (Debian 12): samba, samba-ad-provision, samba-dsdb-modules,
# samba-vfs-modules (provisioning sets the sysvol ACLs through the acl_xattr
# VFS module), ldap-utils, openssl:
#   apt-get install --no-install-recommends samba-ad-dc samba-ad-provision ldap-utils openssl
# (samba-ad-dc is a dependency-only package: samba, samba-dsdb-modules,
# samba-vfs-modules, winbind).  Runs as root (samba refuses otherwise).
#
# Findings about this DC (controls, objectGUID, unicodePwd, errors, schema):
# docs/samba-ad-notes.md.
# shellcheck disable=SC2030,SC2031 # schema_server sets DIR in a subshell of its own, on purpose
set -euo pipefail

PROG=${0##*/}
SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO_DIR=$(cd -- "$SCRIPT_DIR/.." && pwd -P)
SCIMGATE_SCHEMA="$REPO_DIR/ldap/schema/scimgate.schema"
AD_SCHEMA="$SCRIPT_DIR/ad-schema.sh"
MARKER=".scimgate-samba-ad-env"
TEMPLATE_MARKER=".scimgate-samba-ad-template"
TOOL_DIRS=(/usr/sbin /usr/local/sbin /sbin /usr/bin /usr/local/bin)
# shellcheck source-path=SCRIPTDIR source=lib/env-common.sh
. "$SCRIPT_DIR/lib/env-common.sh"

REALM="SCIMGATE.TEST"
NETBIOS_DOMAIN="SCIMGATE"
DNS_DOMAIN="scimgate.test"
HOST_NAME="scimgatedc"
SUFFIX="DC=scimgate,DC=test"
ROOT_DN="CN=Administrator,CN=Users,$SUFFIX"
BIND_DN="CN=scimgate,CN=Users,$SUFFIX"
PORT=389
LDAPS_PORT=636

MODEL=${SAMBA_AD_ENV_MODEL:-single}
LOG_LEVEL=${SAMBA_AD_ENV_DEBUG:-0}
SCHEMA_UPDATES=${SAMBA_AD_ENV_SCHEMA_UPDATES:-0}
STOP_TIMEOUT_S=20

# Never let the user's ldap.conf / ~/.ldaprc / LDAP* variables change our
# plain-LDAP client calls (LDAPS calls set their TLS options, see ldaps_env).
export LDAPNOINIT=1

usage() {
  cat >&2 <<EOF
usage: $PROG start   DIR [--empty] [--template T] [--address 127.0.0.N] [--shared-mail]
         (--empty: no demo administrator, OU=people starts empty;
          --template T: provision once into T, copy it for every start;
          --shared-mail: accepted for slapd-env.sh's interface, AD never makes mail unique)
       $PROG stop    DIR [--wipe]
       $PROG status  DIR
       $PROG restart DIR   (same address and data; for reconnect tests)
EOF
  exit 2
}

# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

require_tools() {
  local t missing=()
  for t in samba samba-tool ldapsearch ldapmodify openssl iconv base64 setsid; do
    find_tool "$t" >/dev/null || missing+=("$t")
  done
  if ((${#missing[@]})); then
    die "not found: ${missing[*]} (apt-get install --no-install-recommends samba-ad-dc samba-ad-provision ldap-utils openssl)"
  fi
  SAMBA=$(find_tool samba)
  SAMBA_TOOL=$(find_tool samba-tool)
  LDAPSEARCH=$(find_tool ldapsearch)
  LDAPMODIFY=$(find_tool ldapmodify)
  OPENSSL=$(find_tool openssl)
  # The AD DC parts Debian ships in separate packages.
  local build modules setup
  build=$("$SAMBA" -b 2>/dev/null || true)
  modules=$(sed -n 's/^ *MODULESDIR: *//p' <<<"$build")
  setup=$(sed -n 's/^ *SETUPDIR: *//p' <<<"$build")
  [[ -n "$setup" && -d "$setup/ad-schema" ]] \
    || die "Samba's AD schema files are missing (${setup:-?}/ad-schema): apt-get install --no-install-recommends samba-ad-provision"
  if [[ -n "$modules" ]]; then
    [[ -e "$modules/ldb/samba_dsdb.so" ]] \
      || die "Samba's directory modules are missing ($modules/ldb/samba_dsdb.so): apt-get install --no-install-recommends samba-ad-dc"
    [[ -e "$modules/vfs/acl_xattr.so" ]] \
      || die "Samba's acl_xattr VFS module is missing (provisioning needs it): apt-get install --no-install-recommends samba-ad-dc"
  fi
  ((EUID == 0)) || die "samba (the AD DC) must run as root"
}

random_password() { # 32 alphanumerics with at least one upper, lower and digit (AD complexity)
  local s=""
  while :; do
    s=""
    while ((${#s} < 32)); do
      s+=$(head -c 256 /dev/urandom | LC_ALL=C tr -dc 'A-Za-z0-9')
    done
    s=${s:0:32}
    [[ "$s" =~ [A-Z] && "$s" =~ [a-z] && "$s" =~ [0-9] ]] && break
  done
  printf '%s\n' "$s"
}

unicode_pwd_b64() { # password -> base64 of the UTF-16LE, double-quoted password (unicodePwd)
  printf '"%s"' "$1" | iconv -f UTF-8 -t UTF-16LE | base64 -w 0
}

samba_version() { "$SAMBA" -V 2>/dev/null | head -n 1; }

template_stamp() { # -> the template's version line: Samba's version and the schema extension's checksum
  local sum
  sum=$(cat "$SCIMGATE_SCHEMA" "$AD_SCHEMA" | sha256sum) || die "cannot read $SCIMGATE_SCHEMA or $AD_SCHEMA"
  printf '%s; scimgate schema %s\n' "$(samba_version)" "${sum:0:16}"
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

recorded_pid() { # DIR -> pid from DIR/pid/samba.pid (or DIR/env), empty if none
  pid_from_files "$1/pid/samba.pid" "$1/env"
}

is_our_samba() { # pid dir -> 0 if pid is alive, is samba, and runs in DIR
  # samba overwrites its argv and environment with a process title
  # ("samba: root process"), so DIR is recognised by the working directory
  # (started in DIR; samba -F does not chdir) or the pid file it holds open.
  local pid=$1 dir=$2 comm fd
  [[ -n "$pid" ]] || return 1
  proc_alive "$pid" || return 1
  [[ -r "/proc/$pid/comm" ]] || return 0
  read -r comm <"/proc/$pid/comm" || return 1
  [[ "$comm" == samba ]] || return 1
  [[ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" == "$dir" ]] && return 0
  for fd in /proc/"$pid"/fd/*; do
    [[ "$(readlink "$fd" 2>/dev/null)" == "$dir/pid/samba.pid" ]] && return 0
  done
  return 1
}

group_members() { # pgid -> pids (other than pgid) in that process group
  local pgid=$1 f stat rest pid pg
  for f in /proc/[0-9]*/stat; do
    { stat=$(<"$f"); } 2>/dev/null || continue   # (the process may be gone by now)
    pid=${stat%% *}
    rest=${stat##*) }
    # fields after comm: state ppid pgrp ...
    read -r _ _ pg _ <<<"$rest"
    [[ "$pg" == "$pgid" && "$pid" != "$pgid" ]] && printf '%s\n' "$pid"
  done
  return 0
}

stop_dir() { # dir -> stops the recorded samba and its children, if any
  local dir=$1 pid i kids k alive
  pid=$(recorded_pid "$dir")
  if ! is_our_samba "$pid" "$dir"; then
    rm -f "$dir/pid/samba.pid"
    return 0
  fi
  # samba was started with setsid: its children (prefork/standard models)
  # are in the process group it leads.
  kids=$(group_members "$pid")
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT_S * 20; i++)); do   # 50 ms steps
    alive=0
    proc_alive "$pid" && alive=1
    for k in $kids; do proc_alive "$k" && alive=1; done
    ((alive)) || break
    sleep 0.05
  done
  if ((alive)); then
    note "samba (pid $pid) did not stop within $STOP_TIMEOUT_S s, sending SIGKILL"
    # shellcheck disable=SC2086 # kids: a list of pids
    kill -KILL "$pid" $kids 2>/dev/null || true
    wait_gone "$pid" 40 || die "could not kill samba (pid $pid)"
  fi
  rm -f "$dir/pid/samba.pid"
  return 0
}

address_free() { # addr -> 0 if nothing answers on its LDAP/LDAPS/GC ports
  local a=$1 p
  for p in 389 636 3268 3269; do
    port_open "$a" "$p" && return 1
  done
  return 0
}

ldaps_env() { # -> env(1) arguments for an LDAPS client call that trusts DIR's CA only
  printf '%s\n' -u LDAPNOINIT LDAPCONF=/dev/null LDAPRC=.scimgate-samba-ad-env-none \
    "LDAPTLS_CACERT=$DIR/private/tls/ca.pem" LDAPTLS_REQCERT=demand
}

ldaps_modify() { # bind_dn password ldif_file [out] -> ldapmodify over LDAPS, its output in DIR/log/out (base.out)
  local dn=$1 pw=$2 ldif=$3 out="$DIR/log/${4:-base.out}" pwfile rc=0 args
  pwfile=$(umask 077; mktemp "$DIR/.pw.XXXXXX")
  printf '%s' "$pw" >"$pwfile"
  mapfile -t args < <(ldaps_env)
  (cd "$DIR" && env "${args[@]}" "$LDAPMODIFY" -x -H "ldaps://$ADDRESS:$LDAPS_PORT" \
    -o nettimeout=10 -D "$dn" -y "$pwfile" -f "$ldif") >"$out" 2>&1 || rc=$?
  rm -f "$pwfile"
  return "$rc"
}

# --------------------------------------------------------------------------
# configuration
# --------------------------------------------------------------------------

write_smb_conf() { # target_dir address -> target_dir/smb.conf
  local t=$1 addr=$2 conf="$1/smb.conf" schema_line="# schema changes over LDAP: SAMBA_AD_ENV_SCHEMA_UPDATES=1"
  ((SCHEMA_UPDATES)) && schema_line="dsdb:schema update allowed = yes"
  mkdir -p "$t"/{private,state,cache,lock,pid,log,binddns}
  cat >"$conf.tmp" <<EOF
# Generated by tools/samba-ad-env.sh -- private Samba AD DC for scimgate tests.
# Do not edit: regenerated on every "start".
[global]
	netbios name = ${HOST_NAME^^}
	workgroup = $NETBIOS_DOMAIN
	realm = $REALM
	server role = active directory domain controller

	# Only this loopback address: ports 389/636/3268/3269 are ours there.
	# (The /8 lets Samba use an address that no interface lists by itself.)
	interfaces = $addr/8
	bind interfaces only = yes
	server services = ldap
	# simple binds over plain LDAP too (then Samba also accepts unicodePwd
	# writes there, unlike Windows AD: keep passwords on LDAPS yourself)
	ldap server require strong auth = no
	# A changed or reset password ends the old one at once (Samba's default
	# keeps accepting the previous one for 60 minutes, as Windows does for
	# NTLM logons; see docs/samba-ad-notes.md)
	old password allowed period = 0
	tls enabled = yes
	tls keyfile = $t/private/tls/key.pem
	tls certfile = $t/private/tls/cert.pem
	tls cafile = $t/private/tls/ca.pem
	$schema_line

	# Everything under this directory: nothing in /etc, /var or /run.
	private dir = $t/private
	state directory = $t/state
	cache directory = $t/cache
	lock directory = $t/lock
	pid directory = $t/pid
	ncalrpc dir = $t/lock/ncalrpc
	binddns dir = $t/binddns
	winbindd socket directory = $t/lock/winbindd
	ntp signd socket directory = $t/lock/ntp_signd
	usershare path = $t/state/usershares
	smb passwd file = $t/private/smbpasswd
	log file = $t/log/log.samba
	log level = $LOG_LEVEL
	max log size = 0
	dns update command = /bin/true
	spn update command = /bin/true
	samba kcc command = /bin/true

[sysvol]
	path = $t/state/sysvol
	read only = no

[netlogon]
	path = $t/state/sysvol/$DNS_DOMAIN/scripts
	read only = no
EOF
  mv -f "$conf.tmp" "$conf"
}

make_tls() { # address -> CA and server certificate in DIR/private/tls
  local addr=$1 tls="$DIR/private/tls"
  rm -rf -- "$tls"
  # EC P-256: generated in milliseconds (Samba's own RSA-4096 takes ~2 s) and
  # with an IP subjectAltName, which Samba's autogenerated certificate lacks.
  make_test_ca "$tls" "scimgate test CA $addr"
  issue_test_cert "$tls" server "$HOST_NAME.$DNS_DOMAIN" serverAuth \
    "IP:$addr,DNS:$HOST_NAME.$DNS_DOMAIN,DNS:$HOST_NAME"
  mv -f "$tls/server.pem" "$tls/cert.pem"
  mv -f "$tls/server-key.pem" "$tls/key.pem"
}

provision_into() { # target_dir admin_password -> a provisioned domain in target_dir
  local t=$1 pw=$2
  # The address only matters to the server; provisioning writes it nowhere.
  write_smb_conf "$t" 127.0.0.2
  if ! "$SAMBA_TOOL" domain provision -s "$t/smb.conf" \
      --realm="$REALM" --domain="$NETBIOS_DOMAIN" --server-role=dc \
      --dns-backend=NONE --host-name="$HOST_NAME" --adminpass="$pw" \
      </dev/null >"$t/log/provision.log" 2>&1; then
    tail -n 20 "$t/log/provision.log" >&2
    note "samba-tool domain provision failed (log: $t/log/provision.log)"
    return 1
  fi
}

schema_server() ( # target_dir admin_password -> the LDIF target_dir/scimgate-ad.ldif loaded by a samba of its own
  # The server functions work on DIR; the parentheses make this function a subshell, so DIR
  # changes only here and die leaves only this function.
  DIR=$1 SCHEMA_UPDATES=1
  start_on_some_address ""
  if ! ldaps_modify "$ROOT_DN" "$2" "$DIR/scimgate-ad.ldif" schema.out; then
    tail -n 20 "$DIR/log/schema.out" >&2
    stop_dir "$DIR"
    exit 1
  fi
  stop_dir "$DIR"
)

load_schema_into() { # target_dir admin_password -> the scimgate schema extension in target_dir's domain
  # With "dsdb:schema update allowed = yes" just for this: tools/ad-schema.sh's LDIF goes in
  # over LDAPS as Administrator (Schema Admins), as an operator loads it into a real AD.  The
  # schema objects are then part of the database (and of a template made from it).
  local t=$1 pw=$2 t0
  t0=$(now)
  "$AD_SCHEMA" "$SUFFIX" >"$t/scimgate-ad.ldif" || { note "tools/ad-schema.sh failed"; return 1; }
  if ! schema_server "$t" "$pw"; then
    note "loading the scimgate schema failed (LDIF: $t/scimgate-ad.ldif, log: $t/log/schema.out)"
    return 1
  fi
  # Keep that samba's log apart (start_on_some_address reads log.samba for "address taken").
  [[ ! -e "$t/log/log.samba" ]] || mv -f -- "$t/log/log.samba" "$t/log/schema.log.samba"
  rm -rf -- "$t/private/tls"
  note "scimgate schema extension loaded in $(elapsed "$t0") s (start, load, stop)"
}

ensure_template() { # T -> a provisioned template in T (made now if missing or stale)
  local t=$1 version tmp
  version=$(template_stamp)
  if [[ -r "$t/$TEMPLATE_MARKER" && -r "$t/admin-password" && -d "$t/private/sam.ldb.d" ]]; then
    [[ "$(head -n 1 "$t/$TEMPLATE_MARKER")" == "$version" ]] && return 0
    note "template $t was made with another Samba version or scimgate schema: making it again"
  elif [[ -e "$t" && -n "$(ls -A -- "$t" 2>/dev/null)" ]]; then
    die "template $t exists but is no samba-ad-env template (no $TEMPLATE_MARKER): refusing to use or replace it"
  fi
  mkdir -p -- "$(dirname -- "$t")"
  tmp=$(mktemp -d "$t.tmp.XXXXXX")
  local pw t0
  pw=$(random_password)
  t0=$(now)
  if ! provision_into "$tmp" "$pw" || ! load_schema_into "$tmp" "$pw"; then
    rm -rf -- "$tmp"
    die "could not provision the template $t"
  fi
  (umask 077; printf '%s\n' "$pw" >"$tmp/admin-password")
  printf '%s\n' "$version" >"$tmp/$TEMPLATE_MARKER"
  note "template provisioned in $(elapsed "$t0") s: $t"
  # Atomic publish: rename(2) onto a missing or empty T.  If another start
  # published T meanwhile, use that one and drop ours.
  if [[ -r "$t/$TEMPLATE_MARKER" && "$(head -n 1 "$t/$TEMPLATE_MARKER")" == "$version" ]]; then
    rm -rf -- "$tmp"           # another start made it meanwhile
    return 0
  fi
  if [[ -r "$t/$TEMPLATE_MARKER" ]]; then
    # stale version: move the old one aside first
    local old
    old=$(mktemp -d "$t.old.XXXXXX")
    mv -T -- "$t" "$old/t" 2>/dev/null || true
    rm -rf -- "$old"
  fi
  if ! mv -T -- "$tmp" "$t" 2>/dev/null; then
    rm -rf -- "$tmp"
    [[ -r "$t/$TEMPLATE_MARKER" ]] || die "could not publish the template $t"
  fi
}

# --------------------------------------------------------------------------
# server
# --------------------------------------------------------------------------

ldap_answers() { # -> 0 if OUR samba answers: LDAPS with DIR's own CA, then plain LDAP
  # (the certificate is made per DIR, so another server on the address fails)
  local args
  mapfile -t args < <(ldaps_env)
  (cd "$DIR" && env "${args[@]}" "$LDAPSEARCH" -x -H "ldaps://$ADDRESS:$LDAPS_PORT" \
    -o nettimeout=2 -l 2 -b "" -s base -LLL namingContexts) >/dev/null 2>&1 || return 1
  "$LDAPSEARCH" -x -H "ldap://$ADDRESS:$PORT" -o nettimeout=2 -l 2 \
    -b "" -s base -LLL namingContexts >/dev/null 2>&1
}

launch_samba() { # -> 0 and PID set when samba runs and LDAP answers on $ADDRESS
  local bg i
  rm -f "$DIR/pid/samba.pid"
  printf '=== %s: samba -F -M %s on %s\n' "$(date '+%F %T')" "$MODEL" "$ADDRESS" >>"$DIR/log/samba.out"
  # Foreground mode in the background, in its own session (and process group,
  # which its children share), started in DIR (is_our_samba looks at the cwd).
  # -l: without it samba opens /var/log/samba/log.samba before it reads
  # "log file" from smb.conf.
  (cd "$DIR" && exec setsid "$SAMBA" -F -M "$MODEL" -s "$DIR/smb.conf" -l "$DIR/log" \
      </dev/null >>"$DIR/log/samba.out" 2>&1) &
  bg=$!
  PID=""
  for ((i = 0; i < 600; i++)); do                     # 30 s
    if ! proc_alive "$bg"; then
      wait "$bg" 2>/dev/null || true
      return 1                                        # e.g. the address was taken
    fi
    # (the pid file only: DIR/env may still name the previous process)
    [[ -z "$PID" && -r "$DIR/pid/samba.pid" ]] && { read -r PID <"$DIR/pid/samba.pid" || PID=""; }
    [[ "$PID" =~ ^[0-9]+$ ]] || PID=""
    if [[ -n "$PID" ]] && ldap_answers; then
      # setsid execs in place (no fork) when it is not a group leader: bg is samba
      [[ "$PID" == "$bg" ]] || note "samba pid $PID, started as $bg"
      return 0
    fi
    sleep 0.05
  done
  note "samba did not answer on ldap://$ADDRESS:$PORT within 30 s"
  kill -TERM "$bg" 2>/dev/null || true
  sleep 1
  kill -KILL "$bg" 2>/dev/null || true
  wait "$bg" 2>/dev/null || true
  return 1
}

start_on_some_address() { # requested_address -> ADDRESS, PID set (smb.conf and TLS per address)
  local req=$1 n candidates=()
  if [[ -n "$req" ]]; then
    candidates=("$req")
  else
    for ((n = 2; n <= 254; n++)); do candidates+=("127.0.0.$n"); done
  fi
  local tried=0 a
  for a in "${candidates[@]}"; do
    if ! address_free "$a"; then
      [[ -z "$req" ]] && continue
      die "$req is taken (something answers on its LDAP ports)"
    fi
    ((tried < 10)) || break
    tried=$((tried + 1))
    ADDRESS=$a
    write_smb_conf "$DIR" "$ADDRESS"
    make_tls "$ADDRESS"
    launch_samba && return 0
    # Taken by a server that started meanwhile, or a real failure: the log says.
    if ! grep -q 'ADDRESS_ALREADY_ASSOCIATED\|Address already in use' "$DIR/log/log.samba" 2>/dev/null; then
      break
    fi
    note "$ADDRESS is taken, trying the next address"
    : >"$DIR/log/log.samba"
  done
  [[ -s "$DIR/log/log.samba" ]] && tail -n 20 "$DIR/log/log.samba" >&2
  [[ -s "$DIR/log/samba.out" ]] && tail -n 5 "$DIR/log/samba.out" >&2
  if [[ -n "$req" ]]; then
    address_free "$req" || die "$req is taken (something answers on its LDAP ports)"
    die "samba failed to start on $req (log: $DIR/log/log.samba; SAMBA_AD_ENV_DEBUG=3 for more)"
  fi
  die "samba failed to start (log: $DIR/log/log.samba; SAMBA_AD_ENV_DEBUG=3 for more)"
}

# --------------------------------------------------------------------------
# base tree
# --------------------------------------------------------------------------

write_base_ldif() { # -> DIR/base.ldif: ldapmodify changes (it holds the encoded passwords: 0600)
  local ldif="$DIR/base.ldif" ou role
  (umask 077; : >"$ldif")
  {
    cat <<EOF
# Test DC: a user may change their password again at once, and passwords do
# not expire (templates live long).  Complexity, length 7 and history 24 stay.
dn: $SUFFIX
changetype: modify
replace: minPwdAge
minPwdAge: 0
-
replace: maxPwdAge
maxPwdAge: -9223372036854775808
-

EOF
    for ou in people groups roles queues accounts; do
      printf 'dn: OU=%s,%s\nchangetype: add\nobjectClass: organizationalUnit\nou: %s\n\n' "$ou" "$SUFFIX" "$ou"
    done
    # 66048 = NORMAL_ACCOUNT (512) | DONT_EXPIRE_PASSWORD (65536)
    cat <<EOF
dn: $BIND_DN
changetype: add
objectClass: user
cn: scimgate
sAMAccountName: scimgate
userPrincipalName: scimgate@$DNS_DOMAIN
description: scimgate gateway service account (Domain Admins: test DC only)
userAccountControl: 66048
unicodePwd:: $(unicode_pwd_b64 "$BIND_PW")

dn: CN=Domain Admins,CN=Users,$SUFFIX
changetype: modify
add: member
member: $BIND_DN
-

EOF
    if ((!EMPTY)); then
      # The gateway maps userName to userPrincipalName verbatim on AD: the UPN is the name the
      # demo administrator signs in with, "demo-admin" (Samba accepts a UPN without '@').
      cat <<EOF
dn: CN=demo-admin,OU=people,$SUFFIX
changetype: add
objectClass: user
objectClass: scimgateUser
cn: demo-admin
sAMAccountName: demo-admin
userPrincipalName: demo-admin
givenName: Demo
sn: Admin
displayName: Demo Admin
mail: demo-admin@example.com
scimgateStatus: active
scimgateExternalId: demo-admin
userAccountControl: 512
unicodePwd:: $(unicode_pwd_b64 "$DEMO_PW")

EOF
    fi
    # -2147483646 = global (2) | security (0x80000000)
    for role in Administrator Manager Agent Viewer; do
      printf 'dn: CN=%s,OU=roles,%s\nchangetype: add\nobjectClass: group\nobjectClass: scimgateGroup\ncn: %s\nsAMAccountName: role-%s\ngroupType: -2147483646\nscimgateGroupKind: role\ndescription: scimgate role\n' \
        "$role" "$SUFFIX" "$role" "$role"
      if [[ "$role" == Administrator ]] && ((!EMPTY)); then
        printf 'member: CN=demo-admin,OU=people,%s\n' "$SUFFIX"
      fi
      printf '\n'
    done
    if [[ -n "${NEW_ROOT_PW:-}" ]]; then
      # Template copy: Administrator gets a password of its own (last change:
      # this connection is bound as Administrator).
      cat <<EOF
dn: $ROOT_DN
changetype: modify
replace: unicodePwd
unicodePwd:: $(unicode_pwd_b64 "$NEW_ROOT_PW")
-

EOF
    fi
  } >"$ldif"
}

write_env() {
  {
    cat <<EOF
SLAPD_URL=ldap://$ADDRESS:$PORT
SLAPD_LDAPS_URL=ldaps://$ADDRESS:$LDAPS_PORT
SLAPD_TLS_CA=$(shell_quote "$DIR/private/tls/ca.pem")
SLAPD_PORT=$PORT
SLAPD_SUFFIX=$(shell_quote "$SUFFIX")
SLAPD_BIND_DN=$(shell_quote "$BIND_DN")
SLAPD_BIND_PASSWORD=$BIND_PW
SLAPD_ROOT_DN=$(shell_quote "$ROOT_DN")
SLAPD_ROOT_PASSWORD=$ROOT_PW
SLAPD_PID=$PID
SLAPD_DIR=$(shell_quote "$DIR")
SLAPD_PROFILE=activedirectory
SLAPD_ADDRESS=$ADDRESS
EOF
    if [[ -n "${DEMO_PW:-}" ]]; then printf 'SLAPD_DEMO_ADMIN_PASSWORD=%s\n' "$DEMO_PW"; fi
  } | write_env_file "$DIR/env"
}

# --------------------------------------------------------------------------
# commands
# --------------------------------------------------------------------------

cmd_start() {
  local dir_arg="" template="" req_addr=""
  EMPTY=0
  while (($#)); do
    case $1 in
      --empty) EMPTY=1; shift ;;
      --shared-mail) shift ;;   # AD never makes mail unique: nothing to switch off
      --template) (($# >= 2)) || usage; template=$2; shift 2 ;;
      --template=*) template=${1#*=}; shift ;;
      --address) (($# >= 2)) || usage; req_addr=$2; shift 2 ;;
      --address=*) req_addr=${1#*=}; shift ;;
      -h|--help) usage ;;
      -*) die "unknown option: $1" ;;
      *) [[ -z "$dir_arg" ]] || usage; dir_arg=$1; shift ;;
    esac
  done
  [[ -n "$dir_arg" ]] || usage
  if [[ -n "$req_addr" ]]; then
    if ! [[ "$req_addr" =~ ^127\.0\.0\.([0-9]{1,3})$ ]] || ((BASH_REMATCH[1] < 2 || BASH_REMATCH[1] > 254)); then
      die "invalid --address $req_addr: expected 127.0.0.2 .. 127.0.0.254"
    fi
  fi
  case $MODEL in single|prefork|standard) ;; *) die "invalid SAMBA_AD_ENV_MODEL: $MODEL" ;; esac
  [[ "$LOG_LEVEL" =~ ^[0-9]{1,2}$ ]] || die "invalid SAMBA_AD_ENV_DEBUG: $LOG_LEVEL"

  require_tools
  DIR=$(abs_dir "$dir_arg")
  [[ -z "$template" ]] || template=$(abs_dir "$template")
  if [[ -n "$template" ]]; then
    [[ "$template" != "$DIR" && "$template" != "$DIR"/* && "$DIR" != "$template"/* ]] \
      || die "--template must be outside DIR (and DIR outside it)"
  fi

  make_fresh_dir "$DIR"
  mkdir -p "$DIR"/{private,state,cache,lock,pid,log,binddns}

  local t0 t_prov t_up
  t0=$(now)
  BIND_PW=$(random_password)
  DEMO_PW=""
  ((EMPTY)) || DEMO_PW=$(random_password)
  NEW_ROOT_PW=""
  local login_pw
  if [[ -n "$template" ]]; then
    ensure_template "$template"
    cp -a --reflink=auto -- "$template/private" "$template/state" "$DIR/"
    read -r login_pw <"$template/admin-password"
    NEW_ROOT_PW=$(random_password)
    ROOT_PW=$NEW_ROOT_PW
  else
    ROOT_PW=$(random_password)
    login_pw=$ROOT_PW
    provision_into "$DIR" "$ROOT_PW" || die "could not provision a domain in $DIR"
    load_schema_into "$DIR" "$ROOT_PW" || die "could not load the scimgate schema into $DIR"
  fi
  t_prov=$(elapsed "$t0")

  start_on_some_address "$req_addr"
  t_up=$(elapsed "$t0")

  write_base_ldif
  if ! ldaps_modify "$ROOT_DN" "$login_pw" "$DIR/base.ldif"; then
    tail -n 20 "$DIR/log/base.out" >&2
    stop_dir "$DIR" || true
    die "loading the base tree over ldaps://$ADDRESS:$LDAPS_PORT failed (LDIF: $DIR/base.ldif)"
  fi
  rm -f "$DIR/base.ldif"   # it holds the passwords (encoded); DIR/env has them anyway

  write_env
  local how="provision"
  [[ -z "$template" ]] || how="template copy"
  note "started on $ADDRESS in $(elapsed "$t0") s ($how $t_prov s, LDAP answering at $t_up s)"
  cat "$DIR/env"
}

cmd_stop() {
  parse_stop_args "$@"
  DIR=$(abs_dir "$STOP_DIR_ARG")
  [[ -d "$DIR" ]] || return 0
  stop_and_wipe
}

cmd_restart() { # DIR -> stops and starts the same DC again: same address, same data
  (($# == 1)) || usage
  require_tools
  DIR=$(abs_dir "$1")
  [[ -r "$DIR/env" && -r "$DIR/smb.conf" ]] || die "$DIR/env not found: start the directory first"
  # shellcheck disable=SC1091
  source "$DIR/env"
  ADDRESS=$SLAPD_ADDRESS BIND_PW=$SLAPD_BIND_PASSWORD ROOT_PW=$SLAPD_ROOT_PASSWORD
  DEMO_PW=${SLAPD_DEMO_ADMIN_PASSWORD:-}
  stop_dir "$DIR"
  local i
  for ((i = 0; i < 50; i++)); do
    launch_samba && break
    sleep 0.1  # the old listener may linger for a moment
  done
  if [[ -z "${PID:-}" ]] || ! proc_alive "$PID"; then
    die "samba did not restart on $ADDRESS (log: $DIR/log/log.samba)"
  fi
  write_env
  cat "$DIR/env"
}

cmd_status() {
  (($# == 1)) || usage
  DIR=$(abs_dir "$1")
  report_status samba is_our_samba
}

dispatch "$@"
