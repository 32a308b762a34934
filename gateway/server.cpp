#include "gateway/server.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/URI.h>

#include <chrono>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "gateway/auth.h"
#include "gateway/error_response.h"
#include "ldap/group_directory.h"
#include "scim/group.h"
#include "scim/patch.h"
#include "scim/projection.h"
#include "scim/schema.h"
#include "scim/user.h"

namespace scimgate::gateway {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using Poco::Net::HTTPResponse;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;
using scim::ErrorKind;
using scim::makeError;

constexpr std::string_view kBasePath = "/scim/v2";
constexpr char kScimJson[] = "application/scim+json";

std::string toJson(const Object& object) {
  std::ostringstream out;
  object.stringify(out);
  return out.str();
}

void sendJson(HTTPServerResponse& response, HTTPResponse::HTTPStatus status, const Object& body,
              const std::string& contentType = kScimJson) {
  const std::string text = toJson(body);
  response.setStatus(status);
  response.setContentType(contentType);
  response.setContentLength(static_cast<std::streamsize>(text.size()));
  response.send() << text;
}

// Splits a raw query string; '+' is a space (HTML form encoding, which Entra ID uses).
std::map<std::string, std::string> parseQuery(const std::string& raw) {
  std::map<std::string, std::string> params;
  std::stringstream stream(raw);
  std::string pair;
  while (std::getline(stream, pair, '&')) {
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    std::string name = pair.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : pair.substr(eq + 1);
    for (auto* part : {&name, &value}) {
      for (auto& c : *part) {
        if (c == '+') c = ' ';
      }
      std::string decoded;
      Poco::URI::decode(*part, decoded);
      *part = decoded;
    }
    // RFC 7644 3.4.2: parameter names are case-insensitive; keep the first occurrence.
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    params.emplace(name, value);
  }
  return params;
}

scim::Result<std::size_t> parseCount(const std::map<std::string, std::string>& params,
                                     const std::string& name, long long fallback, long long min) {
  auto it = params.find(name);
  if (it == params.end() || it->second.empty()) return static_cast<std::size_t>(fallback);
  try {
    std::size_t used = 0;
    long long value = std::stoll(it->second, &used);
    if (used != it->second.size()) throw std::invalid_argument(name);
    // RFC 7644 3.4.2.4: a startIndex below 1 is 1, a negative count is 0.
    return static_cast<std::size_t>(std::max(value, min));
  } catch (const std::exception&) {
    return makeError(ErrorKind::InvalidValue, "'" + name + "' must be an integer");
  }
}

struct Context {
  config::Config config;
  ldap::Directory& directory;
  ldap::GroupDirectory& groups;
  TokenAuthenticator authenticator;
};

class ScimRequest final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit ScimRequest(Context& context) : context_(context) {}

  void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override {
    const auto started = std::chrono::steady_clock::now();
    std::string path = "?";
    try {
      Poco::URI uri(request.getURI());
      path = uri.getPath();
      route(request, response, uri);
      drainBody(request);
    } catch (const Poco::SyntaxException&) {
      if (!response.sent()) sendError(response, {ErrorKind::InvalidSyntax, "malformed request URI"});
    } catch (const std::exception& e) {
      logLine("error", request.getMethod(), path, 500, started, e.what());
      if (!response.sent()) sendError(response, {ErrorKind::Internal, "internal error"});
      return;
    }
    logLine("info", request.getMethod(), path, static_cast<int>(response.getStatus()), started, "");
  }

 private:
  // A body the handler did not read (a POST to a read-only endpoint, say) would otherwise be parsed
  // as the start of the next request on a keep-alive connection.
  void drainBody(HTTPServerRequest& request) const {
    std::istream& in = request.stream();
    char buffer[8192];
    std::size_t dropped = 0;
    while (in && dropped < 16 * context_.config.server.maxBodyBytes) {
      in.read(buffer, sizeof buffer);
      dropped += static_cast<std::size_t>(in.gcount());
    }
  }

