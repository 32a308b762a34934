#include "policy/password_policy.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <system_error>
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

TEST_CASE("the maximum length is worded and counts UTF-8 characters", "[policy][password]") {
  policy::PasswordRules rules;
  rules.maxLength = 12;
  struct Case {
    std::string password;
    bool tooLong;
  };
  const std::vector<Case> cases = {
      {"Aa1!xxxxxxxx", false},  // 12 ASCII characters
      {"Aa1!xxxxxxxxx", true},  // 13
      {"Aa1!éééééééé", false},  // 12 characters, 20 bytes
      {"Aa1!😀😀😀😀😀😀😀😀", false},  // 12 characters, 36 bytes
      {"Aa1!😀😀😀😀😀😀😀😀😀", true},
  };
  for (const auto& c : cases) {
    CAPTURE(c.password);
    const auto unmetRules = policy::unmetPasswordRules(c.password, rules, {});
    if (c.tooLong) {
      CHECK(unmetRules == std::vector<std::string>{"use at most 12 characters"});
    } else {
      CHECK(unmetRules.empty());
    }
  }
}

TEST_CASE("every part of every name is looked for, case-insensitively", "[policy][password]") {
  const std::string rule(policy::kNamePartRule);
  const policy::PasswordContext jurgen{"juergen.mueller@example.com", "Jürgen",
                                       "Müller-Lüdenscheid", "Jü Müller"};
  struct Case {
    const char* password;
    bool rejected;
  };
  const std::vector<Case> cases = {
      {"JÜRGEN-Secret-1", true},                // given name, non-ASCII case folded
      {"xx-lÜdenscheid-9X", true},              // second part of a hyphenated family name
      {"Müller2024!Abc", true},                 // first part of the family name
      {"Juergen.Mueller-1", true},              // the local part of the e-mail userName
      {"Secret-MUELLER-1x", true},              // a token of that local part
      {"JUERGEN.MUELLER@EXAMPLE.COM1a", true},  // the whole userName
      {"Welcome-2024!Aa", false},               // "com" is from the domain and is not checked
      {"Example-Town-1a", false},               // nor is "example"
      {"Jü-is-short-1A", false},  // "Jü" (2 characters, 3 bytes) is too short to count
      {"Sommer-Wiese-7!", false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.password);
    const auto unmetRules = policy::unmetPasswordRules(c.password, {}, jurgen);
    if (c.rejected) {
      CHECK(unmetRules == std::vector<std::string>{rule});
    } else {
      CHECK(unmetRules.empty());
    }
  }

  SECTION("the display name (alias) counts as a name") {
    const policy::PasswordContext babs{"bjensen", "Barbara", "Jensen", "Babs J"};
    CHECK(unmet("Babs-Secret-12", babs) == std::vector<std::string>{rule});
  }

  SECTION("Greek and Cyrillic names fold case too") {
    const policy::PasswordContext greek{"", "Σοφία", "Ιβάνοβα", ""};
    CHECK(unmet("ΣΟΦΊΑ-Secret-1a", greek) == std::vector<std::string>{rule});
    const policy::PasswordContext cyrillic{"", "Иван", "", ""};
    CHECK(unmet("иВАН-Secret-1a", cyrillic) == std::vector<std::string>{rule});
  }
}

TEST_CASE("a password on the blocklist is rejected whatever its case", "[policy][password]") {
  policy::PasswordRules rules;
  rules.blocklist = {"Password123!", "Welcome2024!", "Zürich-Winter-1"};
  const std::string rule(policy::kBlocklistRule);
  struct Case {
    const char* password;
    bool listed;
  };
  const std::vector<Case> cases = {
      {"Password123!", true},   {"PASSWORD123!", true},    {"password123!", true},
      {"wElCoMe2024!", true},   {"ZÜRICH-WINTER-1", true}, {"Password123!x", false},
      {"xPassword123!", false}, {"Password124!", false},   {"Correct-Horse-42", false},
  };
  // Case variants break other rules too; only the blocklist sentence matters here.
  for (const auto& c : cases) {
    CAPTURE(c.password);
    const auto unmetRules = policy::unmetPasswordRules(c.password, rules, kBarbara);
    const bool reported = std::find(unmetRules.begin(), unmetRules.end(), rule) != unmetRules.end();
    CHECK(reported == c.listed);
  }

  SECTION("an empty blocklist rejects nothing") { CHECK(unmet("Password123!").empty()); }
}

TEST_CASE("pre-hashed values are refused with a request for the plain password",
          "[policy][password]") {
  const std::vector<std::string> onlyHash{std::string(policy::kPreHashedRule)};
  struct Case {
    const char* value;
    bool hashed;
  };
  const std::vector<Case> cases = {
      {"{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", true},
      {"{SSHA256}abcdefghijklmnopqrstuvwxyz012345", true},
      {"{SSHA512}abc", true},
      {"{CRYPT}$6$salt$hash", true},
      {"{PBKDF2-SHA512}10000$c2FsdA$aGFzaA", true},
      {"{PBKDF2_SHA256}1000$x$y", true},
      {"{ARGON2}$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA", true},
      {"{ssha}lower-case-scheme", true},
      {"{SHA}", true},
      {"{MY.SCHEME+1}anything", true},
      {"$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW", true},
      {"$2a$10$abc", true},
      {"$6$rounds=5000$salt$hash", true},
      {"$5$salt$hash", true},
      {"$1$salt$hash", true},
      {"$y$j9T$salt$hash", true},
      {"$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", true},
      {"Correct-Horse-42", false},
      {"{}Correct-Horse-42", false},     // no scheme name
      {"{Secret Pass}Horse-42", false},  // a space is no scheme character
      {"{unclosed-Horse-42", false},
      {"Horse-{SSHA}-42aB", false},  // only a prefix counts
      {"$$Money-Bags-42a", false},   // no crypt id
      {"$Money$Bags-42a!", false},   // crypt ids are lower-case
      {"$ 6$Horse-Bags-42a", false},
      {"Price$6$Horse-42a", false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.value);
    CHECK(policy::isPreHashedPassword(c.value) == c.hashed);
    const auto unmetRules = unmet(c.value);
    if (c.hashed) {
      // Only the one sentence: the other rules would judge the hash, not the password.
      CHECK(unmetRules == onlyHash);
    } else {
      CHECK(std::find(unmetRules.begin(), unmetRules.end(), onlyHash.front()) == unmetRules.end());
    }
  }
  CHECK(policy::kPreHashedRule.find("plain password") != std::string_view::npos);
}

