// /metrics: the scrape's series move with requests through the main listener, promtool accepts
// the text, the token is enforced, and no label carries an id, a name or a secret.
#include "gateway/metrics.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/TemporaryFile.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>

#include "config/config.h"
#include "policy/mfa/totp.h"
#include "support/api.h"
#include "support/gateway.h"
#include "support/mail_gateway.h"

namespace {

using scimgate::testing::Gateway;
namespace testing = scimgate::testing;

constexpr char kScrapeToken[] = "scrape-token-9876543210";

struct Answer {
  int status = 0;
  std::string body;
  std::string contentType;
};

Answer get(int port, const std::string& path, const std::string& token = "",
           const std::string& method = "GET") {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!token.empty()) request.set("Authorization", "Bearer " + token);
  session.sendRequest(request);
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  Answer answer;
  answer.status = static_cast<int>(response.getStatus());
  answer.contentType = response.getContentType();
  Poco::StreamCopier::copyToString(in, answer.body);
  return answer;
}

scimgate::config::Config metricsConfig(const std::string& tokenSha256 = "") {
  auto cfg = Gateway::defaultConfig();
  cfg.metrics.enabled = true;
  cfg.metrics.listen = "127.0.0.1";
  cfg.metrics.port = 0;
  cfg.metrics.tokenSha256 = tokenSha256;
  return cfg;
}

// "name{labels}" -> value, for every sample line.
std::map<std::string, double> parse(const std::string& text) {
  std::map<std::string, double> samples;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    REQUIRE(space != std::string::npos);
    samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return samples;
}

double valueOf(const std::map<std::string, double>& samples, const std::string& series) {
  const auto found = samples.find(series);
  return found == samples.end() ? 0.0 : found->second;
}

std::map<std::string, double> scrape(Gateway& gw, const std::string& token = "") {
  const auto answer = get(gw.server().metricsPort(), "/metrics", token);
  REQUIRE(answer.status == 200);
  return parse(answer.body);
}

std::string run(const std::string& command, int& status) {
  std::string output;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  status = pclose(pipe);
  return output;
}

// Unique per run: each SECTION runs the test case again against the same directory.
std::string unique(const std::string& name) {
  static int runs = 0;
  return name + std::to_string(::getpid()) + "-" + std::to_string(++runs);
}

}  // namespace

