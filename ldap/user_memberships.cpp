#include "ldap/detail/user_memberships.h"

#include <algorithm>
#include <map>

#include "ldap/detail/members.h"
#include "ldap/detail/scope.h"
#include "ldap/escape.h"
#include "scim/schema.h"

namespace scimgate::ldap::detail {

Result<std::optional<UserMemberships::DnSet>> UserMemberships::wantedRoles(
    const Poco::JSON::Object& user, bool creating) const {
  const auto& names = context_.pool.settings().roleNames;
  std::vector<std::string> asked;
  if (!user.has("roles") || user.get("roles").isEmpty()) {
    if (!creating || context_.pool.settings().defaultRole.empty()) return std::optional<DnSet>{};
    asked.push_back(context_.pool.settings().defaultRole);
  } else if (user.get("roles").type() == typeid(Poco::JSON::Array::Ptr)) {
    auto array = user.getArray("roles");
    for (std::size_t i = 0; i < array->size(); ++i) {
      auto element = array->getObject(static_cast<unsigned>(i));
      if (!element || !element->has("value") || !element->get("value").isString()) {
        return makeError(ErrorKind::InvalidValue, "each role needs a 'value' naming the role");
      }
      asked.push_back(element->getValue<std::string>("value"));
    }
  } else {
    return makeError(ErrorKind::InvalidValue, "'roles' must be a list");
  }
  DnSet dns;
  for (const auto& name : asked) {
    auto known = std::find_if(names.begin(), names.end(), [&](const std::string& role) {
      return scim::equalsIgnoreCase(role, name);
    });
    if (known == names.end()) {
      std::string allowed;
      for (const auto& role : names) allowed += (allowed.empty() ? "" : ", ") + role;
      return makeError(ErrorKind::InvalidValue,
                       "unknown role '" + name + "'; the roles are: " + allowed);
    }
    dns.insert(makeRdn("cn", *known) + "," + context_.containers.roles);
  }
  return std::optional<DnSet>{std::move(dns)};
}

Result<std::optional<UserMemberships::DnSet>> UserMemberships::wantedAccounts(
    const Poco::JSON::Object& user) {
  const std::string ext(scim::kScimgateUserSchema);
  if (!user.has(ext) || user.get(ext).type() != typeid(Poco::JSON::Object::Ptr)) {
    return std::optional<DnSet>{};
  }
  auto extension = user.getObject(ext);
  if (!extension->has("accounts") || extension->get("accounts").isEmpty()) {
    return std::optional<DnSet>{};
  }
  if (extension->get("accounts").type() != typeid(Poco::JSON::Array::Ptr)) {
    return makeError(ErrorKind::InvalidValue, "'accounts' must be a list");
  }
  auto array = extension->getArray("accounts");
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < array->size(); ++i) {
    auto element = array->getObject(static_cast<unsigned>(i));
    if (!element || !element->has("value") || !element->get("value").isString()) {
      return makeError(ErrorKind::InvalidValue, "each account needs a 'value': the account's id");
    }
    ids.push_back(element->getValue<std::string>("value"));
  }
  DnSet dns;
  if (ids.empty()) return std::optional<DnSet>{std::move(dns)};
  auto found = accountDnsById(context_.pool, context_.containers, ids, true);
  if (!found) return found.error();
  for (const auto& id : ids) {
    auto it = found->find(lower(id));
    if (it == found->end())
      return makeError(ErrorKind::InvalidValue, "no account with id '" + id + "'");
    dns.insert(it->second);
  }
  return std::optional<DnSet>{std::move(dns)};
}

std::vector<UserMemberships::Change> UserMemberships::plan(
    const std::vector<std::string>& memberOf, const std::optional<DnSet>& roles,
    const std::optional<DnSet>& accounts) const {
  std::vector<Change> changes;
  auto plan1 = [&](const std::optional<DnSet>& wanted, const std::string& container) {
    if (!wanted) return;
    DnSet current;
    for (const auto& dn : memberOf) {
      if (isUnder(dn, container)) current.insert(dn);
    }
    for (const auto& dn : current) {
      if (!wanted->count(dn)) changes.push_back({dn, false});
    }
    for (const auto& dn : *wanted) {
      if (!current.count(dn)) changes.push_back({dn, true});
    }
  };
  plan1(roles, context_.containers.roles);
  plan1(accounts, context_.containers.accounts);
  return changes;
}

Result<void> UserMemberships::apply(const std::string& userDn, const std::vector<Change>& changes) {
  std::vector<Change> done;
  for (const auto& change : changes) {
    if (auto applied = applyOne(change, userDn); !applied) {
      undo(userDn, done);
      if (applied.error().kind == ErrorKind::NotFound) {
        return makeError(ErrorKind::InvalidValue,
                         "cannot " + describe(change) + ": the group does not exist");
      }
      return applied.error();
    }
    done.push_back(change);
  }
  return {};
}

void UserMemberships::undo(const std::string& userDn, const std::vector<Change>& done) {
  for (auto it = done.rbegin(); it != done.rend(); ++it) {
    (void)applyOne({it->groupDn, !it->join}, userDn);
  }
}

Result<std::vector<UserMemberships::Change>> UserMemberships::leaveQueues(
    const std::string& userDn, const std::vector<std::string>& memberOf) {
  // The queues are in the user's memberOf, read with the entry (as its roles are): no search.
  std::vector<Change> leave;
  for (const auto& dn : memberOf) {
    if (isUnder(dn, context_.containers.queues)) leave.push_back({dn, false});
  }
  if (auto left = apply(userDn, leave); !left) return left.error();
  return leave;
}

void UserMemberships::follow(std::vector<std::string>& memberOf,
                             const std::vector<Change>& changes) {
  for (const auto& change : changes) {
    auto same = [&](const std::string& dn) { return scim::equalsIgnoreCase(dn, change.groupDn); };
    memberOf.erase(std::remove_if(memberOf.begin(), memberOf.end(), same), memberOf.end());
    if (change.join) memberOf.push_back(change.groupDn);
  }
}

// What a step is, for errors and the fault seam: "join role cn=Manager,ou=roles,...".
std::string UserMemberships::describe(const Change& change) const {
  const std::string kind(scim::toString(context_.containers.kindOf(change.groupDn)));
  return std::string(change.join ? "join " : "leave ") + kind + " " + change.groupDn;
}

// One single-value modify of the group, whatever its size, through the one member writer (so
// it goes out merged with other changes reaching the group at the same time). The group is not
// read: the first member drops its placeholder if it has one.
Result<void> UserMemberships::applyOne(const Change& change, const std::string& userDn) {
  MemberChange write;
  (change.join ? write.addDns : write.removeDns).push_back(userDn);
  write.placeholder = Placeholder::Unknown;
  write.step = write.context = describe(change);
  auto written = context_.members.write(change.groupDn, write);
  if (!written) return written.error();
  return {};
}

}  // namespace scimgate::ldap::detail
