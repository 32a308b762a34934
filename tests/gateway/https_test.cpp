// HTTPS on the listener: a real TLS client (Poco's, over OpenSSL, and the openssl command) against
// the gateway with certificates made by a test CA in a temporary folder.
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/X509Certificate.h>
#include <Poco/StreamCopier.h>
#include <Poco/TemporaryFile.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

#include "config/distinguished_name.h"
#include "support/gateway.h"
#include "support/slapd.h"

namespace {

using scimgate::testing::Gateway;
namespace fs = std::filesystem;

std::string readAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A CA and certificates it signs (for localhost and 127.0.0.1), made with the openssl command.
class TestCa {
 public:
  TestCa() : dir_(Poco::TemporaryFile::tempName()) {
    fs::create_directories(dir_);
    run("openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -days 2 "
        "-subj /CN=scimgate-test-ca -keyout ca.key -out ca.pem");
    std::ofstream(dir_ + "/san.ext") << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
  }
  ~TestCa() { fs::remove_all(dir_); }
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  /// Makes NAME.pem (certificate, subject /CN=NAME unless given) and NAME.key in the folder.
  void issue(const std::string& name, const std::string& subject = "") {
    run("openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -subj '" +
        (subject.empty() ? "/CN=" + name : subject) + "' -keyout " + name + ".key -out " + name +
        ".csr");
    run("openssl x509 -req -in " + name + ".csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 " +
        "-extfile san.ext -out " + name + ".pem");
  }
  std::string path(const std::string& file) const { return dir_ + "/" + file; }

  void run(const std::string& command) const {
    const std::string line = "cd '" + dir_ + "' && " + command + " >>openssl.log 2>&1";
    INFO(readAll(dir_ + "/openssl.log"));
    REQUIRE(std::system(line.c_str()) == 0);
  }

 private:
  std::string dir_;
};

void initializeSslOnce() {
  static std::once_flag once;
  std::call_once(once, [] { Poco::Net::initializeSSL(); });
}

// A client that trusts `caFile`; with `certificate`, it presents CERTIFICATE.pem and .key.
Poco::Net::Context::Ptr clientContext(const std::string& caFile,
                                      const std::string& certificate = "") {
  initializeSslOnce();
  Poco::Net::Context::Params params;
  if (!certificate.empty()) {
    params.certificateFile = certificate + ".pem";
    params.privateKeyFile = certificate + ".key";
  }
  params.caLocation = caFile;
  params.loadDefaultCAs = false;
  params.verificationMode = Poco::Net::Context::VERIFY_RELAXED;
  return new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
}

scimgate::config::Config httpsConfig(const TestCa& ca, const std::string& name) {
  auto cfg = Gateway::defaultConfig();
  cfg.server.tls.certFile = ca.path(name + ".pem");
  cfg.server.tls.keyFile = ca.path(name + ".key");
  cfg.server.headerTimeoutMs = 600;
  return cfg;
}

using scimgate::testing::Reply;

constexpr char kNoToken[] = "";

// One request on the session's kept-alive connection.
Reply send(Poco::Net::HTTPSClientSession& session, const std::string& method,
           const std::string& path, const std::string& body = "",
           const std::map<std::string, std::string>& headers = {},
           const std::string& token = scimgate::testing::kToken) {
  return scimgate::testing::requestOn(session, headers, method, path, body, token,
                                      "application/scim+json", true);
}

// The common name of the certificate the session's connection was served.
std::string servedName(Poco::Net::HTTPSClientSession& session) {
  return session.serverCertificate().commonName();
}

// What the openssl command's client says about a handshake with these options.
bool opensslHandshakes(int port, const std::string& caFile, const std::string& options) {
  const std::string command =
      "echo | timeout 10 openssl s_client -connect 127.0.0.1:" + std::to_string(port) +
      " -CAfile '" + caFile + "' -verify_return_error " + options + " >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

}  // namespace

TEST_CASE(
    "HTTPS: a SCIM client creates and reads a user over TLS, several requests on one "
    "connection",
    "[https]") {
  TestCa ca;
  ca.issue("gateway-a");
  Gateway gateway(httpsConfig(ca, "gateway-a"));
  Poco::Net::HTTPSClientSession session("127.0.0.1", static_cast<Poco::UInt16>(gateway.port()),
                                        clientContext(ca.path("ca.pem")));
  session.setKeepAlive(true);
  CHECK(send(session, "GET", "/scim/v2/ServiceProviderConfig").status == 200);
  CHECK(servedName(session) == "gateway-a");
  const auto created =
      send(session, "POST", "/scim/v2/Users",
           R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"tls.person",)"
           R"("name":{"givenName":"Tls","familyName":"Person"},)"
           R"("emails":[{"value":"tls.person@example.com","primary":true}]})");
  INFO(created.body);
  REQUIRE(created.status == 201);
  const auto at = created.body.find("\"id\":\"");
  REQUIRE(at != std::string::npos);
  const std::string id = created.body.substr(at + 6, created.body.find('"', at + 6) - at - 6);
  const auto read = send(session, "GET", "/scim/v2/Users/" + id);
  CHECK(read.status == 200);
  CHECK(read.body.find("tls.person") != std::string::npos);
  // Without server.publicUrl, links name the scheme the client used.
  CHECK(read.body.find("\"location\":\"https://") != std::string::npos);
  CHECK(send(session, "DELETE", "/scim/v2/Users/" + id).status == 204);
  // A request head larger than one TLS record (16 KiB) arrives in several, all read ahead.
  const std::string big(7000, 'x');
  CHECK(send(session, "GET", "/scim/v2/ServiceProviderConfig", "",
             {{"X-Big-1", big}, {"X-Big-2", big}, {"X-Big-3", big}})
            .status == 200);
}