TEST_CASE("requests through the main listener move the request series by route pattern",
          "[metrics]") {
  Gateway gw(metricsConfig());
  REQUIRE(gw.server().metricsPort() > 0);
  const std::string created =
      R"(scimgate_http_requests_total{route="/scim/v2/Users",method="POST",status="201"})";
  const std::string read =
      R"(scimgate_http_requests_total{route="/scim/v2/Users/{id}",method="GET",status="200"})";
  const std::string missing =
      R"(scimgate_http_requests_total{route="other",method="GET",status="404"})";
  const std::string readCount =
      R"(scimgate_http_request_duration_seconds_count{route="/scim/v2/Users/{id}",method="GET"})";
  const std::string loginRefused =
      R"(scimgate_http_requests_total{route="/auth/login",method="POST",status="401"})";
  const auto before = scrape(gw);

  const std::string alice = unique("metrics.alice");
  const std::string id = testing::createUser(gw, alice);
  REQUIRE(gw.request("GET", "/scim/v2/Users/" + id).status == 200);
  REQUIRE(gw.request("GET", "/no/such/thing").status == 404);
  const auto refused = testing::tryLogin(gw, alice, "not-the-password");
  REQUIRE(refused.status == 401);

  const auto after = scrape(gw);
  CHECK(valueOf(after, created) - valueOf(before, created) == 1);
  CHECK(valueOf(after, read) - valueOf(before, read) == 1);
  CHECK(valueOf(after, readCount) - valueOf(before, readCount) == 1);
  CHECK(valueOf(after, missing) - valueOf(before, missing) == 1);
  CHECK(valueOf(after, loginRefused) - valueOf(before, loginRefused) == 1);
  CHECK(
      valueOf(
          after,
          R"(scimgate_http_request_duration_seconds_bucket{route="/scim/v2/Users/{id}",method="GET",le="+Inf"})") ==
      valueOf(after, readCount));
  CHECK(valueOf(after, "scimgate_build_info{version=\"" + std::string(SCIMGATE_TEST_VERSION) +
                           "\",commit=\"" + SCIMGATE_TEST_COMMIT + "\"}") == 1);
  CHECK(valueOf(after, "process_start_time_seconds") > 1.6e9);
  CHECK(valueOf(after, "process_resident_memory_bytes") > 1e6);

  SECTION("LDAP operations, the pool and group commits are counted") {
    const auto ldapOk = [](const char* kind) {
      return std::string("scimgate_ldap_operations_total{kind=\"") + kind + "\",outcome=\"ok\"}";
    };
    CHECK(valueOf(after, ldapOk("add")) - valueOf(before, ldapOk("add")) >= 1);
    CHECK(valueOf(after, ldapOk("search")) - valueOf(before, ldapOk("search")) >= 1);
    CHECK(valueOf(after, ldapOk("bind")) >= 1);  // the pool's own bind, and the login's
    CHECK(valueOf(after, R"(scimgate_ldap_operations_total{kind="bind",outcome="error"})") -
              valueOf(before, R"(scimgate_ldap_operations_total{kind="bind",outcome="error"})") ==
          1);  // the wrong password
    CHECK(valueOf(after, R"(scimgate_ldap_operation_duration_seconds_count{kind="add"})") >= 1);
    CHECK(after.count("scimgate_ldap_pool_waiting") == 1);
    CHECK(valueOf(after, "scimgate_ldap_pool_size") == Gateway::defaultConfig().ldap.poolSize);
    const double open = valueOf(after, R"(scimgate_ldap_pool_connections{state="idle"})") +
                        valueOf(after, R"(scimgate_ldap_pool_connections{state="in_use"})");
    CHECK(open >= 1);
    CHECK(open <= Gateway::defaultConfig().ldap.poolSize);

    const std::string batches = "scimgate_ldap_group_commit_batch_size_count";
    const std::string group = testing::createGroup(gw, unique("metrics-team"), "group");
    const auto added = gw.request(
        "PATCH", "/scim/v2/Groups/" + group,
        testing::patchBody(R"({"op":"add","path":"members","value":[{"value":")" + id + R"("}]})"));
    REQUIRE(added.status < 300);
    CHECK(valueOf(scrape(gw), batches) - valueOf(after, batches) >= 1);
  }

  SECTION("logins are counted by outcome") {
    const std::string wrong = R"(scimgate_logins_total{outcome="wrong_password"})";
    CHECK(valueOf(after, wrong) - valueOf(before, wrong) == 1);
  }

  SECTION("no label value carries an id, a userName, a token or a secret") {
    const auto text = get(gw.server().metricsPort(), "/metrics").body;
    for (const std::string& secret :
         {id, alice, std::string(testing::kToken), std::string("not-the-password"),
          std::string(testing::kPassword), scimgate::config::sha256Hex(testing::kToken),
          std::string("/no/such/thing")}) {
      INFO(secret);
      CHECK(text.find(secret) == std::string::npos);
    }
  }
}

TEST_CASE("promtool check metrics accepts the scrape", "[metrics]") {
  Gateway gw(metricsConfig());
  const std::string bob = unique("metrics.bob");
  testing::createUser(gw, bob);
  REQUIRE(gw.request("GET", "/scim/v2/Users?filter=userName%20eq%20%22" + bob + "%22").status ==
          200);
  testing::tryLogin(gw, bob, "wrong");
  const auto answer = get(gw.server().metricsPort(), "/metrics");
  REQUIRE(answer.status == 200);
  CHECK(answer.contentType.rfind("text/plain; version=0.0.4", 0) == 0);

  int status = 0;
  const std::string where = run("command -v promtool", status);
  INFO("promtool is missing: install Debian's prometheus package (./quickstart test does)");
  REQUIRE(status == 0);
  const std::string file = Poco::TemporaryFile::tempName();
  Poco::TemporaryFile::registerForDeletion(file);
  std::ofstream(file) << answer.body;
  const std::string output = run("promtool check metrics < '" + file + "'", status);
  INFO(answer.body);
  INFO(output);
  CHECK(status == 0);
}

