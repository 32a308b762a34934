#!/usr/bin/env bash
# 389ds-env.sh -- start/stop a private, throw-away 389 Directory Server for
# scimgate (tests against the 389 profile and the demo).  Same interface and
# DIR/env contract as tools/slapd-env.sh.
#
# Usage:
#   tools/389ds-env.sh start   DIR [--suffix dc=example,dc=com] [--port N] [--empty] [--shared-mail]
#   tools/389ds-env.sh stop    DIR [--wipe]
#   tools/389ds-env.sh status  DIR
#   tools/389ds-env.sh restart DIR   (same port and data)
#   tools/389ds-env.sh replicate DIR1 DIR2   (multi-supplier; see below)
#
# Needs: root, Debian 12 packages 389-ds-base and python3-lib389 (run with
# /usr/bin/python3, not a pyenv python3; DS_ENV_PYTHON overrides), ldap-utils.
#
# start  Creates DIR from scratch (an instance recorded in an existing DIR is
#        stopped and removed first -- only if DIR is empty or was created by
#        this script) and creates a 389 instance named sg-<random> (recorded in
#        DIR/instance) with lib389's installer (what "dscreate from-file" runs;
#        dscreate itself calls systemctl, so it is driven from python with
#        systemd switched off).  Everything lives in DIR (db, logs, run, lock,
#        ldif, bak, tmp, ldapi socket) except what 389 insists on keeping in
#        /etc/dirsrv/slapd-<instance> (dse.ldif, schema/, NSS cert db).
#        The server runs as root, listens ONLY on ldap://127.0.0.1:PORT/
#        (nsslapd-listenhost, set in the dse.ldif template so it holds from the
#        first start) plus the socket DIR/run/ldapi (or
#        /run/scimgate-389ds-<instance>.socket when DIR is too long for a
#        socket path).  Without --port a random free port in 20000-60000 is
#        picked (retried up to 20 times).  Then: the scimgate schema (converted
#        at every start from ldap/schema/scimgate.schema, no second copy) goes
#        to /etc/dirsrv/slapd-<instance>/schema/99scimgate.ldif, cn=config gets
#        the plugins and the password policy below, one restart, the schema is
#        checked in cn=schema, and the base tree is added online with ldapadd
#        (so memberOf and entryusn are set by the plugins).  DIR/env is written
#        (shell-sourceable) and printed:
#          SLAPD_URL SLAPD_PORT SLAPD_SUFFIX SLAPD_BIND_DN SLAPD_BIND_PASSWORD
#          SLAPD_ROOT_DN SLAPD_ROOT_PASSWORD SLAPD_PID SLAPD_DIR SLAPD_PROFILE=389ds
#        SLAPD_ROOT_DN is cn=Directory Manager.
# stop   SIGTERM the ns-slapd whose pid is recorded in DIR/run/pid (only if
#        /proc/PID/comm is ns-slapd and its command line names this instance's
#        config dir), wait up to 20 s, then SIGKILL.  --wipe also deletes
#        /etc/dirsrv/slapd-<instance> (and the other places 389 may write to
#        for an instance: /var/lib/dirsrv, /var/log/dirsrv, /run/lock/dirsrv,
#        /dev/shm, /run, tmpfiles.d and systemd links of that name) and DIR.
#        "start" also removes leftovers of instances sg-* whose DIR is gone
#        (a DIR deleted by hand without "stop --wipe") and that do not run.
# status Exit 0 when the ns-slapd recorded in DIR is running, 1 otherwise.
# replicate DIR1 DIR2 (issue #19): two instances this script started (same suffix) become
#        suppliers of each other (multi-supplier replication): a replication manager
#        (cn=replication manager,cn=config, a random password kept in each DIR/.replpw), a
#        supplier replica of the suffix (replica ids 1 and 2), an agreement each way over plain
#        LDAP on 127.0.0.1; DIR2 is initialised from DIR1 (a total update: DIR1's entries,
#        DIR2's are gone) and its env then names DIR1's service account password. memberOf and
#        entryusn are not replicated: each server's plugins keep their own (entryusn counts per
#        server, so an ETag read on one is not the other's).
#
# Logs: DIR/log/errors and DIR/log/access (buffered), DIR/log/setup.log.
# Local admin access as root: ldapsearch -Y EXTERNAL -H ldapi://<socket, / as %2F>
# (autobind maps root to cn=Directory Manager).
#
# What the instance holds (389-ds-base 2.3.1; the equivalent of slapd-env.sh's
# slapd.conf + base.ldif):
# - Plugins: memberOf (memberOfGroupAttr member, memberOfAttr memberOf,
#   memberOfAutoAddOC nsMemberOf -- 389's inetOrgPerson has no memberOf, so
#   the plugin adds objectClass nsMemberOf to a user who gets one --, scope the
#   suffix, memberOfSkipNested on: direct memberships only, like OpenLDAP's
#   memberof overlay); Referential Integrity for member and manager, update
#   delay 0 (synchronous); USN (entryusn on every entry, changes on every
#   write: meant as the gateway's ETag on 389, but see the caveat below; with
#   USN on a delete leaves a tombstone, invisible to normal searches);
#   Attribute Uniqueness (duplicates: 19 constraintViolation "Another entry
#   with the same attribute value already exists") for uid
#   under ou=people ("attribute uniqueness") and for mail under ou=people
#   ("mail uniqueness", not with --shared-mail).  The "7-bit check" plugin
#   (on by default: refuses non-ASCII uid and mail values) is switched off,
#   as OpenLDAP has no such check.
# - Password policy, global (cn=config): passwordLockout on with
#   passwordMaxFailure 32767 (the largest value 389 accepts; 0 is refused):
#   the 389 equivalent of slapd-env.sh's pwdLockout TRUE + pwdMaxFailure 0,
#   i.e. failed binds are counted (passwordRetryCount, retryCountResetTime)
#   but never lock the account in practice; passwordCheckSyntax off (no
#   length/quality checks, the gateway enforces complexity), no expiry, no
#   history, no minimum age, no must-change, passwordChange on (users may
#   change their own), storage scheme left at the default (PBKDF2-SHA512).
#   passwordAdminDN is the service account: its resets bypass the policy.
#   passwordTrackUpdateTime on (pwdUpdateTime tells the gateway a user has a
#   password) and nsslapd-pwpolicy-local on (fine-grained policies: an entry
#   with pwdpolicysubentry gets the passwordpolicy entry it names).
#   Anonymous access: nsslapd-allow-anonymous-access rootdse (anonymous may
#   bind and read the root DSE, nothing else).
# - Empty groups: 389's groupOfNames has member as MAY, so an empty group has
#   no member attribute at all (no zero-length-DN placeholder as on OpenLDAP);
#   removing the last member leaves the group without member.  (389 would
#   accept an empty "member:" value too: do not write one.)
# - The service account cn=scimgate,<suffix> has nsSizeLimit,
#   nsLookThroughLimit, nsPagedSizeLimit, nsPagedLookThroughLimit -1
#   (unlimited) and nsIdleTimeout 0 (never disconnected for idleness;
#   everyone else has the global nsslapd-idletimeout, 3600 s).
# - ACIs on the suffix entry: the service account may do everything
#   (read/search/compare/write/add/delete) on all attributes including
#   userPassword and the operational ones it needs (targetattr "*" does not
#   cover operational attributes in 389, so they are listed); authenticated
#   users may read/search/compare everything but userPassword and may write
#   their own userPassword; anonymous gets nothing.
# - Indexes added to userRoot: displayName (eq, sub), scimgateExternalId (eq),
#   uid/mail/cn/givenName/sn get sub next to 389's default eq.
# - VLV: 389 answers VLV + server-side sort without a VLV index (it sorts the
#   candidates in memory within the binder's look-through limit, unlimited for
#   the service account); no VLV index is created.  Checked on 2,000 users
#   under ou=people, filter (objectClass=inetOrgPerson), as the service
#   account, sort keys uid mail cn sn givenName displayName createTimestamp
#   modifyTimestamp scimgateExternalId (and reversed): every page answered,
#   sortResult 0, vlvResult 0 with the right position and count, ~0.1-0.25 s
#   a page (the whole candidate list is sorted for each page; the access log
#   says notes=U).  Keys need no explicit ordering rule on 389.
#
# 389 behaviour the gateway must know (verified on this instance, 2.3.1):
# - Binds: wrong password -> 49 invalidCredentials.  nsAccountLock: true ->
#   53 unwillingToPerform "Account inactivated. Contact system administrator."
#   (also with a wrong password; with the password policy request control the
#   response says accountLocked).  Unlock: delete nsAccountLock (or set false).
#   Failed binds write passwordRetryCount (+1) and retryCountResetTime (count
#   forgotten after passwordResetFailureCount, 600 s); the next good bind sets
#   the count back to 0.  Once the count reaches passwordMaxFailure (only
#   with a lower value than the 32767 set here) the entry gets
#   accountUnlockTime (now + passwordLockoutDuration, 3600 s) and every bind,
#   with the right password too, gets 19 constraintViolation "Exceed password
#   retry limit. Please try later." (ppolicy control: accountLocked).  Clear
#   it as the service account: replace passwordRetryCount with 0 and delete
#   accountUnlockTime, or reset userPassword (sets the count to 0; the stale
#   accountUnlockTime is then ignored).
# - Password changes: by modify of userPassword (the password modify
#   extended operation needs TLS: 13 "Operation requires a secure
#   connection").  Cleartext in, the server hashes it.
# - entryusn: changes on every successful write of the entry, and also on
#   failed binds and on the good bind that resets passwordRetryCount.  BUT in
#   2.3.1 the backend's USN counter goes DOWN by one for some failed
#   operations (add of an existing DN 68, modify of a missing entry 32,
#   write refused by ACI 50; not for 19/65), so later writes reuse USNs that
#   were already handed out: an entry's entryusn can repeat or go backwards,
#   and enough failures wrap the counter below zero (seen: 60 failed adds ->
#   18446744073709551602).  Upstream issue 6250 in 389ds/389-ds-base.  An
#   entryusn alone is not a safe ETag.
# - Deletes leave a tombstone (USN plugin): nsuniqueid=...,<old DN>, only
#   found by (objectClass=nsTombstone); the DN and uid can be reused at once.
# - entryUUID is there: the entryuuid plugin is on and indexed, every entry
#   added online gets one.  nsUniqueId and entrydn too.  No entryCSN.
# - memberOf: a user that becomes a member gets objectClass nsMemberOf added
#   (errors log: an ERR "attribute memberOf not allowed" followed by
#   "repair operation succeeded" -- expected).
# - Anonymous search or whoami: 48 inappropriateAuthentication "Anonymous
#   access is not allowed." (root DSE excepted).  No Assertion control
#   (1.3.6.1.1.12); pre/post-read, SSS, VLV, paged results, password policy
#   control (1.3.6.1.4.1.42.2.27.8.5.1) are there.
set -euo pipefail