TEST_CASE("HTTPS: a client that does not trust the gateway's certificate is refused", "[https]") {
  TestCa ca;
  ca.issue("gateway-a");
  TestCa otherCa;
  Gateway gateway(httpsConfig(ca, "gateway-a"));
  Poco::Net::HTTPSClientSession session("127.0.0.1", static_cast<Poco::UInt16>(gateway.port()),
                                        clientContext(otherCa.path("ca.pem")));
  CHECK_THROWS(send(session, "GET", "/healthz"));
}

TEST_CASE("HTTPS: TLS 1.2 and 1.3 with forward-secret ciphers only", "[https]") {
  TestCa ca;
  ca.issue("gateway-a");
  Gateway gateway(httpsConfig(ca, "gateway-a"));
  const std::string caFile = ca.path("ca.pem");
  CHECK(opensslHandshakes(gateway.port(), caFile, "-tls1_3"));
  CHECK(opensslHandshakes(gateway.port(), caFile, "-tls1_2"));
  // The client would take these at security level 0; the gateway must not.
  CHECK_FALSE(opensslHandshakes(gateway.port(), caFile, "-tls1_1 -cipher DEFAULT@SECLEVEL=0"));
  CHECK_FALSE(opensslHandshakes(gateway.port(), caFile, "-tls1_2 -cipher AES128-SHA256"));
  CHECK_FALSE(opensslHandshakes(gateway.port(), caFile, "-tls1_2 -cipher ECDHE-ECDSA-AES128-SHA"));
}

TEST_CASE("HTTPS: plain HTTP and stalled handshakes hold no worker and are closed", "[https]") {
  TestCa ca;
  ca.issue("gateway-a");
  auto cfg = httpsConfig(ca, "gateway-a");
  cfg.server.threads = 1;
  Gateway gateway(cfg);
  const Poco::Net::SocketAddress address("127.0.0.1", static_cast<Poco::UInt16>(gateway.port()));

  // Plain HTTP: no answer (a TLS alert at most), the connection is closed.
  Poco::Net::StreamSocket plain(address);
  plain.setReceiveTimeout(Poco::Timespan(5, 0));
  const std::string get = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  plain.sendBytes(get.data(), static_cast<int>(get.size()));
  std::string received;
  char chunk[512];
  try {
    for (int n; (n = plain.receiveBytes(chunk, sizeof chunk)) > 0;) received.append(chunk, n);
  } catch (const Poco::Net::ConnectionResetException&) {
  }
  CHECK(received.find("HTTP/1.1") == std::string::npos);

  // Connections that never finish the handshake, while the only worker serves a real client.
  std::vector<Poco::Net::StreamSocket> stalled;
  for (int i = 0; i < 3; ++i) stalled.emplace_back(address);
  stalled[0].sendBytes("\x16\x03\x01", 3);  // the start of a ClientHello, then nothing
  Poco::Net::HTTPSClientSession session("127.0.0.1", static_cast<Poco::UInt16>(gateway.port()),
                                        clientContext(ca.path("ca.pem")));
  CHECK(send(session, "GET", "/scim/v2/ServiceProviderConfig").status == 200);
  // Closed once the header timeout (600 ms) has passed.
  for (auto& socket : stalled) {
    socket.setReceiveTimeout(Poco::Timespan(5, 0));
    int n = -1;
    try {
      n = socket.receiveBytes(chunk, sizeof chunk);
    } catch (const Poco::Net::ConnectionResetException&) {
      n = 0;
    }
    CHECK(n == 0);
  }
}

