#include "gateway/access.h"

#include <Poco/Crypto/OpenSSLInitializer.h>
#include <Poco/Crypto/RSAKey.h>
#include <Poco/JSON/Array.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>
#include <Poco/RandomStream.h>
#include <Poco/SharedPtr.h>
#include <Poco/String.h>
#include <Poco/Timestamp.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>

#include "gateway/auth.h"
#include "gateway/facts.h"
#include "scim/user_facts.h"

namespace scimgate::gateway {
namespace {

using scim::ErrorKind;
using scim::makeError;

constexpr char kSessionType[] = "scimgate-session";
constexpr char kIssuedMsClaim[] = "iat_ms";
constexpr char kEnrolmentScope[] = "mfa-enrolment";

scim::Error unauthorized() {
  return {ErrorKind::Unauthorized, "a valid bearer token is required (Authorization: Bearer ...)"};
}

policy::Principal machine(const std::string& role, const std::vector<std::string>& accounts) {
  policy::Principal principal;
  principal.role = policy::parseRole(role).value_or(policy::Role::Viewer);
  for (const auto& account : accounts) {
    if (account == "*") {
      principal.allAccounts = true;
    } else {
      principal.accounts.insert(account);
    }
  }
  return principal;
}

std::string fromHex(const std::string& hex) {
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return bytes;
}

std::string randomKey() {
  Poco::RandomInputStream random;
  std::string key(32, '\0');
  random.read(key.data(), static_cast<std::streamsize>(key.size()));
  return key;
}

bool audienceMatches(const Poco::JWT::Token& token, const std::string& audience) {
  const auto& payload = token.payload();
  if (!payload.has("aud")) return false;
  const auto aud = payload.get("aud");
  if (aud.isString()) return aud.extract<std::string>() == audience;
  if (aud.type() == typeid(Poco::JSON::Array::Ptr)) {
    auto list = aud.extract<Poco::JSON::Array::Ptr>();
    for (std::size_t i = 0; i < list->size(); ++i) {
      if (list->get(static_cast<unsigned>(i)).toString() == audience) return true;
    }
  }
  return false;
}

// exp is required; nbf and iat, when present, may not lie in the future (30 s of clock skew).
bool timesValid(const Poco::JWT::Token& token) {
  const auto& payload = token.payload();
  const auto now = Poco::Timestamp().epochTime();
  constexpr long kSkew = 30;
  if (!payload.has("exp")) return false;
  try {
    if (payload.getValue<long>("exp") + kSkew < now) return false;
    if (payload.has("nbf") && payload.getValue<long>("nbf") - kSkew > now) return false;
  } catch (const Poco::Exception&) {
    return false;
  }
  return true;
}

}  // namespace

struct Access::Impl {
  struct JwtClient {
    config::JwtClientSettings settings;
    std::unique_ptr<Poco::JWT::Signer> signer;  // Signer can be neither copied nor moved
  };

  // Holds OpenSSL initialised for the gateway's lifetime, so no per-object initialiser (RSA keys,
  // signers) tears it down while another request thread uses it.
  Poco::Crypto::OpenSSLInitializer openssl;
  ldap::Directory& directory;
  std::shared_ptr<policy::mfa::StateStore> store;
  TokenAuthenticator tokens;
  std::vector<JwtClient> jwtClients;
  std::vector<config::ClientCertificateSettings> certificateClients;
  Poco::JWT::Signer sessions;
  int sessionSeconds;
  // Without a state store (one instance): per person, the time before which sessions are void.
  mutable std::mutex endedMutex;
  mutable std::map<std::string, Poco::Int64, std::less<>> sessionsEndedBefore;

  Impl(const config::Config& config, ldap::Directory& dir,
       std::shared_ptr<policy::mfa::StateStore> stateStore)
      : directory(dir),
        store(std::move(stateStore)),
        tokens(config.tokens),
        certificateClients(config.clientCertificates),
        sessions(config.auth.sessionKey.empty() ? randomKey() : fromHex(config.auth.sessionKey)),
        sessionSeconds(config.auth.sessionSeconds) {
    for (const auto& client : config.jwtClients) {
      JwtClient entry{client, std::make_unique<Poco::JWT::Signer>()};
      if (client.algorithm == "HS256") {
        entry.signer->setHMACKey(client.secret);
        entry.signer->addAlgorithm(Poco::JWT::Signer::ALGO_HS256);
      } else {
        // Throws at start-up for an unreadable key: a configuration error, reported by main().
        entry.signer->setRSAKey(new Poco::Crypto::RSAKey(client.publicKeyFile));
        entry.signer->addAlgorithm(Poco::JWT::Signer::ALGO_RS256);
      }
      jwtClients.push_back(std::move(entry));
    }
  }

  std::optional<Caller> staticToken(const std::string& credentials) const {
    const auto* match = tokens.find(credentials);
    if (match == nullptr) return std::nullopt;
    return Caller{machine(match->role, match->accounts), match->name};
  }

