#!/usr/bin/env bash
# slapd-env.sh -- start/stop a private, throw-away OpenLDAP slapd for scimgate
# (developer "run" command and the CTest fixture).
#
# Usage:
#   tools/slapd-env.sh start  DIR [--suffix dc=example,dc=com] [--port N]
#                                 [--tls [--tls-verify-client]]
#   tools/slapd-env.sh stop   DIR [--wipe]
#   tools/slapd-env.sh status DIR
#
# start  Creates DIR from scratch (a slapd recorded in an existing DIR is
#        stopped first, then DIR is wiped -- only if DIR is empty or was created
#        by this script), writes DIR/slapd.conf, DIR/base.ldif, loads the base
#        tree into DIR/data with slapadd (before the server starts: fast), then
#        starts slapd listening ONLY on ldap://127.0.0.1:PORT/ (plus an ldapi://
#        socket DIR/ldapi when DIR's path is short and URL-safe).  Without
#        --port a random free port in 20000-60000 is picked (retried up to 20
#        times when the port is taken).  Waits until the root DSE answers, then
#        writes DIR/env (shell-sourceable) and prints the same lines:
#          SLAPD_URL SLAPD_PORT SLAPD_SUFFIX SLAPD_BIND_DN SLAPD_BIND_PASSWORD
#          SLAPD_ROOT_DN SLAPD_ROOT_PASSWORD SLAPD_PID SLAPD_DIR
#        --tls (opt-in; the default stays plain and as fast) also makes, with
#        openssl, in DIR/tls: a test CA (ca.pem), a server certificate signed by
#        it whose names are DNS:localhost and no IP address (so
#        ldaps://127.0.0.1:PORT is a wrong-hostname case; libldap checks
#        "localhost" as the machine's own name, which the certificate also
#        holds: see make_tls), and a client certificate and key signed by the
#        same CA (client.pem, client-key.pem).  slapd then also listens on
#        ldaps://127.0.0.1:LDAPS_PORT/ (a second free port), offers StartTLS
#        on the ldap:// one, and DIR/env gains:
#          SLAPD_LDAPS_URL (ldaps://localhost:LDAPS_PORT) SLAPD_LDAPS_PORT
#          SLAPD_TLS_CA SLAPD_TLS_CLIENT_CERT SLAPD_TLS_CLIENT_KEY
#        --tls-verify-client (with --tls): slapd demands a client certificate
#        signed by the CA in every TLS session (TLSVerifyClient demand, i.e.
#        olcTLSVerifyClient); plain ldap:// without StartTLS is still served.
#        --server-id N --peer URL (issue #19): this slapd is one of two providers
#        in multi-provider replication: serverID N, the syncprov overlay, and a
#        syncrepl consumer (refreshAndPersist, retried every second) of URL,
#        bound as the rootdn.  Start the first with --port P1 --peer
#        ldap://127.0.0.1:P2, then the second with --port P2 --peer
#        ldap://127.0.0.1:P1 --secrets-from DIR1 --no-data: it takes the first's
#        passwords and an empty database, which replication fills (two base
#        trees loaded apart would be two sets of entries with the same names).
#        tools/cluster-env.sh does this.  --sync-interval S (1-59): the syncrepl
#        consumer polls (refreshOnly, every S seconds) instead of staying
#        connected: a replica that lags behind by up to S seconds, on purpose
#        (read-your-writes tests).
# stop   SIGTERM the slapd whose pid is recorded in DIR, wait up to 10 s, then
#        SIGKILL.  Succeeds when nothing is running.  --wipe also deletes DIR.
# status Exit 0 when the slapd recorded in DIR is running, 1 otherwise.
#
# Environment (optional):
#   SLAPD_ENV_DEBUG=LEVEL  e.g. "stats" or "stats,acl": instead of letting slapd
#                          daemonize, run it in the background with -d LEVEL and
#                          its log in DIR/slapd.log (slapd 2.5 writes no log file
#                          when daemonized; it only logs to syslog).
#
# Local admin access (as the user who ran "start"), when the ldapi socket exists:
#   ldapsearch -Y EXTERNAL -H "ldapi://<DIR with / as %2F>%2Fldapi" -b <suffix>
#   (the peer credentials of that user are mapped to the rootdn).
#
# Notes on OpenLDAP 2.5 (verified with 2.5.13):
# - The ppolicy schema (pwdPolicy, pwdAttribute, pwdAccountLockedTime, ...) is
#   built into the ppolicy overlay: do NOT include ppolicy.schema.  The policy
#   entry's structural class is namedPolicy (namedobject.schema), pwdPolicy is
#   auxiliary.
# - memberOf is defined by the memberof overlay itself (operational attribute).
#   slapadd does not run overlays, so base.ldif sets memberOf explicitly.
# - Empty groups: groupOfNames requires at least one member.  The placeholder
#   is the zero-length DN ("member:" with an empty value): the DN syntax
#   allows it, the memberof overlay ignores it (no entry to update), and
#   refint puts it back (refint_nothing "") when a deleted entry was the last
#   member of a group.  Adding the first real member and deleting the
#   placeholder (or the reverse) is one modify with two changes: atomic.
#   Consumers (the gateway) must skip the empty DN when listing members.
# - uid, mail, cn, sn, givenName, displayName have no ORDERING rule in the
#   standard schema: a server-side sort key on them must name one explicitly
#   (e.g. "uid:caseIgnoreOrderingMatch", also fine for mail), otherwise slapd
#   answers inappropriateMatching (18).  scimgate* attributes have one.
set -euo pipefail