TEST_CASE("HTTPS: a request head that stops arriving is answered 408 over TLS", "[https]") {
  TestCa ca;
  ca.issue("gateway-a");
  Gateway gateway(httpsConfig(ca, "gateway-a"));
  Poco::Net::SecureStreamSocket socket(
      Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(gateway.port())),
      clientContext(ca.path("ca.pem")));
  const std::string partial = "GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\n";
  socket.sendBytes(partial.data(), static_cast<int>(partial.size()));
  socket.setReceiveTimeout(Poco::Timespan(5, 0));
  std::string received;
  char chunk[512];
  try {
    for (int n; (n = socket.receiveBytes(chunk, sizeof chunk)) > 0;) received.append(chunk, n);
  } catch (const Poco::Exception&) {
  }
  CHECK(received.rfind("HTTP/1.1 408", 0) == 0);
}

TEST_CASE("HTTPS: a reload serves the new certificate to new connections and keeps open ones",
          "[https]") {
  TestCa ca;
  ca.issue("gateway-a");
  ca.issue("gateway-b");
  auto cfg = httpsConfig(ca, "gateway-a");
  const std::string certFile = ca.path("live.pem");
  const std::string keyFile = ca.path("live.key");
  fs::copy_file(ca.path("gateway-a.pem"), certFile);
  fs::copy_file(ca.path("gateway-a.key"), keyFile);
  cfg.server.tls.certFile = certFile;
  cfg.server.tls.keyFile = keyFile;
  cfg.server.headerTimeoutMs = 10000;
  Gateway gateway(cfg);
  scimgate::gateway::Server* server = &gateway.server();

  Poco::Net::HTTPSClientSession before("127.0.0.1", static_cast<Poco::UInt16>(gateway.port()),
                                       clientContext(ca.path("ca.pem")));
  before.setKeepAlive(true);
  REQUIRE(send(before, "GET", "/healthz").status == 200);
  CHECK(servedName(before) == "gateway-a");
  CHECK(server->tlsDescription().find("CN = gateway-a") != std::string::npos);

  // A broken key: the old certificate stays, and the reason names the file.
  std::ofstream(keyFile, std::ios::trunc) << "not a key\n";
  const auto problems = server->reload();
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].find("server.tls.keyFile " + keyFile) != std::string::npos);
  CHECK(problems[0].find("keep the old certificate") != std::string::npos);
  {
    Poco::Net::HTTPSClientSession fresh("127.0.0.1", static_cast<Poco::UInt16>(gateway.port()),
                                        clientContext(ca.path("ca.pem")));
    CHECK(send(fresh, "GET", "/healthz").status == 200);
    CHECK(servedName(fresh) == "gateway-a");
  }

  // The renewed pair: new connections get it, the open one goes on with its own.
  fs::copy_file(ca.path("gateway-b.pem"), certFile, fs::copy_options::overwrite_existing);
  fs::copy_file(ca.path("gateway-b.key"), keyFile, fs::copy_options::overwrite_existing);
  CHECK(server->reload().empty());
  CHECK(server->tlsDescription().find("CN = gateway-b") != std::string::npos);
  Poco::Net::HTTPSClientSession after("127.0.0.1", static_cast<Poco::UInt16>(gateway.port()),
                                      clientContext(ca.path("ca.pem")));
  CHECK(send(after, "GET", "/healthz").status == 200);
  CHECK(servedName(after) == "gateway-b");
  CHECK(send(before, "GET", "/healthz").status == 200);
  CHECK(servedName(before) == "gateway-a");  // the same connection: not re-established
}

TEST_CASE("HTTPS: the gateway does not start with a key that is not the certificate's", "[https]") {
  TestCa ca;
  ca.issue("gateway-a");
  ca.issue("gateway-b");
  auto cfg = httpsConfig(ca, "gateway-a");
  cfg.server.tls.keyFile = ca.path("gateway-b.key");
  try {
    Gateway gateway(cfg);
    FAIL("the gateway started");
  } catch (const std::exception& e) {
    const std::string what = e.what();
    CHECK(what.find("server.tls.keyFile " + cfg.server.tls.keyFile +
                    ": does not belong to the certificate") != std::string::npos);
  }
}

