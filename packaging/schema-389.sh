#!/usr/bin/env bash
# packaging/schema-389.sh OUT: ldap/schema/scimgate.schema as 389 Directory Server's schema LDIF
# (schema/99scimgate.ldif of an instance), for the package. The conversion is the one
# tools/389ds-env.sh does at every start (its write_schema_ldif), taken from that script so that
# there is one converter and one copy of the schema.
set -euo pipefail
(($# == 1)) || { echo "usage: $0 OUT" >&2; exit 2; }
OUT=$(realpath -m -- "$1")
mkdir -p -- "$(dirname -- "$OUT")"
cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."
converter=$(sed -n '/^write_schema_ldif() {$/,/^}$/p' tools/389ds-env.sh)
[[ -n "$converter" ]] || { echo "$0: no write_schema_ldif() in tools/389ds-env.sh" >&2; exit 1; }
eval "$converter"
SCIMGATE_SCHEMA=ldap/schema/scimgate.schema write_schema_ldif "$OUT.tmp"
grep -q '^objectClasses: ' "$OUT.tmp" || { echo "$0: no object class converted" >&2; exit 1; }
mv -- "$OUT.tmp" "$OUT"
