#include "gateway/handlers.h"

#include "scim/filter.h"

namespace scimgate::gateway {

Router makeRouter(Services& services) {
  Router router;
  addDiscoveryRoutes(router, services);
  addUserRoutes(router, services);
  addGroupRoutes(router, services);
  addMeRoutes(router, services);
  addLoginRoutes(router, services);
  addMfaRoutes(router, services);
  addInvitationRoutes(router, services);
  addResetRoutes(router, services);
  addSessionRoutes(router, services);
  return router;
}

Handler withServices(Services& services, ServiceHandler handler) {
  return [svc = &services, handler](Request& request) { return handler(*svc, request); };
}

std::string stringField(const Poco::JSON::Object& body, const std::string& name) {
  return body.has(name) && body.get(name).isString() ? body.getValue<std::string>(name) : "";
}

std::chrono::sys_seconds nowSeconds() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::int64_t unixSeconds() { return nowSeconds().time_since_epoch().count(); }

namespace {

// A SCIM filter string literal (RFC 7644 3.4.2.2: JSON string rules).
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

}  // namespace

scim::Result<std::vector<scim::User>> usersByLogin(Services& services, const std::string& login,
                                                   std::size_t limit) {
  auto filter =
      scim::parseFilter("userName eq " + quoted(login) + " or emails.value eq " + quoted(login));
  if (!filter) return std::vector<scim::User>{};  // not a name anybody can have
  ldap::UserQuery query;
  query.filter = filter->get();
  query.count = limit;
  auto page = services.directory.searchUsers(query);
  if (!page) return page.error();
  return std::move(page->users);
}

}  // namespace scimgate::gateway
