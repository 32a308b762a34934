#include "gateway/server.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
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
#include <set>
#include <mutex>
#include <sstream>
#include <thread>

#include "gateway/access.h"
#include "gateway/audit.h"
#include "gateway/auth.h"
#include "gateway/error_response.h"
#include "ldap/group_directory.h"
#include "policy/mfa/mfa.h"
#include "policy/password_policy.h"
#include "policy/permissions.h"
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
  Context(const config::Config& cfg, ldap::Directory& dir, ldap::GroupDirectory& grp)
      : config(cfg),
        directory(dir),
        groups(grp),
        access(cfg, dir),
        matrix(policy::parsePermissionMatrix(cfg.auth.permissions).matrix),
        audit(cfg.auth.auditPath),
        passwords(cfg.passwords) {}

  config::Config config;
  ldap::Directory& directory;
  ldap::GroupDirectory& groups;
  Access access;
  policy::PermissionMatrix matrix;
  AuditLog audit;
  policy::PasswordRules passwords;
  std::unique_ptr<policy::mfa::MfaService> mfa = makeMfa(config);

  // MFA is on when the config has an mfa section (its key is then set); throws when the state
  // store cannot be opened, a start-up error.
  static std::unique_ptr<policy::mfa::MfaService> makeMfa(const config::Config& cfg) {
    if (cfg.mfa.settings.encryptionKey.empty()) return nullptr;
    auto store = policy::mfa::openStateStore(cfg.mfa.store);
    if (!store) throw std::runtime_error("the MFA state store cannot be opened: " + store.error().detail);
    return std::make_unique<policy::mfa::MfaService>(
        std::shared_ptr<policy::mfa::StateStore>(std::move(*store)), cfg.mfa.settings);
  }
};

// A deep copy of a JSON object.
Object::Ptr copyOf(const Object& object) {
  Poco::JSON::Parser parser;
  return parser.parse(toJson(object)).extract<Object::Ptr>();
}