TEST_CASE("the metrics listener answers only GET /metrics, and with a token only its bearer",
          "[metrics]") {
  SECTION("without a token") {
    Gateway gw(metricsConfig());
    const int port = gw.server().metricsPort();
    CHECK(get(port, "/metrics").status == 200);
    CHECK(get(port, "/").status == 404);
    CHECK(get(port, "/scim/v2/Users", testing::kToken).status == 404);
    CHECK(get(port, "/metrics", "", "POST").status == 404);
  }
  SECTION("with a token") {
    Gateway gw(metricsConfig(scimgate::config::sha256Hex(kScrapeToken)));
    const int port = gw.server().metricsPort();
    CHECK(get(port, "/metrics").status == 401);
    CHECK(get(port, "/metrics", "wrong-token").status == 401);
    CHECK(get(port, "/metrics", testing::kToken).status == 401);
    const auto answer = get(port, "/metrics", kScrapeToken);
    CHECK(answer.status == 200);
    CHECK(answer.body.find("scimgate_http_requests_total") != std::string::npos);
    CHECK(get(port, "/other", kScrapeToken).status == 404);
  }
}

TEST_CASE("without a metrics section there is no metrics listener", "[metrics]") {
  Gateway gw;
  CHECK(gw.server().metricsPort() == 0);
}

TEST_CASE("a metrics listener beyond loopback without a token is a config problem", "[metrics]") {
  const std::string base = R"({"ldap": {"uris": ["ldap://localhost"], "bindDn": "cn=a",
    "bindPassword": "x", "baseDn": "dc=example,dc=com"}, "tokens": [{"name": "t", "sha256": ")" +
                           scimgate::config::sha256Hex("t") + R"("}], )";
  const auto problemsOf = [&](const std::string& metrics) {
    std::string all;
    for (const auto& p : scimgate::config::loadText(base + metrics + "}", "test").problems.items) {
      all += p + "\n";
    }
    return all;
  };
  CHECK(problemsOf(R"("metrics": {"listen": "127.0.0.1", "port": 0})").find("$.metrics") ==
        std::string::npos);
  CHECK(problemsOf(R"("metrics": {"listen": "0.0.0.0"})").find("$.metrics.tokenSha256") !=
        std::string::npos);
  CHECK(problemsOf(R"("metrics": {"listen": "0.0.0.0", "tokenSha256": ")" +
                   scimgate::config::sha256Hex("x") + R"("})")
            .find("$.metrics") == std::string::npos);
  CHECK(problemsOf(R"("metrics": {"tokenSha256": "abc"})").find("$.metrics.tokenSha256") !=
        std::string::npos);
  CHECK(problemsOf(R"("metrics": {"bogus": 1})").find("$.metrics.bogus") != std::string::npos);
  const auto loaded = scimgate::config::loadText(base + R"("server": {})" + "}", "test");
  CHECK_FALSE(loaded.config.metrics.enabled);
}