  scim::Result<Caller> session(const Poco::JWT::Token& token) const {
    if (token.payload().optValue<std::string>("typ", "") != kSessionType || !timesValid(token)) {
      return unauthorized();
    }
    // A sign-out or a password reset ends the sessions issued before it, on every instance.
    auto validAfter = sessionsValidAfter(token.getSubject());
    if (!validAfter) return validAfter.error();
    const auto issuedMs = token.payload().optValue<Poco::Int64>(kIssuedMsClaim, 0);
    if (validAfter->has_value() && issuedMs < **validAfter) return unauthorized();
    auto user = directory.findUser(token.getSubject());
    if (!user) {
      if (user.error().kind == ErrorKind::Unavailable) return user.error();
      return unauthorized();  // deleted since the login
    }
    const auto facts = scim::userFactsOf(*user->attributes);
    if (facts.isInactive()) return unauthorized();  // deactivated since the login
    Caller caller{principalOf(user->id, facts), facts.userName};
    caller.enrolmentOnly = token.payload().optValue<std::string>("scope", "") == kEnrolmentScope;
    return caller;
  }

  scim::Result<std::optional<std::int64_t>> sessionsValidAfter(const std::string& userId) const {
    if (store) return store->sessionsValidAfter(userId);
    std::lock_guard lock(endedMutex);
    const auto found = sessionsEndedBefore.find(userId);
    if (found == sessionsEndedBefore.end()) return std::optional<std::int64_t>{};
    return std::optional<std::int64_t>{found->second};
  }

  std::optional<Caller> certificateClient(const PeerCertificate& certificate) const {
    for (const auto& client : certificateClients) {
      if (!client.subject.empty() && Poco::icompare(client.subject, certificate.subject) != 0) {
        continue;
      }
      if (!client.sha256.empty() && client.sha256 != certificate.sha256) continue;
      return Caller{machine(client.role, client.accounts), client.name};
    }
    return std::nullopt;
  }

  std::optional<Caller> jwtClient(const std::string& jwt) const {
    for (const auto& client : jwtClients) {
      Poco::JWT::Token token;
      if (!client.signer->tryVerify(jwt, token)) continue;
      if (token.getIssuer() != client.settings.issuer) continue;
      if (!audienceMatches(token, client.settings.audience) || !timesValid(token)) continue;
      return Caller{machine(client.settings.role, client.settings.accounts), client.settings.name};
    }
    return std::nullopt;
  }
};

Access::Access(const config::Config& config, ldap::Directory& directory,
               std::shared_ptr<policy::mfa::StateStore> store)
    : impl_(std::make_unique<Impl>(config, directory, std::move(store))) {}

Access::~Access() = default;

scim::Result<Caller> Access::identify(const std::string& authorizationHeader,
                                      const std::optional<PeerCertificate>& certificate) const {
  const std::string credentials = bearerCredentials(authorizationHeader);
  if (credentials.empty() && certificate) {
    if (auto client = impl_->certificateClient(*certificate)) return *client;
    // The subject is the client's own; saying it helps its operator find the entry to add.
    return scim::Error{ErrorKind::Unauthorized,
                       "the client certificate '" + certificate->subject +
                           "' is not one of the gateway's clientCertificates; send a bearer "
                           "token, or ask the gateway's operator to add it"};
  }
  if (credentials.empty()) return unauthorized();
  if (std::count(credentials.begin(), credentials.end(), '.') == 2) {
    try {
      Poco::JWT::Token token;
      if (impl_->sessions.tryVerify(credentials, token)) return impl_->session(token);
      if (auto client = impl_->jwtClient(credentials)) return *client;
    } catch (const Poco::Exception&) {
      return unauthorized();
    }
  }
  if (auto token = impl_->staticToken(credentials)) return *token;
  return unauthorized();
}

std::string Access::issueSession(const std::string& userId, bool enrolmentOnly) const {
  Poco::JWT::Token token;
  token.setType("JWT");
  token.setSubject(userId);
  token.payload().set("typ", std::string(kSessionType));
  if (enrolmentOnly) token.payload().set("scope", std::string(kEnrolmentScope));
  Poco::Timestamp now;
  token.setIssuedAt(now);
  // "iat" has whole seconds; a reset in the same second as a login must still tell them apart.
  token.payload().set(kIssuedMsClaim, static_cast<Poco::Int64>(now.epochMicroseconds() / 1000));
  token.setExpiration(now + static_cast<Poco::Timestamp::TimeDiff>(impl_->sessionSeconds) *
                                Poco::Timestamp::resolution());
  return impl_->sessions.sign(token, Poco::JWT::Signer::ALGO_HS256);
}

int Access::sessionSeconds() const { return impl_->sessionSeconds; }

scim::Result<void> Access::endSessions(const std::string& userId) const {
  // Sessions issued in this very millisecond end too (their iat_ms is below now + 1).
  const auto now = static_cast<std::int64_t>(Poco::Timestamp().epochMicroseconds() / 1000) + 1;
  if (impl_->store) return impl_->store->endSessionsBefore(userId, now);
  std::lock_guard lock(impl_->endedMutex);
  auto& before = impl_->sessionsEndedBefore[userId];
  before = std::max<Poco::Int64>(before, now);
  return {};
}

}  // namespace scimgate::gateway