std::string jsonText(const Poco::Dynamic::Var& value) {
  if (value.isEmpty()) return "null";
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(value, out);
  return out.str();
}

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
      recordAudit(request.getMethod(), path, 500);
      return;
    }
    const int status = static_cast<int>(response.getStatus());
    logLine("info", request.getMethod(), path, status, started, "");
    recordAudit(request.getMethod(), path, status);
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

  // DESIGN 6 / issue #5: one audit record per write and per denied request. Attribute names
  // only, never values.
  void recordAudit(const std::string& method, const std::string& path, int status) {
    const bool denied = status == 401 || status == 403 || audit_.outcome == "denied";
    const bool write = method != "GET" && method != "HEAD" && method != "OPTIONS";
    if (!denied && !write) return;
    if (path == "/healthz" || path == "/readyz") return;
    if (audit_.operation.empty()) audit_.operation = method + " " + path;
    if (audit_.outcome.empty() || (audit_.outcome != "denied" && denied)) {
      audit_.outcome = denied ? "denied" : status < 400 ? "success" : "failed";
    }
    audit_.status = status;
    context_.audit.record(audit_);
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
    if (path == "/auth/login") {
      if (method != "POST") return methodNotAllowed(response, "POST");
      return login(request, response);
    }
    const bool people = path.rfind("/auth/", 0) == 0 || path.rfind("/mfa/", 0) == 0;
    if (!people && (path.rfind(kBasePath, 0) != 0 ||
                    (path.size() > kBasePath.size() && path[kBasePath.size()] != '/'))) {
      return sendError(response, {ErrorKind::NotFound, "no such endpoint: " + path});
    }
    auto caller = context_.access.identify(request.get("Authorization", ""));
    if (!caller) return sendError(response, caller.error());
    caller_ = *caller;
    audit_.principal = caller_.name;
    audit_.principalId = caller_.principal.userId;
    if (caller_.enrolmentOnly && path != "/mfa/totp" && path != "/mfa/totp/confirm") {
      return deny(response, policy::Decision::forbidden(
                                "enrol a second factor first (POST /mfa/totp, then POST "
                                "/mfa/totp/confirm), then log in again"));
    }
    if (people) return peopleRoute(request, response, path);
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
    if (is("Me") && segments.size() == 1) {
      if (method == "GET") return getMe(request, response);
      if (method == "PUT" || method == "PATCH") return changeMe(request, response, method == "PATCH");
      return methodNotAllowed(response, "GET, PUT, PATCH");
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
        if (segments[1] == ".search") {
          if (method != "POST") return methodNotAllowed(response, "POST");
          return searchGroups(request, response);
        }
        if (method == "GET") return getGroup(request, response, segments[1], params);
        if (method == "PUT") return replaceGroup(request, response, segments[1]);
        if (method == "PATCH") return patchGroup(request, response, segments[1]);
        if (method == "DELETE") return deleteGroup(request, response, segments[1]);
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
    auto json = scim::userToJson(user, location);
    hideOtherAccounts(*json);
    addMfaSummary(*json, user.id);
    sendJson(response, status, *scim::project(*json, *projection, scim::userResourceType()));
  }

  void createUser(HTTPServerRequest& request, HTTPServerResponse& response) {
    audit_.operation = "users.create";
    if (!allowed(response, policy::Operation::WriteUsers)) return;
    auto body = readJsonBody(request);
    if (!body) return sendError(response, body.error());
    audit_.attributes = keysOf(**body);
    auto input = scim::parseUserInput(**body);
    if (!input) return sendError(response, input.error());
    const policy::Target newUser;  // no role, no accounts yet
    if (auto decision = checkUserChange(nullptr, *input->attributes, newUser, false);
        !decision.isAllowed()) {
      return deny(response, decision);
    }
    if (!caller_.principal.allAccounts) {
      const auto accounts = accountIdsOf(*input->attributes);
      if (!accounts || accounts->empty()) {
        return deny(response, policy::Decision::forbidden(
                                  "you manage users only within your accounts: name one of them in "
                                  "the new user's accounts (" +
                                  std::string(scim::kScimgateUserSchema) + ":accounts)"));
      }
    }
    if (input->password) {
      if (auto problem = passwordProblems(*input->password, *input->attributes)) {
        return sendError(response, *problem);
      }
    }
    scim::User user;
    user.attributes = input->attributes;
    auto created = context_.directory.createUser(user, input->password);
    if (!created) return sendError(response, created.error());
    audit_.target = created->id;
    sendUser(request, response, HTTPResponse::HTTP_CREATED, *created);
  }

  void getUser(HTTPServerRequest& request, HTTPServerResponse& response, const std::string& id) {
    auto loaded = loadTarget(response, id, policy::Operation::ReadUsers);
    if (!loaded) return;
    auto user = std::optional<scim::User>(std::move(loaded->first));
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
    audit_.operation = "users.replace";
    auto body = readJsonBody(request);
    if (!body) return sendError(response, body.error());
    audit_.attributes = keysOf(**body);
    auto input = scim::parseUserInput(**body);
    if (!input) return sendError(response, input.error());
    auto loaded = loadTarget(response, id, policy::Operation::WriteUsers);
    if (!loaded) return;
    auto current = std::optional<scim::User>(std::move(loaded->first));
    if (ownProfileOnly(loaded->second)) {
      if (input->password) return sendError(response, passwordHere());
      return writeOwnProfile(request, response, *current, *input->attributes);
    }
    if (auto immutable = checkImmutable(*current, *input->attributes); !immutable) {
      return sendError(response, immutable.error());
    }
    keepOtherAccounts(*current->attributes, *input->attributes);
    if (auto decision = checkUserChange(current->attributes.get(), *input->attributes,
                                        loaded->second, input->password.has_value());
        !decision.isAllowed()) {
      return deny(response, decision, id);
    }
    if (input->password) {
      if (auto problem = passwordProblems(*input->password, *input->attributes)) {
        return sendError(response, *problem);
      }
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

  // A caller scoped to accounts sees, of a user's accounts, only its own: the others are
  // other tenants' business (DESIGN 6).
  void hideOtherAccounts(Object& user) const {
    if (caller_.principal.allAccounts) return;
    auto ext = user.getObject(std::string(scim::kScimgateUserSchema));
    if (!ext || !ext->has("accounts") || ext->get("accounts").type() != typeid(Array::Ptr)) return;
    auto all = ext->getArray("accounts");
    Array::Ptr shown = new Array;
    for (unsigned i = 0; i < all->size(); ++i) {
      auto account = all->getObject(i);
      if (account && inCallerAccounts(account->optValue<std::string>("value", ""))) shown->add(account);
    }
    ext->set("accounts", shown);
  }

  // ...and what it writes as a user's accounts replaces only those: the user's other accounts,
  // which it was not shown, stay (a read-modify-PUT must not try to remove them).
  void keepOtherAccounts(const Object& before, Object& after) const {
    if (caller_.principal.allAccounts) return;
    const std::string ext(scim::kScimgateUserSchema);
    auto wanted = after.getObject(ext);
    if (!wanted || !wanted->has("accounts") || wanted->get("accounts").type() != typeid(Array::Ptr)) {
      return;
    }
    auto had = before.getObject(ext);
    if (!had || !had->has("accounts") || had->get("accounts").type() != typeid(Array::Ptr)) return;
    auto list = wanted->getArray("accounts");
    const auto listed = accountIdsOf(after).value_or(std::set<std::string>{});
    auto old = had->getArray("accounts");
    for (unsigned i = 0; i < old->size(); ++i) {
      auto account = old->getObject(i);
      if (!account) continue;
      std::string id = account->optValue<std::string>("value", "");
      for (auto& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (!inCallerAccounts(id) && !listed.count(id)) list->add(account);
    }
  }

  bool inCallerAccounts(const std::string& id) const {
    for (const auto& mine : caller_.principal.accounts) {
      if (scim::equalsIgnoreCase(mine, id)) return true;
    }
    return false;
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
    audit_.operation = "users.patch";
    auto body = readJsonBody(request);
    if (!body) return sendError(response, body.error());
    auto operations = scim::parsePatchRequest(**body);
    if (!operations) return sendError(response, operations.error());
    audit_.attributes = pathsOf(*operations);
    const auto& type = scim::userResourceType();
    auto password = scim::takePassword(*operations, type);
    if (!password) return sendError(response, password.error());
    auto loaded = loadTarget(response, id, policy::Operation::WriteUsers);
    if (!loaded) return;
    const bool ownOnly = ownProfileOnly(loaded->second);
    if (ownOnly && *password) return sendError(response, passwordHere());
    const std::string clientIfMatch = request.get("If-Match", "");
    for (int attempt = 0;; ++attempt) {
      scim::Result<scim::User> current = attempt == 0 ? scim::Result<scim::User>(loaded->first)
                                                      : context_.directory.findUser(id);
      if (!current) return sendError(response, current.error());
      auto target = attempt == 0 ? scim::Result<policy::Target>(loaded->second) : targetOf(*current);
      if (!target) return sendError(response, target.error());
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
      if (ownOnly) return writeOwnProfile(request, response, *current, *attributes);
      markRemovedMemberships(*current->attributes, *attributes);
      keepOtherAccounts(*current->attributes, *attributes);
      if (auto immutable = checkImmutable(*current, *attributes); !immutable) {
        return sendError(response, immutable.error());
      }
      if (auto decision = checkUserChange(current->attributes.get(), *attributes, *target,
                                          password->has_value());
          !decision.isAllowed()) {
        return deny(response, decision, id);
      }
      if (*password) {
        if (auto problem = passwordProblems(**password, *attributes)) {
          return sendError(response, *problem);
        }
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
    audit_.operation = "groups.create";
    auto body = readJsonBody(request);
    if (!body) return sendError(response, body.error());
    audit_.attributes = keysOf(**body);
    auto input = scim::parseGroupInput(**body);
    if (!input) return sendError(response, input.error());
    if (!allowed(response, groupOperation(input->kind))) return;
    if (input->members && !input->members->empty()) {
      scim::GroupView planned;
      planned.kind = input->kind;
      planned.displayName = input->displayName;
      std::vector<std::string> add;
      for (const auto& member : *input->members) add.push_back(member.value);
      auto decision = checkGroupMembers(planned, add, {});
      if (input->kind == scim::GroupKind::Account &&
          caller_.principal.role != policy::Role::Administrator) {
        decision = policy::Decision::forbidden("only an Administrator puts users in a new account");
      } else if (input->kind == scim::GroupKind::Account) {
        decision = policy::Decision::allow();  // the creator administers the new account
      }
      if (!decision.isAllowed()) return deny(response, decision);
    }
    auto created = context_.groups.createGroup(*input, groupScope());
    if (!created) return sendError(response, created.error());
    sendGroup(request, response, HTTPResponse::HTTP_CREATED, *created);
  }

  void getGroup(HTTPServerRequest& request, HTTPServerResponse& response, const std::string& id,
                const std::map<std::string, std::string>& params) {
    if (!allowed(response, policy::Operation::ReadGroups)) return;
    auto group = context_.groups.findGroup(id, wantsMembers(params), groupScope());
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
    audit_.operation = "groups.replace";
    audit_.target = id;
    audit_.attributes = keysOf(**body);
    auto current = context_.groups.findGroup(id, input->members.has_value(), groupScope());
    if (!current) return sendError(response, current.error());
    if (!allowed(response, groupOperation(current->kind))) return;
    if (input->kindGiven && input->kind != current->kind) {
      return sendError(response, {ErrorKind::Mutability, "a group's kind is set on create"});
    }
    if (input->members && current->members) {
      auto [add, remove] = scim::memberDiff(*current->members, *input->members);
      if (auto decision = checkGroupMembers(*current, add, remove); !decision.isAllowed()) {
        return deny(response, decision);
      }
    }
    input->kind = current->kind;
    auto replaced = context_.groups.replaceGroup(id, *input, request.get("If-Match", ""), groupScope());
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
    audit_.operation = "groups.patch";
    audit_.target = id;
    audit_.attributes = pathsOf(*operations);
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

    if (!displayName && !externalId && !replaceMembers) {
      return changeGroupMembers(request, response, id, add, remove, ifMatch);
    }
    auto current = context_.groups.findGroup(id, false, groupScope());
    if (!current) return sendError(response, current.error());
    if (!allowed(response, groupOperation(current->kind))) return;
    if (current->kind == scim::GroupKind::Role || current->kind == scim::GroupKind::Account) {
      std::vector<std::string> adds = add;
      std::vector<std::string> removes = remove;
      if (replaceMembers) {
        auto withMembers = context_.groups.findGroup(id, true, groupScope());
        if (!withMembers) return sendError(response, withMembers.error());
        auto [plus, minus] = scim::memberDiff(withMembers->members.value_or(std::vector<scim::GroupMember>{}),
                                        *replaceMembers);
        adds.insert(adds.end(), plus.begin(), plus.end());
        removes.insert(removes.end(), minus.begin(), minus.end());
      }
      if (auto decision = checkGroupMembers(*current, adds, removes); !decision.isAllowed()) {
        return deny(response, decision);
      }
    }
    std::string version = ifMatch;
    if (displayName || externalId || replaceMembers) {
      scim::GroupInput input;
      input.kind = current->kind;
      input.displayName = displayName.value_or(current->displayName);
      input.externalId = externalId ? externalId : current->externalId;
      input.members = replaceMembers;
      auto replaced = context_.groups.replaceGroup(id, input, version, groupScope());
      if (!replaced) return sendError(response, replaced.error());
      version.clear();
    }
    if (!add.empty() || !remove.empty()) {
      auto changed = context_.groups.changeMembers(id, add, remove, version, groupScope());
      if (!changed) return sendError(response, changed.error());
    }
    patchGroupAnswer(request, response, id);
  }

  // A PATCH that only adds and removes members (what provisioning clients send most): the
  // caller's permission for the group's kind is checked on the group changeMembers reads, so the
  // group is read once.
  void changeGroupMembers(HTTPServerRequest& request, HTTPServerResponse& response,
                          const std::string& id, const std::vector<std::string>& add,
                          const std::vector<std::string>& remove, const std::string& ifMatch) {
    std::optional<policy::Decision> refused;
    auto check = [&](const scim::GroupView& group) -> scim::Result<void> {
      auto decision = policy::authorize(context_.matrix, caller_.principal, groupOperation(group.kind));
      if (decision.isAllowed() &&
          (group.kind == scim::GroupKind::Role || group.kind == scim::GroupKind::Account)) {
        decision = checkGroupMembers(group, add, remove);
      }
      if (decision.isAllowed()) return {};
      refused = decision;
      return makeError(ErrorKind::Forbidden, decision.reason);
    };
    auto changed = context_.groups.changeMembers(id, add, remove, ifMatch, groupScope(), check);
    if (refused) return deny(response, *refused);
    if (!changed) return sendError(response, changed.error());
    patchGroupAnswer(request, response, id);
  }

  void patchGroupAnswer(HTTPServerRequest& request, HTTPServerResponse& response,
                        const std::string& id) {
    // RFC 7644 3.5.2: 204 without a body unless the client asked for attributes back.
    const auto params = parseQuery(Poco::URI(request.getURI()).getRawQuery());
    if (params.count("attributes") || params.count("excludedattributes")) {
      auto group = context_.groups.findGroup(id, wantsMembers(params), groupScope());
      if (!group) return sendError(response, group.error());
      return sendGroup(request, response, HTTPResponse::HTTP_OK, *group);
    }
    response.setStatus(HTTPResponse::HTTP_NO_CONTENT);
    response.setContentLength(0);
    response.send();
  }

  void deleteGroup(HTTPServerRequest& request, HTTPServerResponse& response, const std::string& id) {
    audit_.operation = "groups.delete";
    audit_.target = id;
    auto current = context_.groups.findGroup(id, false, groupScope());
    if (!current) return sendError(response, current.error());
    if (!allowed(response, groupOperation(current->kind))) return;
    if (current->kind == scim::GroupKind::Role) {
      return deny(response, policy::Decision::forbidden(
                                "role groups come from the configuration (roles.names) and are not "
                                "deleted through the API"));
    }
    auto deleted = context_.groups.deleteGroup(id, request.get("If-Match", ""));
    if (!deleted) return sendError(response, deleted.error());
    response.setStatus(HTTPResponse::HTTP_NO_CONTENT);
    response.setContentLength(0);
    response.send();
  }

  void listGroups(HTTPServerRequest& request, HTTPServerResponse& response,
                  const std::map<std::string, std::string>& params) {
    if (!allowed(response, policy::Operation::ReadGroups)) return;
    auto list = parseListParams(params);
    if (!list) return sendError(response, list.error());
    ldap::GroupQuery query;
    query.filter = list->filter.get();
    query.sortBy = list->sortBy;
    query.descending = list->descending;
    query.startIndex = list->startIndex;
    query.count = list->pageSize;
    query.withMembers = wantsMembers(params);
    query.scope = groupScope();
    auto page = context_.groups.searchGroups(query);
    if (!page) return sendError(response, page.error());
    Array::Ptr resources = new Array;
    for (const auto& group : page->groups) {
      auto json = groupJson(request, group, params);
      if (!json) return sendError(response, json.error());
      resources->add(*json);
    }
    sendJson(response, HTTPResponse::HTTP_OK, *listBody(*list, resources, page->totalResults));
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
    audit_.operation = "users.delete";
    auto loaded = loadTarget(response, id, policy::Operation::DeleteUsers);
    if (!loaded) return;
    if (auto decision = policy::checkDeactivateOrDelete(caller_.principal, loaded->second);
        !decision.isAllowed()) {
      return deny(response, decision, id);
    }
    auto deleted = context_.directory.deleteUser(id, request.get("If-Match", ""));
    if (!deleted) return sendError(response, deleted.error());
    response.setStatus(HTTPResponse::HTTP_NO_CONTENT);
    response.setContentLength(0);
    response.send();
  }

  // RFC 7644 3.4.3: POST .search carries the query parameters as a SearchRequest body; they are
  // read into the same form as a query string.
  scim::Result<std::map<std::string, std::string>> searchParams(HTTPServerRequest& request) {
    auto body = readJsonBody(request);
    if (!body) return body.error();
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
    return params;
  }

  void searchUsers(HTTPServerRequest& request, HTTPServerResponse& response) {
    auto params = searchParams(request);
    if (!params) return sendError(response, params.error());
    listUsers(request, response, *params);
  }

  void searchGroups(HTTPServerRequest& request, HTTPServerResponse& response) {
    auto params = searchParams(request);
    if (!params) return sendError(response, params.error());
    listGroups(request, response, *params);
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

  // The paging, sorting and filter parameters of a list (RFC 7644 3.4.2.2-3.4.2.4, RFC 9865
  // cursors), read the same way for /Users and /Groups.
  struct ListParams {
    bool cursorMode = false;
    std::string fingerprint;
    std::size_t startIndex = 1;
    std::size_t pageSize = 0;
    scim::FilterPtr filter;
    std::optional<scim::AttrPath> sortBy;
    bool descending = false;
  };

  scim::Result<ListParams> parseListParams(const std::map<std::string, std::string>& params) const {
    ListParams list;
    const auto cursorParam = params.find("cursor");
    list.cursorMode = cursorParam != params.end();
    if (list.cursorMode && params.count("startindex")) {
      return makeError(ErrorKind::InvalidValue, "use either cursor or startIndex pagination, not both");
    }
    list.fingerprint = queryFingerprint(params);
    auto startIndex = parseCount(params, "startindex", 1, 1);
    if (!startIndex) return startIndex.error();
    list.startIndex = *startIndex;
    if (list.cursorMode && !cursorParam->second.empty()) {
      auto position = readCursor(cursorParam->second, list.fingerprint);
      if (!position) return position.error();
      list.startIndex = *position;
    }
    auto count = parseCount(params, "count", context_.config.scim.defaultPageSize, 0);
    if (!count) return count.error();
    list.pageSize =
        std::min<std::size_t>(*count, static_cast<std::size_t>(context_.config.scim.maxPageSize));
    if (auto it = params.find("filter"); it != params.end() && !it->second.empty()) {
      auto parsed = scim::parseFilter(it->second);
      if (!parsed) return parsed.error();
      list.filter = std::move(*parsed);
    }
    if (auto it = params.find("sortby"); it != params.end() && !it->second.empty()) {
      auto path = scim::parsePatchPath(it->second);
      if (!path || path->valueFilter) {
        return makeError(ErrorKind::InvalidValue,
                         "sortBy must name an attribute, e.g. sortBy=userName or sortBy=displayName");
      }
      list.sortBy = path->attr;
    }
    if (auto it = params.find("sortorder"); it != params.end() && !it->second.empty()) {
      if (scim::equalsIgnoreCase(it->second, "descending")) {
        list.descending = true;
      } else if (!scim::equalsIgnoreCase(it->second, "ascending")) {
        return makeError(ErrorKind::InvalidValue, "sortOrder must be 'ascending' or 'descending'");
      }
    }
    return list;
  }

  // The ListResponse of one page; in cursor mode with nextCursor (absent on the last page) and
  // previousCursor instead of startIndex (RFC 9865 2.2).
  static Object::Ptr listBody(const ListParams& list, const Array::Ptr& resources,
                              std::size_t totalResults) {
    auto body = listResponse(resources, totalResults, list.startIndex);
    if (list.cursorMode) {
      body->remove("startIndex");
      const std::size_t next = list.startIndex + resources->size();
      if (resources->size() > 0 && next <= totalResults) {
        body->set("nextCursor", makeCursor(next, list.fingerprint));
      }
      if (list.startIndex > 1 && list.pageSize > 0) {
        body->set("previousCursor",
                  makeCursor(list.startIndex > list.pageSize ? list.startIndex - list.pageSize : 1,
                             list.fingerprint));
      }
    }
    return body;
  }

  void listUsers(HTTPServerRequest& request, HTTPServerResponse& response,
                 const std::map<std::string, std::string>& params) {
    if (!allowed(response, policy::Operation::ReadUsers)) return;
    auto list = parseListParams(params);
    if (!list) return sendError(response, list.error());
    auto projection = projectionOf(params);
    if (!projection) return sendError(response, projection.error());
    ldap::UserQuery query;
    query.filter = list->filter.get();
    query.sortBy = list->sortBy;
    query.descending = list->descending;
    if (!projection->empty()) {
      query.attributes = scim::neededAttributes(*projection, scim::userResourceType());
    }
    query.startIndex = list->startIndex;
    query.count = list->pageSize;
    if (!caller_.principal.allAccounts) {
      query.inAccounts = caller_.principal.accounts;
      query.alsoUserId = caller_.principal.userId;
    }
    auto page = context_.directory.searchUsers(query);
    if (!page) return sendError(response, page.error());
    Array::Ptr resources = new Array;
    const std::string base = baseUrl(request) + "/Users/";
    for (const auto& user : page->users) {
      auto json = scim::userToJson(user, base + user.id);
      hideOtherAccounts(*json);
      resources->add(scim::project(*json, *projection,
                                   scim::userResourceType()));
    }
    sendJson(response, HTTPResponse::HTTP_OK, *listBody(*list, resources, page->totalResults));
  }

  // ---- Self-service: /Me and the person's own profile (issue #5) ----------------------------

  // The profile fields a person may change about themselves; everything else (userName, emails,
  // roles, accounts, status) belongs to administrators and the identity provider.
  static bool selfWritable(const std::string& attribute) {
    for (const char* name : {"name", "displayName", "nickName", "phoneNumbers", "timezone",
                             "preferredLanguage", "locale", "profileUrl", "photos"}) {
      if (scim::equalsIgnoreCase(attribute, name)) return true;
    }
    return false;
  }

  // A person acting on their own user whose role may not write users: only the profile fields.
  bool ownProfileOnly(const policy::Target& target) const {
    return target.isCaller &&
           !context_.matrix.allows(caller_.principal.role, policy::Operation::WriteUsers);
  }

  static scim::Error passwordHere() {
    return {ErrorKind::Mutability,
            "your own password is changed with POST /auth/password/change {\"currentPassword\", "
            "\"newPassword\", \"confirmPassword\"}"};
  }

  // Writes the profile fields of `wanted` over the current user. A read-only field that differs
  // is 400 mutability naming it; fields sent back unchanged are fine (clients echo resources).
  void writeOwnProfile(HTTPServerRequest& request, HTTPServerResponse& response,
                       const scim::User& current, const Object& wanted) {
    if (!context_.matrix.allows(caller_.principal.role, policy::Operation::WriteOwnProfile)) {
      return deny(response, policy::Decision::forbidden("your role may not change your profile"));
    }
    for (const auto& [key, value] : wanted) {
      if (selfWritable(key) || scim::equalsIgnoreCase(key, "schemas") ||
          scim::equalsIgnoreCase(key, "id") || scim::equalsIgnoreCase(key, "meta") ||
          scim::equalsIgnoreCase(key, "groups")) {
        continue;
      }
      Poco::Dynamic::Var before;
      for (const auto& [name, had] : *current.attributes) {
        if (scim::equalsIgnoreCase(name, key)) before = had;
      }
      if (key == scim::kScimgateUserSchema && value.type() == typeid(Object::Ptr)) {
        // status is computed; only the rest of the extension must match.
        auto sent = copyOf(*value.extract<Object::Ptr>());
        sent->remove("status");
        sent->remove("mfa");
        Object::Ptr had = before.type() == typeid(Object::Ptr) ? copyOf(*before.extract<Object::Ptr>())
                                                               : Object::Ptr(new Object);
        had->remove("status");
        had->remove("mfa");
        if (toJson(*sent) == toJson(*had)) continue;
      } else if (jsonText(value) == jsonText(before)) {
        continue;
      }
      return sendError(response, {ErrorKind::Mutability,
                                  "'" + key + "' cannot be changed here; you may change name, "
                                  "displayName, nickName, phoneNumbers, timezone, "
                                  "preferredLanguage, locale, profileUrl and photos"});
    }
    Object::Ptr next = copyOf(*current.attributes);
    std::vector<std::string> drop;
    for (const auto& [key, value] : *next) {
      if (selfWritable(key)) drop.push_back(key);
    }
    for (const auto& key : drop) next->remove(key);
    for (const auto& [key, value] : wanted) {
      if (selfWritable(key)) next->set(key, value);
    }
    if (auto ext = next->getObject(std::string(scim::kScimgateUserSchema))) {
      ext->remove("status");
      ext->remove("mfa");
    }
    scim::User user;
    user.attributes = next;
    auto replaced = context_.directory.replaceUser(current.id, user, std::nullopt,
                                                   request.get("If-Match", current.meta.version));
    if (!replaced) return sendError(response, replaced.error());
    sendUser(request, response, HTTPResponse::HTTP_OK, *replaced);
  }

  void getMe(HTTPServerRequest& request, HTTPServerResponse& response) {
    if (!allowed(response, policy::Operation::ReadOwnProfile)) return;
    auto user = context_.directory.findUser(caller_.principal.userId);
    if (!user) return sendError(response, user.error());
    sendUser(request, response, HTTPResponse::HTTP_OK, *user);
  }

  void changeMe(HTTPServerRequest& request, HTTPServerResponse& response, bool patch) {
    audit_.operation = patch ? "me.patch" : "me.replace";
    audit_.target = caller_.principal.userId;
    if (!allowed(response, policy::Operation::WriteOwnProfile)) return;
    auto body = readJsonBody(request);
    if (!body) return sendError(response, body.error());
    auto current = context_.directory.findUser(caller_.principal.userId);
    if (!current) return sendError(response, current.error());
    Object::Ptr wanted;
    if (patch) {
      auto operations = scim::parsePatchRequest(**body);
      if (!operations) return sendError(response, operations.error());
      audit_.attributes = pathsOf(*operations);
      auto password = scim::takePassword(*operations, scim::userResourceType());
      if (!password) return sendError(response, password.error());
      if (*password) return sendError(response, passwordHere());
      auto patched = scim::applyPatch(*current->attributes, *operations, scim::userResourceType());
      if (!patched) return sendError(response, patched.error());
      wanted = *patched;
    } else {
      audit_.attributes = keysOf(**body);
      auto input = scim::parseUserInput(**body);
      if (!input) return sendError(response, input.error());
      if (input->password) return sendError(response, passwordHere());
      wanted = input->attributes;
    }
    writeOwnProfile(request, response, *current, *wanted);
  }

  // ---- People: login, password change and reset, SSO verification (issue #5) -----------------

  void sendPlainJson(HTTPServerResponse& response, HTTPResponse::HTTPStatus status, const Object& body) {
    response.setStatus(status);
    response.setContentType("application/json");
    const std::string text = toJson(body);
    response.setContentLength(static_cast<std::streamsize>(text.size()));
    response.send() << text;
  }

  // Unknown user, wrong password, locked or deactivated account: one answer for all.
  void loginRefused(HTTPServerResponse& response, const std::string& error, const std::string& detail) {
    audit_.outcome = "denied";
    audit_.reason = error;
    Object body;
    body.set("error", error);
    body.set("detail", detail);
    response.set("WWW-Authenticate", "Bearer");
    sendPlainJson(response, HTTPResponse::HTTP_UNAUTHORIZED, body);
  }

  static std::string stringField(const Object& body, const std::string& name) {
    return body.has(name) && body.get(name).isString() ? body.getValue<std::string>(name) : "";
  }

  void login(HTTPServerRequest& request, HTTPServerResponse& response) {
    audit_.operation = "auth.login";
    auto body = readJsonBody(request);
    if (!body) return sendError(response, body.error());
    auto check = checkLogin(**body);
    if (!check) return sendError(response, check.error());
    if (!check->refusal.empty()) return refuseLogin(response, check->refusal);
    Object answer;
    answer.set("token", context_.access.issueSession(check->id, check->enrolmentOnly));
    answer.set("tokenType", "Bearer");
    answer.set("expiresIn", context_.access.sessionSeconds());
    answer.set("userId", check->id);
    if (check->enrolmentOnly) {
      answer.set("mfaEnrollmentRequired", true);
      answer.set("detail", "your role needs a second factor: this session only enrols one "
                           "(POST /mfa/totp, then POST /mfa/totp/confirm); log in again afterwards");
    }
    sendPlainJson(response, HTTPResponse::HTTP_OK, answer);
  }

  void peopleRoute(HTTPServerRequest& request, HTTPServerResponse& response, const std::string& path) {
    const std::string& method = request.getMethod();
    if (path == "/auth/password/change") {
      if (method != "POST") return methodNotAllowed(response, "POST");
      return changeOwnPassword(request, response);
    }
    if (path == "/auth/password/set") {
      if (method != "POST") return methodNotAllowed(response, "POST");
      return setPassword(request, response);
    }
    if (path == "/auth/verify") {
      if (method != "POST") return methodNotAllowed(response, "POST");
      return verifyLogin(request, response);
    }
    if (path == "/mfa/totp") {
      if (method == "POST") return enrolTotp(request, response);
      if (method == "DELETE") {
        return removeTotp(request, response, parseQuery(Poco::URI(request.getURI()).getRawQuery()));
      }
      return methodNotAllowed(response, "POST, DELETE");
    }
    if (path == "/mfa/totp/confirm") {
      if (method != "POST") return methodNotAllowed(response, "POST");
      return confirmTotp(request, response);
    }
    if (path == "/mfa/backup-codes") {
      if (method != "POST") return methodNotAllowed(response, "POST");
      return generateBackupCodes(request, response);
    }
    sendError(response, {ErrorKind::NotFound, "no such endpoint: " + path});
  }

  void changeOwnPassword(HTTPServerRequest& request, HTTPServerResponse& response) {
    audit_.operation = "auth.password.change";
    audit_.target = caller_.principal.userId;
    audit_.attributes = {"password"};
    if (!caller_.isPerson()) {
      return deny(response, policy::Decision::forbidden(
                                "a provisioning client has no password of its own; reset a "
                                "user's password with POST /auth/password/set"));
    }
    auto body = readJsonBody(request);
    if (!body) return sendError(response, body.error());
    const std::string current = stringField(**body, "currentPassword");
    const std::string next = stringField(**body, "newPassword");
    const std::string confirmation = stringField(**body, "confirmPassword");
    if (current.empty() || next.empty()) {
      return sendError(response, {ErrorKind::InvalidValue,
                                  "send currentPassword, newPassword and confirmPassword"});
    }
    auto user = context_.directory.findUser(caller_.principal.userId);
    if (!user) return sendError(response, user.error());
    const std::string userName = user->attributes->optValue<std::string>("userName", "");
    auto verified = context_.directory.verifyPassword(userName, current);
    if (!verified) {
      if (verified.error().kind != ErrorKind::Unauthorized) {
        return sendError(response, verified.error());
      }
      audit_.outcome = "denied";
      audit_.reason = "current password wrong";
      return sendError(response, {ErrorKind::Forbidden, "the current password is wrong"});
    }
    if (auto problem = passwordProblems(next, *user->attributes, &confirmation)) {
      return sendError(response, *problem);
    }
    // As the user, so the directory's own policy for users applies (history, minimum age...).
    auto changed = context_.directory.changeOwnPassword(userName, current, next);
    if (!changed) {
      if (changed.error().kind == ErrorKind::Unauthorized) {  // changed since the check above
        return sendError(response, {ErrorKind::Forbidden, "the current password is wrong"});
      }
      return sendError(response, changed.error());
    }
    response.setStatus(HTTPResponse::HTTP_NO_CONTENT);
    response.setContentLength(0);
    response.send();
  }

  void setPassword(HTTPServerRequest& request, HTTPServerResponse& response) {
    audit_.operation = "auth.password.set";
    audit_.attributes = {"password"};
    auto body = readJsonBody(request);
    if (!body) return sendError(response, body.error());
    const std::string id = stringField(**body, "userId");
    const std::string next = stringField(**body, "newPassword");
    const std::string confirmation = stringField(**body, "confirmPassword");
    if (id.empty() || next.empty()) {
      return sendError(response, {ErrorKind::InvalidValue,
                                  "send userId, newPassword and confirmPassword"});
    }
    if (id == caller_.principal.userId) return sendError(response, passwordHere());
    auto loaded = loadTarget(response, id, policy::Operation::ResetPasswords);
    if (!loaded) return;
    if (auto problem = passwordProblems(next, *loaded->first.attributes, &confirmation)) {
      return sendError(response, *problem);
    }
    auto set = context_.directory.setPassword(id, next);
    if (!set) return sendError(response, set.error());
    response.setStatus(HTTPResponse::HTTP_NO_CONTENT);
    response.setContentLength(0);
    response.send();
  }

  // ---- Second factor (issue #6): enrolment, backup codes, and the login check ----------------

  static std::chrono::sys_seconds nowSeconds() {
    return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  }

  // DESIGN 5a: the extension's readOnly `mfa` summary on a single user.
  void addMfaSummary(Object& json, const std::string& id) {
    if (!context_.mfa) return;
    auto status = context_.mfa->status(id);
    if (!status) return;  // the summary is informative; the user is still served
    const std::string ext(scim::kScimgateUserSchema);
    Object::Ptr extension = json.getObject(ext);
    if (!extension) {
      extension = new Object;
      json.set(ext, extension);
    }
    Object::Ptr summary = new Object;
    summary->set("totp", status->totpEnrolled);
    summary->set("backupCodesRemaining", status->backupCodesRemaining);
    extension->set("mfa", summary);
  }

  struct LoginCheck {
    std::string id;
    bool enrolmentOnly = false;
    std::string refusal;  // "" when the login is good; else "invalid_credentials", "mfa_required"
  };

  // Password by bind, then the second factor when the user has one. Unknown user, wrong password,
  // locked account and wrong code give the same refusal.
  scim::Result<LoginCheck> checkLogin(const Object& body) {
    const std::string userName = stringField(body, "userName");
    const std::string password = stringField(body, "password");
    audit_.principal = userName;
    if (userName.empty() || password.empty()) {
      return makeError(ErrorKind::InvalidValue,
                       "send {\"userName\": ..., \"password\": ...} as JSON strings");
    }
    LoginCheck check;
    auto id = context_.directory.verifyPassword(userName, password);
    if (!id) {
      if (id.error().kind != ErrorKind::Unauthorized) return id.error();
      check.refusal = "invalid_credentials";
      return check;
    }
    check.id = *id;
    audit_.principalId = *id;
    audit_.target = *id;
    if (!context_.mfa) return check;
    auto status = context_.mfa->status(*id);
    if (!status) return status.error();
    if (status->totpEnrolled || status->backupCodesRemaining > 0) {
      const std::string code = stringField(body, "code");
      if (code.empty()) {
        check.refusal = "mfa_required";
        return check;
      }
      auto outcome = context_.mfa->verifySecondFactor(*id, code, nowSeconds());
      if (!outcome) return outcome.error();
      if (*outcome != policy::mfa::SecondFactorOutcome::Accepted) {
        audit_.reason = std::string(policy::mfa::toString(*outcome));
        check.refusal = "invalid_credentials";
      }
      return check;
    }
    const auto& required = context_.config.mfa.requireForRoles;
    if (!required.empty()) {
      auto user = context_.directory.findUser(*id);
      if (!user) return user.error();
      const std::string role(policy::roleName(Access::principalOf(*user).role));
      check.enrolmentOnly = std::find(required.begin(), required.end(), role) != required.end();
    }
    return check;
  }

  void refuseLogin(HTTPServerResponse& response, const std::string& refusal) {
    if (refusal == "mfa_required") {
      return loginRefused(response, refusal,
                          "this account has a second factor: send \"code\" with a code from the "
                          "authenticator app or a backup code");
    }
    loginRefused(response, refusal,
                 "the user name, password or code is wrong, or the account is locked");
  }

  // POST /auth/verify: the login check for SSO integrations, without a session.
  void verifyLogin(HTTPServerRequest& request, HTTPServerResponse& response) {
    audit_.operation = "auth.verify";
    if (!allowed(response, policy::Operation::ReadUsers)) return;
    const std::string clientName = caller_.name;
    auto body = readJsonBody(request);
    if (!body) return sendError(response, body.error());
    auto check = checkLogin(**body);
    audit_.principal = clientName + " for " + audit_.principal;
    if (!check) return sendError(response, check.error());
    if (!check->refusal.empty()) return refuseLogin(response, check->refusal);
    auto user = context_.directory.findUser(check->id);
    if (!user) return sendError(response, user.error());
    Object answer;
    answer.set("id", user->id);
    answer.set("userName", user->attributes->optValue<std::string>("userName", ""));
    Array roles;
    for (const auto& role : roleNamesOf(*user->attributes)) roles.add(role);
    answer.set("roles", roles);
    Array accounts;
    if (auto ids = accountIdsOf(*user->attributes)) {
      for (const auto& account : *ids) accounts.add(account);
    }
    answer.set("accounts", accounts);
    answer.set("mfaEnrollmentRequired", check->enrolmentOnly);
    sendPlainJson(response, HTTPResponse::HTTP_OK, answer);
  }

  // The user an MFA request is about: `userId` in the body or query, else the caller. Acting on
  // somebody else needs `operation` (and the user in scope); acting on oneself needs a person.
  std::optional<scim::User> mfaSubject(HTTPServerResponse& response, const std::string& userId,
                                       policy::Operation operation, bool selfAllowed) {
    if (!context_.mfa) {
      sendError(response, {ErrorKind::NotFound,
                           "second factors are not enabled on this gateway (config: mfa)"});
      return std::nullopt;
    }
    if (userId.empty() || userId == caller_.principal.userId) {
      audit_.target = caller_.principal.userId;
      if (!caller_.isPerson()) {
        sendError(response, {ErrorKind::InvalidValue, "name the user: {\"userId\": ...}"});
        return std::nullopt;
      }
      if (!selfAllowed && !context_.matrix.allows(caller_.principal.role, operation)) {
        deny(response, policy::Decision::forbidden(
                           "an administrator does this for you (" +
                           std::string(policy::operationName(operation)) + ")"));
        return std::nullopt;
      }
      auto user = context_.directory.findUser(caller_.principal.userId);
      if (!user) {
        sendError(response, user.error());
        return std::nullopt;
      }
      return std::move(*user);
    }
    auto loaded = loadTarget(response, userId, operation);
    if (!loaded) return std::nullopt;
    return std::move(loaded->first);
  }

  Object::Ptr optionalBody(HTTPServerRequest& request) {
    if (request.hasContentLength() && request.getContentLength64() == 0) return new Object;
    if (!request.hasContentLength() && !request.getChunkedTransferEncoding()) return new Object;
    auto body = readJsonBody(request);
    return body ? *body : Object::Ptr(new Object);
  }

  void enrolTotp(HTTPServerRequest& request, HTTPServerResponse& response) {
    audit_.operation = "mfa.totp.enrol";
    auto body = optionalBody(request);
    auto user = mfaSubject(response, stringField(*body, "userId"),
                           policy::Operation::ManageOthersMfa, true);
    if (!user) return;
    auto enrolment = context_.mfa->enrollTotp(
        user->id, user->attributes->optValue<std::string>("userName", ""), "", nowSeconds());
    if (!enrolment) return sendError(response, enrolment.error());
    Object answer;
    answer.set("secret", enrolment->secretBase32);
    answer.set("otpauthUri", enrolment->otpauthUri);
    answer.set("qrSvg", enrolment->qrSvg);
    answer.set("confirm", "POST /mfa/totp/confirm {\"code\": \"123456\"} with the app's current code");
    response.set("Cache-Control", "no-store");
    sendPlainJson(response, HTTPResponse::HTTP_CREATED, answer);
  }

  void confirmTotp(HTTPServerRequest& request, HTTPServerResponse& response) {
    audit_.operation = "mfa.totp.confirm";
    auto body = readJsonBody(request);
    if (!body) return sendError(response, body.error());
    auto user = mfaSubject(response, "", policy::Operation::ManageOthersMfa, true);
    if (!user) return;
    auto outcome = context_.mfa->confirmTotp(user->id, stringField(**body, "code"), nowSeconds());
    if (!outcome) return sendError(response, outcome.error());
    using Outcome = policy::mfa::SecondFactorOutcome;
    if (*outcome == Outcome::NotEnrolled) {
      return sendError(response, {ErrorKind::InvalidValue,
                                  "nothing to confirm: start with POST /mfa/totp"});
    }
    if (*outcome == Outcome::LockedOut) {
      return deny(response, policy::Decision::forbidden(
                                "too many wrong codes: the second factor is locked for a while; "
                                "try again later"));
    }
    if (*outcome != Outcome::Accepted) {
      return sendError(response, {ErrorKind::InvalidValue,
                                  "the code is wrong or already used: enter the app's current "
                                  "6-digit code"});
    }
    Object answer;
    answer.set("totp", true);
    sendPlainJson(response, HTTPResponse::HTTP_OK, answer);
  }

  void removeTotp(HTTPServerRequest& request, HTTPServerResponse& response,
                  const std::map<std::string, std::string>& params) {
    audit_.operation = "mfa.totp.remove";
    auto body = optionalBody(request);
    std::string userId = stringField(*body, "userId");
    if (userId.empty() && params.count("userid")) userId = params.at("userid");
    auto user = mfaSubject(response, userId, policy::Operation::ManageOthersMfa, true);
    if (!user) return;
    if (user->id == caller_.principal.userId) {
      // Oneself: prove possession with a current code (or a backup code).
      auto outcome = context_.mfa->verifySecondFactor(user->id, stringField(*body, "code"), nowSeconds());
      if (!outcome) return sendError(response, outcome.error());
      if (*outcome != policy::mfa::SecondFactorOutcome::Accepted) {
        return deny(response, policy::Decision::forbidden(
                                  "send {\"code\": ...} with a current code to remove your authenticator"));
      }
    }
    auto removed = context_.mfa->removeTotp(user->id);
    if (!removed) return sendError(response, removed.error());
    response.setStatus(HTTPResponse::HTTP_NO_CONTENT);
    response.setContentLength(0);
    response.send();
  }

  void generateBackupCodes(HTTPServerRequest& request, HTTPServerResponse& response) {
    audit_.operation = "mfa.backupCodes.generate";
    auto body = optionalBody(request);
    auto user = mfaSubject(response, stringField(*body, "userId"),
                           policy::Operation::GenerateBackupCodes,
                           context_.config.mfa.allowSelfBackupCodes);
    if (!user) return;
    auto codes = context_.mfa->generateBackupCodes(user->id, nowSeconds());
    if (!codes) return sendError(response, codes.error());
    Object answer;
    Array list;
    for (const auto& code : *codes) list.add(code);
    answer.set("userId", user->id);
    answer.set("codes", list);
    answer.set("note", "shown once: each code works one time; a new set voids these");
    response.set("Cache-Control", "no-store");
    sendPlainJson(response, HTTPResponse::HTTP_CREATED, answer);
  }

  // ---- Authorization (DESIGN 6, issue #5: policy/ decides, the gateway asks) ---------------

  Caller caller_;
  AuditRecord audit_;
  std::optional<ldap::AccountScope> groupScope_;  // groupScope(), built once per request

  // Sends the refusal a decision stands for and marks the request denied for the audit trail.
  // Out-of-scope users look exactly like missing ones (404 with the same message).
  void deny(HTTPServerResponse& response, const policy::Decision& decision,
            const std::string& id = "") {
    audit_.outcome = "denied";
    audit_.reason = decision.reason;
    if (decision.kind == policy::DecisionKind::NotFound) {
      return sendError(response, {ErrorKind::NotFound, "no user with id '" + id + "'"});
    }
    sendError(response, {ErrorKind::Forbidden, decision.reason});
  }

  // The matrix check before anything is read: false (and the 403 sent) when the role lacks it.
  bool allowed(HTTPServerResponse& response, policy::Operation operation) {
    auto decision = policy::authorize(context_.matrix, caller_.principal, operation);
    if (decision.isAllowed()) return true;
    deny(response, decision);
    return false;
  }

  static bool inactive(const scim::User& user) {
    auto ext = user.attributes->getObject(std::string(scim::kScimgateUserSchema));
    return ext && ext->optValue<std::string>("status", "") == "inactive";
  }

  static std::set<std::string> roleNamesOf(const Object& user) {
    std::set<std::string> names;
    if (user.has("roles") && user.get("roles").type() == typeid(Array::Ptr)) {
      auto roles = user.getArray("roles");
      for (unsigned i = 0; i < roles->size(); ++i) {
        if (auto role = roles->getObject(i)) {
          if (auto parsed = policy::parseRole(role->optValue<std::string>("value", ""))) {
            names.insert(std::string(policy::roleName(*parsed)));
          }
        }
      }
    }
    return names;
  }

  static std::optional<std::set<std::string>> accountIdsOf(const Object& user) {
    auto ext = user.getObject(std::string(scim::kScimgateUserSchema));
    if (!ext || !ext->has("accounts") || ext->get("accounts").type() != typeid(Array::Ptr)) {
      return std::nullopt;
    }
    std::set<std::string> ids;
    auto accounts = ext->getArray("accounts");
    for (unsigned i = 0; i < accounts->size(); ++i) {
      if (auto account = accounts->getObject(i)) {
        std::string id = account->optValue<std::string>("value", "");
        for (auto& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        ids.insert(id);
      }
    }
    return ids;
  }

  // The facts policy/ needs about an existing user.
  scim::Result<policy::Target> targetOf(const scim::User& user) {
    policy::Target target;
    target.userId = user.id;
    const auto principal = Access::principalOf(user);
    for (const auto& account : principal.accounts) {
      std::string id = account;
      for (auto& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      target.accounts.insert(id);
    }
    if (!roleNamesOf(*user.attributes).empty()) target.role = principal.role;
    target.isCaller = !caller_.principal.userId.empty() && caller_.principal.userId == user.id;
    target.isActiveAdministrator =
        !inactive(user) && target.role == policy::Role::Administrator;
    if (target.isActiveAdministrator) {
      auto count = context_.directory.countActiveInRole(
          policy::roleName(policy::Role::Administrator));
      if (!count) return count.error();
      target.activeAdministrators = *count;
    }
    return target;
  }

  // Loads the user a request acts on, after checking the caller may do `operation` at all (403
  // whether or not the user exists) and that the user is in the caller's scope (else 404).
  std::optional<std::pair<scim::User, policy::Target>> loadTarget(HTTPServerResponse& response,
                                                                  const std::string& id,
                                                                  policy::Operation operation) {
    audit_.target = id;
    const bool self = caller_.principal.userId == id;
    if (!self && !allowed(response, operation)) return std::nullopt;
    auto user = context_.directory.findUser(id);
    if (!user) {
      sendError(response, user.error());
      return std::nullopt;
    }
    auto target = targetOf(*user);
    if (!target) {
      sendError(response, target.error());
      return std::nullopt;
    }
    auto decision = policy::authorize(context_.matrix, caller_.principal, operation, *target);
    if (!decision.isAllowed()) {
      deny(response, decision, id);
      return std::nullopt;
    }
    return std::make_pair(std::move(*user), std::move(*target));
  }

  // What a caller scoped to accounts sees of groups and their members (null: everything).
  const ldap::AccountScope* groupScope() {
    if (caller_.principal.allAccounts) return nullptr;
    if (!groupScope_) groupScope_ = ldap::AccountScope{caller_.principal.accounts, caller_.principal.userId};
    return &*groupScope_;
  }

  // Where the caller counts as Administrator of an account (checkAccountAdd): a person who is an
  // Administrator, in the accounts they belong to.
  std::set<std::string> adminAccounts() const {
    if (caller_.principal.role != policy::Role::Administrator) return {};
    return caller_.principal.accounts;
  }

  // Every permission and invariant a change of roles, accounts, status or password touches.
  // `before` is null for a create. Returns the refusal, or Allow.
  policy::Decision checkUserChange(const Object* before, const Object& after,
                                   const policy::Target& target, bool passwordGiven) {
    const auto& principal = caller_.principal;
    const auto& matrix = context_.matrix;
    // Roles: a missing `roles` leaves them as they are.
    if (after.has("roles")) {
      const auto wanted = roleNamesOf(after);
      const auto had = before ? roleNamesOf(*before) : std::set<std::string>{};
      if (wanted != had && !(before == nullptr && wanted.empty())) {
        auto decision = policy::authorize(matrix, principal, policy::Operation::ChangeRoles, target);
        if (!decision.isAllowed()) return decision;
        policy::Role highest = policy::Role::Viewer;
        for (const auto& name : wanted) highest = std::max(highest, *policy::parseRole(name));
        decision = policy::checkRoleChange(principal, target, highest);
        if (!decision.isAllowed()) return decision;
      }
    }
    // Accounts: each one added or removed.
    if (auto wanted = accountIdsOf(after)) {
      const auto had = before ? accountIdsOf(*before).value_or(std::set<std::string>{})
                              : std::set<std::string>{};
      const auto admin = adminAccounts();
      for (const auto& id : *wanted) {
        if (had.count(id)) continue;
        auto decision = policy::authorize(matrix, principal, policy::Operation::ManageAccounts, target);
        if (!decision.isAllowed()) return decision;
        decision = policy::checkAccountAdd(principal, id, admin);
        if (!decision.isAllowed()) return decision;
      }
      for (const auto& id : had) {
        if (wanted->count(id)) continue;
        auto decision = policy::authorize(matrix, principal, policy::Operation::ManageAccounts, target);
        if (!decision.isAllowed()) return decision;
        decision = policy::checkAccountRemove(principal, id, admin);
        if (!decision.isAllowed()) return decision;
      }
    }
    // Deactivation and reactivation.
    if (before != nullptr && after.has("active")) {
      auto ext = before->getObject(std::string(scim::kScimgateUserSchema));
      const bool wasActive = !(ext && ext->optValue<std::string>("status", "") == "inactive");
      const bool nowActive = after.optValue<bool>("active", true);
      if (wasActive != nowActive) {
        auto decision = policy::authorize(matrix, principal, policy::Operation::DeactivateUsers, target);
        if (!decision.isAllowed()) return decision;
        if (!nowActive) {
          decision = policy::checkDeactivateOrDelete(principal, target);
          if (!decision.isAllowed()) return decision;
        }
      }
    }
    if (passwordGiven && before != nullptr) {
      if (target.isCaller) {
        return policy::Decision::forbidden(
            "change your own password with POST /auth/password/change, which asks for the current one");
      }
      auto decision = policy::authorize(matrix, principal, policy::Operation::ResetPasswords, target);
      if (!decision.isAllowed()) return decision;
    }
    return policy::Decision::allow();
  }

  // The password rules (issue #5): one 400 invalidValue listing every unmet rule.
  std::optional<scim::Error> passwordProblems(const std::string& password, const Object& user,
                                              const std::string* confirmation = nullptr) const {
    policy::PasswordContext about;
    about.userName = user.optValue<std::string>("userName", "");
    if (auto name = user.getObject("name")) {
      about.givenName = name->optValue<std::string>("givenName", "");
      about.familyName = name->optValue<std::string>("familyName", "");
    }
    about.displayName = user.optValue<std::string>("displayName", "");
    const auto unmet =
        confirmation ? policy::unmetPasswordChangeRules(password, *confirmation, context_.passwords, about)
                     : policy::unmetPasswordRules(password, context_.passwords, about);
    if (unmet.empty()) return std::nullopt;
    std::string detail = "the password does not meet the rules: ";
    for (std::size_t i = 0; i < unmet.size(); ++i) detail += (i ? "; " : "") + unmet[i];
    return scim::Error{ErrorKind::InvalidValue, detail};
  }

  static std::vector<std::string> keysOf(const Object& body) {
    std::vector<std::string> keys;
    for (const auto& [key, value] : body) {
      if (!scim::equalsIgnoreCase(key, "schemas")) keys.push_back(key);
    }
    return keys;
  }

  static std::vector<std::string> pathsOf(const std::vector<scim::PatchOperation>& operations) {
    std::vector<std::string> paths;
    for (const auto& operation : operations) {
      if (operation.path) {
        paths.push_back(operation.path->attr.schema.empty()
                            ? operation.path->attr.attribute
                            : operation.path->attr.schema + ":" + operation.path->attr.attribute);
      } else if (operation.value.type() == typeid(Object::Ptr)) {
        for (const auto& key : keysOf(*operation.value.extract<Object::Ptr>())) paths.push_back(key);
      }
    }
    return paths;
  }

  // The operation a change to a group of this kind needs.
  static policy::Operation groupOperation(scim::GroupKind kind) {
    switch (kind) {
      case scim::GroupKind::Role: return policy::Operation::ChangeRoles;
      case scim::GroupKind::Queue: return policy::Operation::ManageQueues;
      case scim::GroupKind::Account: return policy::Operation::ManageAccounts;
      case scim::GroupKind::Group: break;
    }
    return policy::Operation::ManageGroups;
  }

  // Member changes of role and account groups keep the invariants: no own role changes, no role
  // above the caller's, never the last active Administrator removed, accounts only where the
  // caller is their Administrator.
  policy::Decision checkGroupMembers(const scim::GroupView& group, const std::vector<std::string>& add,
                                     const std::vector<std::string>& remove) {
    const auto& principal = caller_.principal;
    if (group.kind == scim::GroupKind::Account) {
      const auto admin = adminAccounts();
      auto decision = add.empty() ? policy::Decision::allow()
                                  : policy::checkAccountAdd(principal, group.id, admin);
      if (decision.isAllowed() && !remove.empty()) {
        decision = policy::checkAccountRemove(principal, group.id, admin);
      }
      return decision;
    }
    if (group.kind != scim::GroupKind::Role) return policy::Decision::allow();
    const auto role = policy::parseRole(group.displayName);
    if (!role) return policy::Decision::allow();  // a role the policy does not rank
    if (principal.role < *role) {
      return policy::Decision::forbidden("you cannot grant or revoke the role " +
                                         group.displayName + ", which is above your own");
    }
    for (const auto* list : {&add, &remove}) {
      for (const auto& id : *list) {
        if (!principal.userId.empty() && id == principal.userId) {
          return policy::Decision::forbidden("you cannot change your own role");
        }
      }
    }
    if (*role == policy::Role::Administrator && !remove.empty()) {
      std::size_t activeRemoved = 0;
      for (const auto& id : remove) {
        auto user = context_.directory.findUser(id);
        if (user && !inactive(*user) && roleNamesOf(*user->attributes).count("Administrator")) {
          ++activeRemoved;
        }
      }
      auto count = context_.directory.countActiveInRole("Administrator");
      if (count && activeRemoved > 0 && *count <= activeRemoved) {
        return policy::Decision::forbidden(
            "the last active Administrator cannot be removed from the Administrator role");
      }
    }
    return policy::Decision::allow();
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
      : context(config, directory, groups) {}
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
