#pragma once

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <map>
#include <optional>
#include <string>

#include "scim/filter.h"
#include "scim/result.h"

namespace scimgate::gateway {

/// Query parameters by lower-cased name (RFC 7644 3.4.2: names are case-insensitive).
using QueryParams = std::map<std::string, std::string>;

/// Splits a raw query string; '+' is a space (HTML form encoding, which Entra ID uses); the first
/// of repeated names wins.
QueryParams parseQuery(const std::string& raw);

/// RFC 7644 3.4.3: the parameters of a POST .search body in the query-string form (lists such as
/// "attributes": [...] joined with commas; "schemas" and nulls left out).
QueryParams searchParams(const Poco::JSON::Object& body);

/// The paging, sorting and filter parameters of a list (RFC 7644 3.4.2.2-3.4.2.4, RFC 9865
/// cursors), read the same way for /Users and /Groups.
struct ListParams {
  bool cursorMode = false;
  std::string fingerprint;  // of the query a cursor belongs to
  std::size_t startIndex = 1;
  std::size_t pageSize = 0;
  scim::FilterPtr filter;
  std::optional<scim::AttrPath> sortBy;
  bool descending = false;
};

/// Page sizes from the configuration.
struct PageLimits {
  int defaultPageSize = 100;
  int maxPageSize = 1000;
};

/// Reads the list parameters: startIndex below 1 is 1, a negative count 0 and a count above the
/// maximum the maximum (RFC 7644 3.4.2.4); non-integers, both cursor and startIndex, a bad
/// sortBy/sortOrder or a cursor issued for another query are InvalidValue/InvalidCursor; a bad
/// filter is InvalidFilter.
scim::Result<ListParams> parseListParams(const QueryParams& params, const PageLimits& limits);

/// RFC 9865 cursors, kept stateless so any gateway instance can serve the next page: the cursor
/// holds the next 1-based position in the directory's sorted view (VLV) and a fingerprint of the
/// query (filter, sortBy, sortOrder) it belongs to.
std::string queryFingerprint(const QueryParams& params);
std::string makeCursor(std::size_t position, const std::string& fingerprint);
/// The position in a cursor; InvalidCursor unless this query's fingerprint issued it.
scim::Result<std::size_t> readCursor(const std::string& cursor, const std::string& fingerprint);

/// A ListResponse (RFC 7644 3.4.2) of these resources.
Poco::JSON::Object::Ptr listResponse(const Poco::JSON::Array::Ptr& resources, std::size_t total,
                                     std::size_t startIndex);

/// The ListResponse of one page; in cursor mode with nextCursor (absent on the last page) and
/// previousCursor instead of startIndex (RFC 9865 2.2).
Poco::JSON::Object::Ptr listBody(const ListParams& list, const Poco::JSON::Array::Ptr& resources,
                                 std::size_t totalResults);

}  // namespace scimgate::gateway
