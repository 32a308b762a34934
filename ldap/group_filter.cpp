#include "ldap/detail/group_entries.h"
#include "ldap/escape.h"
#include "ldap/mapping.h"

namespace scimgate::ldap::detail {
namespace {

Result<std::string> memberFilter(const scim::Filter& filter, const std::string& visible,
                                 GroupEntries& entries);

Result<std::string> leafFilter(const scim::Filter& filter, const std::string& visible,
                               GroupEntries& entries) {
  using Kind = scim::Filter::Kind;
  if (filter.kind == Kind::ValuePath) {
    // members[value eq "id"] reads as members.value eq "id".
    const scim::Filter& inner = *filter.left;
    if (!scim::equalsIgnoreCase(filter.path.attribute, "members") || inner.kind != Kind::Compare) {
      return makeError(ErrorKind::InvalidFilter,
                       "groups support the value filter members[value eq \"id\"] only");
    }
    return leafFilter(flattenValuePath(filter), visible, entries);
  }
  const std::string path = filter.path.dotted();
  if (scim::equalsIgnoreCase(path, "members") || scim::equalsIgnoreCase(path, "members.value")) {
    return memberFilter(filter, visible, entries);
  }
  std::string attr;
  bool isTime = false;
  if (scim::equalsIgnoreCase(path, "displayName")) attr = "cn";
  if (scim::equalsIgnoreCase(path, "externalId")) attr = "scimgateExternalId";
  if (scim::equalsIgnoreCase(path, "id")) {
    using Op = scim::CompareOp;
    if ((filter.op == Op::Eq || filter.op == Op::Ne) &&
        filter.value.type == scim::Literal::Type::String) {
      // Stored in the directory's own form (Profile::idForm); not an id: matches none.
      std::string match = idFilter(entries.profile(), filter.value.text);
      if (match.empty()) match = "(!(objectClass=*))";
      return filter.op == Op::Eq ? match : "(!" + match + ")";
    }
    if (entries.profile().idForm != Profile::IdForm::Uuid) {
      return makeError(ErrorKind::InvalidFilter,
                       "on this directory groups can be filtered by id with eq or ne only");
    }
    attr = entries.profile().idAttribute;
  }
  if (scim::equalsIgnoreCase(path, "kind")) attr = "scimgateGroupKind";
  if (scim::equalsIgnoreCase(path, "meta.created"))
    attr = entries.profile().createdAttribute, isTime = true;
  if (scim::equalsIgnoreCase(path, "meta.lastModified"))
    attr = entries.profile().modifiedAttribute, isTime = true;
  if (attr.empty()) {
    return makeError(ErrorKind::InvalidFilter,
                     "groups can be filtered by displayName, externalId, id, kind, "
                     "meta.created, meta.lastModified or members.value, not '" +
                         path + "'");
  }
  return compareFilter(filter, attr, isTime);
}

// `members.value eq "id"` (and ne, pr): the member attribute holds DNs, so the id is looked up
// first; an id that names nothing is a member of no group.
Result<std::string> memberFilter(const scim::Filter& filter, const std::string& visible,
                                 GroupEntries& entries) {
  using Op = scim::CompareOp;
  // With the placeholder every group holds a member value; an empty one holds only that.
  if (filter.op == Op::Pr) {
    return std::string(entries.profile().emptyGroupPlaceholder ? "(!(member=))" : "(member=*)");
  }
  if ((filter.op != Op::Eq && filter.op != Op::Ne) ||
      filter.value.type != scim::Literal::Type::String) {
    return makeError(ErrorKind::InvalidFilter,
                     "members.value compares only with eq, ne or pr and a user or group id");
  }
  std::string match = "(!(objectClass=*))";  // matches nothing
  if (auto dns = entries.resolveMembers({filter.value.text}, true, visible); !dns) {
    return dns.error();
  } else if (!dns->empty()) {
    match = "(member=" + escapeFilterValue(dns->front()) + ")";
  }
  return filter.op == Op::Eq ? match : "(!" + match + ")";
}

}  // namespace

Result<SortKey> groupSortKey(const scim::AttrPath& path, const Profile& profile) {
  const std::string dotted = path.dotted();
  if (scim::equalsIgnoreCase(dotted, "displayName"))
    return SortKey{"cn", "caseIgnoreOrderingMatch"};
  if (scim::equalsIgnoreCase(dotted, "id")) return SortKey{profile.idAttribute, ""};
  if (scim::equalsIgnoreCase(dotted, "externalId")) {
    return SortKey{"scimgateExternalId", "caseExactOrderingMatch"};
  }
  if (scim::equalsIgnoreCase(dotted, "kind")) {
    return SortKey{"scimgateGroupKind", "caseIgnoreOrderingMatch"};
  }
  if (scim::equalsIgnoreCase(dotted, "meta.created")) return SortKey{profile.createdAttribute, ""};
  if (scim::equalsIgnoreCase(dotted, "meta.lastModified"))
    return SortKey{profile.modifiedAttribute, ""};
  return makeError(ErrorKind::InvalidValue,
                   "cannot sort groups by '" + dotted +
                       "': sort by displayName, id, externalId, kind, meta.created or "
                       "meta.lastModified");
}

Result<std::string> groupFilter(const scim::Filter& filter, const std::string& visible,
                                GroupEntries& entries) {
  return translateFilter(
      filter, [&](const scim::Filter& node) { return leafFilter(node, visible, entries); });
}

}  // namespace scimgate::ldap::detail
