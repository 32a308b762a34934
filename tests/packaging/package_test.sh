#!/usr/bin/env bash
# tests/packaging/package_test.sh CHECK BUILD_DIR: the install layout, the systemd unit and the
# Debian package, from what BUILD_DIR already holds (nothing is compiled here).
#   layout  DESTDIR install into a temporary folder: every file in place, the installed binary
#           answers --help, refuses the installed config until it has its secrets, and with that
#           config pointed at the test slapd (SCIMGATE_TEST_SLAPD_ENV) passes --check, reads the
#           installed mail templates and serves the installed console without being told where
#   unit    systemd-analyze verify of the installed unit (its ExecStart pointed into the staged
#           tree), with no warning at all; the offline security exposure stays low
#   deb     cpack -G DEB into a temporary folder: dpkg-deb's file list, control fields (Depends
#           from dpkg-shlibdeps), conffiles and maintainer scripts
set -euo pipefail

CHECK=${1:?usage: package_test.sh layout|unit|deb BUILD_DIR}
BUILD=$(realpath -- "${2:?usage: package_test.sh layout|unit|deb BUILD_DIR}")
SOURCE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/scimgate-packaging.XXXXXX")
GATEWAY_PID=""
cleanup() {
  if [[ -n "$GATEWAY_PID" ]]; then kill "$GATEWAY_PID" 2>/dev/null || true; fi
  rm -rf -- "$WORK"
}
trap cleanup EXIT

FAILURES=0
fail() { printf 'FAIL: %s\n' "$*" >&2; FAILURES=$((FAILURES + 1)); }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }
need() { command -v "$1" >/dev/null || die "$1 is missing (apt-get install $2)"; }
finish() {
  ((FAILURES == 0)) || die "$FAILURES check(s) failed"
  printf 'packaging %s: all checks passed\n' "$CHECK"
}

# The secrets the installed config asks for, as the service would get them from its environment.
export SCIMGATE_LDAP_BIND_PASSWORD=not-used-here
export SCIMGATE_TOKEN_SHA256=0000000000000000000000000000000000000000000000000000000000000000
export SCIMGATE_MFA_KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f

stage() { # -> $WORK/root, installed with the package's prefix
  [[ -x "$BUILD/gateway/scimgate" ]] || die "$BUILD/gateway/scimgate is not built"
  DESTDIR="$WORK/root" cmake --install "$BUILD" --prefix /usr >"$WORK/install.log" 2>&1 ||
    { cat "$WORK/install.log" >&2; die "cmake --install failed"; }
  ROOT="$WORK/root"
}

# The files every install must have (relative to the root; the package's list in check_deb).
EXPECTED=(
  usr/bin/scimgate
  usr/share/scimgate/console/index.html
  usr/share/scimgate/console/app.js
  usr/share/scimgate/console/style.css
  usr/share/scimgate/console/pages/users.js
  usr/share/scimgate/templates/invitation.txt
  usr/share/scimgate/templates/password_reset.subject
  usr/share/scimgate/templates/login_code_sms.txt
  usr/share/scimgate/ldap/schema/scimgate.schema
  usr/share/scimgate/ldap/schema/99scimgate.ldif
  usr/share/scimgate/tools/ad-schema.sh
  usr/share/doc/scimgate/README.md
  usr/share/doc/scimgate/scimgate.example.json
  etc/scimgate/scimgate.json
  etc/logrotate.d/scimgate
  lib/systemd/system/scimgate.service
)

