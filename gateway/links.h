#pragma once

#include <optional>
#include <string>

#include "gateway/reply.h"
#include "gateway/request.h"
#include "gateway/services.h"
#include "policy/mfa/state_store.h"
#include "scim/user.h"

namespace scimgate::gateway {

// What the email flows (issue #14: invitations, password resets) share: single-use link tokens,
// their refusals in words, and the mail that carries them.

/// Whether the email flows can run: 404 naming the missing config otherwise.
std::optional<Reply> refuseWithoutMail(const Services& services);

/// Stores a new token of `kind` for the user (valid `seconds`) and returns its text, which only
/// the mail carries: the store keeps its hash.
scim::Result<std::string> issueLinkToken(Services& services, policy::mfa::TokenKind kind,
                                         const std::string& userId, int seconds);

/// Mails template `templateName` with a link to `path` + token to the user's primary email.
/// InvalidValue when the user has no email address.
scim::Result<void> mailLink(Services& services, const scim::User& user,
                            const std::string& templateName, const std::string& path,
                            const std::string& token, int seconds);

/// The refusal of a token that is not usable, in words a person understands (404 unknown, 400
/// used, expired or withdrawn), audited with the reason.
Reply refuseToken(Request& request, policy::mfa::TokenKind kind, policy::mfa::TokenUse use);

/// The token's record when it can still be used now; else the refusal.
std::variant<policy::mfa::TokenRecord, Reply> usableToken(Services& services, Request& request,
                                                          policy::mfa::TokenKind kind,
                                                          const std::string& token);

/// Whether the user's role is one of mfa.requireForRoles.
bool roleRequiresSecondFactor(const Services& services, const scim::User& user);

/// A successful login's answer: 200 with a session token for the user, tokenType, expiresIn and
/// userId; for an enrolment-only session also mfaEnrollmentRequired and what to do.
Reply sessionReply(Services& services, const std::string& userId, bool enrolmentOnly);

/// The same for this user after a password was set: enrolment-only when the role needs a second
/// factor the user does not have yet.
Reply sessionReply(Services& services, const scim::User& user);

}  // namespace scimgate::gateway

namespace scimgate::gateway {

/// Sends the user a new second-factor code by `channel` (issue #14), unless one was sent less
/// than auth.loginCodeResendSeconds ago and is still usable; where it went, masked
/// ("a***@example.com"). InvalidValue when the user has no address for that channel.
scim::Result<std::string> sendSecondFactorCode(Services& services, const scim::User& user,
                                               policy::mfa::CodeChannel channel);

}  // namespace scimgate::gateway
