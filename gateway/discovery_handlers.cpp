// Discovery (RFC 7644 4) and health: what a client or an orchestrator reads before anything else.

#include <Poco/JSON/Array.h>

#include "gateway/error_response.h"
#include "gateway/handlers.h"
#include "gateway/list_params.h"
#include "scim/schema.h"

namespace scimgate::gateway {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

scim::ServiceProviderFeatures featuresOf(const config::ScimSettings& settings,
                                         const config::ServerSettings& server) {
  scim::ServiceProviderFeatures f;
  f.patch = true;
  f.bulk = true;
  f.bulkMaxOperations = settings.bulkMaxOperations;
  f.bulkMaxPayloadSize = static_cast<long long>(server.maxBodyBytes);
  f.sort = true;
  f.etag = true;
  f.filter = true;
  f.maxResults = settings.maxPageSize;
  f.defaultPageSize = settings.defaultPageSize;
  f.maxPageSize = settings.maxPageSize;
  f.changePassword = true;
  f.cursorPagination = true;
  return f;
}

const std::vector<const scim::Schema*>& allSchemas() {
  static const std::vector<const scim::Schema*> all = {
      &scim::userSchema(), &scim::enterpriseUserSchema(), &scim::scimgateUserSchema(),
      &scim::groupSchema(), &scim::scimgateGroupSchema()};
  return all;
}

const std::vector<const scim::ResourceTypeDef*>& allResourceTypes() {
  static const std::vector<const scim::ResourceTypeDef*> all = {&scim::userResourceType(),
                                                                &scim::groupResourceType()};
  return all;
}

Reply serviceProviderConfig(Services& services, Request& request) {
  return Reply::json(200, *scim::serviceProviderConfigToJson(
                              featuresOf(services.config.scim, services.config.server),
                              request.baseUrl() + "/ServiceProviderConfig"));
}

Reply listSchemas(Request& request) {
  const std::string base = request.baseUrl() + "/Schemas/";
  Array::Ptr resources = new Array;
  for (const auto* schema : allSchemas())
    resources->add(scim::schemaToJson(*schema, base + schema->id));
  return Reply::json(200, *listResponse(resources, resources->size(), 1));
}

Reply getSchema(Request& request) {
  const std::string id = request.param("id");
  for (const auto* schema : allSchemas()) {
    if (schema->id == id) {
      return Reply::json(200, *scim::schemaToJson(*schema, request.baseUrl() + "/Schemas/" + id));
    }
  }
  return errorReply({scim::ErrorKind::NotFound, "no schema '" + id + "'"});
}

Reply listResourceTypes(Request& request) {
  const std::string base = request.baseUrl() + "/ResourceTypes/";
  Array::Ptr resources = new Array;
  for (const auto* type : allResourceTypes()) {
    resources->add(scim::resourceTypeToJson(*type, base + type->id));
  }
  return Reply::json(200, *listResponse(resources, resources->size(), 1));
}

Reply getResourceType(Request& request) {
  const std::string id = request.param("id");
  for (const auto* type : allResourceTypes()) {
    if (type->id == id) {
      return Reply::json(
          200, *scim::resourceTypeToJson(*type, request.baseUrl() + "/ResourceTypes/" + id));
    }
  }
  return errorReply({scim::ErrorKind::NotFound, "no resource type '" + id + "'"});
}

Reply health() {
  Object body;
  body.set("status", "ok");
  return Reply::json(200, body, kPlainJson);
}

// Ready when the directory answers (DESIGN 7).
Reply ready(Services& services) {
  Object body;
  if (auto ping = services.directory.ping(); !ping) {
    body.set("status", "unavailable");
    body.set("directory", ping.error().detail);
    return Reply::json(503, body, kPlainJson).with("Retry-After", "5");
  }
  body.set("status", "ready");
  return Reply::json(200, body, kPlainJson);
}

}  // namespace

void addDiscoveryRoutes(Router& router, Services& services) {
  Services* s = &services;
  // /serviceConfiguration, which Microsoft's reference code served, is an alias.
  for (const char* path : {"/scim/v2/ServiceProviderConfig", "/scim/v2/serviceConfiguration"}) {
    router.add(
        {"GET", path, Guard::Caller, [s](Request& r) { return serviceProviderConfig(*s, r); }});
  }
  router.add({"GET", "/scim/v2/Schemas", Guard::Caller, [](Request& r) { return listSchemas(r); }});
  router.add(
      {"GET", "/scim/v2/Schemas/{id}", Guard::Caller, [](Request& r) { return getSchema(r); }});
  router.add({"GET", "/scim/v2/ResourceTypes", Guard::Caller,
              [](Request& r) { return listResourceTypes(r); }});
  router.add({"GET", "/scim/v2/ResourceTypes/{id}", Guard::Caller,
              [](Request& r) { return getResourceType(r); }});
  router.add({"GET", "/healthz", Guard::Public, [](Request&) { return health(); }});
  router.add({"GET", "/readyz", Guard::Public, [s](Request&) { return ready(*s); }});
}

}  // namespace scimgate::gateway
