#!/usr/bin/env bash
# tools/cluster-env.sh end to end (issue #19): the whole shape starts from one command, serves
# through haproxy in turn on both gateways, writes reach both replicating providers, a gateway
# that dies is routed around, and stop --wipe leaves no process and no folder behind.
# Usage: cluster_test.sh GATEWAY_BINARY
set -euo pipefail
GATEWAY=${1:?usage: cluster_test.sh GATEWAY_BINARY}
REPO=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
DIR=$(mktemp -d "${TMPDIR:-/tmp}/scimgate-cluster-XXXXXX")
trap '"$REPO/tools/cluster-env.sh" stop "$DIR" --wipe >/dev/null 2>&1 || true' EXIT
export LDAPNOINIT=1

fail() { echo "FAIL: $*" >&2; exit 1; }
status_of() { # method url [body] -> the HTTP status
  curl -sS -o /dev/null -w '%{http_code}' -X "$1" -H "Authorization: Bearer $CLUSTER_TOKEN" \
    -H 'Content-Type: application/scim+json' ${3:+-d "$3"} "$2"
}
on_provider() { # url uid -> 0 when the provider has the user
  ldapsearch -x -LLL -H "$1" -D "$BIND_DN" -w "$BIND_PW" -b "ou=people,$SUFFIX" "(uid=$2)" 1.1 |
    grep -q '^dn:'
}

"$REPO/tools/cluster-env.sh" start "$DIR" --gateway "$GATEWAY" >/dev/null
# shellcheck disable=SC1091
. "$DIR/env"
# shellcheck disable=SC1091
BIND_DN=$(. "$DIR/slapd-1/env" && echo "$SLAPD_BIND_DN")
BIND_PW=$(. "$DIR/slapd-1/env" && echo "$SLAPD_BIND_PASSWORD")
SUFFIX=$(. "$DIR/slapd-1/env" && echo "$SLAPD_SUFFIX")

# Round robin: four reads through the front reach both gateways.
for _ in 1 2 3 4; do
  [[ $(status_of GET "$CLUSTER_URL/scim/v2/Users?count=1") == 200 ]] || fail "a read through haproxy"
done
for gw in a b; do
  grep -q '"path":"\\/scim\\/v2\\/Users"' "$DIR/gateway-$gw/gateway.log" ||
    fail "gateway-$gw served none of the reads sent through haproxy"
done

# A user created through the front is on both providers, and readable through each gateway.
user="cluster-$$"
[[ $(status_of POST "$CLUSTER_URL/scim/v2/Users" "{\"userName\":\"$user\"}") == 201 ]] ||
  fail "create through haproxy"
for url in "$SLAPD_1_URL" "$SLAPD_2_URL"; do
  for _ in $(seq 1 50); do on_provider "$url" "$user" && break; sleep 0.1; done
  on_provider "$url" "$user" || fail "$user is not on $url"
done
filter="$CLUSTER_URL/scim/v2/Users?filter=userName%20eq%20%22$user%22"
for url in "$GATEWAY_A_URL" "$GATEWAY_B_URL"; do
  [[ $(status_of GET "${filter/$CLUSTER_URL/$url}") == 200 ]] || fail "read through $url"
done

# gateway-a dies (SIGKILL, its own pid): every request through the front is still answered.
kill -KILL "$(cat "$DIR/gateway-a/pid")"
for _ in $(seq 1 10); do
  [[ $(status_of GET "$CLUSTER_URL/scim/v2/Users?count=1") == 200 ]] ||
    fail "a read through haproxy after gateway-a died"
done

# stop --wipe: nothing of the cluster is left.
"$REPO/tools/cluster-env.sh" stop "$DIR" --wipe >/dev/null
[[ ! -e "$DIR" ]] || fail "$DIR is still there after stop --wipe"
if pgrep -f -- "$DIR/" >/dev/null; then fail "processes of $DIR are still running"; fi
echo "cluster-env.sh: start, round robin, replication, a dead gateway routed around, stop --wipe: ok"