  // One JSON line per request: no bodies, no headers, no secrets.
  static void logLine(const char* level, const std::string& method, const std::string& path,
                      int status, std::chrono::steady_clock::time_point started,
                      const std::string& message) {
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::steady_clock::now() - started)
                            .count();
    Object line;
    line.set("level", level);
    line.set("method", method);
    line.set("path", path);
    line.set("status", status);
    line.set("ms", static_cast<double>(micros) / 1000.0);
    if (!message.empty()) line.set("message", message);
    static std::mutex logMutex;
    std::lock_guard lock(logMutex);
    std::clog << toJson(line) << '\n';
  }

  void route(HTTPServerRequest& request, HTTPServerResponse& response, const Poco::URI& uri) {
    const std::string& path = uri.getPath();
    const std::string& method = request.getMethod();
    if (path == "/healthz") return health(response);
    if (path == "/readyz") return ready(response);
    if (path.rfind(kBasePath, 0) != 0 ||
        (path.size() > kBasePath.size() && path[kBasePath.size()] != '/')) {
      return sendError(response, {ErrorKind::NotFound, "no such endpoint: " + path});
    }
    if (!context_.authenticator.authenticate(request.get("Authorization", ""))) {
      return sendError(response, {ErrorKind::Unauthorized,
                                  "a valid bearer token is required (Authorization: Bearer ...)"});
    }
    std::vector<std::string> segments;
    {
      std::stringstream stream(path.substr(kBasePath.size()));
      std::string segment;
      while (std::getline(stream, segment, '/')) {
        if (!segment.empty()) segments.push_back(segment);
      }
    }
    const auto params = parseQuery(uri.getRawQuery());
    if (segments.empty()) return sendError(response, {ErrorKind::NotFound, "no such endpoint"});
    const std::string& resource = segments[0];

    // Endpoint names compare case-insensitively (Entra ID's tests ask for /users), and
    // /serviceConfiguration, which Microsoft's reference code served, is an alias.
    auto is = [&](std::string_view name) { return scim::equalsIgnoreCase(resource, name); };
    if ((is("ServiceProviderConfig") || is("serviceConfiguration")) && segments.size() == 1) {
      if (method != "GET") return methodNotAllowed(response, "GET");
      return sendJson(response, HTTPResponse::HTTP_OK,
                      *scim::serviceProviderConfigToJson(features(), baseUrl(request) +
                                                                         "/ServiceProviderConfig"));
    }
    if (is("Schemas")) {
      if (method != "GET") return methodNotAllowed(response, "GET");
      return schemas(request, response, segments);
    }
    if (is("ResourceTypes")) {
      if (method != "GET") return methodNotAllowed(response, "GET");
      return resourceTypes(request, response, segments);
    }
    if (resource == ".search" && segments.size() == 1) {
      if (method != "POST") return methodNotAllowed(response, "POST");
      return searchUsers(request, response);
    }
    if (is("Groups")) {
      if (segments.size() == 1) {
        if (method == "GET") return listGroups(request, response, params);
        if (method == "POST") return createGroup(request, response);
        return methodNotAllowed(response, "GET, POST");
      }
      if (segments.size() == 2) {
        if (method == "GET") return getGroup(request, response, segments[1], params);
        if (method == "PUT") return replaceGroup(request, response, segments[1]);
        if (method == "PATCH") return patchGroup(request, response, segments[1]);
        if (method == "DELETE") {
          auto deleted = context_.groups.deleteGroup(segments[1], request.get("If-Match", ""));
          if (!deleted) return sendError(response, deleted.error());
          response.setStatus(HTTPResponse::HTTP_NO_CONTENT);
          response.setContentLength(0);
          response.send();
          return;
        }
        return methodNotAllowed(response, "GET, PUT, PATCH, DELETE");
      }
    }
    if (is("Users")) {
      if (segments.size() == 1) {
        if (method == "GET") return listUsers(request, response, params);
        if (method == "POST") return createUser(request, response);
        return methodNotAllowed(response, "GET, POST");
      }
      if (segments.size() == 2) {
        if (segments[1] == ".search") {
          if (method != "POST") return methodNotAllowed(response, "POST");
          return searchUsers(request, response);
        }
        if (method == "GET") return getUser(request, response, segments[1]);
        if (method == "DELETE") return deleteUser(request, response, segments[1]);
        if (method == "PUT") return replaceUser(request, response, segments[1]);
        if (method == "PATCH") return patchUser(request, response, segments[1]);
        return methodNotAllowed(response, "GET, PUT, PATCH, DELETE");
      }
    }
    sendError(response, {ErrorKind::NotFound, "no such endpoint: " + path});
  }

  void methodNotAllowed(HTTPServerResponse& response, const std::string& allow) {
    response.set("Allow", allow);
    Object error;
    Array errorSchemas;
    errorSchemas.add("urn:ietf:params:scim:api:messages:2.0:Error");
    error.set("schemas", errorSchemas);
    error.set("status", "405");
    error.set("detail", "method not allowed here; allowed: " + allow);
    sendJson(response, HTTPResponse::HTTP_METHOD_NOT_ALLOWED, error);
  }

  void health(HTTPServerResponse& response) {
    Object body;
    body.set("status", "ok");
    sendJson(response, HTTPResponse::HTTP_OK, body, "application/json");
  }

  void ready(HTTPServerResponse& response) {
    Object body;
    if (auto ping = context_.directory.ping(); !ping) {
      body.set("status", "unavailable");
      body.set("directory", ping.error().detail);
      response.set("Retry-After", "5");
      return sendJson(response, HTTPResponse::HTTP_SERVICE_UNAVAILABLE, body, "application/json");
    }
    body.set("status", "ready");
    sendJson(response, HTTPResponse::HTTP_OK, body, "application/json");
  }

  scim::ServiceProviderFeatures features() const {
    scim::ServiceProviderFeatures f;
    f.patch = true;
    f.sort = true;
    f.etag = true;
    f.filter = true;
    f.maxResults = context_.config.scim.maxPageSize;
    f.defaultPageSize = context_.config.scim.defaultPageSize;
    f.maxPageSize = context_.config.scim.maxPageSize;
    f.changePassword = true;
    f.cursorPagination = true;
    return f;
  }

  std::string baseUrl(const HTTPServerRequest& request) const {
    const auto& publicUrl = context_.config.server.publicUrl;
    if (!publicUrl.empty()) {
      std::string base = publicUrl;
      while (!base.empty() && base.back() == '/') base.pop_back();
      return base + std::string(kBasePath);
    }
    const std::string host = request.getHost();
    return "http://" + (host.empty() ? std::string("localhost") : host) + std::string(kBasePath);
  }

  void schemas(HTTPServerRequest& request, HTTPServerResponse& response,
               const std::vector<std::string>& segments) {
    const std::string base = baseUrl(request) + "/Schemas/";
    std::vector<const scim::Schema*> all = {&scim::userSchema(), &scim::enterpriseUserSchema(),
                                            &scim::scimgateUserSchema(), &scim::groupSchema(),
                                            &scim::scimgateGroupSchema()};
    if (segments.size() == 2) {
      for (const auto* schema : all) {
        if (schema->id == segments[1]) {
          return sendJson(response, HTTPResponse::HTTP_OK, *scim::schemaToJson(*schema, base + schema->id));
        }
      }
      return sendError(response, {ErrorKind::NotFound, "no schema '" + segments[1] + "'"});
    }
    Array::Ptr resources = new Array;
    for (const auto* schema : all) resources->add(scim::schemaToJson(*schema, base + schema->id));
    sendJson(response, HTTPResponse::HTTP_OK, *listResponse(resources, resources->size(), 1));
  }

  void resourceTypes(HTTPServerRequest& request, HTTPServerResponse& response,
                     const std::vector<std::string>& segments) {
    const std::string base = baseUrl(request) + "/ResourceTypes/";
    std::vector<const scim::ResourceTypeDef*> types = {&scim::userResourceType(),
                                                       &scim::groupResourceType()};
    if (segments.size() == 2) {
      for (const auto* type : types) {
        if (segments[1] == type->id) {
          return sendJson(response, HTTPResponse::HTTP_OK,
                          *scim::resourceTypeToJson(*type, base + type->id));
        }
      }
      return sendError(response, {ErrorKind::NotFound, "no resource type '" + segments[1] + "'"});
    }
    Array::Ptr resources = new Array;
    for (const auto* type : types) resources->add(scim::resourceTypeToJson(*type, base + type->id));
    sendJson(response, HTTPResponse::HTTP_OK, *listResponse(resources, resources->size(), 1));
  }

  static Object::Ptr listResponse(const Array::Ptr& resources, std::size_t total,
                                  std::size_t startIndex) {
    Object::Ptr body = new Object;
    Array::Ptr schemas = new Array;
    schemas->add(std::string(scim::kListResponseSchema));
    body->set("schemas", schemas);
    body->set("totalResults", total);
    body->set("itemsPerPage", resources->size());
    body->set("startIndex", startIndex);
    body->set("Resources", resources);
    return body;
  }

  // Reads a JSON body within the configured size and depth limits.
  scim::Result<Object::Ptr> readJsonBody(HTTPServerRequest& request) {
    const std::size_t limit = context_.config.server.maxBodyBytes;
    const auto tooLarge = makeError(ErrorKind::PayloadTooLarge,
                                    "the request body exceeds " + std::to_string(limit) + " bytes");
    std::istream& in = request.stream();
    char buffer[8192];
    // Reads and drops what is left of an oversized body (up to a bound), so the client can read
    // the 413 instead of seeing its upload reset.
    auto drain = [&] {
      std::size_t dropped = 0;
      while (in && dropped < 16 * limit) {
        in.read(buffer, sizeof buffer);
        dropped += static_cast<std::size_t>(in.gcount());
      }
    };
    if (request.hasContentLength() && request.getContentLength64() > static_cast<long long>(limit)) {
      drain();
      return tooLarge;
    }
    std::string body;
    while (in) {
      in.read(buffer, sizeof buffer);
      body.append(buffer, static_cast<std::size_t>(in.gcount()));
      if (body.size() > limit) {
        drain();
        return tooLarge;
      }
    }
    if (body.empty()) return makeError(ErrorKind::InvalidSyntax, "the request body is empty");
    try {
      Poco::JSON::Parser parser;
      parser.setDepth(static_cast<std::size_t>(context_.config.server.maxJsonDepth));
      auto parsed = parser.parse(body);
      if (parsed.type() != typeid(Object::Ptr)) {
        return makeError(ErrorKind::InvalidSyntax, "the request body must be a JSON object");
      }
      return parsed.extract<Object::Ptr>();
    } catch (const Poco::Exception& e) {
      return makeError(ErrorKind::InvalidSyntax, "the request body is not valid JSON: " + e.message());
    }
  }

  // RFC 7644 3.9: `attributes` / `excludedAttributes` apply to every response with a resource.
  scim::Result<scim::Projection> projectionOf(const std::map<std::string, std::string>& params) {
    auto attributes = params.find("attributes");
    auto excluded = params.find("excludedattributes");
    return scim::parseProjection(attributes == params.end() ? "" : attributes->second,
                                 excluded == params.end() ? "" : excluded->second,
                                 scim::userResourceType());
  }

  void sendUser(HTTPServerRequest& request, HTTPServerResponse& response,
                HTTPResponse::HTTPStatus status, const scim::User& user) {
    const std::string location = baseUrl(request) + "/Users/" + user.id;
    auto projection = projectionOf(parseQuery(Poco::URI(request.getURI()).getRawQuery()));
    if (!projection) return sendError(response, projection.error());
    response.set("ETag", user.meta.version);
    if (status == HTTPResponse::HTTP_CREATED) response.set("Location", location);
    sendJson(response, status,
             *scim::project(*scim::userToJson(user, location), *projection, scim::userResourceType()));
  }

  void createUser(HTTPServerRequest& request, HTTPServerResponse& response) {
    auto body = readJsonBody(request);
    if (!body) return sendError(response, body.error());
    auto input = scim::parseUserInput(**body);
    if (!input) return sendError(response, input.error());
    scim::User user;
    user.attributes = input->attributes;
    auto created = context_.directory.createUser(user, input->password);
    if (!created) return sendError(response, created.error());
    sendUser(request, response, HTTPResponse::HTTP_CREATED, *created);
  }

  void getUser(HTTPServerRequest& request, HTTPServerResponse& response, const std::string& id) {
    auto user = context_.directory.findUser(id);
    if (!user) return sendError(response, user.error());
    // RFC 7644 3.14 / RFC 7232 3.2: an unchanged resource is 304 without a body.
    if (etagListMatches(request.get("If-None-Match", ""), user->meta.version)) {
      response.set("ETag", user->meta.version);
      response.setStatus(HTTPResponse::HTTP_NOT_MODIFIED);
      response.setContentLength(0);
      response.send();
      return;
    }
    sendUser(request, response, HTTPResponse::HTTP_OK, *user);
  }

  // Weak comparison (RFC 7232 2.3.2) of each entity tag in a header list against the current one.
  static bool etagListMatches(const std::string& header, const std::string& current) {
    if (header.empty()) return false;
    auto opaque = [](std::string tag) {
      while (!tag.empty() && tag.front() == ' ') tag.erase(tag.begin());
      while (!tag.empty() && tag.back() == ' ') tag.pop_back();
      if (tag.rfind("W/", 0) == 0) tag = tag.substr(2);
      return tag;
    };
    std::stringstream stream(header);
    std::string tag;
    while (std::getline(stream, tag, ',')) {
      if (opaque(tag) == "*" || opaque(tag) == opaque(current)) return true;
    }
    return false;
  }

  void replaceUser(HTTPServerRequest& request, HTTPServerResponse& response, const std::string& id) {
    auto body = readJsonBody(request);
    if (!body) return sendError(response, body.error());
    auto input = scim::parseUserInput(**body);
    if (!input) return sendError(response, input.error());
    auto current = context_.directory.findUser(id);
    if (!current) return sendError(response, current.error());
    if (auto immutable = checkImmutable(*current, *input->attributes); !immutable) {
      return sendError(response, immutable.error());
    }
    scim::User user;
    user.attributes = input->attributes;
    // Without If-Match the write is still conditional on the version just read, so a concurrent
    // change is never silently overwritten.
    const std::string ifMatch = request.get("If-Match", current->meta.version);
    auto replaced = context_.directory.replaceUser(id, user, input->password, ifMatch);
    if (!replaced) return sendError(response, replaced.error());
    sendUser(request, response, HTTPResponse::HTTP_OK, *replaced);
  }

  static void markRemovedMemberships(const Object& before, Object& after) {
    if (!after.has("roles")) after.set("roles", Poco::JSON::Array::Ptr(new Poco::JSON::Array));
    const std::string ext(scim::kScimgateUserSchema);
    auto had = before.getObject(ext);
    if (!had || !had->has("accounts")) return;
    auto now = after.getObject(ext);
    if (!now) {
      now = new Object;
      after.set(ext, now);
    }
    if (!now->has("accounts")) now->set("accounts", Poco::JSON::Array::Ptr(new Poco::JSON::Array));
  }

  // RFC 7644 3.5.2: the operations apply to the current state all or nothing; the write is
  // conditional on the version they were applied to, and is retried from a fresh read when a
  // concurrent writer got there first (unless the client pinned a version with If-Match).
  void patchUser(HTTPServerRequest& request, HTTPServerResponse& response, const std::string& id) {
    auto body = readJsonBody(request);
    if (!body) return sendError(response, body.error());
    auto operations = scim::parsePatchRequest(**body);
    if (!operations) return sendError(response, operations.error());
    const auto& type = scim::userResourceType();
    auto password = scim::takePassword(*operations, type);
    if (!password) return sendError(response, password.error());
    const std::string clientIfMatch = request.get("If-Match", "");
    for (int attempt = 0;; ++attempt) {
      auto current = context_.directory.findUser(id);
      if (!current) return sendError(response, current.error());
      Object::Ptr attributes = current->attributes;
      if (!operations->empty()) {
        auto patched = scim::applyPatch(*current->attributes, *operations, type);
        if (!patched) return sendError(response, patched.error());
        attributes = *patched;
      }
      // Read-only data the directory computes (status) is not the client's to write.
      if (auto ext = attributes->getObject(std::string(scim::kScimgateUserSchema))) {
        ext->remove("status");
        if (ext->size() == 0) attributes->remove(std::string(scim::kScimgateUserSchema));
      }
      // The operations applied to the whole current state: roles or accounts missing now were
      // removed (for the directory, a missing `roles` means "leave them as they are").
      markRemovedMemberships(*current->attributes, *attributes);
      if (auto immutable = checkImmutable(*current, *attributes); !immutable) {
        return sendError(response, immutable.error());
      }
      scim::User user;
      user.attributes = attributes;
      const std::string ifMatch = clientIfMatch.empty() ? current->meta.version : clientIfMatch;
      auto replaced = context_.directory.replaceUser(id, user, *password, ifMatch);
      if (!replaced && replaced.error().kind == ErrorKind::PreconditionFailed &&
          clientIfMatch.empty() && attempt < 3) {
        continue;
      }
      if (!replaced) return sendError(response, replaced.error());
      // Okta needs the resource back (200), which RFC 7644 3.5.2 allows.
      return sendUser(request, response, HTTPResponse::HTTP_OK, *replaced);
    }
  }

  // ---- Groups ----------------------------------------------------------------------------

  // excludedAttributes=members (or attributes without members) means member values are never
  // read from the directory.
  static bool wantsMembers(const std::map<std::string, std::string>& params) {
    auto has = [](const std::string& list, std::string_view name) {
      std::stringstream stream(list);
      std::string item;
      while (std::getline(stream, item, ',')) {
        while (!item.empty() && item.front() == ' ') item.erase(item.begin());
        while (!item.empty() && item.back() == ' ') item.pop_back();
        if (scim::equalsIgnoreCase(item, name) || item.rfind("members.", 0) == 0 ||
            scim::equalsIgnoreCase(item, std::string(scim::kGroupSchema) + ":members")) {
          return true;
        }
      }
      return false;
    };
    if (auto it = params.find("attributes"); it != params.end() && !it->second.empty()) {
      return has(it->second, "members");
    }
    if (auto it = params.find("excludedattributes"); it != params.end()) {
      return !has(it->second, "members");
    }
    return true;
  }

  scim::Result<Object::Ptr> groupJson(const HTTPServerRequest& request, const scim::GroupView& group,
                                      const std::map<std::string, std::string>& params) {
    auto attributes = params.find("attributes");
    auto excluded = params.find("excludedattributes");
    auto projection = scim::parseProjection(attributes == params.end() ? "" : attributes->second,
                                            excluded == params.end() ? "" : excluded->second,
                                            scim::groupResourceType());
    if (!projection) return projection.error();
    return scim::project(*scim::groupToJson(group, baseUrl(request)), *projection,
                         scim::groupResourceType());
  }

  void sendGroup(HTTPServerRequest& request, HTTPServerResponse& response,
                 HTTPResponse::HTTPStatus status, const scim::GroupView& group) {
    const auto params = parseQuery(Poco::URI(request.getURI()).getRawQuery());
    auto json = groupJson(request, group, params);
    if (!json) return sendError(response, json.error());
    response.set("ETag", group.meta.version);
    if (status == HTTPResponse::HTTP_CREATED) {
      response.set("Location", baseUrl(request) + "/Groups/" + group.id);
    }
    sendJson(response, status, **json);
  }

  void createGroup(HTTPServerRequest& request, HTTPServerResponse& response) {
    auto body = readJsonBody(request);
    if (!body) return sendError(response, body.error());
    auto input = scim::parseGroupInput(**body);
    if (!input) return sendError(response, input.error());
    auto created = context_.groups.createGroup(*input);
    if (!created) return sendError(response, created.error());
    sendGroup(request, response, HTTPResponse::HTTP_CREATED, *created);
  }

  void getGroup(HTTPServerRequest& request, HTTPServerResponse& response, const std::string& id,
                const std::map<std::string, std::string>& params) {
    auto group = context_.groups.findGroup(id, wantsMembers(params));
    if (!group) return sendError(response, group.error());
    if (etagListMatches(request.get("If-None-Match", ""), group->meta.version)) {
      response.set("ETag", group->meta.version);
      response.setStatus(HTTPResponse::HTTP_NOT_MODIFIED);
      response.setContentLength(0);
      response.send();
      return;
    }
    sendGroup(request, response, HTTPResponse::HTTP_OK, *group);
  }

  void replaceGroup(HTTPServerRequest& request, HTTPServerResponse& response, const std::string& id) {
    auto body = readJsonBody(request);
    if (!body) return sendError(response, body.error());
    auto input = scim::parseGroupInput(**body);
    if (!input) return sendError(response, input.error());
    auto current = context_.groups.findGroup(id, false);
    if (!current) return sendError(response, current.error());
    if (input->kindGiven && input->kind != current->kind) {
      return sendError(response, {ErrorKind::Mutability, "a group's kind is set on create"});
    }
    input->kind = current->kind;
    auto replaced = context_.groups.replaceGroup(id, *input, request.get("If-Match", ""));
    if (!replaced) return sendError(response, replaced.error());
    sendGroup(request, response, HTTPResponse::HTTP_OK, *replaced);
  }

  // Member values of a PATCH value: [{"value": id}, ...], a single object, or bare ids.
  static scim::Result<std::vector<std::string>> memberIds(const Poco::Dynamic::Var& value) {
    std::vector<std::string> ids;
    auto one = [&](const Poco::Dynamic::Var& item) -> scim::Result<void> {
      if (item.isString()) {
        ids.push_back(item.extract<std::string>());
        return {};
      }
      if (item.type() == typeid(Object::Ptr)) {
        auto object = item.extract<Object::Ptr>();
        for (const auto& [key, v] : *object) {
          if (scim::equalsIgnoreCase(key, "value") && v.isString()) {
            ids.push_back(v.extract<std::string>());
            return {};
          }
        }
      }
      return makeError(ErrorKind::InvalidValue, "each member needs a string 'value' (a user or group id)");
    };
    if (value.type() == typeid(Array::Ptr)) {
      auto array = value.extract<Array::Ptr>();
      for (unsigned int i = 0; i < array->size(); ++i) {
        if (auto r = one(array->get(i)); !r) return r.error();
      }
    } else if (!value.isEmpty()) {
      if (auto r = one(value); !r) return r.error();
    }
    return ids;
  }

  // RFC 7644 3.5.2 on a Group: member changes become single-value LDAP modifies; displayName and
  // externalId changes a replace of those attributes. Operations apply in order; each member
  // change is one modify.
  void patchGroup(HTTPServerRequest& request, HTTPServerResponse& response, const std::string& id) {
    auto body = readJsonBody(request);
    if (!body) return sendError(response, body.error());
    auto operations = scim::parsePatchRequest(**body);
    if (!operations) return sendError(response, operations.error());
    auto current = context_.groups.findGroup(id, false);
    if (!current) return sendError(response, current.error());
    const std::string ifMatch = request.get("If-Match", "");
    std::vector<std::string> add;
    std::vector<std::string> remove;
    std::optional<std::vector<scim::GroupMember>> replaceMembers;
    std::optional<std::string> displayName;
    std::optional<std::string> externalId;

    auto attribute = [&](const std::string& name, const Poco::Dynamic::Var& value,
                         scim::PatchOpKind op) -> scim::Result<void> {
      if (scim::equalsIgnoreCase(name, "members")) {
        auto ids = memberIds(value);
        if (!ids) return ids.error();
        if (op == scim::PatchOpKind::Add) {
          add.insert(add.end(), ids->begin(), ids->end());
        } else if (op == scim::PatchOpKind::Remove) {
          if (value.isEmpty()) {
            replaceMembers = std::vector<scim::GroupMember>{};
          } else {
            remove.insert(remove.end(), ids->begin(), ids->end());
          }
        } else {
          std::vector<scim::GroupMember> members;
          for (const auto& m : *ids) members.push_back({m, "", ""});
          replaceMembers = members;
          add.clear();
          remove.clear();
        }
        return {};
      }
      if (scim::equalsIgnoreCase(name, "displayName") || scim::equalsIgnoreCase(name, "externalId")) {
        if (op == scim::PatchOpKind::Remove) {
          if (scim::equalsIgnoreCase(name, "displayName")) {
            return makeError(ErrorKind::Mutability, "displayName is required");
          }
          externalId = "";
          return {};
        }
        if (!value.isString() || (scim::equalsIgnoreCase(name, "displayName") &&
                                  value.extract<std::string>().empty())) {
          return makeError(ErrorKind::InvalidValue, "'" + name + "' must be a non-empty string");
        }
        (scim::equalsIgnoreCase(name, "displayName") ? displayName : externalId) =
            value.extract<std::string>();
        return {};
      }
      if (scim::equalsIgnoreCase(name, "id") || scim::equalsIgnoreCase(name, "meta") ||
          scim::equalsIgnoreCase(name, "schemas")) {
        return {};  // sent back by clients; ignored
      }
      return makeError(ErrorKind::InvalidPath, "groups have no writable attribute '" + name + "'");
    };

    for (const auto& operation : *operations) {
      if (!operation.path) {
        if (operation.value.type() != typeid(Object::Ptr)) {
          return sendError(response, {ErrorKind::InvalidSyntax, "an operation without path needs an object value"});
        }
        for (const auto& [key, value] : *operation.value.extract<Object::Ptr>()) {
          if (auto r = attribute(key, value, operation.op); !r) return sendError(response, r.error());
        }
        continue;
      }
      const scim::PatchPath& path = *operation.path;
      if (path.valueFilter) {
        // members[value eq "id"]: the one member the filter names.
        const scim::Filter& f = *path.valueFilter;
        if (!scim::equalsIgnoreCase(path.attr.attribute, "members") ||
            operation.op != scim::PatchOpKind::Remove || f.kind != scim::Filter::Kind::Compare ||
            f.op != scim::CompareOp::Eq || !scim::equalsIgnoreCase(f.path.attribute, "value")) {
          return sendError(response, {ErrorKind::InvalidPath,
                                      "on groups, value filters are supported as remove "
                                      "members[value eq \"id\"]"});
        }
        remove.push_back(f.value.text);
        continue;
      }
      if (!path.attr.subAttribute.empty()) {
        return sendError(response, {ErrorKind::InvalidPath, "groups have no sub-attribute paths"});
      }
      if (auto r = attribute(path.attr.attribute, operation.value, operation.op); !r) {
        return sendError(response, r.error());
      }
    }

    std::string version = ifMatch;
    if (displayName || externalId || replaceMembers) {
      scim::GroupInput input;
      input.kind = current->kind;
      input.displayName = displayName.value_or(current->displayName);
      input.externalId = externalId ? externalId : current->externalId;
      input.members = replaceMembers;
      auto replaced = context_.groups.replaceGroup(id, input, version);
      if (!replaced) return sendError(response, replaced.error());
      version.clear();
    }
    if (!add.empty() || !remove.empty()) {
      auto changed = context_.groups.changeMembers(id, add, remove, version);
      if (!changed) return sendError(response, changed.error());
    }
    // RFC 7644 3.5.2: 204 without a body unless the client asked for attributes back.
    const auto params = parseQuery(Poco::URI(request.getURI()).getRawQuery());
    if (params.count("attributes") || params.count("excludedattributes")) {
      auto group = context_.groups.findGroup(id, wantsMembers(params));
      if (!group) return sendError(response, group.error());
      return sendGroup(request, response, HTTPResponse::HTTP_OK, *group);
    }
    response.setStatus(HTTPResponse::HTTP_NO_CONTENT);
    response.setContentLength(0);
    response.send();
  }

  void listGroups(HTTPServerRequest& request, HTTPServerResponse& response,
                  const std::map<std::string, std::string>& params) {
    auto startIndex = parseCount(params, "startindex", 1, 1);
    if (!startIndex) return sendError(response, startIndex.error());
    auto count = parseCount(params, "count", context_.config.scim.defaultPageSize, 0);
    if (!count) return sendError(response, count.error());
    scim::FilterPtr filter;
    if (auto it = params.find("filter"); it != params.end() && !it->second.empty()) {
      auto parsed = scim::parseFilter(it->second);
      if (!parsed) return sendError(response, parsed.error());
      filter = std::move(*parsed);
    }
    ldap::GroupQuery query;
    query.filter = filter.get();
    query.startIndex = *startIndex;
    query.count = std::min<std::size_t>(*count, static_cast<std::size_t>(context_.config.scim.maxPageSize));
    query.withMembers = wantsMembers(params);
    auto page = context_.groups.searchGroups(query);
    if (!page) return sendError(response, page.error());
    Array::Ptr resources = new Array;
    for (const auto& group : page->groups) {
      auto json = groupJson(request, group, params);
      if (!json) return sendError(response, json.error());
      resources->add(*json);
    }
    sendJson(response, HTTPResponse::HTTP_OK, *listResponse(resources, page->totalResults, *startIndex));
  }

  static std::string primaryEmail(const Object& attributes) {
    if (!attributes.has("emails") || attributes.get("emails").type() != typeid(Array::Ptr)) return {};
    auto emails = attributes.getArray("emails");
    std::string first;
    for (unsigned int i = 0; i < emails->size(); ++i) {
      if (emails->get(i).type() != typeid(Object::Ptr)) continue;
      auto email = emails->getObject(i);
      const std::string value = email->optValue<std::string>("value", "");
      if (email->optValue<bool>("primary", false)) return value;
      if (first.empty()) first = value;
    }
    return first;
  }

  // DESIGN 2: userName and email are immutable after creation unless the deployment allows renames.
  scim::Result<void> checkImmutable(const scim::User& current, const Object& wanted) const {
    const auto& settings = context_.config.scim;
    if (settings.userNameImmutable &&
        wanted.optValue<std::string>("userName", "") !=
            current.attributes->optValue<std::string>("userName", "")) {
      return makeError(ErrorKind::Mutability,
                       "userName cannot be changed after creation (scim.userNameImmutable)");
    }
    if (settings.emailImmutable) {
      const std::string before = primaryEmail(*current.attributes);
      const std::string after = primaryEmail(wanted);
      if (!before.empty() && !scim::equalsIgnoreCase(before, after)) {
        return makeError(ErrorKind::Mutability,
                         "the email cannot be changed after creation (scim.emailImmutable); a new "
                         "email means a new account");
      }
    }
    return {};
  }

  void deleteUser(HTTPServerRequest& request, HTTPServerResponse& response, const std::string& id) {
    auto deleted = context_.directory.deleteUser(id, request.get("If-Match", ""));
    if (!deleted) return sendError(response, deleted.error());
    response.setStatus(HTTPResponse::HTTP_NO_CONTENT);
    response.setContentLength(0);
    response.send();
  }

  // RFC 7644 3.4.3: POST .search carries the query parameters as a SearchRequest body.
  void searchUsers(HTTPServerRequest& request, HTTPServerResponse& response) {
    auto body = readJsonBody(request);
    if (!body) return sendError(response, body.error());
    std::map<std::string, std::string> params;
    for (const auto& [key, value] : **body) {
      std::string name = key;
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (name == "schemas" || value.isEmpty()) continue;
      if (value.type() == typeid(Array::Ptr)) {
        // "attributes": ["userName", "emails"] is a list; the query form is comma-separated.
        auto list = value.extract<Array::Ptr>();
        std::string joined;
        for (unsigned int i = 0; i < list->size(); ++i) {
          joined += (i > 0 ? "," : "") + list->get(i).convert<std::string>();
        }
        params[name] = joined;
      } else {
        params[name] = value.convert<std::string>();
      }
    }
    listUsers(request, response, params);
  }

  // RFC 9865 cursors, kept stateless so any gateway instance can serve the next page: the cursor
  // holds the next 1-based position in the directory's sorted view (VLV) and a fingerprint of
  // the query it belongs to. (Simple Paged Results cookies live on one LDAP connection, which a
  // pooled, load-balanced gateway cannot promise to reuse.)
  static std::string queryFingerprint(const std::map<std::string, std::string>& params) {
    std::uint64_t hash = 1469598103934665603ULL;  // FNV-1a
    for (const char* name : {"filter", "sortby", "sortorder"}) {
      auto it = params.find(name);
      const std::string part = std::string(name) + "=" + (it == params.end() ? "" : it->second) + "&";
      for (unsigned char c : part) {
        hash ^= c;
        hash *= 1099511628211ULL;
      }
    }
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
    return text;
  }

  static std::string makeCursor(std::size_t position, const std::string& fingerprint) {
    return std::to_string(position) + "." + fingerprint;
  }

  static scim::Result<std::size_t> readCursor(const std::string& cursor,
                                              const std::string& fingerprint) {
    const auto dot = cursor.find('.');
    const auto invalid = makeError(ErrorKind::InvalidCursor,
                                   "the cursor is not one this server issued for this query; start "
                                   "again without a cursor value");
    if (dot == std::string::npos || dot == 0 || dot > 9 || cursor.substr(dot + 1) != fingerprint) {
      return invalid;
    }
    std::size_t position = 0;
    for (std::size_t i = 0; i < dot; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(cursor[i]))) return invalid;
      position = position * 10 + static_cast<std::size_t>(cursor[i] - '0');
    }
    if (position < 1) return invalid;
    return position;
  }

  void listUsers(HTTPServerRequest& request, HTTPServerResponse& response,
                 const std::map<std::string, std::string>& params) {
    const auto cursorParam = params.find("cursor");
    const bool cursorMode = cursorParam != params.end();
    if (cursorMode && params.count("startindex")) {
      return sendError(response, {ErrorKind::InvalidValue,
                                  "use either cursor or startIndex pagination, not both"});
    }
    const std::string fingerprint = queryFingerprint(params);
    auto startIndex = parseCount(params, "startindex", 1, 1);
    if (!startIndex) return sendError(response, startIndex.error());
    if (cursorMode && !cursorParam->second.empty()) {
      auto position = readCursor(cursorParam->second, fingerprint);
      if (!position) return sendError(response, position.error());
      startIndex = *position;
    }
    auto count = parseCount(params, "count", context_.config.scim.defaultPageSize, 0);
    if (!count) return sendError(response, count.error());
    auto projection = projectionOf(params);
    if (!projection) return sendError(response, projection.error());
    const auto pageSize =
        std::min<std::size_t>(*count, static_cast<std::size_t>(context_.config.scim.maxPageSize));

    scim::FilterPtr filter;
    if (auto it = params.find("filter"); it != params.end() && !it->second.empty()) {
      auto parsed = scim::parseFilter(it->second);
      if (!parsed) return sendError(response, parsed.error());
      filter = std::move(*parsed);
    }
    ldap::UserQuery query;
    if (auto it = params.find("sortby"); it != params.end() && !it->second.empty()) {
      auto path = scim::parsePatchPath(it->second);
      if (!path || path->valueFilter) {
        return sendError(response, {ErrorKind::InvalidValue,
                                    "sortBy must name an attribute, e.g. sortBy=userName"});
      }
      query.sortBy = path->attr;
    }
    if (auto it = params.find("sortorder"); it != params.end() && !it->second.empty()) {
      if (scim::equalsIgnoreCase(it->second, "descending")) {
        query.descending = true;
      } else if (!scim::equalsIgnoreCase(it->second, "ascending")) {
        return sendError(response, {ErrorKind::InvalidValue,
                                    "sortOrder must be 'ascending' or 'descending'"});
      }
    }
    query.filter = filter.get();
    if (!projection->empty()) {
      query.attributes = scim::neededAttributes(*projection, scim::userResourceType());
    }
    query.startIndex = *startIndex;
    query.count = pageSize;
    auto page = context_.directory.searchUsers(query);
    if (!page) return sendError(response, page.error());
    Array::Ptr resources = new Array;
    const std::string base = baseUrl(request) + "/Users/";
    for (const auto& user : page->users) {
      resources->add(scim::project(*scim::userToJson(user, base + user.id), *projection,
                                   scim::userResourceType()));
    }
    auto body = listResponse(resources, page->totalResults, *startIndex);
    if (cursorMode) {
      // RFC 9865 2.2: cursor lists carry nextCursor (absent on the last page), not startIndex.
      body->remove("startIndex");
      const std::size_t next = *startIndex + page->users.size();
      if (!page->users.empty() && next <= page->totalResults) {
        body->set("nextCursor", makeCursor(next, fingerprint));
      }
      if (*startIndex > 1 && pageSize > 0) {
        body->set("previousCursor",
                  makeCursor(*startIndex > pageSize ? *startIndex - pageSize : 1, fingerprint));
      }
    }
    sendJson(response, HTTPResponse::HTTP_OK, *body);
  }

  Context& context_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(Context& context) : context_(context) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override {
    return new ScimRequest(context_);
  }

 private:
  Context& context_;
};

}  // namespace

