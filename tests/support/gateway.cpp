#include "support/gateway.h"

#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include "support/slapd.h"

namespace scimgate::testing {

Poco::JSON::Object::Ptr Reply::json() const {
  Poco::JSON::Parser parser;
  return parser.parse(body).extract<Poco::JSON::Object::Ptr>();
}

std::string Reply::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

std::string patchBody(const std::string& operations) {
  return R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[)" +
         operations + "]}";
}

Gateway::Gateway(config::Config cfg, ldap::Faults faults)
    : config_(std::move(cfg)),
      directories_(ldap::makeLdapDirectories(config_.ldap, std::move(faults))),
      server_(config_, *directories_.users, *directories_.groups) {
  server_.start();
}

Gateway::Gateway(config::Config cfg, const Wrap& wrap)
    : config_(std::move(cfg)),
      directories_(ldap::makeLdapDirectories(config_.ldap)),
      wrapped_(wrap(*directories_.users)),
      server_(config_, *wrapped_, *directories_.groups) {
  server_.start();
}

config::Config Gateway::defaultConfig() {
  config::Config cfg;
  cfg.server.listen = "127.0.0.1";
  cfg.server.port = 0;
  cfg.server.maxBodyBytes = 64 * 1024;
  cfg.tokens = {{"test", config::sha256Hex(kToken)}};
  cfg.ldap = fixtureSlapd().ldapSettings();
  return cfg;
}

Reply Gateway::request(const std::string& method, const std::string& path, const std::string& body,
                       const std::string& token, const std::string& contentType) {
  return requestWith({}, method, path, body, token, contentType);
}

Reply Gateway::requestWith(const std::map<std::string, std::string>& headers,
                           const std::string& method, const std::string& path,
                           const std::string& body, const std::string& token,
                           const std::string& contentType) {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(server_.port()));
  Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!token.empty()) req.set("Authorization", "Bearer " + token);
  for (const auto& [name, value] : headers) req.set(name, value);
  if (!body.empty()) {
    req.setContentType(contentType);
    req.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  session.sendRequest(req) << body;
  Poco::Net::HTTPResponse res;
  std::istream& in = session.receiveResponse(res);
  Reply reply;
  reply.status = static_cast<int>(res.getStatus());
  Poco::StreamCopier::copyToString(in, reply.body);
  for (const auto& [name, value] : res) reply.headers[name] = value;
  reply.contentType = res.getContentType();
  return reply;
}

}  // namespace scimgate::testing