TEST_CASE("logins and second factors are counted by outcome and method", "[metrics]") {
  const auto dir = std::filesystem::temp_directory_path() / unique("scimgate-metrics-");
  std::filesystem::create_directories(dir);
  auto cfg = metricsConfig();
  cfg.mfa.store.kind = "sqlite";
  cfg.mfa.store.path = (dir / "mfa.db").string();
  cfg.mfa.settings.encryptionKey = std::vector<unsigned char>(32, 7);
  cfg.mfa.settings.pbkdf2Iterations = 1000;
  {
    Gateway gw(cfg);
    const std::string name = unique("metrics.carol");
    REQUIRE(
        gw.request("POST", "/scim/v2/Users",
                   R"({"userName":")" + name + R"(","password":")" + testing::kPassword + R"("})")
            .status == 201);
    const auto before = scrape(gw);
    const std::string session = testing::loginAs(gw, name, testing::kPassword);
    auto enrol = gw.request("POST", "/mfa/totp", "", session, "application/json");
    REQUIRE(enrol.status == 201);
    const auto secret =
        scimgate::policy::mfa::base32Decode(enrol.json()->getValue<std::string>("secret"));
    REQUIRE(secret.has_value());
    const auto now =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    CHECK(
        gw.request("POST", "/mfa/totp/confirm", R"({"code":"000000"})", session, "application/json")
            .status == 400);
    REQUIRE(gw.request("POST", "/mfa/totp/confirm",
                       R"({"code":")" + scimgate::policy::mfa::generateTotp(*secret, now) + R"("})",
                       session, "application/json")
                .status == 200);
    CHECK(testing::tryLogin(gw, name, testing::kPassword).status == 401);  // a code is needed
    const auto wrong = gw.request("POST", "/auth/login",
                                  R"({"userName":")" + name + R"(","password":")" +
                                      testing::kPassword + R"(","code":"123456"})",
                                  "", "application/json");
    CHECK(wrong.status == 401);
    const auto after = scrape(gw);

    const auto moved = [&](const std::string& series) {
      return valueOf(after, series) - valueOf(before, series);
    };
    CHECK(moved(R"(scimgate_logins_total{outcome="success"})") == 1);
    CHECK(moved(R"(scimgate_logins_total{outcome="second_factor_required"})") == 1);
    CHECK(moved(R"(scimgate_logins_total{outcome="wrong_second_factor"})") == 1);
    CHECK(moved(R"(scimgate_second_factor_total{method="totp",outcome="success"})") == 1);
    // The wrong confirmation and the wrong code at login (unless 123456 happened to be right).
    CHECK(moved(R"(scimgate_second_factor_total{method="totp",outcome="wrong_code"})") == 2);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("the mail outbox gauge counts messages not yet sent", "[metrics]") {
  testing::TempDir dir;
  // Nothing listens on the SMTP port: the reset link stays in the outbox, retried later.
  Poco::Net::ServerSocket closed(Poco::Net::SocketAddress("127.0.0.1", 0));
  const int deadPort = closed.address().port();
  closed.close();
  auto cfg = testing::mailGatewayConfig(dir.sqliteStore(), deadPort);
  cfg.metrics.enabled = true;
  cfg.metrics.port = 0;
  Gateway gw(cfg);
  const std::string name = unique("metrics.dave");
  testing::createUser(gw, name, std::string(R"(,"password":")") + testing::kPassword + "\"");
  const std::string gauge = "scimgate_mail_outbox_messages";
  const auto before = scrape(gw);
  REQUIRE(before.count(gauge) == 1);
  REQUIRE(gw.request("POST", "/auth/password/forgot", R"({"login":")" + name + R"("})", "",
                     "application/json")
              .status == 202);
  CHECK(valueOf(scrape(gw), gauge) - valueOf(before, gauge) >= 1);
}

TEST_CASE("with server.tls the metrics listener speaks HTTPS with the same certificate",
          "[metrics]") {
  testing::TempDir dir;
  const std::string cert = (dir.path() / "cert.pem").string();
  const std::string key = (dir.path() / "key.pem").string();
  int status = 0;
  const std::string made =
      run("openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -days 2 "
          "-subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout '" +
              key + "' -out '" + cert + "'",
          status);
  INFO(made);
  REQUIRE(status == 0);
  auto cfg = metricsConfig();
  cfg.server.tls.certFile = cert;
  cfg.server.tls.keyFile = key;
  Gateway gw(cfg);
  const auto port = static_cast<Poco::UInt16>(gw.server().metricsPort());

  static std::once_flag once;
  std::call_once(once, [] { Poco::Net::initializeSSL(); });
  Poco::Net::Context::Params params;
  params.caLocation = cert;
  params.loadDefaultCAs = false;
  params.verificationMode = Poco::Net::Context::VERIFY_RELAXED;
  Poco::Net::Context::Ptr context =
      new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
  Poco::Net::HTTPSClientSession session("127.0.0.1", port, context);
  Poco::Net::HTTPRequest request("GET", "/metrics", Poco::Net::HTTPMessage::HTTP_1_1);
  session.sendRequest(request);
  Poco::Net::HTTPResponse response;
  std::string body;
  Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
  CHECK(response.getStatus() == Poco::Net::HTTPResponse::HTTP_OK);
  CHECK(body.find("scimgate_build_info") != std::string::npos);

  // Plain HTTP gets no scrape.
  bool plainServed = false;
  try {
    plainServed = get(port, "/metrics").status == 200;
  } catch (const Poco::Exception&) {
  }
  CHECK_FALSE(plainServed);
}

TEST_CASE("label values and help texts are escaped as the exposition format requires",
          "[metrics]") {
  scimgate::gateway::metrics::Exposition out;
  out.family("x_total", "a \\ b\nc \"d\"", "counter");
  out.sample("x_total", {{"l", "q\"\\\n"}}, 1);
  CHECK(out.text() ==
        "# HELP x_total a \\\\ b\\nc \"d\"\n"
        "# TYPE x_total counter\n"
        "x_total{l=\"q\\\"\\\\\\n\"} 1\n");
}
