#include "ldap/detail/user_search.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "ldap/detail/scope.h"
#include "ldap/escape.h"
#include "ldap/mapping.h"
#include "scim/filter.h"
#include "scim/schema.h"

namespace scimgate::ldap::detail {

UserSearch::UserSearch(Context& context, UserEntries& entries)
    : pool_(context.pool), containers_(context.containers), entries_(entries) {}

Result<UserPage> UserSearch::search(const UserQuery& query) {
  std::string filter = entries_.profile().userFilter();
  {
    auto scope = scopeFilter(query);
    if (!scope) return scope.error();
    if (!scope->empty()) filter = "(&" + filter + *scope + ")";
  }
  if (query.filter != nullptr && !entries_.profile().caseExactMatching &&
      mentionsCaseExact(*query.filter)) {
    // The directory ignores case where SCIM respects it: it finds a superset, the gateway picks.
    return searchInMemory(query);
  }
  if (query.filter != nullptr) {
    auto translated = toLdapFilter(*query.filter);
    if (!translated) {
      // Known attributes the directory cannot compare (addresses, further emails, gt/lt on
      // uid...) are evaluated here over the candidates the translatable part selects, bounded
      // by ldap.maxResults (tooMany above). Unknown attributes stay invalidFilter.
      if (translated.error().kind != ErrorKind::InvalidFilter) return translated.error();
      if (auto known = checkFilterable(*query.filter); !known) return known.error();
      return searchInMemory(query);
    }
    filter = "(&" + filter + *translated + ")";
  }
  SortKey key{entries_.profile().userRdnAttribute, "caseIgnoreOrderingMatch"};
  if (query.sortBy) {
    auto chosen = sortKeyFor(*query.sortBy);
    if (!chosen) return chosen.error();
    key = *chosen;
  }
  if (query.filter != nullptr && isUniqueEquality(*query.filter)) {
    // Normally one entry or none; an externalId the directory does not keep unique may match
    // more, up to ldap.maxResults (tooMany above, as any list the gateway sorts itself).
    return sortHere(filter, query, nullptr);
  }
  return withConnection<UserPage>(pool_, true, [&](LDAP* ld) -> Result<UserPage> {
    return searchPage(ld, filter, key, query);
  });
}

Result<std::string> UserSearch::toLdapFilter(const scim::Filter& filter) const {
  return translateFilter(filter, [this](const scim::Filter& node) -> Result<std::string> {
    if (auto answered = statusOrRoleFilter(node)) return *answered;
    if (node.kind == scim::Filter::Kind::Compare &&
        scim::equalsIgnoreCase(node.path.dotted(), "id")) {
      // Other than eq and ne, ids are compared here in their SCIM form: the directory keeps them
      // in its own (nsUniqueId's grouping) and has no substring rule for entryUUID.
      return makeError(ErrorKind::InvalidFilter, "the directory cannot compare ids that way");
    }
    return entries_.mapping().toLdapFilter(node);
  });
}

// `id eq|ne "..."`, `<extension>:status eq|ne "..."` and `roles[.value] eq|ne "..."` (also
// `roles[value eq ...]`), with the semantics of the resource the gateway shows: a user without
// scimgateStatus is active, and `roles` lists every role group the user is a member of. nullopt for
// anything else.
std::optional<std::string> UserSearch::statusOrRoleFilter(const scim::Filter& node) const {
  using Kind = scim::Filter::Kind;
  using Op = scim::CompareOp;
  const scim::Filter* compare = &node;
  scim::AttrPath path = node.path;
  if (node.kind == Kind::ValuePath) {
    compare = node.left.get();
    if (compare->kind != Kind::Compare || !compare->path.subAttribute.empty()) return std::nullopt;
    path.subAttribute = compare->path.attribute;
  }
  if (compare->kind != Kind::Compare || (compare->op != Op::Eq && compare->op != Op::Ne) ||
      compare->value.type != scim::Literal::Type::String) {
    return std::nullopt;
  }
  const std::string& value = compare->value.text;
  std::string match;
  if ((path.schema.empty() || scim::equalsIgnoreCase(path.schema, scim::kUserSchema)) &&
      scim::equalsIgnoreCase(path.attribute, "id") && path.subAttribute.empty()) {
    // The id is stored in the directory's own form (Profile::idForm); not an id: matches none.
    match = idFilter(entries_.profile(), value);
    if (match.empty()) match = "(!(objectClass=*))";
  } else if (scim::equalsIgnoreCase(path.schema, scim::kScimgateUserSchema) &&
             scim::equalsIgnoreCase(path.attribute, "status") && path.subAttribute.empty()) {
    const std::string status = "(" + std::string(kStatusAttribute) + "=";
    match = scim::equalsIgnoreCase(value, "active") ? "(|(!" + status + "*))" + status + "active))"
                                                    : status + escapeFilterValue(value) + ")";
  } else if ((path.schema.empty() || scim::equalsIgnoreCase(path.schema, scim::kUserSchema)) &&
             scim::equalsIgnoreCase(path.attribute, "roles") &&
             (path.subAttribute.empty() || scim::equalsIgnoreCase(path.subAttribute, "value"))) {
    match = "(memberOf=" + escapeFilterValue(makeRdn("cn", value) + "," + containers_.roles) + ")";
  } else {
    return std::nullopt;
  }
  return compare->op == Op::Eq ? match : "(!" + match + ")";
}

Result<std::string> UserSearch::scopeFilter(const UserQuery& query) {
  auto filters = scopeFilters(pool_, containers_, query.inAccounts ? &*query.inAccounts : nullptr,
                              query.alsoUserId);
  if (!filters) return filters.error();
  return filters->users;
}

// Every path of the filter must name an attribute the User schemas define (and may be filtered
// on: never a `returned: never` one such as password), and every sub-attribute one that attribute
// has: a typo is an error, not a filter that silently matches nothing.
Result<void> UserSearch::checkFilterable(const scim::Filter& filter) {
  using Kind = scim::Filter::Kind;
  if (filter.kind == Kind::And || filter.kind == Kind::Or) {
    if (auto left = checkFilterable(*filter.left); !left) return left;
    return checkFilterable(*filter.right);
  }
  if (filter.kind == Kind::Not) return checkFilterable(*filter.left);
  const scim::AttrPath& path = filter.path;
  auto unknown = [&](const std::string& what) -> Result<void> {
    return makeError(ErrorKind::InvalidFilter, "cannot filter on " + what);
  };
  const auto& type = scim::userResourceType();
  const scim::Schema* schema = path.schema.empty() ? type.core : type.schemaFor(path.schema);
  if (schema == nullptr) return unknown("the unknown schema '" + path.schema + "'");
  if (schema == type.core) {
    for (const char* common : {"id", "externalId", "meta"}) {
      if (scim::equalsIgnoreCase(path.attribute, common)) return {};
    }
  }
  const scim::AttributeDef* def = schema->find(path.attribute);
  if (def == nullptr || def->returned == scim::Returned::Never) {
    return unknown("'" + path.attribute + "': users have no such attribute");
  }
  if (filter.kind == Kind::ValuePath) {
    if (!def->multiValued) return unknown("'" + def->name + "[...]': it is not multi-valued");
    return checkSubAttributes(*filter.left, *def);
  }
  if (path.subAttribute.empty() || def->findSub(path.subAttribute) != nullptr) return {};
  return unknown("'" + path.dotted() + "': '" + def->name + "' has no sub-attribute '" +
                 path.subAttribute + "'");
}

// The filter inside `attribute[...]` names sub-attributes of it (`value` for a multi-valued
// simple attribute such as skills).
Result<void> UserSearch::checkSubAttributes(const scim::Filter& inner,
                                            const scim::AttributeDef& def) {
  using Kind = scim::Filter::Kind;
  if (inner.kind == Kind::And || inner.kind == Kind::Or) {
    if (auto left = checkSubAttributes(*inner.left, def); !left) return left;
    return checkSubAttributes(*inner.right, def);
  }
  if (inner.kind == Kind::Not) return checkSubAttributes(*inner.left, def);
  const std::string& name = inner.path.attribute;
  const bool known = def.type == scim::AttrType::Complex ? def.findSub(name) != nullptr
                                                         : scim::equalsIgnoreCase(name, "value");
  if (known && inner.kind == Kind::Compare && inner.path.subAttribute.empty()) return {};
  return makeError(ErrorKind::InvalidFilter,
                   "cannot filter on '" + def.name + "[" + inner.path.dotted() + " ...]': '" +
                       def.name + "' has no sub-attribute '" + inner.path.dotted() + "'");
}

// Whether the filter compares externalId, which SCIM matches with case (RFC 7643 3.1).
bool UserSearch::mentionsCaseExact(const scim::Filter& filter) {
  if (filter.left && mentionsCaseExact(*filter.left)) return true;
  if (filter.right && mentionsCaseExact(*filter.right)) return true;
  return scim::equalsIgnoreCase(filter.path.attribute, "externalId");
}

// The LDAP filter for the parts of `filter` the directory can answer: a superset of the
// matches (an untranslatable conjunct is dropped; an untranslatable `or`/`not` selects all).
std::optional<std::string> UserSearch::narrowing(const scim::Filter& filter) const {
  using Kind = scim::Filter::Kind;
  if (auto exact = toLdapFilter(filter)) return *exact;
  using Op = scim::CompareOp;
  if (filter.kind == Kind::Compare && filter.value.type == scim::Literal::Type::String &&
      (filter.op == Op::Eq || filter.op == Op::Co || filter.op == Op::Sw || filter.op == Op::Ew) &&
      entries_.mapping().holdsOnlyPrimary(filter.path)) {
    // AD's single mail: the other addresses are in the JSON remainder, which holds the text.
    const std::string attr = entries_.mapping().ldapAttributeFor(filter.path);
    const std::string value = escapeFilterValue(filter.value.text);
    return "(|(" + attr + "=*" + value + "*)(" + kResourceAttribute + "=*" + value + "*))";
  }
  if (filter.kind == Kind::And) {
    auto left = narrowing(*filter.left);
    auto right = narrowing(*filter.right);
    if (left && right) return "(&" + *left + *right + ")";
    return left ? left : right;
  }
  if (filter.kind == Kind::Or) {
    auto left = narrowing(*filter.left);
    auto right = narrowing(*filter.right);
    if (left && right) return "(|" + *left + *right + ")";
  }
  return std::nullopt;
}

Result<UserPage> UserSearch::searchInMemory(const UserQuery& query) {
  std::string filter = entries_.profile().userFilter();
  auto scope = scopeFilter(query);
  if (!scope) return scope.error();
  if (!scope->empty()) filter = "(&" + filter + *scope + ")";
  if (auto narrowed = narrowing(*query.filter)) filter = "(&" + filter + *narrowed + ")";
  return sortHere(filter, query, query.filter);
}

Result<UserPage> UserSearch::sortHere(const std::string& filter, const UserQuery& query,
                                      const scim::Filter* evaluate) {
  auto entries =
      entries_.search(containers_.people, LDAP_SCOPE_SUBTREE, filter, pool_.settings().maxResults);
  if (!entries) return entries.error();
  auto users = entries_.toUsers(nullptr, *entries);
  auto caseExact = [](const scim::AttrPath& path) {
    return scim::equalsIgnoreCase(path.attribute, "externalId") ||
           scim::equalsIgnoreCase(path.attribute, "id");
  };
  std::vector<std::pair<std::string, scim::User>> keyed;
  for (auto& user : users) {
    std::string key = user.attributes->optValue<std::string>("userName", "");
    if (evaluate != nullptr || query.sortBy) {
      auto json = scim::userToJson(user, "");
      if (evaluate != nullptr && !scim::matches(*evaluate, *json, caseExact)) continue;
      if (query.sortBy) key = sortValue(*json, *query.sortBy);
    }
    keyed.emplace_back(lower(key), std::move(user));
  }
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
    return query.descending ? a.first > b.first : a.first < b.first;
  });
  UserPage page;
  page.totalResults = keyed.size();
  const std::size_t first = std::max<std::size_t>(query.startIndex, 1) - 1;
  for (std::size_t i = first; i < keyed.size() && page.users.size() < query.count; ++i) {
    page.users.push_back(std::move(keyed[i].second));
  }
  return page;
}

