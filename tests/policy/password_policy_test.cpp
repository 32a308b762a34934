#include "policy/password_policy.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace policy = scimgate::policy;

namespace {

const policy::PasswordContext kBarbara{"bjensen", "Barbara", "Jensen"};

std::vector<std::string> unmet(const std::string& password,
                               const policy::PasswordContext& context = kBarbara) {
  return policy::unmetPasswordRules(password, policy::PasswordRules{}, context);
}

}  // namespace

TEST_CASE("the default rules ask for 10 characters of four kinds, not the user's name",
          "[policy][password]") {
  const policy::PasswordRules rules;
  CHECK(rules.minLength == 10);
  CHECK(rules.maxLength == 256);
  CHECK(rules.requireLower);
  CHECK(rules.requireUpper);
  CHECK(rules.requireDigit);
  CHECK(rules.requireSpecial);
  CHECK(rules.rejectUserNameParts);
}

TEST_CASE("a good password meets every rule", "[policy][password]") {
  for (const char* password : {"Correct-Horse-42", "Tr0ub4dor&3x", "aB3$aB3$aB", "Zebra!Crossing9",
                               "Ünïcödé-Pässwörd-1A"}) {
    CAPTURE(password);
    CHECK(unmet(password).empty());
  }
}

TEST_CASE("a short password lists every rule it breaks at once", "[policy][password]") {
  CHECK(unmet("short") == std::vector<std::string>{
                              "use at least 10 characters",
                              "include an upper-case letter",
                              "include a digit",
                              "include a special character such as ! or #",
                          });
  CHECK(unmet("") == std::vector<std::string>{
                         "use at least 10 characters",
                         "include a lower-case letter",
                         "include an upper-case letter",
                         "include a digit",
                         "include a special character such as ! or #",
                     });
}

TEST_CASE("each missing kind of character is named on its own", "[policy][password]") {
  struct Case {
    const char* password;
    const char* rule;
  };
  const std::vector<Case> cases = {
      {"UPPERCASE-ONLY-1", "include a lower-case letter"},
      {"lowercase-only-1", "include an upper-case letter"},
      {"No-Digits-Here!", "include a digit"},
      {"NoSpecials1234", "include a special character such as ! or #"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.password);
    CHECK(unmet(c.password) == std::vector<std::string>{c.rule});
  }
}

TEST_CASE("a password containing the user's name or a name part is rejected",
          "[policy][password]") {
  const std::string rule = "do not include your user name or a part of your name";
  for (const char* password :
       {"bjensen-Secret-1", "Secret-1-BJENSEN", "My-Barbara-2024", "xxJENSENxx-Q1!"}) {
    CAPTURE(password);
    CHECK(unmet(password) == std::vector<std::string>{rule});
  }

  SECTION("name parts shorter than three characters are not checked") {
    const policy::PasswordContext al{"al", "Al", "Li"};
    CHECK(unmet("Always-Lively-1", al).empty());
  }

  SECTION("the rule can be switched off") {
    policy::PasswordRules rules;
    rules.rejectUserNameParts = false;
    CHECK(policy::unmetPasswordRules("bjensen-Secret-1", rules, kBarbara).empty());
  }

  SECTION("an empty context rejects nothing") {
    CHECK(unmet("bjensen-Secret-1", policy::PasswordContext{}).empty());
  }
}

TEST_CASE("length counts UTF-8 characters, not bytes", "[policy][password]") {
  // Nine characters, eighteen bytes: too short although the byte count is above the minimum.
  const std::string nine = "Aa1!ööööö";
  REQUIRE(nine.size() > 10);
  CHECK(unmet(nine) == std::vector<std::string>{"use at least 10 characters"});

  // Ten characters with multi-byte ones meet the minimum.
  CHECK(unmet("Aa1!öööööö").empty());
  // Four-byte characters count once each.
  CHECK(unmet("A1!a😀😀😀😀😀😀").empty());
  CHECK(unmet("A1!a😀😀😀😀😀") == std::vector<std::string>{"use at least 10 characters"});
}

TEST_CASE("a password longer than the maximum is rejected", "[policy][password]") {
  const std::string base = "Aa1!";
  CHECK(unmet(base + std::string(252, 'x')).empty());
  CHECK(unmet(base + std::string(253, 'x')) ==
        std::vector<std::string>{"use at most 256 characters"});
  // 256 two-byte characters are 256 characters.
  std::string wide = base;
  for (int i = 0; i < 252; ++i) wide += "é";
  CHECK(unmet(wide).empty());
}

TEST_CASE("custom rules change what is required", "[policy][password]") {
  policy::PasswordRules rules;
  rules.minLength = 4;
  rules.requireUpper = false;
  rules.requireSpecial = false;
  CHECK(policy::unmetPasswordRules("abc1", rules, {}).empty());
  CHECK(policy::unmetPasswordRules("abc", rules, {}) ==
        std::vector<std::string>{"use at least 4 characters", "include a digit"});
}
