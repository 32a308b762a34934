#include "gateway/list_params.h"

#include <Poco/URI.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <sstream>

#include "scim/patch.h"
#include "scim/schema.h"

namespace scimgate::gateway {
namespace {

using scim::ErrorKind;
using scim::makeError;

std::string lowerCase(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

scim::Result<std::size_t> parseCount(const QueryParams& params, const std::string& name,
                                     long long fallback, long long min) {
  auto it = params.find(name);
  if (it == params.end() || it->second.empty()) return static_cast<std::size_t>(fallback);
  try {
    std::size_t used = 0;
    const long long value = std::stoll(it->second, &used);
    if (used != it->second.size()) throw std::invalid_argument(name);
    // RFC 7644 3.4.2.4: a startIndex below 1 is 1, a negative count is 0.
    return static_cast<std::size_t>(std::max(value, min));
  } catch (const std::exception&) {
    return makeError(ErrorKind::InvalidValue, "'" + name + "' must be an integer");
  }
}

}  // namespace

QueryParams parseQuery(const std::string& raw) {
  QueryParams params;
  std::stringstream stream(raw);
  std::string pair;
  while (std::getline(stream, pair, '&')) {
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    std::string name = pair.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : pair.substr(eq + 1);
    for (auto* part : {&name, &value}) {
      std::replace(part->begin(), part->end(), '+', ' ');
      std::string decoded;
      Poco::URI::decode(*part, decoded);
      *part = decoded;
    }
    params.emplace(lowerCase(name), value);
  }
  return params;
}

QueryParams searchParams(const Poco::JSON::Object& body) {
  QueryParams params;
  for (const auto& [key, value] : body) {
    const std::string name = lowerCase(key);
    if (name == "schemas" || value.isEmpty()) continue;
    if (value.type() == typeid(Poco::JSON::Array::Ptr)) {
      // "attributes": ["userName", "emails"] is a list; the query form is comma-separated.
      auto list = value.extract<Poco::JSON::Array::Ptr>();
      std::string joined;
      for (unsigned int i = 0; i < list->size(); ++i) {
        joined += (i > 0 ? "," : "") + list->get(i).convert<std::string>();
      }
      params[name] = joined;
    } else {
      params[name] = value.convert<std::string>();
    }
  }
  return params;
}

std::string queryFingerprint(const QueryParams& params) {
  std::uint64_t hash = 1469598103934665603ULL;  // FNV-1a
  for (const char* name : {"filter", "sortby", "sortorder"}) {
    auto it = params.find(name);
    const std::string part = std::string(name) + "=" + (it == params.end() ? "" : it->second) + "&";
    for (unsigned char c : part) {
      hash ^= c;
      hash *= 1099511628211ULL;
    }
  }
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

std::string makeCursor(std::size_t position, const std::string& fingerprint) {
  return std::to_string(position) + "." + fingerprint;
}

scim::Result<std::size_t> readCursor(const std::string& cursor, const std::string& fingerprint) {
  const auto dot = cursor.find('.');
  const auto invalid = makeError(ErrorKind::InvalidCursor,
                                 "the cursor is not one this server issued for this query; start "
                                 "again without a cursor value");
  if (dot == std::string::npos || dot == 0 || dot > 9 || cursor.substr(dot + 1) != fingerprint) {
    return invalid;
  }
  std::size_t position = 0;
  for (std::size_t i = 0; i < dot; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(cursor[i]))) return invalid;
    position = position * 10 + static_cast<std::size_t>(cursor[i] - '0');
  }
  if (position < 1) return invalid;
  return position;
}

scim::Result<ListParams> parseListParams(const QueryParams& params, const PageLimits& limits) {
  ListParams list;
  const auto cursorParam = params.find("cursor");
  list.cursorMode = cursorParam != params.end();
  if (list.cursorMode && params.count("startindex")) {
    return makeError(ErrorKind::InvalidValue,
                     "use either cursor or startIndex pagination, not both");
  }
  list.fingerprint = queryFingerprint(params);
  auto startIndex = parseCount(params, "startindex", 1, 1);
  if (!startIndex) return startIndex.error();
  list.startIndex = *startIndex;
  if (list.cursorMode && !cursorParam->second.empty()) {
    auto position = readCursor(cursorParam->second, list.fingerprint);
    if (!position) return position.error();
    list.startIndex = *position;
  }
  auto count = parseCount(params, "count", limits.defaultPageSize, 0);
  if (!count) return count.error();
  list.pageSize = std::min<std::size_t>(*count, static_cast<std::size_t>(limits.maxPageSize));
  if (auto it = params.find("filter"); it != params.end() && !it->second.empty()) {
    auto parsed = scim::parseFilter(it->second);
    if (!parsed) return parsed.error();
    list.filter = std::move(*parsed);
  }
  if (auto it = params.find("sortby"); it != params.end() && !it->second.empty()) {
    auto path = scim::parsePatchPath(it->second);
    if (!path || path->valueFilter) {
      return makeError(ErrorKind::InvalidValue,
                       "sortBy must name an attribute, e.g. sortBy=userName or sortBy=displayName");
    }
    list.sortBy = path->attr;
  }
  if (auto it = params.find("sortorder"); it != params.end() && !it->second.empty()) {
    if (scim::equalsIgnoreCase(it->second, "descending")) {
      list.descending = true;
    } else if (!scim::equalsIgnoreCase(it->second, "ascending")) {
      return makeError(ErrorKind::InvalidValue, "sortOrder must be 'ascending' or 'descending'");
    }
  }
  return list;
}

Poco::JSON::Object::Ptr listResponse(const Poco::JSON::Array::Ptr& resources, std::size_t total,
                                     std::size_t startIndex) {
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  Poco::JSON::Array::Ptr schemas = new Poco::JSON::Array;
  schemas->add(std::string(scim::kListResponseSchema));
  body->set("schemas", schemas);
  body->set("totalResults", total);
  body->set("itemsPerPage", resources->size());
  body->set("startIndex", startIndex);
  body->set("Resources", resources);
  return body;
}

Poco::JSON::Object::Ptr listBody(const ListParams& list, const Poco::JSON::Array::Ptr& resources,
                                 std::size_t totalResults) {
  auto body = listResponse(resources, totalResults, list.startIndex);
  if (!list.cursorMode) return body;
  body->remove("startIndex");
  const std::size_t next = list.startIndex + resources->size();
  if (resources->size() > 0 && next <= totalResults) {
    body->set("nextCursor", makeCursor(next, list.fingerprint));
  }
  if (list.startIndex > 1 && list.pageSize > 0) {
    body->set("previousCursor",
              makeCursor(list.startIndex > list.pageSize ? list.startIndex - list.pageSize : 1,
                         list.fingerprint));
  }
  return body;
}

}  // namespace scimgate::gateway