PROG=${0##*/}
SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO_DIR=$(cd -- "$SCRIPT_DIR/.." && pwd -P)
SCIMGATE_SCHEMA="$REPO_DIR/ldap/schema/scimgate.schema"
MARKER=".scimgate-slapd-env"
TOOL_DIRS=(/usr/sbin /usr/local/sbin /sbin /usr/local/libexec /usr/libexec)
# shellcheck source-path=SCRIPTDIR source=lib/env-common.sh
. "$SCRIPT_DIR/lib/env-common.sh"

SYSTEM_SCHEMA_DIR=${SLAPD_ENV_SCHEMA_DIR:-/etc/ldap/schema}
MODULE_DIR=${SLAPD_ENV_MODULE_DIR:-/usr/lib/ldap}
DEBUG_LEVEL=${SLAPD_ENV_DEBUG:-}

# Never let the user's ldap.conf / ~/.ldaprc / LDAP* variables change our client calls.
export LDAPNOINIT=1

usage() {
  cat >&2 <<EOF
usage: $PROG start  DIR [--suffix dc=example,dc=com] [--port N] [--empty] [--shared-mail]
                         [--tls [--tls-verify-client]]
                         [--server-id N --peer URL [--secrets-from DIR --no-data]
                          [--sync-interval S]]
         (--empty: no demo administrator, ou=people starts empty;
          --shared-mail: mail is not unique, only uid is, for IdPs whose users share a mailbox;
          --tls: a test CA, ldaps:// on a second port and StartTLS (see the script's header);
          --tls-verify-client: slapd demands a client certificate signed by that CA;
          --server-id N --peer URL: one of two providers in multi-provider replication
            (syncprov + syncrepl from URL, refreshAndPersist, bound as the rootdn);
          --secrets-from DIR: the bind and root passwords of the slapd in DIR (its peer);
          --no-data: load nothing: the database fills from the peer;
          --sync-interval S: poll the peer every S seconds (refreshOnly), a replica that lags)
       $PROG stop   DIR [--wipe]
       $PROG status DIR
       $PROG restart DIR   (same port and data; for reconnect tests)
EOF
  exit 2
}

# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

require_tools() {
  local t missing=()
  for t in slapd slapadd slappasswd ldapsearch; do
    find_tool "$t" >/dev/null || missing+=("$t")
  done
  if ((${TLS:-0})) && ! find_tool openssl >/dev/null; then
    die "openssl not found (needed by --tls): install the Debian package openssl"
  fi
  if ((${#missing[@]})); then
    die "${missing[0]} not found: install the Debian packages slapd and ldap-utils (missing: ${missing[*]})"
  fi
  SLAPD=$(find_tool slapd)
  SLAPADD=$(find_tool slapadd)
  SLAPPASSWD=$(find_tool slappasswd)
  LDAPSEARCH=$(find_tool ldapsearch)
  if ((${TLS:-0})); then OPENSSL=$(find_tool openssl); fi
}

abs_dir() { # DIR -> absolute, normalised path (DIR need not exist; lexical without realpath -m)
  local d=$1
  [[ -n "$d" ]] || die "empty DIR"
  if realpath -m / >/dev/null 2>&1; then
    realpath -m -- "$d"       # resolves symlinks too: one spelling per directory
    return 0
  fi
  [[ "$d" == /* ]] || d="$PWD/$d"
  # lexical normalisation: collapse //, /./, /../ and trailing /
  local part parts out=() res=""
  IFS=/ read -r -a parts <<<"$d"
  for part in "${parts[@]}"; do
    case $part in
      ''|.) ;;
      ..) if ((${#out[@]})); then unset 'out[${#out[@]}-1]'; fi ;;
      *) out+=("$part") ;;
    esac
  done
  for part in "${out[@]}"; do res+="/$part"; done
  printf '%s\n' "${res:-/}"
}

hash_secret() { # secret -> {SSHA} hash (secret passed via a 0600 file, not argv)
  local secret=$1 tmp h
  tmp=$(umask 077; mktemp "$DIR/.secret.XXXXXX")
  printf '%s' "$secret" >"$tmp"
  h=$("$SLAPPASSWD" -h '{SSHA}' -T "$tmp") || { rm -f "$tmp"; die "slappasswd failed"; }
  rm -f "$tmp"
  printf '%s\n' "$h"
}

recorded_pid() { # DIR -> pid from DIR/slapd.pid (or DIR/env), empty if none
  pid_from_files "$1/slapd.pid" "$1/env"
}

is_our_slapd() { # pid dir -> 0 if pid is alive, is a slapd, and uses DIR's config
  local pid=$1 dir=$2 comm cmdline
  [[ -n "$pid" ]] || return 1
  proc_alive "$pid" || return 1
  if [[ -r "/proc/$pid/comm" ]]; then
    read -r comm <"/proc/$pid/comm" || return 1
    [[ "$comm" == slapd* ]] || return 1
    cmdline=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null || true)
    grep -qxF -- "$dir/slapd.conf" <<<"$cmdline" || return 1
  fi
  return 0
}

stop_dir() { # dir -> stops the recorded slapd, if any
  local dir=$1 pid
  pid=$(recorded_pid "$dir")
  if ! is_our_slapd "$pid" "$dir"; then
    rm -f "$dir/slapd.pid"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  kill_after_term "$pid" slapd 10
  rm -f "$dir/slapd.pid"
  return 0
}

wait_for_pidfile() { # -> sets PID from DIR/slapd.pid; 1 if it does not appear in 10 s
  local i
  PID=""
  for ((i = 0; i < 200; i++)); do
    PID=$(recorded_pid "$DIR")
    [[ -n "$PID" ]] && return 0
    [[ -n "${1:-}" ]] && ! proc_alive "$1" && return 1
    sleep 0.05
  done
  return 1
}

launch_slapd() { # urls -> 0 and PID set when slapd is up and listening
  local urls=$1 bg
  rm -f "$DIR/slapd.pid" "$DIR/ldapi"
  if [[ -z "$DEBUG_LEVEL" ]]; then
    # slapd daemonizes; in 2.5 the parent exits only once the child has
    # initialised, with its status (non-zero e.g. when the port is taken).
    "$SLAPD" -h "$urls" -f "$DIR/slapd.conf" </dev/null >/dev/null 2>>"$DIR/slapd.log" || return 1
    wait_for_pidfile || return 1
    return 0
  fi
  # Debug mode: slapd -d never daemonizes, so run it in the background in its
  # own session, with its log in DIR/slapd.log.  The listeners are opened
  # before the pid file is written: a pid file means the port was free.
  printf '=== %s: slapd -d %s -h %s\n' "$(date '+%F %T')" "$DEBUG_LEVEL" "$urls" >>"$DIR/slapd.log"
  if command -v setsid >/dev/null 2>&1; then
    setsid "$SLAPD" -d "$DEBUG_LEVEL" -h "$urls" -f "$DIR/slapd.conf" </dev/null >>"$DIR/slapd.log" 2>&1 &
  else
    nohup "$SLAPD" -d "$DEBUG_LEVEL" -h "$urls" -f "$DIR/slapd.conf" </dev/null >>"$DIR/slapd.log" 2>&1 &
  fi
  bg=$!
  if wait_for_pidfile "$bg"; then
    return 0
  fi
  kill -TERM "$bg" 2>/dev/null || true
  wait "$bg" 2>/dev/null || true
  return 1
}

ldapi_url() { # dir -> ldapi URL for DIR/ldapi, empty if unusable
  local dir=$1 sock="$1/ldapi"
  # sun_path is 108 bytes; keep to URL-safe characters so %2F encoding is enough.
  ((${#sock} < 100)) || return 0
  [[ "$sock" =~ ^[A-Za-z0-9._/-]+$ ]] || return 0
  printf 'ldapi://%s\n' "${sock//\//%2F}"
}

local_names() { # -> "DNS:localhost" and the DNS: names libldap checks for it (see make_tls)
  local names="DNS:localhost" name canonical
  name=$(hostname 2>/dev/null || true)
  canonical=$(getent hosts "$name" 2>/dev/null | awk '{ print $2; exit }' || true)
  for name in "$name" "$canonical"; do
    [[ "$name" =~ ^[A-Za-z0-9.-]+$ && ! "$name" =~ ^[0-9.]+$ && ",$names," != *",DNS:$name,"* ]] \
      && names+=",DNS:$name"
  done
  printf '%s\n' "$names"
}

make_tls() { # -> test CA, server certificate (host names, no IP), client certificate in DIR/tls
  local tls="$DIR/tls"
  # The server certificate names localhost and no IP address: a client reaching
  # it as 127.0.0.1 must refuse it.  libldap checks ldaps://localhost against
  # the machine's own name (its "FQDN": gethostname, then that name's canonical
  # name; tls_g.c, tlsg_session_chkname), not "localhost": those names are in
  # the certificate too, or no client could reach this slapd by name at all.
  make_test_ca "$tls" "scimgate test CA for slapd"
  issue_test_cert "$tls" server localhost serverAuth "$(local_names)"
  mv -f "$tls/server.pem" "$tls/cert.pem"
  mv -f "$tls/server-key.pem" "$tls/key.pem"
  issue_test_cert "$tls" client "scimgate gateway" clientAuth
}

# --------------------------------------------------------------------------
# config generation
# --------------------------------------------------------------------------

write_slapd_conf() {
  local rootpw_hash=$1 conf="$DIR/slapd.conf" peercred_dn
  # a regex: "[+]" because slapd.conf's tokenizer eats a backslash escape
  peercred_dn="^gidNumber=$(id -g)[+]uidNumber=$(id -u),cn=peercred,cn=external,cn=auth\$"
  local mail_unique_uri="unique_uri      \"ldap:///ou=people,$SUFFIX?mail?sub\""
  ((SHARED_MAIL)) && mail_unique_uri="# --shared-mail: mail is not unique"
  local tls_conf=""  # without --tls, slapd.conf is as it always was
  if ((TLS)); then
    tls_conf="

# --tls: ldaps:// and StartTLS with a certificate of the test CA in $DIR/tls.
TLSCACertificateFile    \"$DIR/tls/ca.pem\"
TLSCertificateFile      \"$DIR/tls/cert.pem\"
TLSCertificateKeyFile   \"$DIR/tls/key.pem\""
    ((TLS_VERIFY_CLIENT)) && tls_conf+="
# --tls-verify-client: a TLS client must present a certificate signed by the test CA.
TLSVerifyClient         demand"
  fi
  local replication_global="" replication_db="" sync_type="type=refreshAndPersist"
  if [[ -n "$SYNC_INTERVAL" ]]; then
    sync_type=$(printf 'type=refreshOnly interval=00:00:00:%02d' "$SYNC_INTERVAL")
  fi
  if [[ -n "$SERVER_ID" ]]; then
    replication_global="
moduleload      syncprov

# --server-id: one of the providers of a multi-provider pair.
serverID        $SERVER_ID"
    replication_db="

# --peer: replicate from the other provider, and to it (syncprov below).
syncrepl        rid=$(printf '%03d' "$SERVER_ID")
                provider=$PEER
                bindmethod=simple
                binddn=\"$ROOT_DN\"
                credentials=$ROOT_PW
                searchbase=\"$SUFFIX\"
                $sync_type
                retry=\"1 +\"
                timeout=3
                network-timeout=3
multiprovider   on

overlay syncprov
syncprov-checkpoint     100 1
syncprov-sessionlog     10000"
  fi
  (umask 077; : >"$conf")
  cat >"$conf" <<EOF
# Generated by tools/slapd-env.sh -- private slapd for scimgate development/tests.
# Do not edit: regenerated on every "start".

include         "$SYSTEM_SCHEMA_DIR/core.schema"
include         "$SYSTEM_SCHEMA_DIR/cosine.schema"
include         "$SYSTEM_SCHEMA_DIR/inetorgperson.schema"
# namedPolicy: structural class of the password policy entry (pwdPolicy is auxiliary).
include         "$SYSTEM_SCHEMA_DIR/namedobject.schema"
include         "$SCIMGATE_SCHEMA"
# ppolicy.schema must NOT be included: since OpenLDAP 2.5 the overlay defines it.

modulepath      "$MODULE_DIR"
moduleload      back_mdb
moduleload      memberof
moduleload      refint
moduleload      ppolicy
moduleload      unique
moduleload      sssvlv$replication_global

pidfile         "$DIR/slapd.pid"
argsfile        "$DIR/slapd.args"
# Syslog only (slapd 2.5 has no log file when daemonized); see SLAPD_ENV_DEBUG.
loglevel        none$tls_conf

threads         16
sizelimit       500
timelimit       3600
password-hash   {SSHA}
# Large groups (bench/README.md, "Directory settings for large groups"): with
# 64-bit index hashes, removing one member updates the member index for that
# value only. With the 32-bit default slapd re-indexes every remaining member
# of the group, which made removing one member of a 50,000-member group three
# times as slow as adding one. The hash width is part of the index format:
# changing it on an existing directory needs a reload of the data.
index_hash64    on

# Local admin over ldapi:// (SASL EXTERNAL): the user who started slapd is the rootdn.
authz-regexp    "$peercred_dn" "$ROOT_DN"

# Frontend ACLs (apply to every database, evaluated after the database's own):
# root DSE and subschema readable by anyone (health check, supportedControl discovery).
access to dn.base=""
        by * read
access to dn.base="cn=Subschema"
        by * read

#######################################################################
database        mdb
suffix          "$SUFFIX"
rootdn          "$ROOT_DN"
rootpw          $rootpw_hash
directory       "$DIR/data"
maxsize         1073741824
# Throwaway demo and test directories: no fsync per write (a crash loses the demo, nothing else).
dbnosync
lastmod         on

index   objectClass             eq
index   uid                     eq,sub
index   mail                    eq,sub
index   cn                      eq,sub
index   givenName               eq,sub
index   sn                      eq,sub
index   displayName             eq,sub
index   entryUUID               eq
index   entryCSN                eq
index   member                  eq
index   memberOf                eq
index   scimgateExternalId      eq

# The gateway's service account: no size/time limits.
limits  dn.exact="$BIND_DN" size=unlimited time=unlimited

# ACLs (first match wins).
# userPassword: never readable.  The service account may write it with manage
# privilege (=m makes it a ppolicy password administrator), users may change
# their own, anonymous may only bind (auth).
access to attrs=userPassword
        by dn.exact="$BIND_DN" =mwx
        by self =wx
        by anonymous auth
        by * none
access to dn.subtree="$SUFFIX"
        by dn.exact="$BIND_DN" manage
        by users read
        by anonymous auth
        by * none

# Overlays: the last one declared runs first.$replication_db
overlay memberof
memberof-group-oc       groupOfNames
memberof-member-ad      member
memberof-memberof-ad    memberOf
memberof-dangling       ignore
memberof-refint         TRUE

overlay refint
refint_attributes       member manager
# Placeholder left when the last member of a group is removed (see script header).
refint_nothing          ""

overlay unique
unique_uri      "ldap:///ou=people,$SUFFIX?uid?sub"
$mail_unique_uri

overlay ppolicy
ppolicy_default "cn=default,ou=policies,$SUFFIX"
ppolicy_hash_cleartext

overlay sssvlv
sssvlv-max              32
sssvlv-maxkeys          5
sssvlv-maxperconn       16
EOF
}

write_base_ldif() {
  local bind_pw_hash=$1 ldif="$DIR/base.ldif" dc ou
  dc=${SUFFIX%%,*}; dc=${dc#*=}
  {
    cat <<EOF
dn: $SUFFIX
objectClass: top
objectClass: dcObject
objectClass: organization
dc: $dc
o: scimgate demo

dn: $BIND_DN
objectClass: applicationProcess
objectClass: simpleSecurityObject
cn: scimgate
description: scimgate gateway service account
userPassword: $bind_pw_hash

EOF
    for ou in people groups roles queues accounts policies; do
      printf 'dn: ou=%s,%s\nobjectClass: organizationalUnit\nou: %s\n\n' "$ou" "$SUFFIX" "$ou"
    done
    cat <<EOF
dn: cn=default,ou=policies,$SUFFIX
objectClass: namedPolicy
objectClass: pwdPolicy
cn: default
description: Default password policy (complexity is enforced by the gateway)
pwdAttribute: userPassword
pwdCheckQuality: 0
pwdMinLength: 0
pwdMaxAge: 0
pwdMinAge: 0
pwdInHistory: 0
pwdExpireWarning: 0
pwdGraceAuthNLimit: 0
pwdLockout: TRUE
pwdMaxFailure: 0
pwdLockoutDuration: 0
pwdFailureCountInterval: 0
pwdMustChange: FALSE
pwdAllowUserChange: TRUE
pwdSafeModify: FALSE

EOF
    local empty_roles="Manager Agent Viewer"
    if ((EMPTY)); then
      empty_roles="Administrator $empty_roles"  # --empty: no demo administrator
    else
      cat <<EOF
dn: uid=demo-admin,ou=people,$SUFFIX
objectClass: inetOrgPerson
objectClass: scimgateUser
uid: demo-admin
cn: Demo Admin
givenName: Demo
sn: Admin
displayName: Demo Admin
mail: demo-admin@example.com
scimgateStatus: active
scimgateExternalId: demo-admin
memberOf: cn=Administrator,ou=roles,$SUFFIX

dn: cn=Administrator,ou=roles,$SUFFIX
objectClass: groupOfNames
objectClass: scimgateGroup
cn: Administrator
scimgateGroupKind: role
member: uid=demo-admin,ou=people,$SUFFIX

EOF
    fi
    # Empty roles: zero-length DN placeholder (see the header of this script).
    for role in $empty_roles; do
      printf 'dn: cn=%s,ou=roles,%s\nobjectClass: groupOfNames\nobjectClass: scimgateGroup\ncn: %s\nscimgateGroupKind: role\nmember:\n\n' \
        "$role" "$SUFFIX" "$role"
    done
  } >"$ldif"
}

write_env() {
  write_env_file "$DIR/env" <<EOF
SLAPD_URL=$URL
SLAPD_PORT=$PORT
SLAPD_SUFFIX=$(shell_quote "$SUFFIX")
SLAPD_BIND_DN=$(shell_quote "$BIND_DN")
SLAPD_BIND_PASSWORD=$BIND_PW
SLAPD_ROOT_DN=$(shell_quote "$ROOT_DN")
SLAPD_ROOT_PASSWORD=$ROOT_PW
SLAPD_PID=$PID
SLAPD_DIR=$(shell_quote "$DIR")$(tls_env)
EOF
}

tls_env() { # -> with --tls, its env lines, each after a newline (nothing without --tls)
  ((TLS)) || return 0
  printf '\n%s' "SLAPD_LDAPS_URL=ldaps://localhost:$LDAPS_PORT" "SLAPD_LDAPS_PORT=$LDAPS_PORT" \
    "SLAPD_TLS_CA=$(shell_quote "$DIR/tls/ca.pem")" \
    "SLAPD_TLS_CLIENT_CERT=$(shell_quote "$DIR/tls/client.pem")" \
    "SLAPD_TLS_CLIENT_KEY=$(shell_quote "$DIR/tls/client-key.pem")"
}

listen_urls() { # -> what slapd listens on: $URL, ldaps:// with --tls, the ldapi socket
  local ldapi
  ldapi=$(ldapi_url "$DIR")
  printf '%s/%s%s\n' "$URL" "${LDAPS_PORT:+ ldaps://127.0.0.1:$LDAPS_PORT/}" "${ldapi:+ $ldapi}"
}

# --------------------------------------------------------------------------
# commands
# --------------------------------------------------------------------------

cmd_start() {
  local dir_arg="" req_port=""
  EMPTY=0
  SHARED_MAIL=0
  TLS=0
  TLS_VERIFY_CLIENT=0
  LDAPS_PORT=""
  SUFFIX="dc=example,dc=com"
  SERVER_ID=""
  PEER=""
  SYNC_INTERVAL=""
  local secrets_from="" no_data=0
  while (($#)); do
    case $1 in
      --suffix) (($# >= 2)) || usage; SUFFIX=$2; shift 2 ;;
      --suffix=*) SUFFIX=${1#*=}; shift ;;
      --port) (($# >= 2)) || usage; req_port=$2; shift 2 ;;
      --empty) EMPTY=1; shift ;;
      --shared-mail) SHARED_MAIL=1; shift ;;
      --tls) TLS=1; shift ;;
      --tls-verify-client) TLS_VERIFY_CLIENT=1; shift ;;
      --server-id) (($# >= 2)) || usage; SERVER_ID=$2; shift 2 ;;
      --peer) (($# >= 2)) || usage; PEER=$2; shift 2 ;;
      --secrets-from) (($# >= 2)) || usage; secrets_from=$2; shift 2 ;;
      --no-data) no_data=1; shift ;;
      --sync-interval) (($# >= 2)) || usage; SYNC_INTERVAL=$2; shift 2 ;;
      --port=*) req_port=${1#*=}; shift ;;
      -h|--help) usage ;;
      -*) die "unknown option: $1" ;;
      *) [[ -z "$dir_arg" ]] || usage; dir_arg=$1; shift ;;
    esac
  done
  [[ -n "$dir_arg" ]] || usage
  ((TLS || !TLS_VERIFY_CLIENT)) || die "--tls-verify-client needs --tls"
  [[ -z "$req_port" ]] || req_port=$(check_port_arg "$req_port")
  if [[ -n "$SERVER_ID$PEER" ]]; then
    [[ "$SERVER_ID" =~ ^[1-9][0-9]{0,2}$ ]] || die "--server-id: a number from 1 to 999"
    [[ "$PEER" =~ ^ldaps?://[A-Za-z0-9.:-]+/?$ ]] || die "--peer: an ldap:// URL, e.g. ldap://127.0.0.1:3890"
    [[ -n "$req_port" ]] || die "--server-id needs --port (the peer's --peer names it)"
  fi
  ((!no_data)) || [[ -n "$SERVER_ID" ]] || die "--no-data needs --server-id and --peer"
  if [[ -n "$SYNC_INTERVAL" ]]; then
    [[ -n "$SERVER_ID" ]] || die "--sync-interval needs --server-id and --peer"
    [[ "$SYNC_INTERVAL" =~ ^([1-9]|[1-5][0-9])$ ]] || die "--sync-interval: seconds, 1 to 59"
  fi
  if [[ -n "$secrets_from" ]]; then
    [[ -r "$secrets_from/env" ]] || die "--secrets-from: $secrets_from/env not found"
  fi
  [[ "$SUFFIX" =~ ^[Dd][Cc]=[A-Za-z0-9-]+(,[A-Za-z]+=[A-Za-z0-9-]+)*$ ]] \
    || die "invalid --suffix '$SUFFIX': expected e.g. dc=example,dc=com (first RDN must be dc=...)"

  require_tools
  [[ -r "$SCIMGATE_SCHEMA" ]] || die "schema not found: $SCIMGATE_SCHEMA"
  [[ -r "$SYSTEM_SCHEMA_DIR/core.schema" ]] || die "OpenLDAP schemas not found in $SYSTEM_SCHEMA_DIR (install slapd)"
  [[ -e "$MODULE_DIR/back_mdb.la" || -e "$MODULE_DIR/back_mdb.so" ]] \
    || die "OpenLDAP modules not found in $MODULE_DIR (install slapd)"

  DIR=$(abs_dir "$dir_arg")
  BIND_DN="cn=scimgate,$SUFFIX"
  ROOT_DN="cn=admin,$SUFFIX"

  make_fresh_dir "$DIR" data
  if ((TLS)); then make_tls; fi

  BIND_PW=$(random_secret)
  ROOT_PW=$(random_secret)
  if [[ -n "$secrets_from" ]]; then
    BIND_PW=$(sed -n 's/^SLAPD_BIND_PASSWORD=//p' "$secrets_from/env")
    ROOT_PW=$(sed -n 's/^SLAPD_ROOT_PASSWORD=//p' "$secrets_from/env")
    [[ -n "$BIND_PW" && -n "$ROOT_PW" ]] || die "--secrets-from: no passwords in $secrets_from/env"
  fi
  local bind_hash root_hash
  bind_hash=$(hash_secret "$BIND_PW")
  root_hash=$(hash_secret "$ROOT_PW")

  write_slapd_conf "$root_hash"
  write_base_ldif "$bind_hash"

  # Load the base tree before starting (no overlays run: memberOf is in the LDIF); with
  # --no-data, only the suffix's database is made, empty, for replication to fill.
  local out
  if ((no_data)); then
    : >"$DIR/base.ldif"
  elif ! out=$("$SLAPADD" -q -f "$DIR/slapd.conf" -l "$DIR/base.ldif" 2>&1); then
    printf '%s\n' "$out" >&2
    die "slapadd failed (config: $DIR/slapd.conf, data: $DIR/base.ldif)"
  fi

  # Start, picking a random free port unless one was requested.  slapadd has
  # already validated the configuration, so a failing start is almost always a
  # port that is taken: retry with another random port.
  local attempt max_attempts=20 started=0 ldap_port
  [[ -n "$req_port" ]] && max_attempts=1
  for ((attempt = 1; attempt <= max_attempts; attempt++)); do
    pick_port "$req_port" || continue
    URL="ldap://127.0.0.1:$PORT"
    if ((TLS)); then  # ldaps:// on a second random port (--port names the ldap:// one)
      ldap_port=$PORT
      if ! pick_port "" || [[ "$PORT" == "$ldap_port" ]]; then PORT=$ldap_port; continue; fi
      LDAPS_PORT=$PORT
      PORT=$ldap_port
    fi
    if launch_slapd "$(listen_urls)"; then
      started=1
      break
    fi
  done
  if ((!started)); then
    [[ -s "$DIR/slapd.log" ]] && tail -n 20 "$DIR/slapd.log" >&2
    if [[ -n "$req_port" ]]; then
      port_in_use "$req_port" && die "port $req_port is already in use on 127.0.0.1"
      die "slapd failed to start on port $req_port (run with SLAPD_ENV_DEBUG=stats for a log in $DIR/slapd.log)"
    fi
    die "slapd failed to start after $max_attempts attempts on random ports (run with SLAPD_ENV_DEBUG=stats for a log in $DIR/slapd.log)"
  fi

  # Wait for the root DSE to answer (10 s).
  local i ok=0
  for ((i = 0; i < 200; i++)); do
    if "$LDAPSEARCH" -x -H "$URL" -o nettimeout=2 -l 2 \
        -b "" -s base -LLL namingContexts >/dev/null 2>&1; then
      ok=1
      break
    fi
    proc_alive "$PID" || break
    sleep 0.05
  done
  if ((!ok)); then
    [[ -s "$DIR/slapd.log" ]] && tail -n 20 "$DIR/slapd.log" >&2
    stop_dir "$DIR" || true
    die "slapd on $URL did not answer a root DSE search within 10 s"
  fi

  write_env
  cat "$DIR/env"
}

cmd_stop() {
  parse_stop_args "$@"
  DIR=$(abs_dir "$STOP_DIR_ARG")
  [[ -d "$DIR" ]] || return 0
  stop_and_wipe
}

cmd_restart() { # DIR -> stops and starts the same server again: same port, same data
  (($# == 1)) || usage
  require_tools
  DIR=$(abs_dir "$1")
  [[ -r "$DIR/env" ]] || die "$DIR/env not found: start the directory first"
  # shellcheck disable=SC1091
  source "$DIR/env"
  URL=$SLAPD_URL PORT=$SLAPD_PORT SUFFIX=$SLAPD_SUFFIX BIND_DN=$SLAPD_BIND_DN
  BIND_PW=$SLAPD_BIND_PASSWORD ROOT_DN=$SLAPD_ROOT_DN ROOT_PW=$SLAPD_ROOT_PASSWORD
  LDAPS_PORT=${SLAPD_LDAPS_PORT:-}
  TLS=0
  [[ -z "$LDAPS_PORT" ]] || TLS=1
  stop_dir "$DIR"
  local i
  for ((i = 0; i < 100; i++)); do
    launch_slapd "$(listen_urls)" && break
    sleep 0.1  # the old listener may linger for a moment
  done
  [[ -n "${PID:-}" ]] && proc_alive "$PID" || die "slapd did not restart on $URL"
  for ((i = 0; i < 200; i++)); do
    "$LDAPSEARCH" -x -H "$URL" -o nettimeout=2 -l 2 -b "" -s base -LLL namingContexts \
      >/dev/null 2>&1 && break
    sleep 0.05
  done
  write_env
  cat "$DIR/env"
}

cmd_status() {
  (($# == 1)) || usage
  DIR=$(abs_dir "$1")
  report_status slapd is_our_slapd
}

dispatch "$@"
