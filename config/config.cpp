#include "config/config.h"

#include <Poco/JSON/Parser.h>
#include <Poco/SHA2Engine.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "config/distinguished_name.h"
#include "mail/templates.h"
#include "policy/mfa/secret_box.h"
#include "policy/permissions.h"

namespace scimgate::config {
namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

// Reads typed values out of one JSON object, recording a problem for each wrong one.
class Reader {
 public:
  /// The reader of the whole file: it and every reader made from it note each key they are
  /// asked for in `known`, so that keys nobody asked for can be reported (unknownKeys).
  Reader(Problems& problems, Object::Ptr root, KnownKeys& known)
      : problems_(problems), path_("$"), object_(std::move(root)), known_(known) {}

  Reader child(const std::string& key) {
    note(key);
    if (!object_ || !object_->has(key)) return Reader(problems_, at(key), nullptr, known_);
    if (object_->get(key).type() != typeid(Object::Ptr)) {
      problem(key, "must be an object");
      return Reader(problems_, at(key), nullptr, known_);
    }
    return Reader(problems_, at(key), object_->getObject(key), known_);
  }

  /// Calls `read` with a reader of each item of the array `key`; an item that is not an object
  /// is a problem saying it must be `what`.
  void objects(const std::string& key, const std::string& what,
               const std::function<void(Reader&)>& read) {
    const Array::Ptr items = array(key);
    if (!items) return;
    for (unsigned int i = 0; i < items->size(); ++i) {
      const std::string path = at(key) + "[" + std::to_string(i) + "]";
      if (items->get(i).type() != typeid(Object::Ptr)) {
        problems_.items.push_back(path + ": must be " + what);
        continue;
      }
      Reader item(problems_, path, items->getObject(i), known_);
      read(item);
    }
  }

  void string(const std::string& key, std::string& out) {
    if (!present(key)) return;
    const Var v = object_->get(key);
    if (!v.isString()) return problem(key, "must be a string");
    out = v.extract<std::string>();
  }

  void boolean(const std::string& key, bool& out) {
    if (!present(key)) return;
    const Var v = object_->get(key);
    if (v.type() != typeid(bool)) return problem(key, "must be true or false");
    out = v.extract<bool>();
  }

  void integer(const std::string& key, int& out, int min, int max) {
    if (!present(key)) return;
    const Var v = object_->get(key);
    if (!v.isInteger()) return problem(key, "must be an integer");
    const std::string range =
        "must be between " + std::to_string(min) + " and " + std::to_string(max);
    long long value = 0;
    try {
      value = v.convert<long long>();
    } catch (const Poco::Exception&) {
      return problem(key, range);  // an unsigned 64-bit value above the signed range
    }
    if (value < min || value > max) return problem(key, range);
    out = static_cast<int>(value);
  }

  void size(const std::string& key, std::size_t& out, std::size_t min, std::size_t max) {
    int value = static_cast<int>(out);
    integer(key, value, static_cast<int>(min), static_cast<int>(max));
    out = static_cast<std::size_t>(value);
  }

  /// `check` returns what is wrong with one item, or "": the problem then names the item's index.
  void strings(const std::string& key, std::vector<std::string>& out,
               const std::function<std::string(const std::string&)>& check = nullptr) {
    if (!present(key)) return;
    const Var v = object_->get(key);
    if (v.type() != typeid(Array::Ptr)) return problem(key, "must be an array of strings");
    auto array = v.extract<Array::Ptr>();
    out.clear();
    for (unsigned int i = 0; i < array->size(); ++i) {
      if (!array->get(i).isString()) {
        problem(key + "[" + std::to_string(i) + "]", "must be a string");
        continue;
      }
      out.push_back(array->get(i).extract<std::string>());
      if (check) {
        if (auto what = check(out.back()); !what.empty()) {
          problem(key + "[" + std::to_string(i) + "]", what);
        }
      }
    }
  }

  void stringMap(const std::string& key, std::map<std::string, std::string>& out) {
    Reader mapReader = child(key);
    known_.freeForm.insert(at(key));
    if (!mapReader.object_) return;
    for (const auto& [name, value] : *mapReader.object_) {
      if (!value.isString()) {
        mapReader.problem(name, "must be a string (an LDAP attribute name)");
        continue;
      }
      out[name] = value.extract<std::string>();
    }
  }

  /// Every key of this object as a list of strings ({"Manager": ["readUsers"], ...}).
  void stringLists(std::map<std::string, std::vector<std::string>>& out) {
    known_.freeForm.insert(path_);
    if (!object_) return;
    for (const auto& [name, value] : *object_) {
      (void)value;
      std::vector<std::string> items;
      strings(name, items);
      out[name] = items;
    }
  }

  Array::Ptr array(const std::string& key) {
    note(key);
    if (!present(key)) return nullptr;
    if (object_->get(key).type() != typeid(Array::Ptr)) {
      problem(key, "must be an array");
      return nullptr;
    }
    return object_->getArray(key);
  }

  void problem(const std::string& key, const std::string& what) {
    problems_.items.push_back(at(key) + ": " + what);
  }

  std::string at(const std::string& key) const { return path_ + "." + key; }
  const std::string& path() const { return path_; }
  bool exists() const { return static_cast<bool>(object_); }

  /// Whether the object sets `key` (to anything but null).
  bool has(const std::string& key) const { return present(key); }

 private:
  Reader(Problems& problems, std::string path, Object::Ptr object, KnownKeys& known)
      : problems_(problems), path_(std::move(path)), object_(std::move(object)), known_(known) {}

  bool present(const std::string& key) const {
    note(key);
    return object_ && object_->has(key) && !object_->get(key).isEmpty();
  }

  void note(const std::string& key) const { known_.asked.insert(at(key)); }