check_layout() {
  stage
  local f
  for f in "${EXPECTED[@]}"; do
    [[ -f "$ROOT/$f" ]] || fail "not installed: /$f"
  done
  # Every shipped console asset and mail template, not only the ones named above.
  (cd "$SOURCE/console" && find . -type f) | while read -r f; do
    [[ -f "$ROOT/usr/share/scimgate/console/$f" ]] || echo "console/$f"
  done >"$WORK/missing"
  (cd "$SOURCE/mail/templates" && find . -type f) | while read -r f; do
    [[ -f "$ROOT/usr/share/scimgate/templates/$f" ]] || echo "mail/templates/$f"
  done >>"$WORK/missing"
  [[ ! -s "$WORK/missing" ]] || fail "not installed: $(tr '\n' ' ' <"$WORK/missing")"
  [[ -x "$ROOT/usr/share/scimgate/tools/ad-schema.sh" ]] || fail "ad-schema.sh is not executable"
  [[ "$(stat -c %a "$ROOT/etc/scimgate/scimgate.json")" == 640 ]] ||
    fail "/etc/scimgate/scimgate.json is not mode 0640"
  grep -q '^objectClasses: ( .* NAME .scimgateUser. ' \
    "$ROOT/usr/share/scimgate/ldap/schema/99scimgate.ldif" ||
    fail "99scimgate.ldif has no scimgateUser class"
  # The installed AD tool finds the installed schema (../ldap/schema/scimgate.schema).
  "$ROOT/usr/share/scimgate/tools/ad-schema.sh" DC=corp,DC=example >"$WORK/ad.ldif" 2>&1 ||
    fail "the installed ad-schema.sh failed: $(head -c 300 "$WORK/ad.ldif")"
  grep -q '^lDAPDisplayName: scimgateUser$' "$WORK/ad.ldif" ||
    fail "the installed ad-schema.sh printed no scimgateUser class"

  local bin="$ROOT/usr/bin/scimgate"
  "$bin" --help >"$WORK/help" 2>&1 || fail "scimgate --help exited non-zero"
  grep -q -- '--config FILE' "$WORK/help" || fail "scimgate --help printed no usage"

  # The installed config: files where the unit lets the service write; refused until the
  # operator gives the bind password, a token and the MFA key.
  local config="$ROOT/etc/scimgate/scimgate.json"
  grep -q '"auditPath": "/var/log/scimgate/audit.log"' "$config" ||
    fail "the installed config's audit log is not in /var/log/scimgate (logrotate's folder)"
  grep -q '"path": "/var/lib/scimgate/' "$config" ||
    fail "the installed config's state store is not in /var/lib/scimgate (StateDirectory)"
  env -u SCIMGATE_LDAP_BIND_PASSWORD -u SCIMGATE_TOKEN_SHA256 -u SCIMGATE_MFA_KEY \
    "$bin" --config "$config" --check >"$WORK/check" 2>&1 &&
    fail "the installed config passes --check without any secret"

  # The installed config, pointed at the test directory (tests/CMakeLists.txt's slapd fixture),
  # a state store and audit log in $WORK, any free port, and with a mail section.
  [[ -r "${SCIMGATE_TEST_SLAPD_ENV:-}" ]] ||
    die "SCIMGATE_TEST_SLAPD_ENV names no slapd env file (run through ctest: fixture slapd)"
  # shellcheck disable=SC1090
  . "$SCIMGATE_TEST_SLAPD_ENV"
  export SLAPD_URL SLAPD_SUFFIX SLAPD_BIND_DN SLAPD_BIND_PASSWORD WORK
  unset SCIMGATE_LDAP_BIND_PASSWORD
  python3 - "$config" >"$WORK/run.json" <<'PY'
import json, os, sys
config = json.load(open(sys.argv[1]))
work, suffix = os.environ["WORK"], os.environ["SLAPD_SUFFIX"]
config["server"].update(port=0, publicUrl="https://scim.example.com")
config["auth"]["auditPath"] = work + "/audit.log"
config["mfa"]["store"]["path"] = work + "/mfa.db"
config["ldap"].update(uris=[os.environ["SLAPD_URL"]], bindDn=os.environ["SLAPD_BIND_DN"],
                      bindPassword=os.environ["SLAPD_BIND_PASSWORD"], baseDn=suffix,
                      peopleDn="ou=people," + suffix)
config["mail"] = {"smtp": {"host": "smtp.example.com", "from": "scimgate <no-reply@example.com>"}}
json.dump(config, sys.stdout, indent=2)
PY
  "$bin" --config "$WORK/run.json" --check >"$WORK/check" 2>&1 ||
    fail "a config with a mail section fails --check: $(cat "$WORK/check")"
  touch "$ROOT/usr/share/scimgate/templates/packaging_probe.subject"
  if "$bin" --config "$WORK/run.json" --check >"$WORK/check" 2>&1; then
    fail "the installed binary did not read the installed mail templates"
  elif ! grep -q packaging_probe "$WORK/check"; then
    fail "unexpected --check failure: $(cat "$WORK/check")"
  fi
  rm "$ROOT/usr/share/scimgate/templates/packaging_probe.subject"

  # The console: a marker added to the installed index.html comes back from /console/.
  local marker="packaging-probe-$$"
  printf '<!-- %s -->\n' "$marker" >>"$ROOT/usr/share/scimgate/console/index.html"
  "$bin" --config "$WORK/run.json" --port-file "$WORK/port" >"$WORK/gateway.log" 2>&1 &
  GATEWAY_PID=$!
  local i
  for ((i = 0; i < 100; i++)); do
    [[ -s "$WORK/port" ]] && break
    kill -0 "$GATEWAY_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [[ ! -s "$WORK/port" ]]; then
    fail "the installed binary did not start: $(tail -5 "$WORK/gateway.log")"
  else
    curl -fsS "http://127.0.0.1:$(cat "$WORK/port")/console/" >"$WORK/index.html" ||
      fail "GET /console/ failed"
    grep -q "$marker" "$WORK/index.html" ||
      fail "/console/ is not the installed console (no marker in it)"
  fi
  kill -TERM "$GATEWAY_PID" 2>/dev/null || true
  wait "$GATEWAY_PID" || fail "the gateway exited non-zero on SIGTERM: $(tail -5 "$WORK/gateway.log")"
  GATEWAY_PID=""
  finish
}

