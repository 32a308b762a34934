#include "policy/password_policy.h"

#include <algorithm>
#include <cctype>

namespace scimgate::policy {
namespace {

std::size_t utf8Length(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::vector<std::string> unmetPasswordRules(std::string_view password, const PasswordRules& rules,
                                            const PasswordContext& context) {
  std::vector<std::string> unmet;
  const std::size_t length = utf8Length(password);
  if (length < rules.minLength) {
    unmet.push_back("use at least " + std::to_string(rules.minLength) + " characters");
  }
  if (length > rules.maxLength) {
    unmet.push_back("use at most " + std::to_string(rules.maxLength) + " characters");
  }
  bool lowerSeen = false;
  bool upperSeen = false;
  bool digitSeen = false;
  bool specialSeen = false;
  for (char ch : password) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::islower(c)) {
      lowerSeen = true;
    } else if (std::isupper(c)) {
      upperSeen = true;
    } else if (std::isdigit(c)) {
      digitSeen = true;
    } else {
      specialSeen = true;  // punctuation, spaces and non-ASCII characters count as special
    }
  }
  if (rules.requireLower && !lowerSeen) unmet.push_back("include a lower-case letter");
  if (rules.requireUpper && !upperSeen) unmet.push_back("include an upper-case letter");
  if (rules.requireDigit && !digitSeen) unmet.push_back("include a digit");
  if (rules.requireSpecial && !specialSeen) {
    unmet.push_back("include a special character such as ! or #");
  }
  if (rules.rejectUserNameParts) {
    const std::string haystack = lower(password);
    for (const std::string* part : {&context.userName, &context.givenName, &context.familyName}) {
      // Very short name parts ("Al") would reject too much; three characters is the usual floor.
      if (part->size() >= 3 && haystack.find(lower(*part)) != std::string::npos) {
        unmet.push_back("do not include your user name or a part of your name");
        break;
      }
    }
  }
  return unmet;
}

}  // namespace scimgate::policy