TEST_CASE("HTTPS: the scimgate program reloads its certificate on SIGHUP and keeps serving",
          "[https]") {
  TestCa ca;
  ca.issue("gateway-a");
  ca.issue("gateway-b");
  fs::copy_file(ca.path("gateway-a.pem"), ca.path("live.pem"));
  fs::copy_file(ca.path("gateway-a.key"), ca.path("live.key"));
  const auto& env = scimgate::testing::fixtureSlapd();
  const std::string config = ca.path("scimgate.json");
  const std::string portFile = ca.path("port");
  const std::string log = ca.path("gateway.log");
  std::ofstream(config) << R"({"server":{"listen":"127.0.0.1","port":0,"tls":{"certFile":")"
                        << ca.path("live.pem") << R"(","keyFile":")" << ca.path("live.key")
                        << R"("}},"tokens":[{"name":"test","sha256":")"
                        << scimgate::config::sha256Hex(scimgate::testing::kToken)
                        << R"("}],"ldap":{"uris":[")" << env.url << R"("],"bindDn":")" << env.bindDn
                        << R"(","bindPassword":")" << env.bindPassword << R"(","baseDn":")"
                        << env.suffix << R"("}})";
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(out, 2);
    ::execl(SCIMGATE_BINARY, SCIMGATE_BINARY, "--config", config.c_str(), "--port-file",
            portFile.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  struct Stop {
    pid_t pid;
    ~Stop() {
      ::kill(pid, SIGKILL);  // only the child this test started
      ::waitpid(pid, nullptr, 0);
    }
  } stop{pid};
  int port = 0;
  for (int i = 0; i < 200 && port == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::ifstream(portFile) >> port;
  }
  INFO(readAll(log));
  REQUIRE(port > 0);
  auto servedNow = [&] {
    Poco::Net::HTTPSClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port),
                                          clientContext(ca.path("ca.pem")));
    const auto answer = send(session, "GET", "/healthz");
    return std::to_string(answer.status) + " " + servedName(session);
  };
  CHECK(servedNow() == "200 gateway-a");
  CHECK(readAll(log).find("serving the certificate CN = gateway-a") != std::string::npos);

  fs::copy_file(ca.path("gateway-b.pem"), ca.path("live.pem"),
                fs::copy_options::overwrite_existing);
  fs::copy_file(ca.path("gateway-b.key"), ca.path("live.key"),
                fs::copy_options::overwrite_existing);
  REQUIRE(::kill(pid, SIGHUP) == 0);
  std::string served;
  for (int i = 0; i < 100 && served != "200 gateway-b"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    served = servedNow();
  }
  CHECK(served == "200 gateway-b");
  CHECK(readAll(log).find("reloaded the certificate and reopened the logs") != std::string::npos);
  int status = 0;
  CHECK(::waitpid(pid, &status, WNOHANG) == 0);  // still running
}

namespace {

constexpr char kNewUser[] =
    R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"mtls.person",)"
    R"("name":{"givenName":"Mtls","familyName":"Person"}})";

// A session to `gateway` presenting CERTIFICATE (a path without .pem), trusting `ca`.
std::unique_ptr<Poco::Net::HTTPSClientSession> sessionWith(const Gateway& gateway, const TestCa& ca,
                                                           const std::string& certificate) {
  return std::make_unique<Poco::Net::HTTPSClientSession>(
      "127.0.0.1", static_cast<Poco::UInt16>(gateway.port()),
      clientContext(ca.path("ca.pem"), certificate));
}

// The certificate's SHA-256 as openssl prints it (upper case, colons).
std::string fingerprintOf(const TestCa& ca, const std::string& name) {
  ca.run("openssl x509 -noout -fingerprint -sha256 -in " + name + ".pem | tee " + name + ".sha256");
  const std::string line = readAll(ca.path(name + ".sha256"));
  const auto equals = line.find('=');
  REQUIRE(equals != std::string::npos);
  std::string hex;
  for (const char c : line.substr(equals + 1)) {
    if (std::isxdigit(static_cast<unsigned char>(c)))
      hex.push_back(static_cast<char>(std::tolower(c)));
  }
  return hex;
}

}  // namespace

