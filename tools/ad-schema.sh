#!/usr/bin/env bash
# ad-schema.sh -- the scimgate LDAP schema as an Active Directory schema extension (LDIF).
#
# Usage:
#   tools/ad-schema.sh SUFFIX > scimgate-ad.ldif      e.g. tools/ad-schema.sh DC=corp,DC=example
#
# Reads ldap/schema/scimgate.schema (the OpenLDAP definition, the only copy of the schema) and
# prints, for CN=Schema,CN=Configuration,SUFFIX:
#   - one attributeSchema per attribute type (cn and lDAPDisplayName = NAME, attributeID = the
#     OID, adminDescription = DESC, attributeSyntax/oMSyntax from SYNTAX, isSingleValued from
#     SINGLE-VALUE, searchFlags 1 = indexed for the attributes in INDEXED below),
#   - a schemaUpdateNow on the rootDSE (the classes name the new attributes),
#   - one classSchema per object class (governsID = the OID, objectClassCategory 3 = auxiliary,
#     subClassOf top, mayContain/mustContain from MAY/MUST),
#   - a schemaUpdateNow again.
# Syntaxes (anything else is refused, as are structural classes and SUP other than top):
#   directoryString  1.3.6.1.4.1.1466.115.121.1.15  -> 2.5.5.12 / 64  Unicode string
#   IA5String        1.3.6.1.4.1.1466.115.121.1.26  -> 2.5.5.5  / 22
#   boolean          1.3.6.1.4.1.1466.115.121.1.7   -> 2.5.5.8  / 1
#   integer          1.3.6.1.4.1.1466.115.121.1.27  -> 2.5.5.9  / 2
#   generalizedTime  1.3.6.1.4.1.1466.115.121.1.24  -> 2.5.5.11 / 24
#   DN               1.3.6.1.4.1.1466.115.121.1.12  -> 2.5.5.1  / 127 (oMObjectClass 1.3.12.2.1011.28.0.714)
# What does not carry over to AD: EQUALITY/ORDERING/SUBSTR (AD derives matching from the syntax:
# a Unicode string compares case-insensitively, so the case-exact scimgateExternalId and
# scimgateProfileUrl are case-insensitive on AD) and length bounds such as {16} (OpenLDAP does
# not enforce them either; no rangeUpper is set).
#
# Loading it into your Active Directory (once per forest, on the schema master, as a member of
# Schema Admins; schema objects cannot be deleted afterwards, only made defunct: try it in a lab
# forest first):
#   tools/ad-schema.sh DC=corp,DC=example > scimgate-ad.ldif
#   ldapmodify -H ldaps://dc1.corp.example -D 'CN=Administrator,CN=Users,DC=corp,DC=example' -W \
#     -f scimgate-ad.ldif
# or on a domain controller:
#   ldifde -i -f scimgate-ad.ldif
# A second run stops at the first definition that exists (ldapmodify: "Already exists (68)");
# ldapmodify -c continues past those (ldifde -k should too: not tried).  Samba AD also needs
# "dsdb:schema update allowed = yes" in smb.conf while the file is loaded
# (tools/samba-ad-env.sh does all of this for its test DC).
set -euo pipefail

PROG=${0##*/}
SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
SCIMGATE_SCHEMA=${AD_SCHEMA_SOURCE:-"$SCRIPT_DIR/../ldap/schema/scimgate.schema"}
# searchFlags 1 (indexed): what the gateway searches by equality.  slapd-env.sh and 389ds-env.sh
# index scimgateExternalId; status and group kind are in every list filter the gateway sends AD.
INDEXED="scimgateExternalId scimgateStatus scimgateGroupKind"

die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }

