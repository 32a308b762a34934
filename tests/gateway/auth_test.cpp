#include "gateway/auth.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"

namespace config = scimgate::config;
namespace gateway = scimgate::gateway;

namespace {

const std::string kEntraToken = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.entra-token";
const std::string kOktaToken = "okta-9f8e7d6c5b4a";

gateway::TokenAuthenticator makeAuthenticator() {
  return gateway::TokenAuthenticator(
      {{"entra", config::sha256Hex(kEntraToken)}, {"okta", config::sha256Hex(kOktaToken)}});
}

}  // namespace

TEST_CASE("a configured bearer token authenticates as its client", "[gateway][auth]") {
  const auto auth = makeAuthenticator();
  struct Case {
    std::string header;
    std::string client;
  };
  const std::vector<Case> cases = {
      {"Bearer " + kEntraToken, "entra"},
      {"bearer " + kEntraToken, "entra"},
      {"BEARER " + kEntraToken, "entra"},
      {"bEaReR " + kOktaToken, "okta"},
      {"Bearer " + kOktaToken, "okta"},
      {"Bearer " + kOktaToken + " ", "okta"},
      // RFC 6750 2.1: credentials = "Bearer" 1*SP b64token.
      {"Bearer  " + kOktaToken, "okta"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.header);
    const auto client = auth.authenticate(c.header);
    REQUIRE(client.has_value());
    CHECK(*client == c.client);
  }
}

TEST_CASE("a header without a configured bearer token is rejected", "[gateway][auth]") {
  const auto auth = makeAuthenticator();
  for (const std::string& header : {
           std::string(),
           std::string("Bearer"),
           std::string("Bearer "),
           std::string("Bearer    "),
           std::string("Bearer wrong-token"),
           kEntraToken,
           "Basic " + kEntraToken,
           std::string("Basic ZW50cmE6c2VjcmV0"),
           "Bearer" + kEntraToken,
           "Bearerx " + kEntraToken,
           "Token " + kEntraToken,
           "Bearer " + kEntraToken + "x",
           "Bearer x" + kEntraToken,
           "Bearer " + kEntraToken + " extra",
           "Bearer " + kEntraToken.substr(0, kEntraToken.size() - 1),
           "Bearer " + config::sha256Hex(kEntraToken),
           "Bearer\t" + kEntraToken,
       }) {
    CAPTURE(header);
    CHECK_FALSE(makeAuthenticator().authenticate(header).has_value());
    CHECK_FALSE(auth.authenticate(header).has_value());
  }
}

TEST_CASE("an authenticator without tokens accepts nobody", "[gateway][auth]") {
  const gateway::TokenAuthenticator auth({});
  CHECK_FALSE(auth.authenticate("Bearer " + kEntraToken).has_value());
}

TEST_CASE("the first client configured with a hash wins when two share it", "[gateway][auth]") {
  const gateway::TokenAuthenticator auth(
      {{"first", config::sha256Hex(kEntraToken)}, {"second", config::sha256Hex(kEntraToken)}});
  const auto client = auth.authenticate("Bearer " + kEntraToken);
  REQUIRE(client.has_value());
  CHECK(*client == "first");
}

TEST_CASE("constantTimeEquals is string equality", "[gateway][auth]") {
  struct Case {
    std::string a;
    std::string b;
    bool equal;
  };
  const std::vector<Case> cases = {
      {"", "", true},
      {"abc", "abc", true},
      {"abc", "abd", false},
      {"abc", "xbc", false},
      {"abc", "ab", false},
      {"ab", "abc", false},
      {"", "a", false},
      {"abc", "ABC", false},
      {std::string("a\0b", 3), std::string("a\0b", 3), true},
      {std::string("a\0b", 3), std::string("a\0c", 3), false},
      {std::string("a\0", 2), "a", false},
      {"\xff\x80", "\xff\x80", true},
      {"\xff\x80", "\x7f\x80", false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.a, c.b);
    CHECK(gateway::constantTimeEquals(c.a, c.b) == c.equal);
    CHECK(gateway::constantTimeEquals(c.b, c.a) == c.equal);
  }
}

TEST_CASE("tokens are hashed correctly by many request threads at once", "[gateway][auth]") {
  // The gateway once crashed under load here: a per-hash OpenSSL initialiser raced on its count.
  const auto auth = makeAuthenticator();
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        if (auth.authenticate("Bearer " + kOktaToken) != std::optional<std::string>("okta")) {
          ++wrong;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(wrong == 0);
}
