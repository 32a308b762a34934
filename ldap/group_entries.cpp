#include "ldap/detail/group_entries.h"

#include <algorithm>
#include <map>
#include <set>

#include "ldap/detail/members.h"
#include "ldap/detail/search.h"
#include "ldap/escape.h"

namespace scimgate::ldap::detail {
namespace {

bool hasValue(const Attributes& attributes, const char* name, std::string_view value) {
  auto it = attributes.find(name);
  if (it == attributes.end()) return false;
  return std::any_of(it->second.begin(), it->second.end(),
                     [&](const std::string& v) { return scim::equalsIgnoreCase(v, value); });
}

}  // namespace

GroupEntries::GroupEntries(Context& context)
    : pool_(context.pool),
      profile_(context.pool.settings().profile),
      containers_(context.containers) {}

// `visible`: an LDAP filter the group must also match ("" = any); else it is NotFound.
Result<RawEntry> GroupEntries::findEntry(std::string_view id, const std::string& visible) {
  const auto notFound =
      makeError(ErrorKind::NotFound, "no group with id '" + std::string(id) + "'");
  const std::string byId = idFilter(profile_, id);
  if (byId.empty()) return notFound;
  auto entries = search(containers_.base, LDAP_SCOPE_SUBTREE,
                        "(&" + profile_.groupFilter() + byId + visible + ")", true);
  if (!entries) return entries.error();
  if (entries->empty()) return notFound;
  return std::move(entries->front());
}

Result<RawEntry> GroupEntries::readBase(const std::string& dn) {
  auto entries = search(dn, LDAP_SCOPE_BASE, "(objectClass=*)", true);
  if (!entries) return entries.error();
  if (entries->empty()) return makeError(ErrorKind::NotFound, "the group vanished after writing");
  return std::move(entries->front());
}

Result<MemberChangeTarget> GroupEntries::findForMemberChange(std::string_view id,
                                                             const std::vector<std::string>& add,
                                                             const std::vector<std::string>& remove,
                                                             const ScopeFilters& scope) {
  const auto notFound =
      makeError(ErrorKind::NotFound, "no group with id '" + std::string(id) + "'");
  if (!isUuid(id)) return notFound;
  const std::string groupId = lower(std::string(id));
  std::optional<scim::Error> invalid;
  std::set<std::string> addWanted, removeWanted;
  for (const auto& member : add) {
    if (isUuid(member)) {
      addWanted.insert(lower(member));
    } else if (!invalid) {
      invalid = scim::Error{ErrorKind::InvalidValue,
                            "member '" + member + "' is not the id of a user or group"};
    }
  }
  for (const auto& member : remove) {
    if (isUuid(member)) removeWanted.insert(lower(member));
  }
  std::set<std::string> wanted = addWanted;
  wanted.insert(removeWanted.begin(), removeWanted.end());
  const std::vector<std::string> list(wanted.begin(), wanted.end());

  std::vector<std::string> attributes = groupAttributes(profile_);
  std::string valuesFilter;
  if (!addWanted.empty() && profile_.emptyGroupPlaceholder) {
    // Only an add needs to know about the placeholder; finding it means testing every member
    // value against the filter (~0.5 ms of slapd CPU on a 50,000-member group).
    valuesFilter = "((member=)(objectClass=" + profile_.groupClass + ")";
    for (const auto& name : attributes) valuesFilter += "(" + name + "=*)";
    valuesFilter += ")";
    attributes.push_back("member");
  }
  attributes.push_back("objectClass");

  std::optional<RawEntry> group;
  std::map<std::string, std::string> dnById;
  // Bounded filter size: members in batches of 200, the group with the first.
  for (std::size_t start = 0; start == 0 || start < list.size(); start += 200) {
    std::string filter = "(|";
    if (start == 0) {
      filter += "(&" + profile_.groupFilter() + idFilter(profile_, groupId) + scope.groups + ")";
    }
    std::string members;
    for (std::size_t i = start; i < std::min(list.size(), start + 200); ++i) {
      members += idFilter(profile_, list[i]);
    }
    if (!members.empty()) filter += "(&(|" + members + ")" + scope.members + ")";
    filter += ")";
    auto entries =
        search(containers_.base, LDAP_SCOPE_SUBTREE, filter, false, attributes, valuesFilter);
    if (!entries) return entries.error();
    for (auto& e : *entries) {
      const std::string uuid = idOf(profile_, e.attributes);
      dnById[uuid] = e.dn;
      if (uuid == groupId && hasValue(e.attributes, "objectClass", profile_.groupClass)) {
        group = std::move(e);
      }
    }
  }
  if (!group) return notFound;

  MemberChangeTarget target;
  target.invalid = invalid;
  for (const auto& member : addWanted) {
    auto it = dnById.find(member);
    if (it == dnById.end()) {
      if (!target.invalid) {
        target.invalid =
            scim::Error{ErrorKind::InvalidValue, "no user or group has the id '" + member + "'"};
      }
      continue;
    }
    target.addDns.push_back(it->second);
  }
  for (const auto& member : removeWanted) {
    if (auto it = dnById.find(member); it != dnById.end()) target.removeDns.push_back(it->second);
  }
  if (auto it = group->attributes.find("member"); it != group->attributes.end()) {
    target.placeholder = std::any_of(it->second.begin(), it->second.end(),
                                     [](const std::string& v) { return v.empty(); });
  }
  target.group = std::move(*group);
  return target;
}

Result<std::vector<std::string>> GroupEntries::resolveMembers(const std::vector<std::string>& ids,
                                                              bool ignoreUnknown,
                                                              const std::string& visible) {
  std::set<std::string> wanted;
  for (const auto& id : ids) {
    if (isUuid(id)) {
      wanted.insert(lower(id));
    } else if (!ignoreUnknown) {
      return makeError(ErrorKind::InvalidValue,
                       "member '" + id + "' is not the id of a user or group");
    }
  }
  if (wanted.empty()) return std::vector<std::string>{};
  std::vector<std::string> dns;
  std::set<std::string> found;
  const std::vector<std::string> list(wanted.begin(), wanted.end());
  // Bounded filter size: resolve in batches.
  for (std::size_t start = 0; start < list.size(); start += 200) {
    std::string filter = "(|";
    for (std::size_t i = start; i < std::min(list.size(), start + 200); ++i) {
      filter += idFilter(profile_, list[i]);
    }
    filter += ")";
    if (!visible.empty()) filter = "(&" + filter + visible + ")";
    auto entries = search(containers_.base, LDAP_SCOPE_SUBTREE, filter, false);
    if (!entries) return entries.error();
    for (const auto& e : *entries) {
      dns.push_back(e.dn);
      found.insert(idOf(profile_, e.attributes));
    }
  }
  if (!ignoreUnknown) {
    for (const auto& id : wanted) {
      if (!found.count(id)) {
        return makeError(ErrorKind::InvalidValue, "no user or group has the id '" + id + "'");
      }
    }
  }
  return dns;
}

Result<std::vector<scim::GroupMember>> GroupEntries::readMembers(const std::string& groupDn,
                                                                 const std::string& visible) {
  return withConnection<std::vector<scim::GroupMember>>(
      pool_, true, [&](LDAP* ld) -> Result<std::vector<scim::GroupMember>> {
        std::vector<scim::GroupMember> members;
        std::string filter = "(memberOf=" + escapeFilterValue(groupDn) + ")";
        if (!visible.empty()) filter = "(&" + filter + visible + ")";
        CStrings attrs({profile_.idAttribute, "displayName", "cn", "objectClass"});
        berval* cookie = nullptr;
        do {
          LDAPControl* page = nullptr;
          int rc = ldap_create_page_control(ld, 1000, cookie, 0, &page);
          if (cookie != nullptr) ber_bvfree(cookie);
          cookie = nullptr;
          if (rc != LDAP_SUCCESS) return errorFromLdap(rc, "reading members");
          ControlPtr pageControl(page);
          LDAPControl* controls[] = {pageControl.get(), nullptr};
          LDAPMessage* raw = nullptr;
          rc = counted(OpKind::Search, [&] {
            return ldap_search_ext_s(ld, containers_.base.c_str(), LDAP_SCOPE_SUBTREE,
                                     filter.c_str(), attrs.get(), 0, controls, nullptr, nullptr, 0,
                                     &raw);
          });
          MessagePtr result(raw);
          if (rc != LDAP_SUCCESS) return errorFromLdap(rc, "reading members");
          for (LDAPMessage* e = ldap_first_entry(ld, result.get()); e; e = ldap_next_entry(ld, e)) {
            RawEntry member = readEntry(ld, e);
            scim::GroupMember m;
            m.value = idOf(profile_, member.attributes);
            m.display = firstOf(member.attributes, "displayName");
            if (m.display.empty()) m.display = firstOf(member.attributes, "cn");
            bool isGroup = false;
            if (auto it = member.attributes.find("objectClass"); it != member.attributes.end()) {
              for (const auto& oc : it->second)
                isGroup = isGroup || scim::equalsIgnoreCase(oc, profile_.groupClass);
            }
            m.type = isGroup ? "Group" : "User";
            members.push_back(std::move(m));
          }
          LDAPControl** responseControls = nullptr;
          int code = LDAP_SUCCESS;
          ldap_parse_result(ld, result.get(), &code, nullptr, nullptr, nullptr, &responseControls,
                            0);
          LDAPControl* response =
              ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, responseControls, nullptr);
          ber_int_t estimate = 0;
          berval next{0, nullptr};
          if (response != nullptr &&
              ldap_parse_pageresponse_control(ld, response, &estimate, &next) == LDAP_SUCCESS &&
              next.bv_len > 0) {
            cookie = ber_bvdup(&next);
          }
          if (next.bv_val != nullptr) ber_memfree(next.bv_val);
          ldap_controls_free(responseControls);
        } while (cookie != nullptr);
        return members;
      });
}

