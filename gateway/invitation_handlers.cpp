// Invitations (issue #14): an administrator invites people by email into accounts with a role;
// each invited user is Pending until they accept the mailed single-use link by setting a
// password, which makes them Active and signs them in.
//   POST /invitations                  {"emails": [...], "accounts": [...], "role"} or {"userIds"}
//   POST /invitations/resend           {"userId"}: a new link; earlier links stop working
//   POST /invitations/revoke           {"userId"}: every outstanding link stops working
//   GET  /invitations/{token}          what the acceptance page shows
//   POST /invitations/{token}/accept   {"password", "confirmPassword", "name"?}

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/JSON/Array.h>
#include <Poco/Timestamp.h>

#include <variant>
#include <vector>

#include "gateway/error_response.h"
#include "gateway/facts.h"
#include "gateway/handlers.h"
#include "gateway/links.h"
#include "gateway/targets.h"
#include "policy/changes.h"
#include "policy/mfa/tokens.h"
#include "scim/schema.h"
#include "scim/user_facts.h"

namespace scimgate::gateway {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using policy::mfa::TokenKind;
using scim::ErrorKind;

constexpr char kAcceptPath[] = "/console/#/invitation/";

// One person to invite, as the request names them.
struct Invitee {
  std::string email;
  std::string userName;
  std::string givenName;
  std::string familyName;
};

// A plausible mailbox: one '@' with text either side, no spaces or control characters, and the
// length SMTP allows (RFC 5321 4.5.3.1). The mail server has the last word.
bool isMailbox(const std::string& text) {
  const auto at = text.find('@');
  if (at == std::string::npos || at == 0 || at + 1 >= text.size() || text.size() > 254) {
    return false;
  }
  if (text.find('@', at + 1) != std::string::npos) return false;
  for (unsigned char c : text) {
    if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';') return false;
  }
  return true;
}

std::string isoTime(std::int64_t unixSeconds) {
  return Poco::DateTimeFormatter::format(Poco::Timestamp::fromEpochTime(unixSeconds),
                                         Poco::DateTimeFormat::ISO8601_FORMAT);
}

// The invitees of {"emails": [...]}: strings, or objects with "email" and optionally "userName",
// "givenName", "familyName". InvalidValue naming every entry that is not usable.
scim::Result<std::vector<Invitee>> inviteesOf(const Object& body) {
  auto emails = body.getArray("emails");
  if (!emails || emails->size() == 0) {
    return scim::makeError(ErrorKind::InvalidValue,
                           "send {\"emails\": [\"ana@example.com\", ...], \"accounts\": [...], "
                           "\"role\": ...} or {\"userIds\": [...]}");
  }
  if (emails->size() > 100) {
    return scim::makeError(ErrorKind::InvalidValue, "at most 100 people per invitation request");
  }
  std::vector<Invitee> invitees;
  std::string problems;
  for (unsigned i = 0; i < emails->size(); ++i) {
    Invitee invitee;
    if (emails->isObject(i)) {
      const auto entry = emails->getObject(i);
      invitee = {stringField(*entry, "email"), stringField(*entry, "userName"),
                 stringField(*entry, "givenName"), stringField(*entry, "familyName")};
    } else if (emails->get(i).isString()) {
      invitee.email = emails->getElement<std::string>(i);
    }
    if (!isMailbox(invitee.email)) {
      problems += (problems.empty() ? "" : "; ") + std::string("emails[") + std::to_string(i) +
                  "] is not an email address";
      continue;
    }
    if (invitee.userName.empty()) invitee.userName = invitee.email;
    invitees.push_back(std::move(invitee));
  }
  if (!problems.empty()) {
    return scim::makeError(ErrorKind::InvalidValue, problems + ": nobody was invited");
  }
  return invitees;
}

