#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace scimgate::policy {

/// Password complexity rules (DESIGN 2: by default at least 10 characters with a lower-case
/// letter, an upper-case letter, a digit and a special character; DESIGN 6 adds a maximum
/// length, the "not your name" rule and an optional blocklist).
struct PasswordRules {
  std::size_t minLength = 10;
  std::size_t maxLength = 256;
  bool requireLower = true;
  bool requireUpper = true;
  bool requireDigit = true;
  bool requireSpecial = true;
  bool rejectUserNameParts = true;  // the password may not contain the userName or a name part
  /// Forbidden passwords, compared with the whole password case-insensitively. Empty: no list.
  /// Usually the lines of `loadPasswordBlocklist`.
  std::vector<std::string> blocklist;
};

/// Facts about the account the password is for, used by the "not your name" rule. Empty fields
/// are ignored.
struct PasswordContext {
  std::string userName;
  std::string givenName;
  std::string familyName;
  // The alias, checked like the other name parts. The initializer lets {userName, given, family}
  // stay a complete initialization under -Wmissing-field-initializers.
  std::string displayName = {};
};

/// Sentences returned by the rules below, for callers and tests that want to compare.
inline constexpr std::string_view kNamePartRule =
    "do not include your user name or a part of your name";
inline constexpr std::string_view kBlocklistRule =
    "choose a less common password: this one is on the list of forbidden passwords";
inline constexpr std::string_view kPreHashedRule =
    "send the plain password, not a hashed value: the server hashes it (a value starting with "
    "{SCHEME} or $id$ is taken for a hash)";
inline constexpr std::string_view kConfirmationRule =
    "type the same new password twice: the confirmation does not match";

/// Every rule the password breaks, each as a sentence a person can act on; empty when it passes.
/// Length counts UTF-8 characters, not bytes. Letters are ASCII letters; any other character that
/// is not an ASCII digit (punctuation, space, non-ASCII) counts as special. The name rule looks
/// for the userName (and the local part of an e-mail-like userName) and for every part of the
/// given, family and display names, split at spaces, '-', '.', ',', '_', '#' and '@'; parts
/// shorter than 3 characters are ignored; the comparison folds case for ASCII, Latin-1, Latin
/// Extended-A, Greek and Cyrillic. A value that looks pre-hashed (`isPreHashedPassword`) yields
/// only `kPreHashedRule`: the other rules would judge the hash, not the password.
std::vector<std::string> unmetPasswordRules(std::string_view password, const PasswordRules& rules,
                                            const PasswordContext& context);

/// The same as `unmetPasswordRules`, for a change or reset form that asks for the new password
/// twice: every unmet rule, followed by `kConfirmationRule` when the confirmation differs. The
/// confirmation is compared byte for byte (no case folding, no trimming).
std::vector<std::string> unmetPasswordChangeRules(std::string_view password,
                                                  std::string_view confirmation,
                                                  const PasswordRules& rules,
                                                  const PasswordContext& context);

/// True when the confirmation is exactly the password. Runs in time independent of where the two
/// first differ.
bool isConfirmationMatching(std::string_view password, std::string_view confirmation);

/// True for values a directory would store as a hash instead of hashing them: an RFC 3112 style
/// `{SCHEME}` prefix (`{SSHA}`, `{SSHA256}`, `{CRYPT}`, `{PBKDF2-SHA512}`, `{ARGON2}`, any
/// scheme name of letters, digits, '-', '_', '.' and '+', in any case) or a crypt(3) `$id$`
/// prefix (`$1$`, `$2b$`, `$5$`, `$6$`, `$y$`, `$argon2id$`: lower-case letters, digits and '-').
bool isPreHashedPassword(std::string_view password);

/// The outcome of reading a blocklist file: its entries, or why the file could not be read.
struct PasswordBlocklistFile {
  std::vector<std::string> entries;
  std::string error;  // empty when the file was read; otherwise a sentence naming the path
  bool ok() const { return error.empty(); }
};

/// Reads a blocklist: one forbidden password per line. Surrounding spaces, tabs and a trailing
/// '\r' are removed and blank lines skipped; there is no comment syntax (a line starting with '#'
/// is a password). A missing, unreadable or directory path gives an error, never an exception.
PasswordBlocklistFile loadPasswordBlocklist(const std::filesystem::path& path);

}  // namespace scimgate::policy
