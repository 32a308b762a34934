#include "gateway/request.h"

#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cctype>
#include <unordered_set>
#include <vector>

#include "gateway/error_response.h"
#include "scim/text.h"

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

// Builds the objects as Poco's handler does, and remembers the first key an object repeats.
// Poco keeps the last of two equal keys, and SCIM attribute names compare case-insensitively
// (RFC 7644 3.4.2.2), so `userName` and `USERNAME` would silently overwrite each other.
class DuplicateKeyHandler : public Poco::JSON::ParseHandler {
 public:
  void reset() override {
    ParseHandler::reset();
    keys_.clear();
    duplicate_.clear();
  }
  void startObject() override {
    keys_.emplace_back();
    ParseHandler::startObject();
  }
  void endObject() override {
    if (!keys_.empty()) keys_.pop_back();
    ParseHandler::endObject();
  }
  void key(const std::string& name) override {
    std::string folded = name;
    for (auto& c : folded) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!keys_.empty() && !keys_.back().insert(std::move(folded)).second && duplicate_.empty()) {
      duplicate_ = name;
    }
    ParseHandler::key(name);
  }

  /// The first repeated key, or "" when there was none.
  const std::string& duplicate() const { return duplicate_; }

 private:
  std::vector<std::unordered_set<std::string>> keys_;  // one set per open object
  std::string duplicate_;
};

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

}  // namespace

std::string Request::clientAddress(const std::vector<std::string>& trustedProxies) const {
  const std::string peer = http_.clientAddress().host().toString();
  if (std::find(trustedProxies.begin(), trustedProxies.end(), peer) == trustedProxies.end()) {
    return peer;
  }
  const std::string forwarded = header("X-Forwarded-For");
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

std::string Request::param(const std::string& name) const {
  auto it = params_.find(name);
  return it == params_.end() ? std::string() : it->second;
}

std::string Request::header(const std::string& name, const std::string& fallback) const {
  return http_.get(name, fallback);
}

scim::Result<Poco::JSON::Object::Ptr> Request::jsonBody() {
  const std::size_t limit = limits_.maxBodyBytes;
  const auto tooLarge = makeError(ErrorKind::PayloadTooLarge,
                                  "the request body exceeds " + std::to_string(limit) + " bytes");
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
  // RFC 8259 8.1: a parser may ignore a byte order mark; some Windows clients send one.
  if (body.rfind(kByteOrderMark, 0) == 0) body.erase(0, kByteOrderMark.size());
  if (body.empty()) return makeError(ErrorKind::InvalidSyntax, "the request body is empty");
  // RFC 8259 8.1: JSON text is UTF-8. Checked before parsing, so that no value carries broken
  // text further and no parser message echoes a raw byte.
  if (auto bad = scim::invalidUtf8At(body)) {
    return makeError(ErrorKind::InvalidSyntax, "the request body is not valid UTF-8: byte " +
                                                   scim::escapeInvalidUtf8(body.substr(*bad, 1)) +
                                                   " at offset " + std::to_string(*bad));
  }
  try {
    Poco::SharedPtr<DuplicateKeyHandler> handler = new DuplicateKeyHandler;
    Poco::JSON::Parser parser(handler);
    parser.setDepth(static_cast<std::size_t>(limits_.maxJsonDepth));
    auto parsed = parser.parse(body);
    if (!handler->duplicate().empty()) {
      return makeError(ErrorKind::InvalidSyntax,
                       "the request body has the key '" + handler->duplicate() +
                           "' twice in one object (attribute names compare without case)");
    }
    if (parsed.type() != typeid(Poco::JSON::Object::Ptr)) {
      return makeError(ErrorKind::InvalidSyntax, "the request body must be a JSON object");
    }
    return parsed.extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {
    return makeError(ErrorKind::InvalidSyntax,
                     "the request body is not valid JSON: " + e.message());
  }
}

Poco::JSON::Object::Ptr Request::optionalJsonBody() {
  if (http_.hasContentLength() && http_.getContentLength64() == 0) return new Poco::JSON::Object;
  if (!http_.hasContentLength() && !http_.getChunkedTransferEncoding()) {
    return new Poco::JSON::Object;
  }
  auto body = jsonBody();
  return body ? *body : Poco::JSON::Object::Ptr(new Poco::JSON::Object);
}

void Request::drainBody() { drop(http_.stream(), 16 * limits_.maxBodyBytes); }

std::string Request::baseUrl() const {
  if (!limits_.publicUrl.empty()) {
    std::string base = limits_.publicUrl;
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base + kBasePath;
  }
  const std::string host = http_.getHost();
  return "http://" + (host.empty() ? std::string("localhost") : host) + kBasePath;
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