Result<scim::GroupView> GroupEntries::toView(const RawEntry& entry, bool withMembers,
                                             const std::string& visible) {
  scim::GroupView view;
  view.id = idOf(profile_, entry.attributes);
  view.displayName = firstOf(entry.attributes, "cn");
  if (auto ext = firstOf(entry.attributes, "scimgateExternalId"); !ext.empty()) {
    view.externalId = ext;
  }
  view.kind = scim::groupKindFrom(firstOf(entry.attributes, "scimgateGroupKind"))
                  .value_or(containers_.kindOf(entry.dn));
  view.meta.created = fromGeneralizedTime(firstOf(entry.attributes, profile_.createdAttribute));
  view.meta.lastModified =
      fromGeneralizedTime(firstOf(entry.attributes, profile_.modifiedAttribute));
  view.meta.version = "W/\"" + versionOf(profile_, entry.attributes) + "\"";
  if (withMembers) {
    auto members = readMembers(entry.dn, visible);
    if (!members) return members.error();
    view.members = std::move(*members);
  }
  return view;
}

Result<std::vector<RawEntry>> GroupEntries::search(const std::string& base, int scope,
                                                   const std::string& filter, bool sizeOne) {
  return search(base, scope, filter, sizeOne, groupAttributes(profile_), "");
}

Result<std::vector<RawEntry>> GroupEntries::search(const std::string& base, int scope,
                                                   const std::string& filter, bool sizeOne,
                                                   const std::vector<std::string>& attributes,
                                                   const std::string& valuesFilter) {
  return detail::search(pool_, {.base = base,
                                .scope = scope,
                                .filter = filter,
                                .attributes = attributes,
                                .sizeLimit = sizeOne ? 2 : 0,
                                .valuesFilter = valuesFilter,
                                .what = "groups"});
}

}  // namespace scimgate::ldap::detail
