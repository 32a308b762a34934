#pragma once
// One page of a search, sorted and sliced by the directory (Server Side Sort, RFC 2891, and
// Virtual List View): shared by the user and group lists. Internal to ldap/.

#include <ldap.h>

#include <cstddef>
#include <string>
#include <vector>

#include "ldap/detail/pool.h"
#include "ldap/detail/util.h"

namespace scimgate::ldap::detail {

struct SortKey {
  std::string attribute;
  std::string orderingRule;  // "" = the attribute's own
};

struct PageRequest {
  std::string base;
  std::string filter;
  SortKey key;
  bool descending = false;
  std::size_t startIndex = 1;  // 1-based position in the sorted result
  std::size_t count = 100;     // 0: only the total
  std::vector<std::string> attributes;
  std::string what;  // "users", "groups": for error messages
};

struct RawPage {
  std::size_t totalResults = 0;
  std::vector<RawEntry> entries;
};

/// The page through SSS + VLV on `ld`: the directory sorts, counts and slices, so no more than
/// the page is read. A startIndex past the end is an empty page with the total. An attribute the
/// directory cannot order is InvalidValue.
Result<RawPage> searchSortedPage(LDAP* ld, Pool& pool, const PageRequest& request);

}  // namespace scimgate::ldap::detail