struct Server::Impl {
  Impl(const config::Config& config, ldap::Directory& directory, ldap::GroupDirectory& groups)
      : context{config, directory, groups, TokenAuthenticator(config.tokens)} {}
  Context context;
  std::unique_ptr<Poco::Net::HTTPServer> http;
  Poco::ThreadPool threads{2, 8};
};

Server::Server(const config::Config& config, ldap::Directory& directory,
               ldap::GroupDirectory& groups)
    : impl_(std::make_unique<Impl>(config, directory, groups)) {}

Server::~Server() { stop(); }

void Server::start() {
  const auto& settings = impl_->context.config.server;
  Poco::Net::SocketAddress address(settings.listen, static_cast<Poco::UInt16>(settings.port));
  Poco::Net::ServerSocket socket(address, 64);
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(settings.threads);
  params->setMaxQueued(settings.maxQueued);
  params->setTimeout(Poco::Timespan(static_cast<long>(settings.requestTimeoutMs) * 1000));
  params->setKeepAlive(true);
  params->setServerName("scimgate");
  impl_->threads.addCapacity(std::max(0, settings.threads + 1 - impl_->threads.capacity()));
  impl_->http = std::make_unique<Poco::Net::HTTPServer>(new Factory(impl_->context), impl_->threads,
                                                        socket, params);
  impl_->http->start();
}

void Server::stop() {
  if (!impl_ || !impl_->http) return;
  // Graceful drain: stop accepting, give running requests time to finish.
  impl_->http->stopAll(false);
  for (int i = 0; i < 100 && impl_->http->currentConnections() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  impl_->http->stopAll(true);
  impl_->http.reset();
}

int Server::port() const {
  return impl_->http ? static_cast<int>(impl_->http->port()) : 0;
}

}  // namespace scimgate::gateway
