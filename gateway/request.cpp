#include "gateway/request.h"

#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <algorithm>
#include <utility>

#include "gateway/error_response.h"
#include "gateway/tls.h"
#include "scim/json_reader.h"

namespace scimgate::gateway {
namespace {

using scim::ErrorKind;
using scim::makeError;

constexpr char kBasePath[] = "/scim/v2";

// Reads and drops up to `bound` bytes of what is left of the body.
void drop(std::istream& in, std::size_t bound) {
  char buffer[8192];
  std::size_t dropped = 0;
  while (in && dropped < bound) {
    in.read(buffer, sizeof buffer);
    dropped += static_cast<std::size_t>(in.gcount());
  }
}

}  // namespace

std::string Request::clientAddress(const std::vector<std::string>& trustedProxies) const {
  const std::string peer = http_.clientAddress().host().toString();
  if (std::find(trustedProxies.begin(), trustedProxies.end(), peer) == trustedProxies.end()) {
    return peer;
  }
  const std::string forwarded = http_.get("X-Forwarded-For", "");
  std::string last =
      forwarded.substr(forwarded.rfind(',') == std::string::npos ? 0 : forwarded.rfind(',') + 1);
  last.erase(0, last.find_first_not_of(" \t"));
  last.erase(last.find_last_not_of(" \t") + 1);
  return last.empty() ? peer : last;
}

Request::Request(Poco::Net::HTTPServerRequest& http, const config::ServerSettings& limits)
    : http_(http), limits_(limits), method_(http.getMethod()) {
  Poco::URI uri(http.getURI());  // throws Poco::SyntaxException on a malformed URI
  path_ = uri.getPath();
  query_ = parseQuery(uri.getRawQuery());
}

Request::Request(const Request& bulk, std::string method, const std::string& uri, std::string body,
                 const std::map<std::string, std::string>& headers)
    : caller(bulk.caller),
      http_(bulk.http_),
      limits_(bulk.limits_),
      operationHeaders_(std::map<std::string, std::string>{}),
      operationBody_(std::move(body)),
      method_(std::move(method)) {
  for (const auto& [name, value] : headers) (*operationHeaders_)[Poco::toLower(name)] = value;
  Poco::URI parsed(uri);  // throws Poco::SyntaxException on a malformed path
  path_ = parsed.getPath();
  query_ = parseQuery(parsed.getRawQuery());
  audit.principal = bulk.audit.principal;
  audit.principalId = bulk.audit.principalId;
}

std::string Request::param(const std::string& name) const {
  auto it = params_.find(name);
  return it == params_.end() ? std::string() : it->second;
}

std::string Request::header(const std::string& name, const std::string& fallback) const {
  if (operationHeaders_) {
    auto it = operationHeaders_->find(Poco::toLower(name));
    return it == operationHeaders_->end() ? fallback : it->second;
  }
  return http_.get(name, fallback);
}

scim::Result<Poco::JSON::Object::Ptr> Request::jsonBody() {
  const std::size_t limit = limits_.maxBodyBytes;
  const auto tooLarge = makeError(ErrorKind::PayloadTooLarge,
                                  "the request body exceeds " + std::to_string(limit) + " bytes");
  if (operationBody_) {
    if (operationBody_->empty()) return makeError(ErrorKind::InvalidSyntax, "\"data\" is required");
    return scim::readJsonObject(*operationBody_, static_cast<std::size_t>(limits_.maxJsonDepth));
  }
  std::istream& in = http_.stream();
  // What is left of an oversized body is read and dropped (up to a bound), so the client can
  // read the 413 instead of seeing its upload reset.
  if (http_.hasContentLength() && http_.getContentLength64() > static_cast<long long>(limit)) {
    drop(in, 16 * limit);
    return tooLarge;
  }
  std::string body;
  char buffer[8192];
  while (in) {
    in.read(buffer, sizeof buffer);
    body.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (body.size() > limit) {
      drop(in, 16 * limit);
      return tooLarge;
    }
  }
  return scim::readJsonObject(std::move(body), static_cast<std::size_t>(limits_.maxJsonDepth));
}

Poco::JSON::Object::Ptr Request::optionalJsonBody() {
  if (operationBody_ && operationBody_->empty()) return new Poco::JSON::Object;
  if (operationBody_) {
    auto body = jsonBody();
    return body ? *body : Poco::JSON::Object::Ptr(new Poco::JSON::Object);
  }
  if (http_.hasContentLength() && http_.getContentLength64() == 0) return new Poco::JSON::Object;
  if (!http_.hasContentLength() && !http_.getChunkedTransferEncoding()) {
    return new Poco::JSON::Object;
  }
  auto body = jsonBody();
  return body ? *body : Poco::JSON::Object::Ptr(new Poco::JSON::Object);
}

void Request::drainBody() {
  if (!operationBody_) drop(http_.stream(), 16 * limits_.maxBodyBytes);
}

std::optional<PeerCertificate> Request::clientCertificate() const {
  auto* served = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&http_);
  if (served == nullptr) return std::nullopt;
  const TlsSocketImpl* tls = tlsOf(served->socket());
  return tls != nullptr ? tls->peerCertificate() : std::nullopt;
}

std::string Request::baseUrl() const {
  if (!limits_.publicUrl.empty()) {
    std::string base = limits_.publicUrl;
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base + kBasePath;
  }
  const std::string host = http_.getHost();
  return (http_.secure() ? "https://" : "http://") +
         (host.empty() ? std::string("localhost") : host) + kBasePath;
}

Reply Request::deny(const policy::Decision& decision, const std::string& id) {
  audit.outcome = "denied";
  audit.reason = decision.reason;
  if (decision.kind == policy::DecisionKind::NotFound && !id.empty()) {
    return errorReply({ErrorKind::NotFound, "no user with id '" + id + "'"});
  }
  return errorReply(policy::toError(decision));
}

std::optional<Reply> Request::refuseUnless(const policy::PermissionMatrix& matrix,
                                           policy::Operation operation) {
  auto decision = policy::authorize(matrix, caller.principal, operation);
  if (decision.isAllowed()) return std::nullopt;
  return deny(decision);
}

}  // namespace scimgate::gateway