check_unit() {
  need systemd-analyze systemd
  stage
  local unit="$ROOT/lib/systemd/system/scimgate.service"
  local want
  # shellcheck disable=SC2016 # $MAINPID is the unit's, not ours
  for want in 'ExecStart=/usr/bin/scimgate --config /etc/scimgate/scimgate.json' \
    'ExecReload=/bin/kill -HUP $MAINPID' 'User=scimgate' 'StateDirectory=scimgate' \
    'LogsDirectory=scimgate' 'NoNewPrivileges=yes' 'ProtectSystem=strict' 'ProtectHome=yes' \
    'PrivateTmp=yes' 'PrivateDevices=yes' 'ProtectKernelTunables=yes' \
    'ProtectKernelModules=yes' 'ProtectKernelLogs=yes' \
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' 'CapabilityBoundingSet=' \
    'SystemCallFilter=@system-service' 'Restart=on-failure' 'KillSignal=SIGTERM'; do
    grep -qxF -- "$want" "$unit" || fail "the unit has no line '$want'"
  done
  # TimeoutStopSec above the drain time of the installed config.
  local stop drain
  stop=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)$/\1/p' "$unit")
  drain=$(sed -n 's/.*"drainTimeoutMs": \([0-9]*\).*/\1/p' "$ROOT/etc/scimgate/scimgate.json")
  if [[ -z "$stop" || -z "$drain" ]] || ((stop * 1000 <= drain)); then
    fail "TimeoutStopSec ($stop s) is not above server.drainTimeoutMs ($drain ms)"
  fi

  # verify checks that ExecStart is executable: point it at the staged binary. It reports
  # unknown keys and values it cannot parse as warnings with exit status 0, so any output fails.
  mkdir -p "$WORK/verify"
  sed "s|/usr/bin/scimgate|$ROOT/usr/bin/scimgate|g" "$unit" >"$WORK/verify/scimgate.service"
  if ! systemd-analyze verify "$WORK/verify/scimgate.service" >"$WORK/verify.log" 2>&1; then
    fail "systemd-analyze verify failed: $(cat "$WORK/verify.log")"
  elif [[ -s "$WORK/verify.log" ]]; then
    fail "systemd-analyze verify warned: $(cat "$WORK/verify.log")"
  fi
  # The sandbox as systemd scores it (0 = nothing exposed, 10 = everything); 1.6 when written.
  local exposure
  systemd-analyze security --offline=yes "$WORK/verify/scimgate.service" >"$WORK/security.log" 2>&1 ||
    true
  exposure=$(sed -n 's/.*Overall exposure level for scimgate.service: \([0-9.]*\).*/\1/p' \
    "$WORK/security.log")
  if [[ -z "$exposure" ]]; then
    fail "systemd-analyze security gave no exposure level: $(tail -3 "$WORK/security.log")"
  elif ! awk -v e="$exposure" 'BEGIN { exit !(e <= 2.5) }'; then
    fail "the unit's exposure level is $exposure (above 2.5): $(grep '✗' "$WORK/security.log")"
  fi

  # The logrotate snippet: the audit log's folder, HUP instead of copytruncate.
  local rotate="$ROOT/etc/logrotate.d/scimgate"
  grep -q '^/var/log/scimgate/\*\.log {$' "$rotate" || fail "logrotate does not rotate /var/log/scimgate/*.log"
  grep -q 'systemctl kill --signal=HUP scimgate.service' "$rotate" ||
    fail "logrotate does not send SIGHUP after rotating"
  grep -Eq '^[[:space:]]*copytruncate' "$rotate" && fail "logrotate uses copytruncate"
  finish
}

