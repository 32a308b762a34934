#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <string>
#include <utility>
#include <vector>

namespace scimgate::gateway {

inline constexpr char kScimJson[] = "application/scim+json";
inline constexpr char kPlainJson[] = "application/json";

/// What a handler answers: a value, sent by one path (`send`). Handlers build it and return it;
/// none writes to the HTTP response itself.
struct Reply {
  int status = 200;
  std::string contentType;  // "" when there is no body
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  /// A JSON body (SCIM's media type unless told otherwise).
  static Reply json(int status, const Poco::JSON::Object& body,
                    const std::string& contentType = kScimJson);
  /// 204 without a body.
  static Reply noContent();
  /// RFC 7232 4.1: 304 with the ETag and no body.
  static Reply notModified(const std::string& etag);

  /// Adds a header; returns *this so calls chain.
  Reply& with(std::string name, std::string value);
  /// The value of a header added with `with`, or "".
  std::string header(const std::string& name) const;
};

/// Writes the reply to the HTTP response (status, headers, Content-Length, body).
void send(Poco::Net::HTTPServerResponse& response, const Reply& reply);

/// Compact JSON text of an object.
std::string toJson(const Poco::JSON::Object& object);

/// Weak comparison (RFC 7232 2.3.2) of each entity tag of an If-None-Match / If-Match list
/// against the current one; "*" matches any. False for an empty header.
bool etagListMatches(const std::string& header, const std::string& current);

}  // namespace scimgate::gateway
