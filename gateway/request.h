#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPServerRequest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "gateway/access.h"
#include "gateway/audit.h"
#include "gateway/list_params.h"
#include "gateway/reply.h"
#include "policy/permissions.h"
#include "scim/result.h"

namespace scimgate::gateway {

/// One request as the handlers see it: method, path, query, headers, a bounded JSON body, who
/// calls (set once the credentials are checked) and the audit record the request fills in.
class Request {
 public:
  Request(Poco::Net::HTTPServerRequest& http, const config::ServerSettings& limits);

  /// One operation of a /Bulk request (RFC 7644 3.7): its own method, path, headers and body; the
  /// caller, the client's address and the base URL are the enclosing request's.
  Request(const Request& bulk, std::string method, const std::string& uri, std::string body,
          const std::map<std::string, std::string>& headers);

  const std::string& method() const { return method_; }
  const std::string& path() const { return path_; }
  const QueryParams& query() const { return query_; }
  /// A path parameter of the matched route (`{id}`), or "".
  std::string param(const std::string& name) const;
  void setParams(std::map<std::string, std::string> params) { params_ = std::move(params); }
  /// A request header, or `fallback`.
  std::string header(const std::string& name, const std::string& fallback = "") const;

  /// The JSON object body, within the configured size (PayloadTooLarge) and depth limits;
  /// InvalidSyntax when it is empty, not JSON or not an object.
  scim::Result<Poco::JSON::Object::Ptr> jsonBody();
  /// The body when there is one; an empty object when there is none or it does not parse.
  Poco::JSON::Object::Ptr optionalJsonBody();
  /// Reads and drops what the handler did not read (bounded), so that a keep-alive connection
  /// does not take it for the next request.
  void drainBody();

  /// The client's IP address: the peer's, or the last X-Forwarded-For hop when the peer is one
  /// of `trustedProxies` (a proxy appends the address it received the request from).
  std::string clientAddress(const std::vector<std::string>& trustedProxies) const;
  /// The TLS client certificate the connection was opened with (verified against
  /// server.tls.clientCaFile), when there is one.
  std::optional<PeerCertificate> clientCertificate() const;
  /// The SCIM base URL (publicUrl, or http://Host) with /scim/v2.
  std::string baseUrl() const;

  /// Records a refusal in the audit trail and answers it (NotFound answers "no user with id
  /// '<id>'" when `id` is given, so an out-of-scope user looks exactly like a missing one).
  Reply deny(const policy::Decision& decision, const std::string& id = "");
  /// The matrix check before anything is read; the refusal, or nullopt when allowed.
  std::optional<Reply> refuseUnless(const policy::PermissionMatrix& matrix,
                                    policy::Operation operation);

  Caller caller;
  AuditRecord audit;

 private:
  Poco::Net::HTTPServerRequest& http_;
  const config::ServerSettings& limits_;
  // A bulk operation's own headers and body (then http_ is the enclosing request's).
  std::optional<std::map<std::string, std::string>> operationHeaders_;
  std::optional<std::string> operationBody_;
  std::string method_;
  std::string path_;
  QueryParams query_;
  std::map<std::string, std::string> params_;
};

}  // namespace scimgate::gateway