check_deb() {
  need cpack cmake
  need dpkg-deb dpkg
  need dpkg-shlibdeps dpkg-dev
  [[ -f "$BUILD/CPackConfig.cmake" ]] || die "$BUILD has no CPackConfig.cmake (cmake/Packaging.cmake)"
  [[ -x "$BUILD/gateway/scimgate" ]] || die "$BUILD/gateway/scimgate is not built"
  (cd "$WORK" && cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$WORK/out") \
    >"$WORK/cpack.log" 2>&1 || { cat "$WORK/cpack.log" >&2; die "cpack -G DEB failed"; }
  local debs=("$WORK"/out/scimgate_*.deb)
  [[ ${#debs[@]} == 1 && -f "${debs[0]}" ]] || die "cpack made no scimgate_*.deb: $(ls "$WORK/out")"
  local deb=${debs[0]}
  local version
  version=$(sed -n 's/^project(scimgate VERSION \([0-9.]*\) .*/\1/p' "$SOURCE/CMakeLists.txt")
  [[ "$(basename "$deb")" == "scimgate_${version}-1_$(dpkg --print-architecture).deb" ]] ||
    fail "unexpected file name $(basename "$deb") (project version $version)"

  # Files.
  dpkg-deb -c "$deb" | awk '{ print $1, $2, $6 }' >"$WORK/contents"
  local f
  for f in "${EXPECTED[@]}"; do
    grep -q " \./$f\$" "$WORK/contents" || fail "not in the package: /$f"
  done
  grep -q '^-rw-r----- root/root \./etc/scimgate/scimgate.json$' "$WORK/contents" ||
    fail "/etc/scimgate/scimgate.json is not -rw-r----- root/root in the package"
  grep -q '^-rwxr-xr-x root/root \./usr/bin/scimgate$' "$WORK/contents" ||
    fail "/usr/bin/scimgate is not -rwxr-xr-x root/root"
  if grep -Eq ' \./(usr/local|var|home|tmp|root)/' "$WORK/contents"; then
    fail "files outside the package's folders: $(grep -E ' \./(usr/local|var|home|tmp|root)/' "$WORK/contents")"
  fi

  # Control fields.
  dpkg-deb -f "$deb" >"$WORK/control"
  local field
  for field in Package Version Architecture Maintainer Depends Description Section; do
    grep -q "^$field: ." "$WORK/control" || fail "no $field field"
  done
  grep -qx 'Package: scimgate' "$WORK/control" || fail "Package is not scimgate"
  grep -qx "Version: ${version}-1" "$WORK/control" || fail "Version is not ${version}-1"
  local depends
  depends=$(dpkg-deb -f "$deb" Depends)
  # dpkg-shlibdeps found the libraries the binary links (Poco, libldap, liboath, libqrencode).
  for want in adduser libc6 'libpoco[a-z]*net' libldap liboath libqrencode; do
    grep -Eq "(^|, )$want" <<<"$depends" || fail "Depends names no $want: $depends"
  done

  # Control files: conffiles, maintainer scripts.
  dpkg-deb -e "$deb" "$WORK/control.d"
  printf '/etc/scimgate/scimgate.json\n/etc/logrotate.d/scimgate\n' >"$WORK/conffiles.want"
  sort "$WORK/control.d/conffiles" | diff -u <(sort "$WORK/conffiles.want") - >&2 ||
    fail "conffiles differ"
  local script
  for script in postinst prerm postrm; do
    [[ -x "$WORK/control.d/$script" ]] || { fail "no executable $script"; continue; }
    sh -n "$WORK/control.d/$script" || fail "$script is not valid sh"
    grep -qx 'set -e' "$WORK/control.d/$script" || fail "$script does not set -e"
  done
  check_scripts "$WORK/control.d"
  finish
}

# The maintainer scripts run against stand-ins for the commands they call (getent, adduser,
# systemctl...), which record each call: what they do on install, upgrade, remove and purge.
check_scripts() {
  local dir=$1 fake="$WORK/fake"
  mkdir -p "$fake/bin"
  local cmd
  for cmd in addgroup adduser chgrp chmod systemctl dpkg-statoverride rm rmdir; do
    printf '#!/bin/sh\necho "%s $*" >>"%s/calls"\n' "$cmd" "$fake" >"$fake/bin/$cmd"
  done
  # getent knows the account once it exists ($fake/users).
  # shellcheck disable=SC2016 # expanded by the stand-in
  printf '#!/bin/sh\ngrep -qx "$1 $2" "%s/users" 2>/dev/null\n' "$fake" >"$fake/bin/getent"
  # dpkg-statoverride --list: no override recorded.
  printf '#!/bin/sh\nexit 1\n' >"$fake/bin/dpkg-statoverride"
  chmod +x "$fake/bin"/*
  run() { PATH="$fake/bin:$PATH" sh "$dir/$1" "${@:2}" || fail "$1 $* exited non-zero"; }
  calls() { if [[ -f "$fake/calls" ]]; then cat "$fake/calls"; fi; rm -f "$fake/calls"; }

  run postinst configure
  calls >"$WORK/first"
  grep -qx 'addgroup --system --quiet scimgate' "$WORK/first" ||
    fail "postinst configure made no scimgate group: $(cat "$WORK/first")"
  grep -q '^adduser --system .*--ingroup scimgate .*--shell /usr/sbin/nologin .*scimgate$' \
    "$WORK/first" || fail "postinst configure made no system user without a shell: $(cat "$WORK/first")"
  grep -qx 'chgrp scimgate /etc/scimgate/scimgate.json' "$WORK/first" ||
    fail "postinst does not give the config to the scimgate group"
  printf 'group scimgate\npasswd scimgate\n' >"$fake/users"
  run postinst configure "0.0.9-1"
  calls >"$WORK/again"
  grep -Eq '^(addgroup|adduser)' "$WORK/again" && fail "postinst made the account twice: $(cat "$WORK/again")"

  run prerm remove
  run postrm remove
  calls >"$WORK/remove"
  grep -q '^rm' "$WORK/remove" && fail "remove deleted files: $(cat "$WORK/remove")"
  run prerm upgrade 0.1.0-1
  run postrm upgrade 0.1.0-1
  calls >"$WORK/upgrade"
  grep -q '^rm' "$WORK/upgrade" && fail "upgrade deleted files: $(cat "$WORK/upgrade")"
  run postrm purge
  calls >"$WORK/purge"
  grep -qx 'rm -rf /var/lib/scimgate /var/log/scimgate' "$WORK/purge" ||
    fail "purge does not delete the state and the logs: $(cat "$WORK/purge")"
}

case "$CHECK" in
  layout) check_layout ;;
  unit) check_unit ;;
  deb) check_deb ;;
  *) die "unknown check $CHECK (layout, unit or deb)" ;;
esac
