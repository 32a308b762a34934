#pragma once
// One LDAP search, for the user and group directories alike. Internal to ldap/.

#include <ldap.h>

#include <string>
#include <vector>

#include "ldap/detail/pool.h"
#include "ldap/detail/util.h"

namespace scimgate::ldap::detail {

struct SearchRequest {
  std::string base = {};
  int scope = LDAP_SCOPE_SUBTREE;
  std::string filter = "(objectClass=*)";
  std::vector<std::string> attributes = {};  // none: only the DNs
  int sizeLimit = 0;                         // 0: no limit of ours
  /// RFC 3876 ValuesReturnFilter ("((a=v)(b=*))"): only the values it matches come back. Not
  /// critical: a server without it returns every value, which is slower but reads the same.
  std::string valuesFilter = {};
  std::string what = "entries";  // for errors: "more than 10 users match"
  std::string context = {};      // for errors; "" = "searching <what>"
};

/// The entries the search finds on `ld`; none when the base does not exist. More than
/// `sizeLimit` is TooMany ("more than N <what> match; narrow the filter").
Result<std::vector<RawEntry>> searchOn(LDAP* ld, const SearchRequest& request);

/// The same on a pooled connection, retried once on a fresh one when the connection was lost.
Result<std::vector<RawEntry>> search(Pool& pool, const SearchRequest& request);

}  // namespace scimgate::ldap::detail