PROG=${0##*/}
SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO_DIR=$(cd -- "$SCRIPT_DIR/.." && pwd -P)
SCIMGATE_SCHEMA="$REPO_DIR/ldap/schema/scimgate.schema"
MARKER=".scimgate-389ds-env"
ETC_DIRSRV=/etc/dirsrv
INSTANCE_RE='^sg-[a-z0-9]{10}$'
PYTHON=${DS_ENV_PYTHON:-/usr/bin/python3}
NS_SLAPD=/usr/sbin/ns-slapd
# shellcheck source-path=SCRIPTDIR source=lib/env-common.sh
. "$SCRIPT_DIR/lib/env-common.sh"

# Never let the user's ldap.conf / ~/.ldaprc / LDAP* variables change our client calls.
export LDAPNOINIT=1

usage() {
  cat >&2 <<EOF
usage: $PROG start  DIR [--suffix dc=example,dc=com] [--port N] [--empty] [--shared-mail]
         (--empty: no demo administrator, ou=people starts empty;
          --shared-mail: mail is not unique, only uid is, for IdPs whose users share a mailbox)
       $PROG stop   DIR [--wipe]
       $PROG status DIR
       $PROG restart DIR   (same port and data; for reconnect tests)
       $PROG replicate DIR1 DIR2   (two running instances become multi-suppliers of the
                                    suffix; DIR1's data wins; see the script's header)
EOF
  exit 2
}

# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

require_tools() {
  ((EUID == 0)) || die "must run as root (389 Directory Server instances are created as root)"
  [[ -x "$NS_SLAPD" ]] || die "$NS_SLAPD not found: install the Debian package 389-ds-base"
  "$PYTHON" -c 'import lib389.instance.setup' 2>/dev/null \
    || die "$PYTHON cannot import lib389: install the Debian package python3-lib389"
  local t
  for t in ldapsearch ldapmodify; do
    command -v "$t" >/dev/null 2>&1 || die "$t not found: install the Debian package ldap-utils"
  done
}

random_name() { # sg-<10 lower-case alphanumerics>
  local s=""
  while ((${#s} < 10)); do
    s+=$(head -c 64 /dev/urandom | LC_ALL=C tr -dc 'a-z0-9')
  done
  printf 'sg-%s\n' "${s:0:10}"
}

recorded_instance() { # DIR -> instance name from DIR/instance, empty if none/invalid
  local dir=$1 name=""
  if [[ -r "$dir/instance" ]]; then read -r name <"$dir/instance" || true; fi
  [[ "$name" =~ $INSTANCE_RE ]] && printf '%s\n' "$name"
  return 0
}

recorded_pid() { # DIR -> pid from DIR/run/pid (or DIR/env), empty if none
  pid_from_files "$1/run/pid" "$1/env"
}

is_our_slapd() { # pid instance -> 0 if pid is a live ns-slapd started with -D /etc/dirsrv/slapd-<instance>
  local pid=$1 name=$2 comm cmdline
  [[ -n "$pid" && -n "$name" ]] || return 1
  read -r comm 2>/dev/null <"/proc/$pid/comm" || return 1
  [[ "$comm" == ns-slapd ]] || return 1
  proc_alive "$pid" || return 1
  cmdline=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null || true)
  grep -qxF -- "$ETC_DIRSRV/slapd-$name" <<<"$cmdline" || return 1
  return 0
}

instance_pids() { # instance -> pids of every ns-slapd running with its config dir
  local name=$1 p
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    is_our_slapd "$p" "$name" && printf '%s\n' "$p"
  done
  return 0
}

kill_pid() { # pid -> SIGTERM, wait up to 20 s, then SIGKILL
  kill -TERM "$1" 2>/dev/null || true
  kill_after_term "$1" ns-slapd 20
}

stop_dir() { # dir -> stops the recorded ns-slapd, if any
  local dir=$1 pid name
  pid=$(recorded_pid "$dir")
  name=$(recorded_instance "$dir")
  if is_our_slapd "$pid" "$name"; then
    kill_pid "$pid"
  fi
  rm -f "$dir/run/pid"
  return 0
}

wipe_instance() { # instance -> removes everything 389 keeps outside DIR for it
  local name=$1 p
  [[ "$name" =~ $INSTANCE_RE ]] || die "refusing to remove instance '$name'"
  for p in "$ETC_DIRSRV/slapd-$name" "$ETC_DIRSRV/slapd-$name.removed" \
           "/var/lib/dirsrv/slapd-$name" "/var/log/dirsrv/slapd-$name" \
           "/run/lock/dirsrv/slapd-$name" "/var/lock/dirsrv/slapd-$name" \
           "/dev/shm/slapd-$name" "/dev/shm/sem.slapd-$name.stats" "/run/slapd-$name.socket" "/run/dirsrv/slapd-$name.pid" \
           "/run/scimgate-389ds-$name.socket" "/etc/tmpfiles.d/dirsrv-$name.conf" \
           "/etc/sysconfig/dirsrv-$name" "/etc/default/dirsrv-$name" \
           "/etc/systemd/system/dirsrv.target.wants/dirsrv@$name.service"; do
    if [[ -e "$p" || -L "$p" ]]; then rm -rf -- "$p"; fi
  done
}

reap_orphans() { # removes sg-* instances whose DIR no longer records them and that do not run
  local conf name rundir dir pid
  for conf in "$ETC_DIRSRV"/slapd-sg-*; do
    [[ -d "$conf" ]] || continue
    name=${conf##*/slapd-}
    [[ "$name" =~ $INSTANCE_RE ]] || continue
    # nsslapd-rundir (DIR/run) from dse.ldif, unfolding LDIF continuation lines
    rundir=""
    if [[ -r "$conf/dse.ldif" ]]; then
      rundir=$(awk 'function check() { if (last ~ /^nsslapd-rundir: /) { print substr(last, 17); done = 1; exit } }
                    /^ / { last = last substr($0, 2); next }
                    { check(); last = $0 }
                    END { if (!done) check() }' "$conf/dse.ldif")
    fi
    [[ -n "$rundir" ]] || continue  # not made by this script, or still being written
    dir=${rundir%/run}
    [[ "$(recorded_instance "$dir")" == "$name" ]] && continue
    pid=$(instance_pids "$name" | head -n 1)
    [[ -n "$pid" ]] && continue
    note "removing leftover instance $name (its folder $dir is gone)"
    wipe_instance "$name"
  done
}

ldapi_path() { # dir instance -> ldapi socket path
  local sock="$1/run/ldapi"
  # sun_path is 108 bytes; keep to URL-safe characters so %2F encoding is enough.
  if ((${#sock} < 100)) && [[ "$sock" =~ ^[A-Za-z0-9._/-]+$ ]]; then
    printf '%s\n' "$sock"
  else
    printf '/run/scimgate-389ds-%s.socket\n' "$2"
  fi
}

# Client calls as Directory Manager (password from a 0600 file, not argv).
root_ldap() { # tool args... -> runs an ldap tool bound as the root DN
  local tool=$1; shift
  "$tool" -x -H "$URL" -o nettimeout=10 -D "$ROOT_DN" -y "$DIR/.rootpw" "$@"
}

wait_for_rootdse() { # -> 0 when the root DSE answers within 20 s
  local i
  for ((i = 0; i < 400; i++)); do
    if ldapsearch -x -H "$URL" -o nettimeout=2 -l 2 -b "" -s base -LLL namingContexts >/dev/null 2>&1; then
      return 0
    fi
    [[ -n "${PID:-}" ]] && ! proc_alive "$PID" && return 1
    sleep 0.05
  done
  return 1
}

launch_slapd() { # -> starts ns-slapd for $INSTANCE, sets PID; 0 when the root DSE answers
  local i
  rm -f "$DIR/run/pid"
  PID=""
  # ns-slapd daemonizes; the parent exits once the child is set up.
  if ! "$NS_SLAPD" -D "$ETC_DIRSRV/slapd-$INSTANCE" -i "$DIR/run/pid" </dev/null >>"$DIR/log/ns-slapd.out" 2>&1; then
    return 1
  fi
  for ((i = 0; i < 400; i++)); do
    PID=$(recorded_pid "$DIR")
    [[ -n "$PID" ]] && proc_alive "$PID" && break
    sleep 0.05
  done
  [[ -n "$PID" ]] && proc_alive "$PID" || return 1
  wait_for_rootdse
}

# --------------------------------------------------------------------------
# config generation
# --------------------------------------------------------------------------

# OpenLDAP schema file -> 389 schema LDIF (one attributeTypes / objectClasses
# value per definition, X-ORIGIN 'scimgate').
write_schema_ldif() {
  local out=$1
  awk -v src="$SCIMGATE_SCHEMA" '
    function flush(   def, kw, attr) {
      if (buf == "") return
      def = buf; buf = ""
      gsub(/[ \t]+/, " ", def); sub(/^ /, "", def); sub(/ $/, "", def)
      kw = tolower(def); sub(/ .*/, "", kw)
      if (kw == "attributetype" || kw == "attributetypes") attr = "attributeTypes"
      else if (kw == "objectclass" || kw == "objectclasses") attr = "objectClasses"
      else { printf "%s: unknown schema statement: %s\n", src, kw > "/dev/stderr"; bad = 1; return }
      sub(/^[^ ]+ /, "", def)
      if (def !~ /^\(.*\)$/) { printf "%s: malformed definition: %s\n", src, def > "/dev/stderr"; bad = 1; return }
      sub(/ ?\)$/, "", def)
      printf "%s: %s X-ORIGIN %cscimgate%c )\n", attr, def, 39, 39
    }
    BEGIN {
      printf "# Generated by tools/389ds-env.sh from %s -- do not edit.\n", src
      print "dn: cn=schema"
    }
    /^[ \t]*#/ || /^[ \t]*$/ { flush(); next }
    /^[ \t]/ { buf = buf " " $0; next }
    { flush(); buf = $0 }
    END { flush(); exit bad }
  ' "$SCIMGATE_SCHEMA" >"$out"
}

schema_names() { # -> every NAME defined in scimgate.schema, one a line
  grep -v '^[[:space:]]*#' "$SCIMGATE_SCHEMA" | grep -o "NAME '[^']*'" | sed "s/NAME '\\(.*\\)'/\\1/"
}

write_inf() {
  local inf="$DIR/setup.inf"
  (umask 077; cat >"$inf" <<EOF
[general]
config_version = 2
full_machine_name = localhost
strict_host_checking = False
selinux = False
systemd = False
start = True

[slapd]
instance_name = $INSTANCE
port = $PORT
secure_port = 0
self_sign_cert = False
root_dn = $ROOT_DN
root_password = $ROOT_PW
user = root
group = root
data_dir = $DIR/share
db_dir = $DIR/db
db_home_dir = $DIR/db
backup_dir = $DIR/bak
ldif_dir = $DIR/ldif
log_dir = $DIR/log
lock_dir = $DIR/lock
run_dir = $DIR/run
tmp_dir = $DIR/tmp
ldapi = $LDAPI

[backend-userroot]
suffix = $SUFFIX
sample_entries = no
EOF
  )
  # No create_suffix_entry: lib389 reads it as a string ("False" is true) and
  # adds a domain entry readable by anyone; the base tree brings the suffix entry.
}

# lib389's dse.ldif template (data_dir in the inf) with nsslapd-listenhost
# added, so the server listens on 127.0.0.1 only from its very first start, and
# fixed cache sizes (autosizing takes a share of the machine's memory: 1.5 GB
# of database cache and 4 GB of entry cache on 24 GB).
write_template() {
  mkdir -p "$DIR/share/dirsrv/data"
  awk '{ print }
       /^nsslapd-port: / { print "nsslapd-listenhost: 127.0.0.1" }
       /^dn: cn=config,cn=ldbm database,cn=plugins,cn=config$/ {
         print "nsslapd-cache-autosize: 0"; print "nsslapd-dbcachesize: 67108864" }' \
    /usr/share/dirsrv/data/template-dse.ldif >"$DIR/share/dirsrv/data/template-dse.ldif"
  grep -q '^nsslapd-listenhost: 127.0.0.1$' "$DIR/share/dirsrv/data/template-dse.ldif" \
    || die "could not add nsslapd-listenhost to /usr/share/dirsrv/data/template-dse.ldif"
}

# Runs lib389's installer (what dscreate from-file does) without systemd.
run_setup() {
  DS_PID_FILE="$DIR/run/pid" "$PYTHON" - "$DIR/setup.inf" <<'PY' >>"$DIR/log/setup.log" 2>&1
import logging, os, sys
import lib389, lib389.paths
# No systemctl: start/stop ns-slapd directly with our pid file.
lib389.paths.Paths.with_systemd = property(lambda self: False)
lib389.DirSrv.pid_file = lambda self: os.environ["DS_PID_FILE"]
from lib389.instance.setup import SetupDs
# lib389's clean-up after a failed install removes paths derived by string
# replacement (db_dir.replace('db', '')): never let it run, the script cleans up.
SetupDs._remove_failed_install = lambda self, serverid: None
# The installer's last step restarts the server; 389ds-env.sh configures
# cn=config first and restarts it itself (one restart instead of two).
lib389.DirSrv.restart = lambda self, *args, **kwargs: None
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
log = logging.getLogger("389ds-env")
try:
    ok = SetupDs(False, False, log, False).create_from_inf(sys.argv[1])
except Exception as e:  # noqa: BLE001 -- report and fail
    log.error("setup failed: %s", e)
    ok = False
sys.exit(0 if ok else 1)
PY
}

write_config_ldif() {
  local f="$DIR/config.ldif" mail_unique
  if ((SHARED_MAIL)); then
    mail_unique="# --shared-mail: mail is not unique"
  else
    mail_unique="dn: cn=mail uniqueness,cn=plugins,cn=config
changetype: add
objectClass: top
objectClass: nsSlapdPlugin
objectClass: extensibleObject
cn: mail uniqueness
nsslapd-pluginPath: libattr-unique-plugin
nsslapd-pluginInitfunc: NSUniqueAttr_Init
nsslapd-pluginType: betxnpreoperation
nsslapd-pluginEnabled: on
nsslapd-pluginId: NSUniqueAttr
nsslapd-pluginVersion: 1.0
nsslapd-pluginVendor: scimgate
nsslapd-pluginDescription: mail uniqueness under ou=people (tools/389ds-env.sh)
nsslapd-plugin-depends-on-type: database
uniqueness-attribute-name: mail
uniqueness-subtrees: ou=people,$SUFFIX
uniqueness-across-all-subtrees: off"
  fi
  cat >"$f" <<EOF
dn: cn=config
changetype: modify
replace: nsslapd-allow-anonymous-access
nsslapd-allow-anonymous-access: rootdse
-
replace: passwordLockout
passwordLockout: on
-
replace: passwordMaxFailure
passwordMaxFailure: 32767
-
replace: passwordCheckSyntax
passwordCheckSyntax: off
-
replace: passwordExp
passwordExp: off
-
replace: passwordHistory
passwordHistory: off
-
replace: passwordMinAge
passwordMinAge: 0
-
replace: passwordMustChange
passwordMustChange: off
-
replace: passwordChange
passwordChange: on
-
replace: passwordTrackUpdateTime
passwordTrackUpdateTime: on
-
replace: nsslapd-pwpolicy-local
nsslapd-pwpolicy-local: on

dn: cn=userRoot,cn=ldbm database,cn=plugins,cn=config
changetype: modify
replace: nsslapd-cachememsize
nsslapd-cachememsize: 268435456
-
replace: nsslapd-dncachememsize
nsslapd-dncachememsize: 33554432

dn: cn=MemberOf Plugin,cn=plugins,cn=config
changetype: modify
replace: nsslapd-pluginEnabled
nsslapd-pluginEnabled: on
-
replace: memberOfGroupAttr
memberOfGroupAttr: member
-
replace: memberOfAttr
memberOfAttr: memberOf
-
replace: memberOfAutoAddOC
memberOfAutoAddOC: nsMemberOf
-
replace: memberOfEntryScope
memberOfEntryScope: $SUFFIX
-
replace: memberOfSkipNested
memberOfSkipNested: on

dn: cn=referential integrity postoperation,cn=plugins,cn=config
changetype: modify
replace: nsslapd-pluginEnabled
nsslapd-pluginEnabled: on
-
replace: referint-membership-attr
referint-membership-attr: member
referint-membership-attr: manager
-
replace: referint-update-delay
referint-update-delay: 0

dn: cn=USN,cn=plugins,cn=config
changetype: modify
replace: nsslapd-pluginEnabled
nsslapd-pluginEnabled: on

dn: cn=attribute uniqueness,cn=plugins,cn=config
changetype: modify
replace: nsslapd-pluginEnabled
nsslapd-pluginEnabled: on
-
replace: uniqueness-attribute-name
uniqueness-attribute-name: uid
-
replace: uniqueness-subtrees
uniqueness-subtrees: ou=people,$SUFFIX

$mail_unique

dn: cn=7-bit check,cn=plugins,cn=config
changetype: modify
replace: nsslapd-pluginEnabled
nsslapd-pluginEnabled: off
EOF
}

# After the restart (the scimgate schema is known then): indexes of userRoot.
write_index_ldif() {
  local f="$DIR/index.ldif" idx="cn=index,cn=userRoot,cn=ldbm database,cn=plugins,cn=config" a
  {
    for a in uid mail cn givenName sn; do
      printf 'dn: cn=%s,%s\nchangetype: modify\nreplace: nsIndexType\nnsIndexType: eq\nnsIndexType: sub\n\n' "$a" "$idx"
    done
    printf 'dn: cn=displayName,%s\nchangetype: add\nobjectClass: top\nobjectClass: nsIndex\ncn: displayName\nnsSystemIndex: false\nnsIndexType: eq\nnsIndexType: sub\n\n' "$idx"
    printf 'dn: cn=scimgateExternalId,%s\nchangetype: add\nobjectClass: top\nobjectClass: nsIndex\ncn: scimgateExternalId\nnsSystemIndex: false\nnsIndexType: eq\n\n' "$idx"
  } >"$f"
}

# After the base tree: the password administrator must exist when it is set
# (389 resolves passwordAdminDN when the global policy is loaded).
write_pwadmin_ldif() {
  printf 'dn: cn=config\nchangetype: modify\nreplace: passwordAdminDN\npasswordAdminDN: %s\n' "$BIND_DN" >"$DIR/pwadmin.ldif"
}

write_base_ldif() {
  local ldif="$DIR/base.ldif" dc ou role
  dc=${SUFFIX%%,*}; dc=${dc#*=}
  # Operational attributes the service account reads or writes (targetattr "*"
  # covers user attributes only).
  local ops="nsAccountLock || passwordRetryCount || retryCountResetTime || accountUnlockTime"
  ops+=" || passwordExpirationTime || passwordExpWarned || passwordGraceUserTime || pwdReset || passwordHistory"
  ops+=" || entryusn || nsUniqueId || entrydn || entryid || parentid || nsRoleDN || nsRole"
  ops+=" || createTimestamp || modifyTimestamp || creatorsName || modifiersName"
  ops+=" || numSubordinates || hasSubordinates || nsTombstoneCSN"
  {
    cat <<EOF
dn: $SUFFIX
objectClass: top
objectClass: dcObject
objectClass: organization
dc: $dc
o: scimgate demo
aci: (targetattr = "* || $ops")(version 3.0; acl "scimgate service account: full access"; allow (all) userdn = "ldap:///$BIND_DN";)
aci: (targetattr != "userPassword")(version 3.0; acl "authenticated users: read all but passwords"; allow (read, search, compare) userdn = "ldap:///all";)
aci: (targetattr = "userPassword")(version 3.0; acl "users: change own password"; allow (write) userdn = "ldap:///self";)

dn: $BIND_DN
objectClass: top
objectClass: applicationProcess
objectClass: simpleSecurityObject
cn: scimgate
description: scimgate gateway service account
userPassword: $BIND_PW
nsSizeLimit: -1
nsLookThroughLimit: -1
nsPagedSizeLimit: -1
nsPagedLookThroughLimit: -1
nsIdleTimeout: 0

EOF
    for ou in people groups roles queues accounts policies; do
      printf 'dn: ou=%s,%s\nobjectClass: top\nobjectClass: organizationalUnit\nou: %s\n\n' "$ou" "$SUFFIX" "$ou"
    done
    local empty_roles="Manager Agent Viewer"
    if ((EMPTY)); then
      empty_roles="Administrator $empty_roles"  # --empty: no demo administrator
    else
      # memberOf on demo-admin is set by the memberOf plugin (with nsMemberOf).
      cat <<EOF
dn: uid=demo-admin,ou=people,$SUFFIX
objectClass: top
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

dn: cn=Administrator,ou=roles,$SUFFIX
objectClass: top
objectClass: groupOfNames
objectClass: scimgateGroup
cn: Administrator
scimgateGroupKind: role
member: uid=demo-admin,ou=people,$SUFFIX

EOF
    fi
    # Empty roles: no member attribute at all (member is MAY in 389's groupOfNames).
    for role in $empty_roles; do
      printf 'dn: cn=%s,ou=roles,%s\nobjectClass: top\nobjectClass: groupOfNames\nobjectClass: scimgateGroup\ncn: %s\nscimgateGroupKind: role\n\n' \
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
SLAPD_DIR=$(shell_quote "$DIR")
SLAPD_PROFILE=389ds
EOF
}

show_log_tail() {
  local f
  for f in "$DIR/log/setup.log" "$DIR/log/errors" "$DIR/log/ns-slapd.out"; do
    [[ -s "$f" ]] && { printf '%s: --- last lines of %s\n' "$PROG" "$f" >&2; tail -n 15 "$f" >&2; }
  done
  return 0
}

fail_start() { # message -> stops and removes the half-made instance (DIR is kept for its logs)
  show_log_tail
  stop_dir "$DIR" || true
  [[ -n "${INSTANCE:-}" ]] && wipe_instance "$INSTANCE"
  die "$*"
}

# --------------------------------------------------------------------------
# commands
# --------------------------------------------------------------------------

cmd_start() {
  local dir_arg="" req_port=""
  EMPTY=0
  SHARED_MAIL=0
  SUFFIX="dc=example,dc=com"
  while (($#)); do
    case $1 in
      --suffix) (($# >= 2)) || usage; SUFFIX=$2; shift 2 ;;
      --suffix=*) SUFFIX=${1#*=}; shift ;;
      --port) (($# >= 2)) || usage; req_port=$2; shift 2 ;;
      --port=*) req_port=${1#*=}; shift ;;
      --empty) EMPTY=1; shift ;;
      --shared-mail) SHARED_MAIL=1; shift ;;
      -h|--help) usage ;;
      -*) die "unknown option: $1" ;;
      *) [[ -z "$dir_arg" ]] || usage; dir_arg=$1; shift ;;
    esac
  done
  [[ -n "$dir_arg" ]] || usage
  [[ -z "$req_port" ]] || req_port=$(check_port_arg "$req_port")
  [[ "$SUFFIX" =~ ^[Dd][Cc]=[A-Za-z0-9-]+(,[A-Za-z]+=[A-Za-z0-9-]+)*$ ]] \
    || die "invalid --suffix '$SUFFIX': expected e.g. dc=example,dc=com (first RDN must be dc=...)"

  require_tools
  [[ -r "$SCIMGATE_SCHEMA" ]] || die "schema not found: $SCIMGATE_SCHEMA"

  DIR=$(abs_dir "$dir_arg")
  BIND_DN="cn=scimgate,$SUFFIX"
  ROOT_DN="cn=Directory Manager"

  # Fresh directory (an instance recorded there is stopped and removed).
  if [[ -e "$DIR" ]]; then
    [[ -d "$DIR" ]] || die "$DIR exists and is not a directory"
    safe_to_wipe "$DIR" || die "$DIR exists, is not empty and was not created by $PROG: refusing to wipe it"
    stop_dir "$DIR"
    local old
    old=$(recorded_instance "$DIR")
    [[ -n "$old" ]] && wipe_instance "$old"
    rm -rf -- "$DIR"
  fi
  mkdir -p -- "$DIR"
  chmod 700 "$DIR"
  : >"$DIR/$MARKER"
  mkdir -p "$DIR/log" "$DIR/run"
  reap_orphans

  BIND_PW=$(random_secret)
  ROOT_PW=$(random_secret)
  (umask 077; printf '%s' "$ROOT_PW" >"$DIR/.rootpw")

  write_schema_ldif "$DIR/99scimgate.ldif" || die "could not convert $SCIMGATE_SCHEMA"
  write_template
  write_config_ldif
  write_index_ldif
  write_base_ldif
  write_pwadmin_ldif

  # Create the instance, picking a random free port unless one was requested.
  # A new instance name for each attempt: a failed attempt is wiped first.
  local attempt max_attempts=20 created=0
  [[ -n "$req_port" ]] && max_attempts=1
  for ((attempt = 1; attempt <= max_attempts; attempt++)); do
    pick_port "$req_port" || continue
    if [[ -n "$req_port" ]] && port_in_use "$PORT"; then die "port $PORT is already in use on 127.0.0.1"; fi
    INSTANCE=$(random_name)
    [[ -e "$ETC_DIRSRV/slapd-$INSTANCE" ]] && continue
    printf '%s\n' "$INSTANCE" >"$DIR/instance"
    LDAPI=$(ldapi_path "$DIR" "$INSTANCE")
    URL="ldap://127.0.0.1:$PORT"
    write_inf
    if run_setup; then
      created=1
      break
    fi
    # Not started, or started and failed: remove what was made, try again.
    PID=$(recorded_pid "$DIR")
    is_our_slapd "$PID" "$INSTANCE" && kill_pid "$PID"
    wipe_instance "$INSTANCE"
    rm -rf -- "$DIR/db" "$DIR/bak" "$DIR/ldif" "$DIR/lock" "$DIR/tmp" "$DIR/run"
    mkdir -p "$DIR/run"
    note "instance creation failed on port $PORT (attempt $attempt; see $DIR/log/setup.log)"
  done
  rm -f "$DIR/setup.inf"  # holds the root password
  ((created)) || { show_log_tail; die "could not create a 389 instance (see $DIR/log/setup.log)"; }

  PID=$(recorded_pid "$DIR")
  is_our_slapd "$PID" "$INSTANCE" || fail_start "ns-slapd is not running after the instance was created"
  wait_for_rootdse || fail_start "ns-slapd on $URL does not answer"

  # Plugins and password policy, schema file, then one restart.
  local out
  out=$(root_ldap ldapmodify -f "$DIR/config.ldif" 2>&1) \
    || { printf '%s\n' "$out" >&2; fail_start "configuring cn=config failed ($DIR/config.ldif)"; }
  install -m 0640 "$DIR/99scimgate.ldif" "$ETC_DIRSRV/slapd-$INSTANCE/schema/99scimgate.ldif"
  kill_pid "$PID"
  launch_slapd || fail_start "ns-slapd did not come back after the configuration restart"

  # Every scimgate attribute type and object class must be in cn=schema.
  local schema name missing=()
  schema=$(root_ldap ldapsearch -LLL -o ldif-wrap=no -b cn=schema -s base '(objectClass=*)' \
    attributeTypes objectClasses 2>&1) || fail_start "reading cn=schema failed: $schema"
  while read -r name; do
    grep -qiF "NAME '$name'" <<<"$schema" || missing+=("$name")
  done < <(schema_names)
  ((${#missing[@]} == 0)) || fail_start "not in cn=schema after the restart: ${missing[*]} (see $DIR/log/errors)"

  out=$(root_ldap ldapmodify -f "$DIR/index.ldif" 2>&1) \
    || { printf '%s\n' "$out" >&2; fail_start "adding indexes failed ($DIR/index.ldif)"; }
  out=$(root_ldap ldapmodify -a -f "$DIR/base.ldif" 2>&1) \
    || { printf '%s\n' "$out" >&2; fail_start "adding the base tree failed ($DIR/base.ldif)"; }
  # base.ldif holds the service account password in clear text (389 hashes it on add).
  rm -f "$DIR/base.ldif"
  out=$(root_ldap ldapmodify -f "$DIR/pwadmin.ldif" 2>&1) \
    || { printf '%s\n' "$out" >&2; fail_start "setting passwordAdminDN failed ($DIR/pwadmin.ldif)"; }

  write_env
  cat "$DIR/env"
}

cmd_stop() {
  parse_stop_args "$@"
  DIR=$(abs_dir "$STOP_DIR_ARG")
  [[ -d "$DIR" ]] || return 0
  if ((STOP_WIPE)); then
    safe_to_wipe "$DIR" || die "$DIR was not created by $PROG: not wiping it"
  fi
  stop_dir "$DIR"
  if ((STOP_WIPE)); then
    local name
    name=$(recorded_instance "$DIR")
    if [[ -n "$name" ]]; then
      # Any other ns-slapd still using this instance's config (e.g. a pid file lost).
      local p
      for p in $(instance_pids "$name"); do kill_pid "$p"; done
      wipe_instance "$name"
    fi
    rm -rf -- "$DIR"
  fi
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
  INSTANCE=$(recorded_instance "$DIR")
  [[ -n "$INSTANCE" && -r "$ETC_DIRSRV/slapd-$INSTANCE/dse.ldif" ]] \
    || die "no 389 instance recorded in $DIR (or /etc/dirsrv/slapd-<instance> is gone)"
  stop_dir "$DIR"
  local i
  for ((i = 0; i < 50; i++)); do
    launch_slapd && break
    sleep 0.2  # the old listener may linger for a moment
  done
  if [[ -z "${PID:-}" ]] || ! proc_alive "$PID"; then
    show_log_tail
    die "ns-slapd did not restart on $URL"
  fi
  write_env
  cat "$DIR/env"
}

# The mapping tree entry of the suffix in the running instance of $URL.
mapping_tree_dn() {
  root_ldap ldapsearch -LLL -o ldif-wrap=no -b "cn=mapping tree,cn=config" -s one \
    "(cn=$SUFFIX)" dn | sed -n 's/^dn: //p' | head -n 1
}

use_instance() { # DIR -> URL PORT DIR ROOT_DN SUFFIX ... of the instance recorded in DIR
  DIR=$(abs_dir "$1")
  [[ -r "$DIR/env" ]] || die "$DIR/env not found: start the directory first"
  # shellcheck disable=SC1091
  source "$DIR/env"
  URL=$SLAPD_URL PORT=$SLAPD_PORT SUFFIX=$SLAPD_SUFFIX BIND_DN=$SLAPD_BIND_DN
  BIND_PW=$SLAPD_BIND_PASSWORD ROOT_DN=$SLAPD_ROOT_DN ROOT_PW=$SLAPD_ROOT_PASSWORD PID=$SLAPD_PID
  INSTANCE=$(recorded_instance "$DIR")
  [[ -n "$INSTANCE" ]] || die "no 389 instance recorded in $DIR"
}

# The replication manager and the supplier replica of the suffix on the instance in $DIR.
enable_supplier() { # replica_id replication_password
  local id=$1 replpw=$2 tree out
  tree=$(mapping_tree_dn)
  [[ -n "$tree" ]] || die "$URL: no mapping tree entry for $SUFFIX"
  (umask 077; printf '%s' "$replpw" >"$DIR/.replpw")
  out=$(root_ldap ldapmodify -a 2>&1 <<EOF
dn: cn=replication manager,cn=config
objectClass: top
objectClass: person
cn: replication manager
sn: replication manager
userPassword: $replpw
passwordExpirationTime: 20380119031407Z

dn: cn=replica,$tree
objectClass: top
objectClass: nsds5replica
objectClass: extensibleObject
cn: replica
nsDS5ReplicaRoot: $SUFFIX
nsDS5ReplicaId: $id
nsDS5ReplicaType: 3
nsDS5Flags: 1
nsDS5ReplicaBindDN: cn=replication manager,cn=config
EOF
  ) || { printf '%s\n' "$out" >&2; die "$URL: enabling replication failed"; }
  REPLICA_DN="cn=replica,$tree"
}

add_agreement() { # name peer_port replication_password
  local out
  out=$(root_ldap ldapmodify -a 2>&1 <<EOF
dn: cn=$1,$REPLICA_DN
objectClass: top
objectClass: nsds5replicationagreement
cn: $1
nsDS5ReplicaRoot: $SUFFIX
nsDS5ReplicaHost: 127.0.0.1
nsDS5ReplicaPort: $2
nsDS5ReplicaTransportInfo: LDAP
nsDS5ReplicaBindMethod: SIMPLE
nsDS5ReplicaBindDN: cn=replication manager,cn=config
nsDS5ReplicaCredentials: $3
nsDS5ReplicatedAttributeList: (objectclass=*) \$ EXCLUDE memberOf entryusn
nsDS5ReplicatedAttributeListTotal: (objectclass=*) \$ EXCLUDE entryusn
EOF
  ) || { printf '%s\n' "$out" >&2; die "$URL: adding the agreement $1 failed"; }
}

cmd_replicate() { # DIR1 DIR2
  (($# == 2)) || usage
  require_tools
  local replpw first_dir first_port first_bind_pw second_dir second_port status="" i out
  replpw=$(od -An -tx1 -N18 /dev/urandom | tr -d ' \n')
  use_instance "$2"
  second_dir=$DIR second_port=$PORT
  enable_supplier 2 "$replpw"
  local second_replica=$REPLICA_DN
  use_instance "$1"
  first_dir=$DIR first_port=$PORT first_bind_pw=$BIND_PW
  enable_supplier 1 "$replpw"
  add_agreement to-peer "$second_port" "$replpw"
  # The total update: the second gets the first's entries.
  out=$(root_ldap ldapmodify 2>&1 <<EOF
dn: cn=to-peer,$REPLICA_DN
changetype: modify
replace: nsds5BeginReplicaRefresh
nsds5BeginReplicaRefresh: start
EOF
  ) || { printf '%s\n' "$out" >&2; die "$URL: starting the total update failed"; }
  for ((i = 0; i < 300; i++)); do
    status=$(root_ldap ldapsearch -LLL -o ldif-wrap=no -b "cn=to-peer,$REPLICA_DN" -s base \
      nsds5replicaLastInitStatus | sed -n 's/^nsds5replicaLastInitStatus: //p')
    # "Error (0) Total update in progress" while it runs; a failure has a code other than 0.
    [[ "$status" == *"succeeded"* || "$status" =~ ^Error\ \(-?[1-9] ]] && break
    sleep 0.1
  done
  [[ "$status" == *"succeeded"* ]] \
    || die "$URL: initialising the peer failed: ${status:-no status after 30 s} (see $first_dir/log/errors)"
  use_instance "$second_dir"
  REPLICA_DN=$second_replica
  add_agreement to-peer "$first_port" "$replpw"
  # The second now holds the first's service account.
  BIND_PW=$first_bind_pw
  write_env
  use_instance "$first_dir"
  printf 'replicating: %s <-> ldap://127.0.0.1:%s\n' "$URL" "$second_port"
}

cmd_status() {
  (($# == 1)) || usage
  DIR=$(abs_dir "$1")
  local pid name
  pid=$(recorded_pid "$DIR")
  name=$(recorded_instance "$DIR")
  if is_our_slapd "$pid" "$name"; then
    printf 'ns-slapd running (pid %s, instance %s)\n' "$pid" "$name"
    return 0
  fi
  printf 'ns-slapd not running\n'
  return 1
}

dispatch "$@"
