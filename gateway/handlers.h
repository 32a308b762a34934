#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "gateway/reply.h"
#include "gateway/request.h"
#include "gateway/router.h"
#include "gateway/services.h"
#include "scim/user.h"

namespace scimgate::gateway {

// The route table, filled by one handler file per resource or concern:
//   discovery_handlers.cpp  ServiceProviderConfig, Schemas, ResourceTypes, /healthz, /readyz
//   user_handlers.cpp       /Users, /Users/{id}, /Users/.search, /.search
//   group_handlers.cpp      /Groups, /Groups/{id}, /Groups/.search
//   me_handlers.cpp         /Me: a person's own profile
//   login_handlers.cpp      /auth/login, /auth/verify, /auth/password/change, /auth/password/set
//   mfa_handlers.cpp        /mfa/totp, /mfa/totp/confirm, /mfa/backup-codes, /mfa/code
//   invitation_handlers.cpp /invitations: invite, resend, revoke, show, accept
//   reset_handlers.cpp      /auth/password/forgot, /auth/password/reset, /auth/password/reset-link
//   session_handlers.cpp    /auth/session, /auth/password/rules

/// Every route of the gateway.
Router makeRouter(Services& services);

/// A handler of the route table that works with the services.
using ServiceHandler = Reply (*)(Services& services, Request& request);
/// The route table's handler calling `handler` with these services (which outlive the router).
Handler withServices(Services& services, ServiceHandler handler);

/// A string member of a JSON body, or "" when it is missing or not a string.
std::string stringField(const Poco::JSON::Object& body, const std::string& name);

/// The current time, to the second (the MFA service takes time as a parameter).
std::chrono::sys_seconds nowSeconds();
/// The same as unix seconds (what the state store and the throttle take).
std::int64_t unixSeconds();

/// The users whose userName or one of whose emails is `login` (what a person types to sign in
/// or to ask for a reset link), at most `limit`; none for text no user can have.
scim::Result<std::vector<scim::User>> usersByLogin(Services& services, const std::string& login,
                                                   std::size_t limit);

void addDiscoveryRoutes(Router& router, Services& services);
void addUserRoutes(Router& router, Services& services);
void addGroupRoutes(Router& router, Services& services);
void addMeRoutes(Router& router, Services& services);
void addLoginRoutes(Router& router, Services& services);
void addMfaRoutes(Router& router, Services& services);
void addInvitationRoutes(Router& router, Services& services);
void addResetRoutes(Router& router, Services& services);
void addSessionRoutes(Router& router, Services& services);
/// POST /Bulk: each operation through `router` (which must outlive it) as its own request.
void addBulkRoute(Router& router, Services& services);

/// The password rules as clients read them (GET /auth/password/rules, an invitation's
/// passwordRules), so they can check a new password as it is typed.
Poco::JSON::Object passwordRulesJson(const policy::PasswordRules& rules);

/// A user resource as the caller may see it: projected by the request's attributes /
/// excludedAttributes, other tenants' accounts hidden, the MFA summary added; with ETag (and
/// Location for 201).
Reply userReply(Services& services, Request& request, int status, const scim::User& user);

/// Writes the profile fields of `wanted` over the current user (a person changing themselves);
/// a read-only field that differs is 400 mutability naming it; fields sent back unchanged are
/// fine (clients echo resources).
Reply writeOwnProfile(Services& services, Request& request, const scim::User& current,
                      const Poco::JSON::Object& wanted);

/// A user list for these query parameters (GET /Users, POST /.search).
Reply listUsers(Services& services, Request& request, const QueryParams& params);

}  // namespace scimgate::gateway