TEST_CASE("one call lists every unmet rule", "[policy][password]") {
  policy::PasswordRules rules;
  rules.blocklist = {"bjensen"};
  CHECK(policy::unmetPasswordRules("bjensen", rules, kBarbara) ==
        std::vector<std::string>{
            "use at least 10 characters",
            "include an upper-case letter",
            "include a digit",
            "include a special character such as ! or #",
            std::string(policy::kNamePartRule),
            std::string(policy::kBlocklistRule),
        });

  rules.maxLength = 12;
  rules.blocklist = {"jensenjensenjensen"};
  CHECK(policy::unmetPasswordRules("JENSENJENSENJENSEN", rules, kBarbara) ==
        std::vector<std::string>{
            "use at most 12 characters",
            "include a lower-case letter",
            "include a digit",
            "include a special character such as ! or #",
            std::string(policy::kNamePartRule),
            std::string(policy::kBlocklistRule),
        });
}

TEST_CASE("a change or reset needs the confirmation to match exactly", "[policy][password]") {
  const std::string mismatch(policy::kConfirmationRule);
  const policy::PasswordRules rules;
  struct Case {
    const char* password;
    const char* confirmation;
    bool matches;
  };
  const std::vector<Case> cases = {
      {"Correct-Horse-42", "Correct-Horse-42", true},
      {"Correct-Horse-42", "correct-horse-42", false},  // case matters here
      {"Correct-Horse-42", "Correct-Horse-42 ", false},
      {"Correct-Horse-42", "Correct-Horse-4", false},
      {"Correct-Horse-42", "", false},
      {"Ünïcödé-Pässwörd-1A", "Ünïcödé-Pässwörd-1A", true},
      {"", "", true},
  };
  for (const auto& c : cases) {
    CAPTURE(c.password, c.confirmation);
    CHECK(policy::isConfirmationMatching(c.password, c.confirmation) == c.matches);
  }

  CHECK(policy::unmetPasswordChangeRules("Correct-Horse-42", "Correct-Horse-42", rules, kBarbara)
            .empty());
  CHECK(policy::unmetPasswordChangeRules("Correct-Horse-42", "Correct-Horse-43", rules, kBarbara) ==
        std::vector<std::string>{mismatch});
  SECTION("the mismatch comes after every rule the password breaks") {
    CHECK(policy::unmetPasswordChangeRules("short", "shorts", rules, kBarbara) ==
          std::vector<std::string>{
              "use at least 10 characters",
              "include an upper-case letter",
              "include a digit",
              "include a special character such as ! or #",
              mismatch,
          });
  }
}

namespace {

// A file in a fresh temporary folder, removed with the folder at the end of the test.
class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    dir_ = std::filesystem::temp_directory_path() /
           ("scimgate-blocklist-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir_);
    std::ofstream(path(), std::ios::binary) << content;
  }
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  std::filesystem::path path() const { return dir_ / "blocklist.txt"; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

}  // namespace

TEST_CASE("a blocklist file is read one password per line", "[policy][password]") {
  const TempFile file("Password123!\r\n  Welcome2024! \n\n\t\n#Hashtag-1\nzürich\n");
  const auto loaded = policy::loadPasswordBlocklist(file.path());
  REQUIRE(loaded.ok());
  CHECK(loaded.entries ==
        std::vector<std::string>{"Password123!", "Welcome2024!", "#Hashtag-1", "zürich"});

  policy::PasswordRules rules;
  rules.blocklist = loaded.entries;
  CHECK(policy::unmetPasswordRules("WeLcOmE2024!", rules, {}) ==
        std::vector<std::string>{std::string(policy::kBlocklistRule)});

  SECTION("an empty file is an empty list") {
    const TempFile empty("");
    const auto none = policy::loadPasswordBlocklist(empty.path());
    CHECK(none.ok());
    CHECK(none.entries.empty());
  }
  SECTION("the last line needs no newline") {
    const TempFile noNewline("one\ntwo");
    CHECK(policy::loadPasswordBlocklist(noNewline.path()).entries ==
          std::vector<std::string>{"one", "two"});
  }
}

TEST_CASE("an unreadable blocklist gives an error naming the path", "[policy][password]") {
  const TempFile file("x\n");
  SECTION("a missing file") {
    const auto missing = file.dir() / "missing.txt";
    const auto loaded = policy::loadPasswordBlocklist(missing);
    REQUIRE_FALSE(loaded.ok());
    CHECK(loaded.entries.empty());
    CHECK(loaded.error.find(missing.string()) != std::string::npos);
    CHECK(loaded.error.find("No such file") != std::string::npos);
  }
  SECTION("a directory") {
    const auto loaded = policy::loadPasswordBlocklist(file.dir());
    REQUIRE_FALSE(loaded.ok());
    CHECK(loaded.error.find("directory") != std::string::npos);
  }
}