if (($# != 1)) || [[ "$1" == -* ]]; then
  printf 'usage: %s SUFFIX > scimgate-ad.ldif   (e.g. %s DC=corp,DC=example)\n' "$PROG" "$PROG" >&2
  exit 2
fi
SUFFIX=$1
[[ "$SUFFIX" =~ ^[A-Za-z]+=[^,=]+(,[A-Za-z]+=[^,=]+)*$ ]] \
  || die "invalid SUFFIX '$SUFFIX': expected a DN such as DC=corp,DC=example"
[[ -r "$SCIMGATE_SCHEMA" ]] || die "schema not found: $SCIMGATE_SCHEMA"

# The statements are joined the way tools/389ds-env.sh's write_schema_ldif does (a definition
# runs on over indented lines), then each is split into tokens: a 'quoted string' is one token.
awk -v src="$SCIMGATE_SCHEMA" -v suffix="$SUFFIX" -v indexed="$INDEXED" '
  function fail(msg) { printf "%s: %s\n", src, msg > "/dev/stderr"; bad = 1 }
  function tokenize(s,   n, c, q) {
    ntok = 0
    while (s != "") {
      sub(/^[ \t]+/, "", s)
      if (s == "") break
      c = substr(s, 1, 1)
      if (c == "(" || c == ")" || c == "$") { tok[++ntok] = c; s = substr(s, 2); continue }
      if (c == "\047") {
        q = index(substr(s, 2), "\047")
        if (q == 0) { fail("unterminated quote: " s); return 0 }
        tok[++ntok] = substr(s, 1, q + 1); s = substr(s, q + 2); continue
      }
      match(s, /^[^ \t()$\047]+/)
      tok[++ntok] = substr(s, 1, RLENGTH); s = substr(s, RLENGTH + 1)
    }
    return 1
  }
  function unquote(t) { if (t ~ /^\047.*\047$/) return substr(t, 2, length(t) - 2); return t }
  # tok[i] starts a list: "( a $ b )" or a single name -> names joined by spaces; sets next_i
  function namelist(i,   out) {
    if (tok[i] != "(") { next_i = i + 1; return tok[i] }
    out = ""
    for (i++; i <= ntok && tok[i] != ")"; i++) if (tok[i] != "$") out = out (out == "" ? "" : " ") tok[i]
    next_i = i + 1
    return out
  }
  function flush(   def, kw) {
    if (buf == "") return
    def = buf; buf = ""
    gsub(/[ \t]+/, " ", def); sub(/^ /, "", def); sub(/ $/, "", def)
    kw = tolower(def); sub(/ .*/, "", kw)
    sub(/^[^ ]+ /, "", def)
    if (def !~ /^\(.*\)$/) { fail("malformed definition: " def); return }
    if (!tokenize(def)) return
    if (kw == "attributetype" || kw == "attributetypes") attribute()
    else if (kw == "objectclass" || kw == "objectclasses") objectclass()
    else fail("unknown schema statement: " kw)
  }
  function attribute(   i, t, oid, name, desc, syntax, single, s, base) {
    oid = tok[2]; name = ""; desc = ""; syntax = ""; single = 0
    for (i = 3; i < ntok; i++) {
      t = tok[i]
      if (t == "NAME") name = unquote(tok[++i])
      else if (t == "DESC") desc = unquote(tok[++i])
      else if (t == "EQUALITY" || t == "ORDERING" || t == "SUBSTR") i++   # AD: from the syntax
      else if (t == "SYNTAX") syntax = tok[++i]
      else if (t == "SINGLE-VALUE") single = 1
      else { fail("attribute " oid ": " t " has no Active Directory equivalent here"); return }
    }
    if (name == "" || syntax == "") { fail("attribute " oid ": NAME and SYNTAX are required"); return }
    base = syntax; sub(/\{[0-9]+\}$/, "", base)
    if (!(base in ad_syntax)) {
      fail("attribute " name ": syntax " syntax " has no Active Directory mapping in " prog)
      return
    }
    split(ad_syntax[base], s, " ")
    out = out sprintf("dn: CN=%s,%s\nchangetype: add\nobjectClass: top\nobjectClass: attributeSchema\n", name, schema_dn)
    out = out sprintf("cn: %s\nlDAPDisplayName: %s\nattributeID: %s\n", name, name, oid)
    if (desc != "") out = out sprintf("adminDescription: %s\n", desc)
    out = out sprintf("attributeSyntax: %s\noMSyntax: %s\n", s[1], s[2])
    if (base == dn_syntax) out = out "oMObjectClass:: KwwCh3McAIVK\n"
    out = out sprintf("isSingleValued: %s\n", single ? "TRUE" : "FALSE")
    if (name in is_indexed) { out = out "searchFlags: 1\n"; seen_indexed[name] = 1 }
    out = out "\n"
    defined[name] = 1; nattr++
  }
  function objectclass(   i, t, oid, name, desc, kind, may, must, n, a, j) {
    oid = tok[2]; name = ""; desc = ""; kind = "STRUCTURAL"; may = ""; must = ""
    for (i = 3; i < ntok; i++) {
      t = tok[i]
      if (t == "NAME") name = unquote(tok[++i])
      else if (t == "DESC") desc = unquote(tok[++i])
      else if (t == "SUP") {
        if (namelist(i + 1) != "top") { fail("object class " oid ": only SUP top is supported"); return }
        i = next_i - 1
      }
      else if (t == "AUXILIARY" || t == "STRUCTURAL" || t == "ABSTRACT") kind = t
      else if (t == "MAY") { may = namelist(i + 1); i = next_i - 1 }
      else if (t == "MUST") { must = namelist(i + 1); i = next_i - 1 }
      else { fail("object class " oid ": " t " has no Active Directory equivalent here"); return }
    }
    if (name == "") { fail("object class " oid ": NAME is required"); return }
    if (kind != "AUXILIARY") { fail("object class " name ": " kind " classes are not supported (only AUXILIARY)"); return }
    cls = cls sprintf("dn: CN=%s,%s\nchangetype: add\nobjectClass: top\nobjectClass: classSchema\n", name, schema_dn)
    cls = cls sprintf("cn: %s\nlDAPDisplayName: %s\ngovernsID: %s\n", name, name, oid)
    if (desc != "") cls = cls sprintf("adminDescription: %s\n", desc)
    cls = cls "objectClassCategory: 3\nsubClassOf: top\n"
    n = split(must, a, " "); for (j = 1; j <= n; j++) { cls = cls "mustContain: " a[j] "\n"; used[a[j]] = 1 }
    n = split(may, a, " "); for (j = 1; j <= n; j++) { cls = cls "mayContain: " a[j] "\n"; used[a[j]] = 1 }
    cls = cls "\n"
    nclass++
  }
  BEGIN {
    prog = "tools/ad-schema.sh"
    schema_dn = "CN=Schema,CN=Configuration," suffix
    ls = "1.3.6.1.4.1.1466.115.121.1."
    ad_syntax[ls "15"] = "2.5.5.12 64"; ad_syntax[ls "26"] = "2.5.5.5 22"
    ad_syntax[ls "7"] = "2.5.5.8 1";    ad_syntax[ls "27"] = "2.5.5.9 2"
    ad_syntax[ls "24"] = "2.5.5.11 24"; ad_syntax[ls "12"] = "2.5.5.1 127"
    dn_syntax = ls "12"
    n = split(indexed, names, " "); for (i = 1; i <= n; i++) is_indexed[names[i]] = 1
    update = "dn:\nchangetype: modify\nadd: schemaUpdateNow\nschemaUpdateNow: 1\n-\n\n"
  }
  /^[ \t]*#/ || /^[ \t]*$/ { flush(); next }
  /^[ \t]/ { buf = buf " " $0; next }
  { flush(); buf = $0 }
  END {
    flush()
    for (x in is_indexed) if (!(x in seen_indexed)) fail("indexed attribute " x " is not defined")
    for (x in used) if (!(x in defined)) fail("an object class names " x ", which is not defined here")
    if (!bad && (nattr == 0 || nclass == 0)) fail("no attribute types or object classes found")
    if (bad) exit 1
    printf "# scimgate schema extension for Active Directory, generated by %s from\n", prog
    printf "# ldap/schema/scimgate.schema: %d attributes, %d auxiliary classes.\n", nattr, nclass
    printf "# Load as a member of Schema Admins (see the header of %s).\n\n", prog
    printf "%s%s%s%s", out, update, cls, update
  }
' "$SCIMGATE_SCHEMA"