bool UserSearch::isUniqueEquality(const scim::Filter& filter) {
  if (filter.kind != scim::Filter::Kind::Compare || filter.op != scim::CompareOp::Eq ||
      filter.value.type != scim::Literal::Type::String || !filter.path.subAttribute.empty()) {
    return false;
  }
  if (!filter.path.schema.empty() && !scim::equalsIgnoreCase(filter.path.schema, scim::kUserSchema))
    return false;
  for (const char* unique : {"userName", "id", "externalId"}) {
    if (scim::equalsIgnoreCase(filter.path.attribute, unique)) return true;
  }
  return false;
}

std::string UserSearch::sortValue(const Poco::JSON::Object& resource, const scim::AttrPath& path) {
  Poco::JSON::Object::Ptr container = new Poco::JSON::Object(resource);
  if (!path.schema.empty() && resource.has(path.schema))
    container = resource.getObject(path.schema);
  for (const auto& [key, value] : *container) {
    if (!scim::equalsIgnoreCase(key, path.attribute)) continue;
    if (value.isString()) return value.extract<std::string>();
    Poco::JSON::Object::Ptr object;
    if (value.type() == typeid(Poco::JSON::Object::Ptr))
      object = value.extract<Poco::JSON::Object::Ptr>();
    if (value.type() == typeid(Poco::JSON::Array::Ptr)) {
      auto array = value.extract<Poco::JSON::Array::Ptr>();
      if (array->size() > 0 && array->get(0).type() == typeid(Poco::JSON::Object::Ptr)) {
        object = array->getObject(0);
      }
    }
    if (!object) return {};
    const std::string sub = path.subAttribute.empty() ? "value" : path.subAttribute;
    for (const auto& [subKey, subValue] : *object) {
      if (scim::equalsIgnoreCase(subKey, sub) && subValue.isString()) {
        return subValue.extract<std::string>();
      }
    }
  }
  return {};
}