  Problems& problems_;
  std::string path_;
  Object::Ptr object_;
  KnownKeys& known_;
};

// Longest password the rules may allow: a bound on the work of checking and hashing one.
constexpr std::size_t kMaxPasswordLength = 4096;
// Upper bounds that keep "now + lockoutSeconds" and the failure count far from overflow.
constexpr int kMaxMfaFailures = 1000000;
constexpr int kMaxLockoutSeconds = 10 * 366 * 24 * 3600;
constexpr const char* kMfaKeyEnv = "SCIMGATE_MFA_KEY";
constexpr const char* kMfaPostgresEnv = "SCIMGATE_MFA_POSTGRES";

// The MFA key stays text until the environment has had its say; only then is it decoded, and
// a problem names where the text came from, never the text.
struct PendingSecrets {
  bool mfaPresent = false;  // the file has an "mfa" object
  std::string mfaKey;
  std::string mfaKeyOrigin = "$.mfa.encryptionKey";
  bool mfaKeyReported = false;  // the file's value had the wrong type: already a problem
};

// "Viewer, Agent, Manager or Administrator", from the list policy/ knows.
std::string roleNameList() {
  std::string out;
  for (std::size_t i = 0; i < policy::kAllRoles.size(); ++i) {
    if (i > 0) out += i + 1 == policy::kAllRoles.size() ? " or " : ", ";
    out += policy::roleName(policy::kAllRoles[i]);
  }
  return out;
}

std::string roleProblem(const std::string& name) {
  if (policy::parseRole(name)) return {};
  return "'" + name + "' is not a role: must be " + roleNameList() + " (any case)";
}

bool isHex64(const std::string& text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!std::isxdigit(static_cast<unsigned char>(c)) ||
        std::isupper(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

std::string uriProblem(const std::string& uri) {
  if (uri.rfind("ldap://", 0) == 0 || uri.rfind("ldaps://", 0) == 0 ||
      uri.rfind("ldapi://", 0) == 0) {
    return {};
  }
  return "must start with ldap://, ldaps:// or ldapi://";
}

std::vector<std::string> splitList(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    while (!item.empty() && item.front() == ' ') item.erase(item.begin());
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

// ldap.profile names the directory product ("openldap", "389ds"); ldap.profileOverrides changes
// any of its defaults (ldap/settings.h, Profile) for a directory set up differently.
void readProfile(Reader& ldap, ldap::Profile& profile, Problems& problems) {
  std::string name = "openldap";
  ldap.string("profile", name);
  if (auto named = ldap::profileNamed(name)) {
    profile = *named;
  } else {
    problems.items.push_back("$.ldap.profile: '" + name +
                             "' is not a directory profile (openldap, 389ds or activedirectory)");
  }
  Reader o = ldap.child("profileOverrides");
  std::string idForm;
  o.string("idAttribute", profile.idAttribute);
  o.string("idForm", idForm);
  if (idForm == "uuid") profile.idForm = ldap::Profile::IdForm::Uuid;
  if (idForm == "nsUniqueId") profile.idForm = ldap::Profile::IdForm::NsUniqueId;
  if (idForm == "guid") profile.idForm = ldap::Profile::IdForm::Guid;
  if (!idForm.empty() && idForm != "uuid" && idForm != "nsUniqueId" && idForm != "guid") {
    problems.items.push_back("$.ldap.profileOverrides.idForm: must be uuid, nsUniqueId or guid");
  }
  o.string("versionAttribute", profile.versionAttribute);
  o.string("versionAlso", profile.versionAlso);
  o.boolean("assertionControl", profile.assertionControl);
  o.string("lockAttribute", profile.lockAttribute);
  o.string("lockValue", profile.lockValue);
  o.strings("lockoutAttributes", profile.lockoutAttributes);
  o.string("passwordSetAttribute", profile.passwordSetAttribute);
  o.boolean("passwordModifyOperation", profile.passwordModifyOperation);
  o.boolean("emptyGroupPlaceholder", profile.emptyGroupPlaceholder);
  o.boolean("sortOrderingRules", profile.sortOrderingRules);
  o.boolean("gatewayChecksMail", profile.gatewayChecksMail);
  for (const auto* attribute : {&profile.idAttribute, &profile.versionAttribute,
                                &profile.lockAttribute, &profile.passwordSetAttribute}) {
    if (attribute->empty()) {
      problems.items.push_back("$.ldap.profileOverrides: attribute names cannot be empty");
      break;
    }
  }
}

// ldap.tls: the CA the directory's certificate must chain to, StartTLS on ldap:// URIs, and the
// gateway's client certificate and key (both or neither). AD takes passwords only over an
// encrypted connection (Samba would take them in the clear), so with its profile every URI must be
// ldaps:// or StartTLS must be on.
void readDirectoryTls(Reader& ldap, ldap::Settings& settings, Problems& problems) {
  Reader tls = ldap.child("tls");
  tls.string("caFile", settings.tlsCaFile);
  tls.boolean("startTls", settings.startTls);
  tls.string("certFile", settings.tlsCertFile);
  tls.string("keyFile", settings.tlsKeyFile);
  // Checked now: libldap would only fail each connection, saying little.
  for (const auto& [key, file] :
       {std::pair{"caFile", &settings.tlsCaFile}, std::pair{"certFile", &settings.tlsCertFile},
        std::pair{"keyFile", &settings.tlsKeyFile}}) {
    if (!file->empty() && ::access(file->c_str(), R_OK) != 0) {
      problems.items.push_back(std::string("$.ldap.tls.") + key + ": cannot read '" + *file + "'");
    }
  }
  if (settings.tlsCertFile.empty() != settings.tlsKeyFile.empty()) {
    const char* missing = settings.tlsCertFile.empty() ? "certFile" : "keyFile";
    problems.items.push_back(std::string("$.ldap.tls.") + missing +
                             ": the client certificate needs both certFile and keyFile");
  }
}

void checkDirectoryTls(const ldap::Settings& settings, Problems& problems) {
  if (settings.profile.passwordAttribute != "unicodePwd" || settings.startTls) return;
  for (std::size_t i = 0; i < settings.uris.size(); ++i) {
    if (settings.uris[i].rfind("ldaps://", 0) != 0) {
      problems.items.push_back("$.ldap.uris[" + std::to_string(i) +
                               "]: Active Directory takes passwords only over an encrypted "
                               "connection: use ldaps:// or set ldap.tls.startTls");
    }
  }
}

void readPasswords(Reader& top, policy::PasswordRules& rules) {
  Reader passwords = top.child("passwords");
  passwords.size("minLength", rules.minLength, 1, kMaxPasswordLength);
  passwords.size("maxLength", rules.maxLength, 1, kMaxPasswordLength);
  passwords.boolean("requireLower", rules.requireLower);
  passwords.boolean("requireUpper", rules.requireUpper);
  passwords.boolean("requireDigit", rules.requireDigit);
  passwords.boolean("requireSpecial", rules.requireSpecial);
  passwords.boolean("rejectUserNameParts", rules.rejectUserNameParts);
  std::string blocklistFile;
  passwords.string("blocklistFile", blocklistFile);
  // Read now, so a missing list stops the start instead of the first password change.
  if (!blocklistFile.empty()) {
    auto list = policy::loadPasswordBlocklist(blocklistFile);
    if (list.ok()) {
      rules.blocklist = std::move(list.entries);
    } else {
      passwords.problem("blocklistFile", list.error);
    }
  }
}

void readMfa(Reader& top, MfaConfig& mfa, PendingSecrets& pending, Problems& problems) {
  Reader section = top.child("mfa");
  pending.mfaPresent = section.exists();
  if (!section.exists()) return;  // MFA off: empty store and key

  Reader store = section.child("store");
  store.string("kind", mfa.store.kind);
  store.string("path", mfa.store.path);
  store.string("postgres", mfa.store.postgres);

  const auto before = problems.items.size();
  section.string("encryptionKey", pending.mfaKey);
  pending.mfaKeyReported = problems.items.size() != before;

  int window = static_cast<int>(mfa.settings.window);
  section.integer("window", window, 0, 10);
  mfa.settings.window = static_cast<unsigned>(window);
  int maxFailures = static_cast<int>(mfa.settings.maxFailures);
  section.integer("maxFailures", maxFailures, 1, kMaxMfaFailures);
  mfa.settings.maxFailures = maxFailures;
  int lockoutSeconds = static_cast<int>(mfa.settings.lockoutSeconds);
  section.integer("lockoutSeconds", lockoutSeconds, 1, kMaxLockoutSeconds);
  mfa.settings.lockoutSeconds = lockoutSeconds;
  section.size("backupCodeCount", mfa.settings.backupCodeCount, 1, 100);
  section.string("issuer", mfa.settings.issuer);
  section.boolean("allowSelfBackupCodes", mfa.allowSelfBackupCodes);
  section.strings("requireForRoles", mfa.requireForRoles, roleProblem);
}

// A folder of shipped files: <bin>/../share/scimgate/<name> next to an installed binary
// (cmake/Packaging.cmake: /usr/bin/scimgate reads /usr/share/scimgate/<name>), else the source
// tree's copy, for a binary run from its build folder and for the tests.
std::string shippedDir(const char* name, const char* sourceDir) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto installed =
        (self.parent_path() / SCIMGATE_INSTALLED_DATA_DIR / name).lexically_normal();
    if (std::filesystem::is_directory(installed, ec)) return installed.string();
  }
  return sourceDir;
}

constexpr const char* kSmtpPasswordEnv = "SCIMGATE_SMTP_PASSWORD";
constexpr const char* kSmsAuthorizationEnv = "SCIMGATE_SMS_AUTHORIZATION";

// The "mail" section (issue #14). Its presence switches mail on; validateMail checks the rest.
void readMail(Reader& top, MailConfig& mail) {
  Reader section = top.child("mail");
  mail.enabled = section.exists();
  if (!section.exists()) return;
  auto& settings = mail.settings;

  Reader smtp = section.child("smtp");
  smtp.string("host", settings.smtp.host);
  std::string security = "starttls";
  smtp.string("security", security);
  if (security == "starttls") {
    settings.smtp.security = mail::Security::StartTls;
  } else if (security == "tls") {
    settings.smtp.security = mail::Security::Tls;
  } else if (security == "none") {
    settings.smtp.security = mail::Security::None;
  } else {
    smtp.problem("security", "must be starttls, tls or none");
  }
  // The usual port of each kind (RFC 8314: 465 for implicit TLS, 587 for submission).
  settings.smtp.port = settings.smtp.security == mail::Security::Tls        ? 465
                       : settings.smtp.security == mail::Security::StartTls ? 587
                                                                            : 25;
  smtp.integer("port", settings.smtp.port, 1, 65535);
  smtp.string("username", settings.smtp.username);
  smtp.string("password", settings.smtp.password);
  smtp.string("from", settings.smtp.from);
  smtp.integer("timeoutMs", settings.smtp.timeoutMs, 100, 600000);
  smtp.boolean("verifyCertificate", settings.smtp.verifyCertificate);
  smtp.string("caFile", settings.smtp.caFile);

  Reader sms = section.child("sms");
  sms.string("url", settings.sms.url);
  sms.string("authorization", settings.sms.authorization);
  sms.integer("timeoutMs", settings.sms.timeoutMs, 100, 600000);

  Reader retry = section.child("retry");
  retry.integer("firstDelaySeconds", settings.retry.firstDelaySeconds, 1, 24 * 3600);
  retry.integer("maxDelaySeconds", settings.retry.maxDelaySeconds, 1, 7 * 24 * 3600);
  retry.integer("maxAttempts", settings.retry.maxAttempts, 1, 1000);
  retry.integer("leaseSeconds", settings.retry.leaseSeconds, 5, 24 * 3600);
  retry.integer("pollMilliseconds", settings.retry.pollMilliseconds, 10, 600000);

  section.string("templatesDir", settings.templatesDir);
  section.string("productName", settings.productName);
  settings.defaultTemplatesDir = shippedDir("templates", SCIMGATE_DEFAULT_TEMPLATES_DIR);
}

void applyMailEnvironment(MailConfig& mail, const std::function<std::string(const char*)>& get) {
  if (!mail.enabled) return;  // without a "mail" section mail stays off
  if (auto password = get(kSmtpPasswordEnv); !password.empty()) {
    mail.settings.smtp.password = password;
  }
  if (auto authorization = get(kSmsAuthorizationEnv); !authorization.empty()) {
    mail.settings.sms.authorization = authorization;
  }
}

// Never echoes a password or the authorization: only names where they belong.
void validateMail(MailConfig& mail, const PendingSecrets& pending, Problems& problems) {
  if (!mail.enabled) return;
  auto& s = mail.settings;
  auto problem = [&](const std::string& path, const std::string& what) {
    problems.items.push_back(path + ": " + what);
  };
  if (!pending.mfaPresent) {
    problem("$.mail",
            "needs the state store: add an \"mfa\" section (mfa.store keeps the outbox and the "
            "tokens)");
  }
  if (s.smtp.host.empty()) problem("$.mail.smtp.host", "must not be empty");
  if (s.smtp.from.empty()) {
    problem("$.mail.smtp.from",
            "is required: the From address, e.g. \"scimgate <no-reply@example.com>\"");
  } else if (s.smtp.from.find_first_of("\r\n") != std::string::npos) {
    problem("$.mail.smtp.from", "must be one line");
  }
  if (!s.smtp.username.empty() && s.smtp.password.empty()) {
    problem("$.mail.smtp.password",
            std::string("is required with a username (or set ") + kSmtpPasswordEnv + ")");
  }
  if (!s.smtp.username.empty() && s.smtp.security == mail::Security::None &&
      !isLoopbackAddress(s.smtp.host)) {
    problem("$.mail.smtp.security",
            "none would send the SMTP password unencrypted to " + s.smtp.host +
                ": use starttls or tls (none is for a relay on this machine)");
  }
  if (!s.smtp.caFile.empty() && !std::ifstream(s.smtp.caFile)) {
    problem("$.mail.smtp.caFile", "cannot read " + s.smtp.caFile);
  }
  if (!s.sms.url.empty() && s.sms.url.rfind("http://", 0) != 0 &&
      s.sms.url.rfind("https://", 0) != 0) {
    problem("$.mail.sms.url", "must start with http:// or https://");
  }
  if (s.retry.maxDelaySeconds < s.retry.firstDelaySeconds) {
    problem("$.mail.retry.maxDelaySeconds", "must be at least firstDelaySeconds (" +
                                                std::to_string(s.retry.firstDelaySeconds) + ")");
  }
  if (s.productName.empty()) problem("$.mail.productName", "must not be empty");
  // Loaded and rendered now, so that a typo in an operator's template stops the start instead
  // of reaching a person's mailbox.
  const std::string templatesPath = s.templatesDir.empty() ? "$.mail" : "$.mail.templatesDir";
  auto templates = mail::Templates::load(s.defaultTemplatesDir, s.templatesDir);
  if (!templates.ok()) {
    problem(templatesPath, templates.error().detail);
  } else if (auto checked = templates->check(); !checked.ok()) {
    problem(templatesPath, checked.error().detail);
  }
}

// The number of single-character edits between two short strings (for "did you mean").
std::size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The key the loader knows in the same object that `path` most likely meant, or "".
std::string likelyMeant(const std::string& parent, const std::string& key, const KnownKeys& known) {
  std::string best;
  std::size_t bestDistance = std::max<std::size_t>(2, key.size() / 4) + 1;
  for (auto it = known.asked.lower_bound(parent + "."); it != known.asked.end(); ++it) {
    if (it->rfind(parent + ".", 0) != 0) break;
    const std::string sibling = it->substr(parent.size() + 1);
    if (sibling.find_first_of(".[") != std::string::npos) continue;
    if (const auto distance = editDistance(key, sibling); distance < bestDistance) {
      bestDistance = distance;
      best = sibling;
    }
  }
  return best;
}

// Every key in the file the loader never asked for is a problem naming its path: a typo would
// otherwise leave a setting at its default without a word. Free-form maps (the user mapping,
// the permissions by role) take any key.
void reportUnknownKeys(const Object::Ptr& object, const std::string& path, const KnownKeys& known,
                       Problems& problems) {
  if (known.freeForm.count(path) != 0) return;
  for (const auto& [key, value] : *object) {
    const std::string keyPath = path + "." + key;
    if (known.asked.count(keyPath) == 0) {
      std::string what = keyPath + ": unknown key";
      if (auto meant = likelyMeant(path, key, known); !meant.empty()) {
        what += " (did you mean \"" + meant + "\"?)";
      }
      problems.items.push_back(what + "; scimgate.example.json shows every key");
      continue;
    }
    if (value.type() == typeid(Object::Ptr)) {
      reportUnknownKeys(value.extract<Object::Ptr>(), keyPath, known, problems);
    } else if (value.type() == typeid(Array::Ptr)) {
      const auto array = value.extract<Array::Ptr>();
      for (unsigned int i = 0; i < array->size(); ++i) {
        if (array->get(i).type() != typeid(Object::Ptr)) continue;
        reportUnknownKeys(array->getObject(i), keyPath + "[" + std::to_string(i) + "]", known,
                          problems);
      }
    }
  }
}

void readConfig(const Object::Ptr& root, Config& config, PendingSecrets& pending,
                Problems& problems, KnownKeys& known) {
  Reader top(problems, root, known);

  Reader server = top.child("server");
  server.string("listen", config.server.listen);
  server.integer("port", config.server.port, 0, 65535);
  server.string("publicUrl", config.server.publicUrl);
  server.integer("threads", config.server.threads, 1, 1024);
  server.integer("maxQueued", config.server.maxQueued, 1, 100000);
  server.size("maxBodyBytes", config.server.maxBodyBytes, 1024, 256 * 1024 * 1024);
  server.integer("maxJsonDepth", config.server.maxJsonDepth, 4, 1000);
  server.integer("requestTimeoutMs", config.server.requestTimeoutMs, 100, 3600 * 1000);
  server.integer("headerTimeoutMs", config.server.headerTimeoutMs, 100, 3600 * 1000);
  server.integer("drainTimeoutMs", config.server.drainTimeoutMs, 0, 3600 * 1000);
  server.boolean("plainHttp", config.server.plainHttp);
  Reader tls = server.child("tls");
  tls.string("certFile", config.server.tls.certFile);
  tls.string("keyFile", config.server.tls.keyFile);
  tls.string("clientCaFile", config.server.tls.clientCaFile);
  if (server.has("consoleDir")) {
    server.string("consoleDir", config.server.consoleDir);
    if (!config.server.consoleDir.empty() &&
        !std::filesystem::is_regular_file(config.server.consoleDir + "/index.html")) {
      problems.items.push_back("$.server.consoleDir: " + config.server.consoleDir +
                               " has no index.html; name the console folder, or \"\" for none");
    }
  } else if (const std::string console = shippedDir("console", SCIMGATE_DEFAULT_CONSOLE_DIR);
             std::filesystem::is_regular_file(console + "/index.html")) {
    config.server.consoleDir = console;
  }

  top.objects("tokens", "an object with name and sha256", [&](Reader& token) {
    TokenSettings settings;
    token.string("name", settings.name);
    token.string("sha256", settings.sha256);
    token.string("role", settings.role);
    token.strings("accounts", settings.accounts);
    if (settings.name.empty()) token.problem("name", "is required");
    if (!isHex64(settings.sha256)) {
      token.problem("sha256",
                    "must be the token's SHA-256 as 64 lower-case hex digits "
                    "(scimgate --hash-token TOKEN prints it)");
    }
    config.tokens.push_back(settings);
  });

  top.objects("jwtClients", "an object", [&](Reader& client) {
    JwtClientSettings settings;
    client.string("name", settings.name);
    client.string("issuer", settings.issuer);
    client.string("audience", settings.audience);
    client.string("algorithm", settings.algorithm);
    client.string("secret", settings.secret);
    client.string("publicKeyFile", settings.publicKeyFile);
    client.string("role", settings.role);
    client.strings("accounts", settings.accounts);
    if (settings.name.empty()) client.problem("name", "is required");
    if (settings.issuer.empty()) client.problem("issuer", "is required");
    if (settings.audience.empty()) client.problem("audience", "is required");
    if (settings.algorithm == "HS256") {
      if (settings.secret.size() < 32)
        client.problem("secret", "HS256 needs a secret of at least 32 characters");
    } else if (settings.algorithm == "RS256") {
      if (settings.publicKeyFile.empty())
        client.problem("publicKeyFile", "RS256 needs a PEM public key file");
    } else {
      client.problem("algorithm", "must be RS256 or HS256");
    }
    config.jwtClients.push_back(settings);
  });

  top.objects(
      "clientCertificates", "an object with name and subject or sha256", [&](Reader& client) {
        ClientCertificateSettings settings;
        std::string subject;
        client.string("name", settings.name);
        client.string("subject", subject);
        client.string("sha256", settings.sha256);
        client.string("role", settings.role);
        client.strings("accounts", settings.accounts);
        if (settings.name.empty()) client.problem("name", "is required");
        if (!subject.empty()) {
          if (auto canonical = canonicalSubject(subject)) {
            settings.subject = *canonical;
          } else {
            client.problem("subject",
                           "'" + subject +
                               "' is not a distinguished name (e.g. \"CN=workday,O=Example\"; "
                               "openssl x509 -noout -subject -in CERT prints it)");
          }
        }
        // A fingerprint as openssl prints it (upper case, colons) is taken too.
        std::string fingerprint;
        for (const char c : settings.sha256) {
          if (c != ':') fingerprint.push_back(static_cast<char>(std::tolower(c)));
        }
        settings.sha256 = fingerprint;
        if (!settings.sha256.empty() && !isHex64(settings.sha256)) {
          client.problem("sha256",
                         "must be the certificate's SHA-256 as 64 hex digits "
                         "(openssl x509 -noout -fingerprint -sha256 -in CERT prints it)");
        }
        if (subject.empty() && settings.sha256.empty()) {
          problems.items.push_back(client.path() +
                                   ": needs subject, sha256 or both to say which certificate");
        }
        config.clientCertificates.push_back(settings);
      });

  Reader auth = top.child("auth");
  auth.string("sessionKey", config.auth.sessionKey);
  auth.integer("sessionSeconds", config.auth.sessionSeconds, 60, 24 * 3600);
  auth.string("auditPath", config.auth.auditPath);
  Reader permissions = auth.child("permissions");
  permissions.stringLists(config.auth.permissions);
  Reader throttle = auth.child("throttle");
  throttle.integer("maxFailuresPerUser", config.auth.throttle.maxFailuresPerUser, 1, 1000000);
  throttle.integer("maxFailuresPerAddress", config.auth.throttle.maxFailuresPerAddress, 0,
                   100000000);
  throttle.integer("addressWindowSeconds", config.auth.throttle.addressWindowSeconds, 1,
                   7 * 24 * 3600);
  throttle.integer("lockoutSeconds", config.auth.throttle.lockoutSeconds, 1, 7 * 24 * 3600);
  auth.strings("trustedProxies", config.auth.trustedProxies);
  auth.integer("refusalMinimumMs", config.auth.refusalMinimumMs, 0, 10000);
  auth.integer("invitationSeconds", config.auth.invitationSeconds, 60, 90 * 24 * 3600);
  auth.integer("resetSeconds", config.auth.resetSeconds, 60, 7 * 24 * 3600);
  auth.integer("loginCodeSeconds", config.auth.loginCodeSeconds, 30, 3600);
  auth.integer("loginCodeResendSeconds", config.auth.loginCodeResendSeconds, 0, 3600);
  Reader forgot = auth.child("forgotThrottle");
  auto& f = config.auth.forgotThrottle;
  forgot.integer("maxRequestsPerLogin", f.maxFailuresPerUser, 1, 1000000);
  forgot.integer("maxRequestsPerAddress", f.maxFailuresPerAddress, 0, 1000000);
  forgot.integer("addressWindowSeconds", f.addressWindowSeconds, 1, 7 * 24 * 3600);
  forgot.integer("lockoutSeconds", f.lockoutSeconds, 1, 7 * 24 * 3600);

  Reader scim = top.child("scim");
  scim.integer("defaultPageSize", config.scim.defaultPageSize, 1, 10000);
  scim.integer("maxPageSize", config.scim.maxPageSize, 1, 10000);
  scim.boolean("userNameImmutable", config.scim.userNameImmutable);
  scim.boolean("emailImmutable", config.scim.emailImmutable);
  scim.integer("bulkMaxOperations", config.scim.bulkMaxOperations, 1, 100000);

  // The roles a User may hold (each a group under ldap.rolesDn) and the one a new user gets.
  Reader roles = top.child("roles");
  roles.strings("names", config.ldap.roleNames);
  roles.string("default", config.ldap.defaultRole);

  Reader ldap = top.child("ldap");
  if (!ldap.exists()) problems.items.push_back("$.ldap: is required");
  // Checked here, where the index of each array item is still known.
  ldap.strings("uris", config.ldap.uris, uriProblem);
  ldap.string("bindDn", config.ldap.bindDn);
  ldap.string("bindPassword", config.ldap.bindPassword);
  ldap.string("baseDn", config.ldap.baseDn);
  ldap.string("peopleDn", config.ldap.peopleDn);
  ldap.string("rolesDn", config.ldap.rolesDn);
  ldap.integer("poolSize", config.ldap.poolSize, 1, 256);
  ldap.integer("sortContexts", config.ldap.sortContexts, 1, 1000000);
  ldap.integer("connectTimeoutMs", config.ldap.connectTimeoutMs, 100, 600000);
  ldap.integer("operationTimeoutMs", config.ldap.operationTimeoutMs, 100, 600000);
  ldap.integer("acquireTimeoutMs", config.ldap.acquireTimeoutMs, 10, 600000);
  ldap.integer("failbackSeconds", config.ldap.failbackSeconds, 0, 86400);
  ldap.strings("readUris", config.ldap.readUris, uriProblem);
  ldap.integer("replicaCheckMs", config.ldap.replicaCheckMs, 20, 60000);
  ldap.integer("replicaMaxLagMs", config.ldap.replicaMaxLagMs, 100, 3600000);
  ldap.integer("maxResults", config.ldap.maxResults, 1, 1000000);
  ldap.integer("groupCacheSeconds", config.ldap.groupCacheSeconds, 0, 86400);
  ldap.strings("userObjectClasses", config.ldap.userObjectClasses);
  ldap.stringMap("userMapping", config.ldap.userMapping);
  readProfile(ldap, config.ldap.profile, problems);
  readDirectoryTls(ldap, config.ldap, problems);

  readPasswords(top, config.passwords);
  readMfa(top, config.mfa, pending, problems);
  readMail(top, config.mail);

  Reader metrics = top.child("metrics");
  config.metrics.enabled = metrics.exists();
  metrics.string("listen", config.metrics.listen);
  metrics.integer("port", config.metrics.port, 0, 65535);
  metrics.string("tokenSha256", config.metrics.tokenSha256);
}

// The scrape shows request counts and the directory's load to whoever reaches it: beyond this
// machine only with a token.
void validateMetrics(MetricsSettings& metrics, Problems& problems) {
  if (!metrics.enabled) return;
  auto& token = metrics.tokenSha256;
  std::transform(token.begin(), token.end(), token.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!token.empty() && !isHex64(token)) {
    problems.items.push_back(
        "$.metrics.tokenSha256: must be 64 hex digits (scimgate --hash-token makes it)");
  }
  if (metrics.listen.empty()) problems.items.push_back("$.metrics.listen: must not be empty");
  if (token.empty() && !metrics.listen.empty() && !isLoopbackAddress(metrics.listen)) {
    problems.items.push_back("$.metrics.tokenSha256: listening on " + metrics.listen +
                             " needs a token (or listen on 127.0.0.1)");
  }
}

void applyEnvironment(Config& config, const std::function<const char*(const char*)>& env,
                      PendingSecrets& pending, Problems& problems) {
  auto get = [&](const char* name) -> std::string {
    const char* value = env ? env(name) : std::getenv(name);
    return value != nullptr ? value : "";
  };
  if (auto uris = get("SCIMGATE_LDAP_URI"); !uris.empty()) {
    config.ldap.uris = splitList(uris);
    for (const auto& uri : config.ldap.uris) {
      if (auto what = uriProblem(uri); !what.empty()) {
        problems.items.push_back("env SCIMGATE_LDAP_URI: '" + uri + "' " + what);
      }
    }
  }
  if (auto dn = get("SCIMGATE_LDAP_BIND_DN"); !dn.empty()) config.ldap.bindDn = dn;
  if (auto pw = get("SCIMGATE_LDAP_BIND_PASSWORD"); !pw.empty()) config.ldap.bindPassword = pw;
  if (auto key = get("SCIMGATE_SESSION_KEY"); !key.empty()) config.auth.sessionKey = key;
  // Without an "mfa" section MFA stays off whatever the environment holds.
  if (pending.mfaPresent) {
    if (auto key = get(kMfaKeyEnv); !key.empty()) {
      pending.mfaKey = key;
      pending.mfaKeyOrigin = std::string("env ") + kMfaKeyEnv;
      pending.mfaKeyReported = false;
    }
    if (auto conninfo = get(kMfaPostgresEnv); !conninfo.empty()) {
      config.mfa.store.postgres = conninfo;
    }
  }
  applyMailEnvironment(config.mail, get);
  if (auto hashes = get("SCIMGATE_TOKEN_SHA256"); !hashes.empty()) {
    for (const auto& hash : splitList(hashes)) {
      if (!isHex64(hash)) {
        problems.items.push_back(
            "env SCIMGATE_TOKEN_SHA256: each entry must be 64 lower-case hex "
            "digits");
        continue;
      }
      config.tokens.push_back({"environment", hash});
    }
  }
  if (auto port = get("SCIMGATE_PORT"); !port.empty()) {
    try {
      std::size_t used = 0;
      const int value = std::stoi(port, &used);
      if (used != port.size() || value < 0 || value > 65535) throw std::out_of_range("port");
      config.server.port = value;
    } catch (const std::exception&) {
      problems.items.push_back("env SCIMGATE_PORT: must be a port number (0-65535)");
    }
  }
}

void validatePasswords(const policy::PasswordRules& rules, Problems& problems) {
  if (rules.maxLength < rules.minLength) {
    problems.items.push_back("$.passwords.maxLength: must be at least minLength (" +
                             std::to_string(rules.minLength) + ")");
  }
}

void validateMfa(MfaConfig& mfa, const PendingSecrets& pending, Problems& problems) {
  if (!pending.mfaPresent) return;
  if (mfa.store.kind == "sqlite") {
    if (mfa.store.path.empty()) {
      problems.items.push_back("$.mfa.store.path: the sqlite store needs a database file path");
    }
  } else if (mfa.store.kind == "postgres") {
    // Never echo the conninfo: it may hold a password.
    if (mfa.store.postgres.empty()) {
      problems.items.push_back(std::string("$.mfa.store.postgres: the postgres store needs a libpq "
                                           "conninfo (or set ") +
                               kMfaPostgresEnv + ")");
    }
  } else {
    problems.items.push_back("$.mfa.store.kind: must be sqlite or postgres");
  }

  const std::string keyHelp =
      "32 bytes as 64 hex digits or base64 (openssl rand -hex 32 makes one)";
  if (pending.mfaKey.empty()) {
    if (!pending.mfaKeyReported) {
      problems.items.push_back(std::string("$.mfa.encryptionKey: is required (or set ") +
                               kMfaKeyEnv + "): " + keyHelp);
    }
  } else if (auto key = policy::mfa::parseEncryptionKey(pending.mfaKey); key.ok()) {
    mfa.settings.encryptionKey = std::move(key.value());
  } else {
    // Our own words, not the parser's: the value is (almost) a key and must not reach a log.
    problems.items.push_back(pending.mfaKeyOrigin + ": must be " + keyHelp);
  }

  if (mfa.settings.issuer.empty()) problems.items.push_back("$.mfa.issuer: must not be empty");
  // Checked when read; stored in the canonical spelling so callers can compare exactly.
  for (auto& name : mfa.requireForRoles) {
    if (auto role = policy::parseRole(name)) name = std::string(policy::roleName(*role));
  }
}

// HTTPS unless plain HTTP is asked for or stays on this machine. The files themselves are read
// by the listener (and by --check), which says what is wrong with them.
void validateServerTls(const ServerSettings& server, Problems& problems) {
  const TlsSettings& tls = server.tls;
  if (tls.enabled()) {
    if (tls.certFile.empty()) {
      problems.items.push_back("$.server.tls.certFile: is required with keyFile (a PEM file)");
    }
    if (tls.keyFile.empty()) {
      problems.items.push_back("$.server.tls.keyFile: is required with certFile (a PEM file)");
    }
    if (server.plainHttp) {
      problems.items.push_back("$.server.plainHttp: cannot be true with server.tls; choose one");
    }
    return;
  }
  if (!tls.clientCaFile.empty()) {
    problems.items.push_back(
        "$.server.tls.clientCaFile: client certificates need HTTPS (server.tls.certFile and "
        "keyFile)");
  }
  if (!server.plainHttp && !isLoopbackAddress(server.listen)) {
    problems.items.push_back(
        "$.server.tls: listening on " + server.listen +
        " needs HTTPS (server.tls.certFile and keyFile); if a TLS-terminating proxy is in "
        "front, say so with \"plainHttp\": true");
  }
}

void validate(Config& config, const PendingSecrets& pending, Problems& problems) {
  validateServerTls(config.server, problems);
  validateMetrics(config.metrics, problems);
  auto& l = config.ldap;
  if (l.uris.empty()) problems.items.push_back("$.ldap.uris: at least one LDAP URI is required");
  // Read-your-writes compares the replica's contextCSN with the providers' (OpenLDAP syncprov).
  if (!l.readUris.empty() && l.profile.name != "openldap") {
    problems.items.push_back(
        "$.ldap.readUris: reads from replicas need the openldap profile (whether a replica holds "
        "a client's last write is told by OpenLDAP's contextCSN); leave it empty for " +
        l.profile.name);
  }
  checkDirectoryTls(l, problems);
  if (l.bindDn.empty()) problems.items.push_back("$.ldap.bindDn: is required");
  if (l.bindPassword.empty()) {
    problems.items.push_back(
        "$.ldap.bindPassword: is required (or set SCIMGATE_LDAP_BIND_PASSWORD)");
  }
  if (l.baseDn.empty()) problems.items.push_back("$.ldap.baseDn: is required");
  if (l.peopleDn.empty() && !l.baseDn.empty()) l.peopleDn = "ou=people," + l.baseDn;
  if (l.rolesDn.empty() && !l.baseDn.empty()) l.rolesDn = "ou=roles," + l.baseDn;
  if (config.tokens.empty() && config.jwtClients.empty() && config.clientCertificates.empty()) {
    problems.items.push_back(
        "$.tokens: at least one bearer token is required (or set SCIMGATE_TOKEN_SHA256; or "
        "configure jwtClients or clientCertificates)");
  }
  if (config.scim.defaultPageSize > config.scim.maxPageSize) {
    problems.items.push_back("$.scim.defaultPageSize: must not exceed maxPageSize");
  }
  if (l.userMapping.empty()) l.userMapping = ldap::defaultUserMapping(l.profile);
  for (std::size_t i = 0; i < config.tokens.size(); ++i) {
    const std::string path = "$.tokens[" + std::to_string(i) + "]";
    if (!policy::parseRole(config.tokens[i].role)) {
      problems.items.push_back(path + ".role: must be Administrator, Manager, Agent or Viewer");
    }
  }
  for (std::size_t i = 0; i < config.clientCertificates.size(); ++i) {
    const std::string path = "$.clientCertificates[" + std::to_string(i) + "]";
    if (!policy::parseRole(config.clientCertificates[i].role)) {
      problems.items.push_back(path + ".role: must be Administrator, Manager, Agent or Viewer");
    }
  }
  if (!config.clientCertificates.empty() && config.server.tls.clientCaFile.empty()) {
    problems.items.push_back(
        "$.server.tls.clientCaFile: is required with clientCertificates (the PEM file of the CA "
        "that issues provisioning clients' certificates)");
  }
  for (std::size_t i = 0; i < config.jwtClients.size(); ++i) {
    if (!policy::parseRole(config.jwtClients[i].role)) {
      problems.items.push_back("$.jwtClients[" + std::to_string(i) +
                               "].role: must be Administrator, Manager, Agent or Viewer");
    }
  }
  const auto& key = config.auth.sessionKey;
  if (!key.empty() && (key.size() < 64 || key.size() % 2 != 0 ||
                       key.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)) {
    problems.items.push_back(
        "$.auth.sessionKey: must be at least 32 bytes as hex (64 hex digits; "
        "openssl rand -hex 32 makes one)");
  }
  // Several instances share a PostgreSQL store; each must verify the sessions the others issue,
  // so none may make up a key of its own (README "Running several instances").
  if (key.empty() && config.mfa.store.kind == "postgres" && !config.mfa.store.postgres.empty()) {
    problems.items.push_back(
        "$.auth.sessionKey: is required with a PostgreSQL state store, so that a session "
        "issued by one instance verifies on the others (the same 64 hex digits on every "
        "instance, in the file or SCIMGATE_SESSION_KEY; openssl rand -hex 32 makes one)");
  }
  if (auto matrix = policy::parsePermissionMatrix(config.auth.permissions); !matrix.ok()) {
    for (const auto& error : matrix.errors)
      problems.items.push_back("$.auth.permissions: " + error);
  }
  if (l.roleNames.empty()) problems.items.push_back("$.roles.names: at least one role is required");
  if (!l.defaultRole.empty() &&
      std::none_of(l.roleNames.begin(), l.roleNames.end(),
                   [&](const std::string& name) { return name == l.defaultRole; })) {
    problems.items.push_back("$.roles.default: '" + l.defaultRole +
                             "' is not one of $.roles.names (or use \"\" for no default role)");
  }
  validatePasswords(config.passwords, problems);
  validateMfa(config.mfa, pending, problems);
  validateMail(config.mail, pending, problems);
  // Invitation and reset links must reach people: they are built from the public URL, never
  // from a request's Host header (which a caller chooses).
  if (config.mail.enabled && config.server.publicUrl.rfind("https://", 0) != 0 &&
      config.server.publicUrl.rfind("http://", 0) != 0) {
    problems.items.push_back(
        "$.server.publicUrl: the links in mails are built from it: set the address people open, "
        "e.g. \"https://scim.example.com\"");
  }
}

}  // namespace

Loaded loadText(const std::string& text, const std::string& origin,
                const std::function<const char*(const char*)>& environment) {
  Loaded loaded;
  Object::Ptr root;
  try {
    Poco::JSON::Parser parser;
    Var parsed = parser.parse(text);
    if (parsed.type() != typeid(Object::Ptr)) {
      loaded.problems.items.push_back("$: " + origin + " must hold a JSON object");
      return loaded;
    }
    root = parsed.extract<Object::Ptr>();
  } catch (const Poco::Exception& e) {
    loaded.problems.items.push_back("$: " + origin + " is not valid JSON: " + e.message());
    return loaded;
  }
  PendingSecrets pending;
  readConfig(root, loaded.config, pending, loaded.problems, loaded.keys);
  reportUnknownKeys(root, "$", loaded.keys, loaded.problems);
  applyEnvironment(loaded.config, environment, pending, loaded.problems);
  validate(loaded.config, pending, loaded.problems);
  return loaded;
}

Loaded loadFile(const std::string& path,
                const std::function<const char*(const char*)>& environment) {
  std::ifstream in(path);
  if (!in) {
    Loaded loaded;
    loaded.problems.items.push_back("$: cannot read config file " + path);
    return loaded;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return loadText(buffer.str(), path, environment);
}

bool isLoopbackAddress(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

std::string sha256Hex(const std::string& token) {
  // Poco's own SHA-2 (Foundation): Poco::Crypto::DigestEngine's per-object OpenSSL initialiser
  // raced on its reference count when many requests hashed tokens at once, and crashed the gateway.
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(token);
  return Poco::DigestEngine::digestToHex(engine.digest());
}

}  // namespace scimgate::config