// A string list member ("accounts"), lower-cased like account ids; InvalidValue when it is not
// a list of strings.
scim::Result<std::set<std::string>> stringSet(const Object& body, const std::string& name) {
  std::set<std::string> values;
  if (!body.has(name)) return values;
  auto array = body.getArray(name);
  if (!array) return scim::makeError(ErrorKind::InvalidValue, name + " must be a list of ids");
  for (unsigned i = 0; i < array->size(); ++i) {
    if (!array->get(i).isString()) {
      return scim::makeError(ErrorKind::InvalidValue, name + " must be a list of ids");
    }
    std::string value = array->getElement<std::string>(i);
    for (char& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    values.insert(value);
  }
  return values;
}

// The SCIM attributes of a new Pending user for this invitee.
Object::Ptr newUserBody(const Invitee& invitee, const std::string& role,
                        const std::set<std::string>& accounts) {
  Object::Ptr body = new Object;
  body->set("userName", invitee.userName);
  Object::Ptr email = new Object;
  email->set("value", invitee.email);
  email->set("type", "work");
  email->set("primary", true);
  Array::Ptr emails = new Array;
  emails->add(email);
  body->set("emails", emails);
  if (!invitee.givenName.empty() || !invitee.familyName.empty()) {
    Object::Ptr name = new Object;
    if (!invitee.givenName.empty()) name->set("givenName", invitee.givenName);
    if (!invitee.familyName.empty()) name->set("familyName", invitee.familyName);
    body->set("name", name);
  }
  if (!role.empty()) {
    Object::Ptr value = new Object;
    value->set("value", role);
    Array::Ptr roles = new Array;
    roles->add(value);
    body->set("roles", roles);
  }
  if (!accounts.empty()) {
    Array::Ptr list = new Array;
    for (const auto& account : accounts) {
      Object::Ptr value = new Object;
      value->set("value", account);
      list->add(value);
    }
    Object::Ptr extension = new Object;
    extension->set("accounts", list);
    body->set(std::string(scim::kScimgateUserSchema), extension);
  }
  return body;
}

// A new user for this invitee, without a password: Pending.
scim::Result<scim::User> createPendingUser(Services& services, const Invitee& invitee,
                                           const std::string& role,
                                           const std::set<std::string>& accounts) {
  auto input = scim::parseUserInput(*newUserBody(invitee, role, accounts));
  if (!input) return input.error();
  scim::User user;
  user.attributes = input->attributes;
  return services.directory.createUser(user, std::nullopt);
}

// Sends the user a new invitation link, voiding earlier ones; the link's expiry.
scim::Result<std::int64_t> sendInvitation(Services& services, const scim::User& user) {
  const int seconds = services.config.auth.invitationSeconds;
  if (auto revoked = services.store->revokeTokens(TokenKind::Invitation, user.id, unixSeconds());
      !revoked) {
    return revoked.error();
  }
  auto token = issueLinkToken(services, TokenKind::Invitation, user.id, seconds);
  if (!token) return token.error();
  auto mailed = mailLink(services, user, "invitation", kAcceptPath, *token, seconds);
  if (!mailed) return mailed.error();
  return unixSeconds() + seconds;
}

void auditInvitation(Services& services, const Request& request, const std::string& userId,
                     const std::string& outcome, const std::string& reason) {
  AuditRecord record;
  record.principal = request.caller.name;
  record.principalId = request.caller.principal.userId;
  record.operation = "invitations.send";
  record.target = userId;
  record.outcome = outcome;
  record.reason = reason;
  services.audit.record(record);
}

Object::Ptr resultOf(const std::string& email, const std::string& userName,
                     const std::string& userId) {
  Object::Ptr result = new Object;
  result->set("email", email);
  result->set("userName", userName);
  if (!userId.empty()) result->set("userId", userId);
  return result;
}

// {"emails": [...]}: each invitee becomes a new Pending user and gets a link.
Reply inviteNewPeople(Services& services, Request& request, const Object& body) {
  auto invitees = inviteesOf(body);
  if (!invitees) return errorReply(invitees.error());
  auto accounts = stringSet(body, "accounts");
  if (!accounts) return errorReply(accounts.error());
  std::string roleText = stringField(body, "role");
  if (roleText.empty()) roleText = services.config.ldap.defaultRole;
  auto role = policy::parseRole(roleText.empty() ? "Viewer" : roleText);
  if (!role) {
    return errorReply({ErrorKind::InvalidValue, "unknown role \"" + roleText +
                                                    "\": use Administrator, Manager, Agent or "
                                                    "Viewer"});
  }
  auto decision =
      policy::checkInvitation(services.matrix, request.caller.principal, *role, *accounts);
  if (!decision.isAllowed()) return request.deny(decision);

  Array::Ptr results = new Array;
  bool allInvited = true;
  for (const auto& invitee : *invitees) {
    auto result = resultOf(invitee.email, invitee.userName, "");
    auto created = createPendingUser(services, invitee, roleText, *accounts);
    if (!created) {
      allInvited = false;
      result->set("invited", false);
      result->set("detail", created.error().kind == ErrorKind::Uniqueness
                                ? "a user with this userName or email already exists: resend "
                                  "their invitation instead (POST /invitations/resend)"
                                : created.error().detail);
      results->add(result);
      continue;
    }
    result->set("userId", created->id);
    auto sent = sendInvitation(services, *created);
    if (!sent) {
      allInvited = false;
      result->set("invited", false);
      result->set("detail",
                  "the user was created (Pending) but the invitation could not be "
                  "queued: " +
                      sent.error().detail + "; resend it");
      auditInvitation(services, request, created->id, "failed", sent.error().detail);
    } else {
      result->set("invited", true);
      result->set("expiresAt", isoTime(*sent));
      auditInvitation(services, request, created->id, "success", "");
    }
    results->add(result);
  }
  Object answer;
  answer.set("invitations", results);
  return Reply::json(allInvited ? 201 : 200, answer, kPlainJson);
}

// The users of {"userIds": [...]} (or one "userId") that may be invited again: each in the
// caller's scope, Pending, and within what the caller may invite. The users or the refusal.
std::variant<std::vector<scim::User>, Reply> pendingUsers(Services& services, Request& request,
                                                          const std::vector<std::string>& ids) {
  std::vector<scim::User> users;
  for (const auto& id : ids) {
    auto loaded = loadTarget(services, request, id, policy::Operation::InviteUsers);
    if (auto* refused = std::get_if<Reply>(&loaded)) return *refused;
    auto& target = std::get<Loaded>(loaded);
    const auto facts = scim::userFactsOf(*target.user.attributes);
    if (facts.status != scim::UserStatus::Pending) {
      return errorReply(
          {ErrorKind::InvalidValue,
           "user " + facts.userName + " is " +
               (facts.isInactive() ? "deactivated: reactivate them first"
                                   : "already active (they have a password): send a password "
                                     "reset link instead (POST /auth/password/reset-link)")});
    }
    auto decision = policy::checkInvitation(services.matrix, request.caller.principal,
                                            target.target.role.value_or(policy::Role::Viewer),
                                            target.target.accounts);
    if (!decision.isAllowed()) return request.deny(decision, id);
    users.push_back(std::move(target.user));
  }
  return users;
}

Reply inviteExisting(Services& services, Request& request, const std::vector<std::string>& ids) {
  if (ids.empty() || ids.size() > 100) {
    return errorReply({ErrorKind::InvalidValue, "send between 1 and 100 user ids"});
  }
  auto users = pendingUsers(services, request, ids);
  if (auto* refused = std::get_if<Reply>(&users)) return *refused;
  Array::Ptr results = new Array;
  for (const auto& user : std::get<std::vector<scim::User>>(users)) {
    const auto facts = scim::userFactsOf(*user.attributes);
    auto result = resultOf(facts.primaryEmail, facts.userName, user.id);
    auto sent = sendInvitation(services, user);
    result->set("invited", sent.ok());
    if (sent) {
      result->set("expiresAt", isoTime(*sent));
    } else {
      result->set("detail", sent.error().detail);
    }
    auditInvitation(services, request, user.id, sent ? "success" : "failed",
                    sent ? "" : sent.error().detail);
    results->add(result);
  }
  Object answer;
  answer.set("invitations", results);
  return Reply::json(200, answer, kPlainJson);
}

Reply invite(Services& services, Request& request) {
  request.audit.operation = "invitations.create";
  if (auto off = refuseWithoutMail(services)) return *off;
  auto body = request.jsonBody();
  if (!body) return errorReply(body.error());
  if ((*body)->has("userIds")) {
    auto ids = stringSet(**body, "userIds");
    if (!ids) return errorReply(ids.error());
    return inviteExisting(services, request, {ids->begin(), ids->end()});
  }
  return inviteNewPeople(services, request, **body);
}

Reply resend(Services& services, Request& request) {
  request.audit.operation = "invitations.resend";
  if (auto off = refuseWithoutMail(services)) return *off;
  auto body = request.jsonBody();
  if (!body) return errorReply(body.error());
  const std::string id = stringField(**body, "userId");
  if (id.empty()) return errorReply({ErrorKind::InvalidValue, "send {\"userId\": ...}"});
  return inviteExisting(services, request, {id});
}

Reply revoke(Services& services, Request& request) {
  request.audit.operation = "invitations.revoke";
  if (auto off = refuseWithoutMail(services)) return *off;
  auto body = request.jsonBody();
  if (!body) return errorReply(body.error());
  const std::string id = stringField(**body, "userId");
  if (id.empty()) return errorReply({ErrorKind::InvalidValue, "send {\"userId\": ...}"});
  auto users = pendingUsers(services, request, {id});
  if (auto* refused = std::get_if<Reply>(&users)) return *refused;
  auto revoked = services.store->revokeTokens(TokenKind::Invitation, id, unixSeconds());
  if (!revoked) return errorReply(revoked.error());
  // The user stays Pending (DELETE /Users/{id} removes them); no link of theirs works now.
  return Reply::noContent();
}

Reply showInvitation(Services& services, Request& request) {
  request.audit.operation = "invitations.show";
  if (auto off = refuseWithoutMail(services)) return *off;
  auto usable = usableToken(services, request, TokenKind::Invitation, request.param("token"));
  if (auto* refused = std::get_if<Reply>(&usable)) return *refused;
  const auto& record = std::get<policy::mfa::TokenRecord>(usable);
  auto user = services.directory.findUser(record.userId);
  if (!user) {
    if (user.error().kind != ErrorKind::NotFound) return errorReply(user.error());
    return refuseToken(request, TokenKind::Invitation, policy::mfa::TokenUse::Revoked);
  }
  const auto facts = scim::userFactsOf(*user->attributes);
  Object answer;
  answer.set("userName", facts.userName);
  answer.set("givenName", facts.givenName);
  answer.set("familyName", facts.familyName);
  answer.set("email", facts.primaryEmail);
  answer.set("expiresAt", isoTime(record.expiresAt));
  answer.set("passwordRules", passwordRulesJson(services.passwords));
  return Reply::json(200, answer, kPlainJson);
}

// The name a person may give while accepting: {"givenName", "familyName"} written over the
// invitation's, when sent.
scim::Result<void> applyName(Services& services, const scim::User& user, const Object& body) {
  auto name = body.getObject("name");
  if (!name) return {};
  Object::Ptr attributes = new Object(*user.attributes);
  Object::Ptr merged =
      attributes->getObject("name") ? new Object(*attributes->getObject("name")) : new Object;
  for (const char* part : {"givenName", "familyName"}) {
    if (name->has(part) && name->get(part).isString())
      merged->set(part, name->getValue<std::string>(part));
  }
  attributes->set("name", merged);
  auto input = scim::parseUserInput(*attributes);
  if (!input) return input.error();
  scim::User changed = user;
  changed.attributes = input->attributes;
  auto replaced = services.directory.replaceUser(user.id, changed, std::nullopt, "");
  if (!replaced) return replaced.error();
  return {};
}

Reply acceptInvitation(Services& services, Request& request) {
  request.audit.operation = "invitations.accept";
  request.audit.attributes = {"password"};
  if (auto off = refuseWithoutMail(services)) return *off;
  auto body = request.jsonBody();
  if (!body) return errorReply(body.error());
  const std::string token = request.param("token");
  auto usable = usableToken(services, request, TokenKind::Invitation, token);
  if (auto* refused = std::get_if<Reply>(&usable)) return *refused;
  const auto record = std::get<policy::mfa::TokenRecord>(usable);
  auto user = services.directory.findUser(record.userId);
  if (!user) return errorReply(user.error());
  auto facts = scim::userFactsOf(*user->attributes);
  request.audit.principal = facts.userName;
  if (facts.status != scim::UserStatus::Pending) {
    return refuseToken(
        request, TokenKind::Invitation,
        facts.isInactive() ? policy::mfa::TokenUse::Revoked : policy::mfa::TokenUse::Used);
  }
  const std::string password = stringField(**body, "password");
  const std::string confirmation = stringField(**body, "confirmPassword");
  if (password.empty()) {
    return errorReply({ErrorKind::InvalidValue, "send password and confirmPassword"});
  }
  if (auto problem = passwordProblems(services, password, facts, &confirmation)) {
    return errorReply(*problem);
  }
  // Used up before the password is set, so that of two racing acceptances only one sets it.
  const std::string hash = policy::mfa::tokenHash(token);
  auto claim = services.store->useToken(TokenKind::Invitation, hash, unixSeconds());
  if (!claim) return errorReply(claim.error());
  if (claim->use != policy::mfa::TokenUse::Accepted) {
    return refuseToken(request, TokenKind::Invitation, claim->use);
  }
  if (auto named = applyName(services, *user, **body); !named) {
    return errorReply(named.error());
  }
  // Setting the password makes a Pending user Active.
  if (auto set = services.directory.setPassword(record.userId, password); !set) {
    // The directory refused (its own password policy): the link stays usable for another try.
    auto restored = services.store->putToken(TokenKind::Invitation, hash, record.userId,
                                             record.createdAt, record.expiresAt);
    if (!restored) return errorReply(restored.error());
    return errorReply(set.error());
  }
  request.audit.principalId = record.userId;
  // The read above still has the user's role, which is all the session needs.
  return sessionReply(services, *user);
}

}  // namespace

void addInvitationRoutes(Router& router, Services& services) {
  router.add({"POST", "/invitations", Guard::Caller, withServices(services, invite)});
  router.add({"POST", "/invitations/resend", Guard::Caller, withServices(services, resend)});
  router.add({"POST", "/invitations/revoke", Guard::Caller, withServices(services, revoke)});
  router.add(
      {"GET", "/invitations/{token}", Guard::Public, withServices(services, showInvitation)});
  router.add({"POST", "/invitations/{token}/accept", Guard::Public,
              withServices(services, acceptInvitation)});
}

}  // namespace scimgate::gateway