// The LDAP sort key for a SCIM attribute. Many standard attributes (uid, mail, cn...) have no
// ORDERING rule in their schema, so the key names one explicitly.
Result<SortKey> UserSearch::sortKeyFor(const scim::AttrPath& path) const {
  const std::string dotted = path.dotted();
  if (scim::equalsIgnoreCase(dotted, "id")) return SortKey{entries_.profile().idAttribute, ""};
  if (scim::equalsIgnoreCase(dotted, "meta.created"))
    return SortKey{entries_.profile().createdAttribute, ""};
  if (scim::equalsIgnoreCase(dotted, "meta.lastModified"))
    return SortKey{entries_.profile().modifiedAttribute, ""};
  const std::string attr = entries_.mapping().ldapAttributeFor(path);
  if (attr.empty()) {
    return makeError(ErrorKind::InvalidValue,
                     "cannot sort by '" + dotted + "': it is unknown or not kept in the directory");
  }
  const bool exact = scim::equalsIgnoreCase(attr, "scimgateExternalId") ||
                     scim::equalsIgnoreCase(attr, "scimgateProfileUrl");
  return SortKey{attr, exact ? "caseExactOrderingMatch" : "caseIgnoreOrderingMatch"};
}

// One page through Server Side Sort (RFC 2891) and Virtual List View: the directory sorts,
// counts and slices, so the gateway never reads more than the page.
Result<UserPage> UserSearch::searchPage(LDAP* ld, const std::string& filter, const SortKey& key,
                                        const UserQuery& query) {
  PageRequest request;
  request.base = containers_.people;
  request.filter = filter;
  request.key = key;
  request.descending = query.descending;
  request.startIndex = query.startIndex;
  request.count = query.count;
  request.attributes =
      query.attributes ? entries_.mapping().readAttributesFor(*query.attributes, entries_.profile())
                       : entries_.readAttributes();
  request.what = "users";
  auto found = searchSortedPage(ld, pool_, request);
  if (!found) return found.error();
  UserPage page;
  page.totalResults = found->totalResults;
  if (!found->entries.empty()) page.users = entries_.toUsers(ld, found->entries);
  return page;
}

}  // namespace scimgate::ldap::detail
