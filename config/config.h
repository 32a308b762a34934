#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ldap/settings.h"
#include "mail/settings.h"
#include "policy/mfa/mfa.h"
#include "policy/mfa/state_store.h"
#include "policy/mfa/throttle.h"
#include "policy/password_policy.h"

namespace scimgate::config {

/// HTTPS on the listener: TLS 1.2 or newer with forward-secret AEAD ciphers. The files are read
/// at start and again on SIGHUP (a new certificate applies to new connections; open ones keep
/// theirs).
struct TlsSettings {
  std::string certFile;  // PEM: the server's certificate, then its intermediates
  std::string keyFile;   // PEM private key without a passphrase (a secret: never logged)
  /// PEM CA certificates whose client certificates are asked for (clientCertificates map them to
  /// callers); "" = no client certificates.
  std::string clientCaFile;
  bool enabled() const { return !certFile.empty() || !keyFile.empty(); }
};

/// HTTP listener and request limits.
struct ServerSettings {
  std::string listen = "127.0.0.1";
  TlsSettings tls;
  /// Plain HTTP on an address other than loopback must be asked for (a TLS-terminating proxy in
  /// front): without server.tls it is otherwise a configuration error.
  bool plainHttp = false;
  int port = 8080;        // 0 = any free port
  std::string publicUrl;  // base for meta.location, e.g. https://scim.example.com; "" = from Host
  int threads = 8;
  int maxQueued = 64;
  std::size_t maxBodyBytes = 1024 * 1024;
  int maxJsonDepth = 32;
  int requestTimeoutMs = 30000;  // reading a request's body, writing the answer
  /// A connection must deliver a complete request head (request line and headers) within this
  /// time after it opens or after its previous answer; slower ones get 408 and are closed, and an
  /// idle keep-alive connection is closed. Waiting connections hold no worker thread.
  int headerTimeoutMs = 10000;
  /// On SIGTERM: stop accepting, finish what was received, and exit after at most this long.
  int drainTimeoutMs = 10000;
  /// The web console's folder, served at /console/ ("" = no console). Defaults to the shipped
  /// console (SCIMGATE_DEFAULT_CONSOLE_DIR) when that folder exists.
  std::string consoleDir;
};

/// A provisioning client's static bearer token, stored only as its SHA-256 (hex), with the role
/// and account scope it acts with (DESIGN 6).
struct TokenSettings {
  std::string name;
  std::string sha256;
  std::string role = "Administrator";
  std::vector<std::string> accounts = {"*"};  // account ids, or "*" for every account
};

/// A provisioning client that presents OAuth2 JWT bearer tokens (RFC 7523 / RFC 9068 style):
/// signature, issuer, audience, expiry and not-before are checked.
struct JwtClientSettings {
  std::string name;
  std::string issuer;
  std::string audience;
  std::string algorithm = "RS256";  // or HS256
  std::string secret;               // HS256: the shared key (secret: never logged)
  std::string publicKeyFile;        // RS256: PEM public key
  std::string role = "Administrator";
  std::vector<std::string> accounts = {"*"};
};

/// A provisioning client that authenticates with a TLS client certificate issued by
/// server.tls.clientCaFile: matched by subject, by the certificate's SHA-256, or both.
struct ClientCertificateSettings {
  std::string name;
  std::string subject;  // canonical RFC 4514 form (config turns what openssl prints into it)
  std::string sha256;   // 64 lower-case hex digits of the DER certificate's SHA-256; "" = any
  std::string role = "Administrator";
  std::vector<std::string> accounts = {"*"};
};

/// People's logins, sessions, permissions and the audit trail.
struct AuthSettings {
  /// HMAC key for session tokens, hex (>= 32 bytes). "" = a random key per process, so sessions
  /// end at a restart and are not shared between instances.
  std::string sessionKey;
  int sessionSeconds = 900;
  /// Role -> operation names (policy/permissions.h); roles left out keep the default row.
  std::map<std::string, std::vector<std::string>> permissions;
  /// JSON-lines audit log; "" = written to the standard error stream with the request log.
  std::string auditPath;
  /// Password guessing: failures per userName and per client address ("throttle").
  policy::mfa::ThrottleSettings throttle;
  /// Reverse proxies whose X-Forwarded-For names the client address (exact IP addresses). A
  /// request from any other peer is counted under the peer's own address.
  std::vector<std::string> trustedProxies;
  /// Every refused login or verification is answered no sooner than this after it arrived, so
  /// that an unknown user, a wrong password, a locked account and a wrong code take the same time.
  int refusalMinimumMs = 250;
  /// How long an invitation link, a password-reset link and an emailed/SMS login code stay valid.
  int invitationSeconds = 7 * 24 * 3600;
  int resetSeconds = 30 * 60;
  int loginCodeSeconds = 5 * 60;
  /// A new login code is sent at most this often per person (a login without a code while one
  /// is outstanding does not send another before this).
  int loginCodeResendSeconds = 30;
  /// "Forgot password" requests per login (in a row) and per address (per window) before further
  /// requests wait `lockoutSeconds`; they are answered 202 all the same (issue #14).
  policy::mfa::ThrottleSettings forgotThrottle = {3, 30, 3600, 900};
};

/// SCIM list limits.
struct ScimSettings {
  int defaultPageSize = 100;
  int maxPageSize = 200;
  /// The product brief makes userName and email immutable once created (a new email means a new
  /// account). Deployments whose IdP renames users (Entra ID UPN changes) switch these off.
  bool userNameImmutable = true;
  bool emailImmutable = true;
  /// POST /Bulk: at most this many operations per request (bulk.maxOperations); its size limit
  /// (bulk.maxPayloadSize) is server.maxBodyBytes.
  int bulkMaxOperations = 1000;
};

/// Second factors for people (DESIGN 6). Without an "mfa" section `store.path`,
/// `store.postgres` and `settings.encryptionKey` stay empty: MFA is then off. With the section,
/// `settings.encryptionKey` holds the 32 key bytes and the store is complete.
struct MfaConfig {
  policy::mfa::StoreSettings store;
  policy::mfa::MfaSettings settings;
  /// May people generate backup codes for themselves? By default only an administrator with the
  /// permission does (DESIGN: backup codes for a user who lost the device).
  bool allowSelfBackupCodes = false;
  /// Roles whose holders must have a second factor, as canonical role names ("Administrator").
  std::vector<std::string> requireForRoles;
};

/// Outgoing mail and SMS (issue #14). `enabled` = the file has a "mail" section; it needs the
/// "mfa" section's state store (the outbox and the tokens live there).
/// `settings.defaultTemplatesDir` is the shipped templates folder (SCIMGATE_DEFAULT_TEMPLATES_DIR).
struct MailConfig {
  bool enabled = false;
  mail::Settings settings;
};

/// The /metrics listener (Prometheus text format), off without a "metrics" section. It serves
/// only GET /metrics, over HTTPS when server.tls is set. A listen address other than loopback
/// needs a token.
struct MetricsSettings {
  bool enabled = false;  // the file has a "metrics" section
  std::string listen = "127.0.0.1";
  int port = 9464;  // 0 = any free port
  /// Lower-case hex SHA-256 of the bearer token a scraper must send; "" = none (loopback only).
  std::string tokenSha256;
};

/// The whole configuration. Built only by `load`.
struct Config {
  ServerSettings server;
  std::vector<TokenSettings> tokens;
  std::vector<JwtClientSettings> jwtClients;
  std::vector<ClientCertificateSettings> clientCertificates;
  AuthSettings auth;
  ScimSettings scim;
  ldap::Settings ldap;
  /// Rules for new passwords; `blocklist` holds the lines of "passwords.blocklistFile".
  policy::PasswordRules passwords;
  MfaConfig mfa;
  MailConfig mail;
  MetricsSettings metrics;
};

/// Every problem found, each as "$.json.path: what is wrong".
struct Problems {
  std::vector<std::string> items;
  bool empty() const { return items.empty(); }
};

/// The JSON paths the loader asked for, present in the file or not ("$.server.port",
/// "$.tokens[0].name"), and the objects whose keys are free-form ("$.ldap.userMapping").
struct KnownKeys {
  std::set<std::string> asked;
  std::set<std::string> freeForm;
};

/// The outcome of loading: a config that is only usable when `problems` is empty.
struct Loaded {
  Config config;
  Problems problems;
  KnownKeys keys;
};

/// Reads a JSON config file, applies environment overrides (SCIMGATE_LDAP_URI,
/// SCIMGATE_LDAP_BIND_DN, SCIMGATE_LDAP_BIND_PASSWORD, SCIMGATE_TOKEN_SHA256, SCIMGATE_PORT,
/// SCIMGATE_SESSION_KEY; SCIMGATE_MFA_KEY and SCIMGATE_MFA_POSTGRES only when the file has an
/// "mfa" section; SCIMGATE_SMTP_PASSWORD and SCIMGATE_SMS_AUTHORIZATION only when it has a
/// "mail" section), reads the password blocklist file and validates everything, collecting every
/// problem with its JSON path instead of stopping at the first. No problem repeats a secret.
/// `environment` is a lookup so tests need not touch the process environment.
Loaded loadFile(const std::string& path,
                const std::function<const char*(const char*)>& environment = nullptr);

/// As loadFile, from JSON text (`origin` names it in messages).
Loaded loadText(const std::string& text, const std::string& origin,
                const std::function<const char*(const char*)>& environment = nullptr);

/// Whether a host name or address is this machine's loopback (localhost, 127.x, ::1).
bool isLoopbackAddress(const std::string& host);

/// Lower-case hex SHA-256 of a token, as stored in the config.
std::string sha256Hex(const std::string& token);

}  // namespace scimgate::config
