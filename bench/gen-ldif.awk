# gen-ldif.awk -- the benchmark's directory content, as LDIF for slapadd (bench/run.sh).
# Variables: suffix (e.g. dc=example,dc=com), users (100000), small (100), big (50000),
# roleSmall (1000): the role bench-role-1k holds users 1..roleSmall, bench-role-all every user
# (what the default role holds after an HR system's initial load), for POST into each.
# Users look like what the gateway writes on POST /Users without a password
# (inetOrgPerson + scimgateUser, status pending). slapadd runs no overlays, so memberOf is
# written here exactly as the memberof overlay would keep it: users 1..small are in both
# groups, users small+1..big in the big one only. slapadd adds entryUUID, entryCSN and the
# timestamps itself.
BEGIN {
  people = "ou=people," suffix
  groups = "ou=groups," suffix
  smallDn = "cn=bench-small," groups
  bigDn = "cn=bench-big," groups
  roles = "ou=roles," suffix
  roleSmallDn = "cn=bench-role-1k," roles
  roleAllDn = "cn=bench-role-all," roles
  for (i = 1; i <= users; i++) {
    u = sprintf("bench-%06d", i)
    printf "dn: uid=%s,%s\n", u, people
    printf "objectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\n"
    printf "objectClass: inetOrgPerson\nobjectClass: scimgateUser\n"
    printf "uid: %s\ncn: Bench User %06d\nsn: User%06d\ngivenName: Bench\n", u, i, i
    printf "displayName: Bench User %06d\nmail: %s@example.com\n", i, u
    printf "scimgateResource: {\"emails\":[{\"primary\":true,\"value\":\"%s@example.com\"}]}\n", u
    printf "scimgateStatus: pending\n"
    if (i <= small) printf "memberOf: %s\n", smallDn
    if (i <= big) printf "memberOf: %s\n", bigDn
    if (i <= roleSmall) printf "memberOf: %s\n", roleSmallDn
    printf "memberOf: %s\n", roleAllDn
    printf "\n"
  }
  group("bench-small", smallDn, small, "group")
  group("bench-big", bigDn, big, "group")
  group("bench-role-1k", roleSmallDn, roleSmall, "role")
  group("bench-role-all", roleAllDn, users, "role")
}
function group(name, dn, n, kind,   i) {
  printf "dn: %s\nobjectClass: top\nobjectClass: groupOfNames\nobjectClass: scimgateGroup\n", dn
  printf "cn: %s\nscimgateGroupKind: %s\n", name, kind
  for (i = 1; i <= n; i++) printf "member: uid=bench-%06d,%s\n", i, people
  printf "\n"
}
