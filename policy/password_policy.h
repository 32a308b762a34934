#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace scimgate::policy {

/// Password complexity rules (DESIGN 2: by default at least 10 characters with a lower-case
/// letter, an upper-case letter, a digit and a special character).
struct PasswordRules {
  std::size_t minLength = 10;
  std::size_t maxLength = 256;
  bool requireLower = true;
  bool requireUpper = true;
  bool requireDigit = true;
  bool requireSpecial = true;
  bool rejectUserNameParts = true;  // the password may not contain the userName or a name part
};

/// Facts about the account the password is for, used by the "not your name" rule.
struct PasswordContext {
  std::string userName;
  std::string givenName;
  std::string familyName;
};

/// Every rule the password breaks, each as a sentence a person can act on; empty when it passes.
/// Length counts UTF-8 characters, not bytes.
std::vector<std::string> unmetPasswordRules(std::string_view password, const PasswordRules& rules,
                                            const PasswordContext& context);

}  // namespace scimgate::policy
