#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/result.h"
#include "mail/message.h"

namespace scimgate::mail {

/// The message templates. A template `name` is up to three files: `name.subject` (one line),
/// `name.txt` (required) and `name.html` (optional). Placeholders are `{{key}}`; in the HTML
/// body every value is HTML-escaped, in subject and text it is inserted as is (a subject value
/// loses line breaks). A placeholder without a value is an error, so a typo in an operator's
/// template shows at start-up, not in a person's mailbox.
///
/// Shipped templates: `invitation`, `password_reset`, `login_code` (email) and `login_code_sms`
/// (text only), with the keys productName, userName, name, link, expires (a readable duration
/// such as "7 days" or "30 minutes") and code.
class Templates {
 public:
  /// Loads every template of `defaultDir`, each replaced by a file of the same name in
  /// `overrideDir` ("" = none). InvalidValue names the file that cannot be read or is not UTF-8.
  static Result<Templates> load(const std::string& defaultDir, const std::string& overrideDir);

  /// The message for template `name` with these values (productName need not be given when the
  /// templates were loaded with one: see withProductName). InvalidValue for an unknown template
  /// or a placeholder without a value.
  Result<Message> render(std::string_view name,
                         const std::map<std::string, std::string>& values) const;

  /// Checks that every shipped template name renders with the keys above (for --check and start).
  Result<void> check() const;

  /// A copy that fills {{productName}} with `name` unless the values give one.
  Templates withProductName(std::string name) const;

 private:
  struct Files {
    std::string subject;
    std::string text;
    std::string html;
  };
  std::map<std::string, Files, std::less<>> templates_;
  std::string productName_;
};

/// "7 days", "30 minutes", "1 hour": how long something stays valid, for people.
std::string readableDuration(long long seconds);

}  // namespace scimgate::mail
