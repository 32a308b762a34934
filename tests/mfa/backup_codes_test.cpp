#include "policy/mfa/backup_codes.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <regex>
#include <set>

namespace mfa = scimgate::policy::mfa;

TEST_CASE("backup codes are easy to type and carry at least 50 bits", "[mfa][backup]") {
  CHECK(mfa::kBackupCodeAlphabet.size() == 32);
  for (char ambiguous : {'0', 'o', '1', 'l'}) {
    CHECK(mfa::kBackupCodeAlphabet.find(ambiguous) == std::string_view::npos);
  }
  CHECK(std::log2(static_cast<double>(mfa::kBackupCodeAlphabet.size())) *
            static_cast<double>(mfa::kBackupCodeLength) >=
        50.0);

  const std::regex shape("[2-9a-km-np-z]{4}-[2-9a-km-np-z]{4}-[2-9a-km-np-z]{4}");
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    const std::string code = mfa::generateBackupCode();
    CAPTURE(code);
    CHECK(std::regex_match(code, shape));
    seen.insert(code);
  }
  CHECK(seen.size() == 2000);
}

TEST_CASE("typed backup codes are normalised", "[mfa][backup]") {
  CHECK(mfa::normaliseBackupCode("k7pm-3xq9-2rdw") == std::optional<std::string>("k7pm3xq92rdw"));
  CHECK(mfa::normaliseBackupCode(" K7PM 3XQ9 2RDW ") == std::optional<std::string>("k7pm3xq92rdw"));
  CHECK(mfa::normaliseBackupCode("k7pm3xq92rdw") == std::optional<std::string>("k7pm3xq92rdw"));
  CHECK_FALSE(mfa::normaliseBackupCode("k7pm-3xq9-2rd0"));   // 0 is not in the alphabet
  CHECK_FALSE(mfa::normaliseBackupCode("k7pm-3xq9-2rd"));    // too short
  CHECK_FALSE(mfa::normaliseBackupCode("k7pm-3xq9-2rdwx"));  // too long
  CHECK_FALSE(mfa::normaliseBackupCode("123456"));
  CHECK_FALSE(mfa::normaliseBackupCode(""));
}

TEST_CASE("backup codes are stored as salted PBKDF2 hashes", "[mfa][backup]") {
  const std::string code = "k7pm3xq92rdw";
  const std::string first = mfa::hashBackupCode(code, 1000);
  const std::string second = mfa::hashBackupCode(code, 1000);
  CHECK(first.rfind("pbkdf2-sha256$1000$", 0) == 0);
  CHECK(first != second);  // a salt per code
  CHECK(first.find(code) == std::string::npos);
  CHECK(mfa::backupCodeMatches(code, first));
  CHECK(mfa::backupCodeMatches(code, second));
  CHECK_FALSE(mfa::backupCodeMatches("k7pm3xq92rdx", first));
  CHECK_FALSE(mfa::backupCodeMatches(code, "pbkdf2-sha256$1000$bad$bad"));
  CHECK_FALSE(mfa::backupCodeMatches(code, "md5$x"));
  CHECK_FALSE(mfa::backupCodeMatches(code, ""));
}