TEST_CASE(
    "HTTPS: a provisioning client with a configured certificate acts with its role and "
    "accounts, without a token",
    "[https][mtls]") {
  TestCa ca;
  ca.issue("gateway-a");
  ca.issue("workday", "/O=Example/CN=workday-provisioning");
  ca.issue("stranger", "/O=Example/CN=stranger");
  TestCa otherCa;
  otherCa.issue("forged", "/O=Example/CN=workday-provisioning");
  Poco::TemporaryFile auditFile;
  auto cfg = httpsConfig(ca, "gateway-a");
  cfg.server.tls.clientCaFile = ca.path("ca.pem");
  cfg.auth.auditPath = auditFile.path();
  // The subject as `openssl x509 -noout -subject` prints it; the loader makes it canonical.
  const auto subject =
      scimgate::config::canonicalSubject("subject=O = Example, CN = workday-provisioning");
  REQUIRE(subject == std::optional<std::string>("CN=workday-provisioning,O=Example"));
  cfg.clientCertificates.push_back({"workday", *subject, "", "Viewer", {"*"}});
  Gateway gateway(cfg);

  SECTION("the configured certificate reads, and its role (Viewer) may not create") {
    auto session = sessionWith(gateway, ca, ca.path("workday"));
    session->setKeepAlive(true);
    const auto list = send(*session, "GET", "/scim/v2/Users", "", {}, kNoToken);
    INFO(list.body);
    CHECK(list.status == 200);
    const auto create = send(*session, "POST", "/scim/v2/Users", kNewUser, {}, kNoToken);
    INFO(create.body);
    CHECK(create.status == 403);
    // The audit trail names the client by its entry's name.
    const std::string audit = readAll(auditFile.path());
    CHECK(audit.find("\"principal\":\"workday\"") != std::string::npos);
  }
  SECTION("a certificate of the same CA that no entry names is 401, and says which it was") {
    auto session = sessionWith(gateway, ca, ca.path("stranger"));
    const auto answer = send(*session, "GET", "/scim/v2/Users", "", {}, kNoToken);
    CHECK(answer.status == 401);
    CHECK(answer.body.find("CN=stranger,O=Example") != std::string::npos);
    CHECK(answer.body.find("clientCertificates") != std::string::npos);
  }
  SECTION("a bearer token decides alone when one is sent: the token's role, or 401") {
    auto session = sessionWith(gateway, ca, ca.path("workday"));
    session->setKeepAlive(true);
    const auto create = send(*session, "POST", "/scim/v2/Users", kNewUser);  // Administrator
    INFO(create.body);
    CHECK(create.status == 201);
    CHECK(send(*session, "GET", "/scim/v2/Users", "", {}, "not-a-token").status == 401);
  }
  SECTION("without a certificate, tokens work as before and nothing else does") {
    auto session = sessionWith(gateway, ca, "");
    session->setKeepAlive(true);
    CHECK(send(*session, "GET", "/scim/v2/Users").status == 200);
    const auto anonymous = send(*session, "GET", "/scim/v2/Users", "", {}, kNoToken);
    CHECK(anonymous.status == 401);
    CHECK(anonymous.body.find("clientCertificates") == std::string::npos);
  }
  SECTION("a certificate with the same subject from another CA ends the handshake") {
    auto session = sessionWith(gateway, ca, otherCa.path("forged"));
    CHECK_THROWS(send(*session, "GET", "/scim/v2/Users", "", {}, kNoToken));
  }
}

TEST_CASE("HTTPS: a clientCertificates entry with sha256 takes only that certificate",
          "[https][mtls]") {
  TestCa ca;
  ca.issue("gateway-a");
  ca.issue("workday", "/CN=workday-provisioning");
  const std::string pinned = fingerprintOf(ca, "workday");
  ca.issue("reissued", "/CN=workday-provisioning");  // same subject, another key
  auto cfg = httpsConfig(ca, "gateway-a");
  cfg.server.tls.clientCaFile = ca.path("ca.pem");
  cfg.clientCertificates.push_back(
      {"workday", "CN=workday-provisioning", pinned, "Administrator", {"*"}});
  Gateway gateway(cfg);
  auto session = sessionWith(gateway, ca, ca.path("workday"));
  CHECK(send(*session, "GET", "/scim/v2/Users", "", {}, kNoToken).status == 200);
  auto other = sessionWith(gateway, ca, ca.path("reissued"));
  CHECK(send(*other, "GET", "/scim/v2/Users", "", {}, kNoToken).status == 401);
}
