#include "support/gateway.h"

#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

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

Reply requestOn(Poco::Net::HTTPClientSession& session,
                const std::map<std::string, std::string>& headers, const std::string& method,
                const std::string& path, const std::string& body, const std::string& token,
                const std::string& contentType, bool keepAlive) {
  Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!token.empty()) req.set("Authorization", "Bearer " + token);
  if (keepAlive) req.setKeepAlive(true);
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

Reply httpRequest(int port, const std::map<std::string, std::string>& headers,
                  const std::string& method, const std::string& path, const std::string& body,
                  const std::string& token, const std::string& contentType) {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
  return requestOn(session, headers, method, path, body, token, contentType);
}

StandardErrorCapture::StandardErrorCapture() {
  path_ = (std::filesystem::temp_directory_path() /
           ("scimgate-stderr-" + std::to_string(std::random_device{}()) + ".log"))
              .string();
  std::fflush(stderr);
  const int file = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (file < 0) throw std::runtime_error("cannot create " + path_);
  saved_ = ::dup(STDERR_FILENO);
  ::dup2(file, STDERR_FILENO);
  ::close(file);
}

StandardErrorCapture::~StandardErrorCapture() { text(); }

std::string StandardErrorCapture::textOnceItHas(const std::string& needle) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(path_);
    std::stringstream content;
    content << in.rdbuf();
    if (content.str().find(needle) != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return text();
}

std::string StandardErrorCapture::text() {
  if (saved_ >= 0) {
    std::fflush(stderr);
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
    saved_ = -1;
  }
  std::ifstream in(path_);
  std::stringstream content;
  content << in.rdbuf();
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
  return content.str();
}

}  // namespace scimgate::testing
