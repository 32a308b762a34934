#include "gateway/handlers.h"

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

}  // namespace scimgate::gateway
