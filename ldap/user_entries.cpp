#include "ldap/detail/user_entries.h"

#include <atomic>
#include <map>
#include <set>

#include "ldap/detail/search.h"
#include "ldap/escape.h"
#include "scim/schema.h"

namespace scimgate::ldap::detail {
namespace {

// The last reads of a thread (newest last): a request that reads a user and then replaces it
// does both on one thread, so the replace can work from that read.
struct KeptRead {
  std::uint64_t instance;
  std::string id;
  RawEntry entry;
};
constexpr std::size_t kKeptReads = 4;
thread_local std::vector<KeptRead> keptReads;
std::atomic<std::uint64_t> nextInstance{1};

}  // namespace

UserEntries::UserEntries(Context& context, UserMapping mapping)
    : pool_(context.pool),
      profile_(context.pool.settings().profile),
      containers_(context.containers),
      groupNames_(context.groupNames),
      instance_(nextInstance++),
      mapping_(std::move(mapping)),
      readAttributes_(mapping_.readAttributes(profile_)) {
  // Status bookkeeping the mapping does not own: the deactivation lock, the lockout after failed
  // binds and the password-set time, and the memberships the directory keeps (memberOf).
  readAttributes_.push_back(profile_.lockAttribute);
  for (const auto& name : profile_.lockoutAttributes) {
    if (name != profile_.lockAttribute) readAttributes_.push_back(name);
  }
  readAttributes_.push_back(profile_.passwordSetAttribute);
  readAttributes_.emplace_back("memberOf");
  // cn is derived (inetOrgPerson requires it): read so that an update compares and an undo
  // restores it.
  readAttributes_.emplace_back("cn");
}

Result<std::vector<RawEntry>> UserEntries::search(const std::string& base, int scope,
                                                  const std::string& filter, int sizeLimit) {
  return detail::search(pool_, {.base = base,
                                .scope = scope,
                                .filter = filter,
                                .attributes = readAttributes_,
                                .sizeLimit = sizeLimit,
                                .what = "users"});
}

Result<RawEntry> UserEntries::findEntry(std::string_view id) {
  const std::string byId = idFilter(profile_, id);
  if (byId.empty())
    return makeError(ErrorKind::NotFound, "no user with id '" + std::string(id) + "'");
  const std::string filter = "(&" + profile_.userFilter() + byId + ")";
  auto entries = search(containers_.people, LDAP_SCOPE_SUBTREE, filter, 2);
  if (!entries) return entries.error();
  if (entries->empty())
    return makeError(ErrorKind::NotFound, "no user with id '" + std::string(id) + "'");
  return std::move(entries->front());
}

Result<RawEntry> UserEntries::read(std::string_view id) {
  auto found = findEntry(id);
  if (!found) return found;
  auto same = [&](const KeptRead& kept) {
    return kept.instance == instance_ && scim::equalsIgnoreCase(kept.id, id);
  };
  std::erase_if(keptReads, same);
  if (keptReads.size() >= kKeptReads) keptReads.erase(keptReads.begin());
  keptReads.push_back({instance_, std::string(id), *found});
  return found;
}

std::optional<RawEntry> UserEntries::recall(std::string_view id, const std::string& csn) {
  for (auto it = keptReads.begin(); it != keptReads.end(); ++it) {
    if (it->instance != instance_ || !scim::equalsIgnoreCase(it->id, id)) continue;
    std::optional<RawEntry> entry;
    if (!csn.empty() && versionOf(profile_, it->entry.attributes) == csn) {
      entry = std::move(it->entry);
    }
    keptReads.erase(it);
    return entry;
  }
  return std::nullopt;
}

Result<RawEntry> UserEntries::readByDn(const std::string& dn) {
  auto entries = search(dn, LDAP_SCOPE_BASE, "(objectClass=*)", 1);
  if (!entries) return entries.error();
  if (entries->empty()) return makeError(ErrorKind::NotFound, "the user vanished after writing");
  return std::move(entries->front());
}

Result<scim::User> UserEntries::toUser(const RawEntry& entry) {
  return toUsers(nullptr, {entry}).front();
}

std::vector<scim::User> UserEntries::toUsers(LDAP* ld, const std::vector<RawEntry>& entries) {
  // The groups' ids, names and kinds: kept ones (GroupNames), and one search for the others.
  std::map<std::string, GroupName, AttrNameLess> groups;
  std::set<std::string, AttrNameLess> unknown;
  for (const auto& entry : entries) {
    if (auto it = entry.attributes.find("memberOf"); it != entry.attributes.end()) {
      for (const auto& dn : it->second) {
        if (groups.count(dn) != 0 || unknown.count(dn) != 0) continue;
        if (auto kept = groupNames_.find(dn)) {
          groups.emplace(dn, std::move(*kept));
        } else {
          unknown.insert(dn);
        }
      }
    }
  }
  if (!unknown.empty()) {
    std::string filter = "(|";
    for (const auto& dn : unknown)
      filter += "(" + profile_.dnAttribute + "=" + escapeFilterValue(dn) + ")";
    filter += ")";
    // Without them (a failed search) the users are shown without memberships.
    const auto lookUp = [&](LDAP* on) {
      return searchOn(on, {.base = containers_.base,
                           .filter = filter,
                           .attributes = {profile_.idAttribute, "cn", "scimgateGroupKind"}});
    };
    auto found =
        ld != nullptr ? lookUp(ld) : withConnection<std::vector<RawEntry>>(pool_, true, lookUp);
    if (found) {
      for (auto& group : *found) {
        GroupName name{idOf(profile_, group.attributes), firstOf(group.attributes, "cn"),
                       lower(firstOf(group.attributes, "scimgateGroupKind"))};
        groupNames_.keep(group.dn, name);
        groups.emplace(group.dn, std::move(name));
      }
    }
  }
  std::vector<scim::User> users;
  for (const auto& entry : entries) {
    scim::User user = toPlainUser(entry);
    auto it = entry.attributes.find("memberOf");
    if (it == entry.attributes.end()) {
      users.push_back(std::move(user));
      continue;
    }
    for (const auto& dn : it->second) {
      auto group = groups.find(dn);
      if (group == groups.end()) continue;
      const std::string& id = group->second.id;
      const std::string& name = group->second.name;
      const std::string& kind = group->second.kind;
      Poco::JSON::Object::Ptr value = new Poco::JSON::Object;
      Poco::JSON::Object::Ptr target = user.attributes;
      std::string key = "groups";
      if (kind == "role") {
        // RFC 7643 4.1.2: a role's value is its name.
        key = "roles";
        value->set("value", name);
        value->set("display", name);
      } else {
        value->set("value", id);
        value->set("display", name);
        if (kind == "queue" || kind == "account") {
          key = kind == "queue" ? "queues" : "accounts";
          const std::string ext(scim::kScimgateUserSchema);
          if (!user.attributes->has(ext))
            user.attributes->set(ext, Poco::JSON::Object::Ptr(new Poco::JSON::Object));
          target = user.attributes->getObject(ext);
        } else {
          value->set("type", "direct");
        }
      }
      if (!target->has(key)) target->set(key, Poco::JSON::Array::Ptr(new Poco::JSON::Array));
      target->getArray(key)->add(value);
    }
    users.push_back(std::move(user));
  }
  return users;
}

scim::User UserEntries::toPlainUser(const RawEntry& entry) const {
  scim::User user;
  const Attributes& attributes = entry.attributes;
  user.id = idOf(profile_, attributes);
  user.attributes = mapping_.toScim(attributes);
  user.meta.created = fromGeneralizedTime(firstOf(attributes, profile_.createdAttribute));
  user.meta.lastModified = fromGeneralizedTime(firstOf(attributes, profile_.modifiedAttribute));
  const std::string csn = versionOf(profile_, attributes);
  user.meta.version =
      "W/\"" + (csn.empty() ? firstOf(attributes, profile_.modifiedAttribute) : csn) + "\"";
  return user;
}

}  // namespace scimgate::ldap::detail
