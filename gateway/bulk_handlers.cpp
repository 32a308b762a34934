// POST /Bulk (RFC 7644 3.7): many writes in one request. Each operation goes through the same
// route table, permission checks, policy and audit as the single request it stands for; the
// operations' bulkIds name resources created earlier in the same request.

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/String.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gateway/error_response.h"
#include "gateway/handlers.h"

namespace scimgate::gateway {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using scim::ErrorKind;

constexpr char kBulkRequest[] = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
constexpr char kBulkResponse[] = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";
constexpr char kReference[] = "bulkId:";

// One operation as sent, checked for its shape.
struct Operation {
  std::string method;
  std::string bulkId;
  std::string version;
  std::string path;
  Poco::Dynamic::Var data;     // empty for DELETE
  std::set<std::string> uses;  // bulkIds its path and data refer to
  std::optional<scim::Error> malformed;
};

bool isReference(const std::string& text) { return text.rfind(kReference, 0) == 0; }

// The bulkIds referred to anywhere in a JSON value ("bulkId:x" strings).
void collectReferences(const Poco::Dynamic::Var& value, std::set<std::string>& out) {
  if (value.isString()) {
    const auto text = value.extract<std::string>();
    if (isReference(text)) out.insert(text.substr(std::string(kReference).size()));
  } else if (value.type() == typeid(Object::Ptr)) {
    for (const auto& [key, member] : *value.extract<Object::Ptr>()) collectReferences(member, out);
  } else if (value.type() == typeid(Array::Ptr)) {
    for (const auto& item : *value.extract<Array::Ptr>()) collectReferences(item, out);
  }
}

// A copy of a JSON value with each "bulkId:x" string replaced by the id x stands for.
Poco::Dynamic::Var resolved(const Poco::Dynamic::Var& value,
                            const std::map<std::string, std::string>& ids) {
  if (value.isString()) {
    const auto text = value.extract<std::string>();
    if (!isReference(text)) return value;
    return ids.at(text.substr(std::string(kReference).size()));
  }
  if (value.type() == typeid(Object::Ptr)) {
    Object::Ptr copy = new Object;
    for (const auto& [key, member] : *value.extract<Object::Ptr>()) {
      copy->set(key, resolved(member, ids));
    }
    return copy;
  }
  if (value.type() == typeid(Array::Ptr)) {
    Array::Ptr copy = new Array;
    for (const auto& item : *value.extract<Array::Ptr>()) copy->add(resolved(item, ids));
    return copy;
  }
  return value;
}

std::string resolvedPath(const std::string& path, const std::map<std::string, std::string>& ids) {
  const auto slash = path.find('/', 1);
  if (slash == std::string::npos) return path;
  const std::string id = path.substr(slash + 1);
  if (!isReference(id)) return path;
  return path.substr(0, slash + 1) + ids.at(id.substr(std::string(kReference).size()));
}

Operation readOperation(const Poco::Dynamic::Var& item, std::size_t index) {
  Operation op;
  const std::string where = "Operations[" + std::to_string(index) + "]";
  auto malformed = [&](const std::string& what) {
    op.malformed = scim::Error{ErrorKind::InvalidSyntax, where + ": " + what};
    return op;
  };
  if (item.type() != typeid(Object::Ptr)) return malformed("must be an object");
  const auto object = item.extract<Object::Ptr>();
  op.method = Poco::toUpper(stringField(*object, "method"));
  op.bulkId = stringField(*object, "bulkId");
  op.version = stringField(*object, "version");
  op.path = stringField(*object, "path");
  if (object->has("data")) op.data = object->get("data");
  if (op.method != "POST" && op.method != "PUT" && op.method != "PATCH" && op.method != "DELETE") {
    return malformed("\"method\" must be POST, PUT, PATCH or DELETE");
  }
  const bool users = op.path == "/Users" || op.path.rfind("/Users/", 0) == 0;
  const bool groups = op.path == "/Groups" || op.path.rfind("/Groups/", 0) == 0;
  if (!users && !groups) {
    return malformed("\"path\" must be /Users or /Groups, with /{id} except for POST");
  }
  const bool resourcePath = op.path.find('/', 1) != std::string::npos;
  if ((op.method == "POST") == resourcePath) {
    return malformed(op.method == "POST" ? "POST goes to /Users or /Groups"
                                         : op.method + " needs the resource's path, /Users/{id}");
  }
  if (op.method == "POST" && op.bulkId.empty()) return malformed("POST needs a \"bulkId\"");
  if (op.method != "DELETE" && op.data.type() != typeid(Object::Ptr)) {
    return malformed(op.method + " needs \"data\", the resource or PatchOp as a JSON object");
  }
  if (resourcePath) {
    const std::string id = op.path.substr(op.path.find('/', 1) + 1);
    if (isReference(id)) op.uses.insert(id.substr(std::string(kReference).size()));
  }
  if (!op.data.isEmpty()) collectReferences(op.data, op.uses);
  return op;
}

// The operation's entry in the BulkResponse.
Object::Ptr resultOf(const Operation& op, const Reply& reply) {
  Object::Ptr result = new Object;
  result->set("method", op.method);
  if (!op.bulkId.empty()) result->set("bulkId", op.bulkId);
  if (const auto etag = reply.header("ETag"); !etag.empty()) result->set("version", etag);
  if (const auto location = reply.header("Location"); !location.empty()) {
    result->set("location", location);
  }
  result->set("status", std::to_string(reply.status));
  if (reply.status >= 400 && !reply.body.empty()) {
    try {
      result->set("response", Poco::JSON::Parser().parse(reply.body));
    } catch (const Poco::Exception&) {
      result->set("response", reply.body);
    }
  }
  return result;
}

Reply failed(const scim::Error& error) { return errorReply(error); }

// RFC 7644 3.7.2: a bulkId that cannot be resolved is 409.
Reply conflict(const std::string& detail) {
  Reply reply;
  reply.status = 409;
  reply.contentType = kScimJson;
  reply.body = errorBody(409, "invalidValue", detail);
  return reply;
}

class Bulk {
 public:
  Bulk(Services& services, const Router& router, Request& request)
      : services_(services), router_(router), request_(request) {}

  Reply run() {
    auto body = request_.jsonBody();
    if (!body) return errorReply(body.error());
    const Object& bulk = **body;
    if (!hasSchema(bulk)) {
      return errorReply(
          {ErrorKind::InvalidSyntax, std::string("\"schemas\" must list ") + kBulkRequest});
    }
    const auto operations = bulk.getArray("Operations");
    if (!operations) {
      return errorReply({ErrorKind::InvalidSyntax, "\"Operations\" must be an array"});
    }
    const auto maxOperations = static_cast<std::size_t>(services_.config.scim.bulkMaxOperations);
    if (operations->size() > maxOperations) {
      return errorReply({ErrorKind::PayloadTooLarge,
                         "the bulk request has " + std::to_string(operations->size()) +
                             " operations; at most " + std::to_string(maxOperations) +
                             " (ServiceProviderConfig bulk.maxOperations)"});
    }
    int failOnErrors = 0;  // 0: go on whatever fails
    if (bulk.has("failOnErrors")) {
      const auto value = bulk.get("failOnErrors");
      if (!value.isInteger() || value.convert<long long>() < 1) {
        return errorReply({ErrorKind::InvalidValue, "\"failOnErrors\" must be a positive integer"});
      }
      failOnErrors = static_cast<int>(std::min<long long>(value.convert<long long>(), 1 << 30));
    }

    std::vector<Operation> ops;
    std::map<std::string, std::size_t> declared;  // bulkId -> operation
    for (std::size_t i = 0; i < operations->size(); ++i) {
      ops.push_back(readOperation(operations->get(static_cast<unsigned int>(i)), i));
      auto& op = ops.back();
      if (!op.malformed && !op.bulkId.empty() && !declared.emplace(op.bulkId, i).second) {
        op.malformed = scim::Error{ErrorKind::InvalidValue,
                                   "Operations[" + std::to_string(i) + "]: bulkId '" + op.bulkId +
                                       "' is used by an earlier operation"};
      }
    }

    // In request order, except that an operation waits for the operations whose bulkIds it
    // uses (RFC 7644 3.7.2); what can never be resolved (unknown, failed, circular) is 409.
    std::vector<Object::Ptr> results(ops.size());
    std::vector<bool> done(ops.size(), false);
    int errors = 0;
    bool progress = true;
    while (progress && (failOnErrors == 0 || errors < failOnErrors)) {
      progress = false;
      for (std::size_t i = 0; i < ops.size(); ++i) {
        if (done[i] || (failOnErrors != 0 && errors >= failOnErrors)) continue;
        if (!ready(ops[i])) continue;
        const Reply reply = perform(ops[i]);
        results[i] = resultOf(ops[i], reply);
        done[i] = true;
        progress = true;
        if (reply.status >= 400) ++errors;
      }
    }
    for (std::size_t i = 0; i < ops.size(); ++i) {
      if (done[i] || (failOnErrors != 0 && errors >= failOnErrors)) continue;
      results[i] = resultOf(ops[i], conflict(unresolvable(ops[i])));
      done[i] = true;
      ++errors;
    }

    Array::Ptr answered = new Array;
    for (const auto& result : results) {
      if (result) answered->add(result);
    }
    Object response;
    Array::Ptr schemas = new Array;
    schemas->add(kBulkResponse);
    response.set("schemas", schemas);
    response.set("Operations", answered);
    return Reply::json(200, response);
  }

 private:
  static bool hasSchema(const Object& bulk) {
    const auto schemas = bulk.getArray("schemas");
    if (!schemas) return false;
    for (const auto& schema : *schemas) {
      if (schema.isString() && schema.extract<std::string>() == kBulkRequest) return true;
    }
    return false;
  }

  // Whether every bulkId the operation uses stands for a resource created so far, or it need not
  // wait (malformed: answered at once).
  bool ready(const Operation& op) const {
    if (op.malformed) return true;
    for (const auto& used : op.uses) {
      if (ids_.count(used) == 0) return false;
    }
    return true;
  }

  std::string unresolvable(const Operation& op) const {
    for (const auto& used : op.uses) {
      if (ids_.count(used) == 0) {
        return "bulkId '" + used +
               "' names no resource this request created (unknown, failed, or waiting on this "
               "operation in a cycle)";
      }
    }
    return "the operation could not be ordered";
  }

  Reply perform(const Operation& op) {
    if (op.malformed) return failed(*op.malformed);
    std::map<std::string, std::string> headers = {{"Content-Type", kScimJson}};
    if (!op.version.empty()) headers["If-Match"] = op.version;
    const std::string path = "/scim/v2" + resolvedPath(op.path, ids_);
    std::string body;
    if (!op.data.isEmpty()) {
      std::ostringstream text;
      Poco::JSON::Stringifier::stringify(resolved(op.data, ids_), text);
      body = text.str();
    }
    Reply reply;
    std::optional<Request> sub;
    try {
      sub.emplace(request_, op.method, path, body, headers);
      reply = dispatchOperation(*sub);
    } catch (const Poco::SyntaxException&) {
      reply = failed({ErrorKind::InvalidSyntax, "malformed path '" + op.path + "'"});
    }
    if (auto record =
            completeAudit(sub ? sub->audit : AuditRecord{}, op.method, path, reply.status)) {
      record->requestId = request_.audit.requestId;
      services_.audit.record(*record);
    }
    if (op.method == "POST" && reply.status == 201 && !op.bulkId.empty()) {
      try {
        const auto created = Poco::JSON::Parser().parse(reply.body).extract<Object::Ptr>();
        ids_[op.bulkId] = created->getValue<std::string>("id");
      } catch (const Poco::Exception&) {
        // No id to refer to: operations using this bulkId are answered 409.
      }
    }
    return reply;
  }

  // The route the operation stands for, with the caller of the bulk request.
  Reply dispatchOperation(Request& sub) {
    const auto match = router_.match(sub.method(), sub.path());
    if (!match.route) return Router::unmatched(match, sub.path());
    sub.setParams(match.params);
    return match.route->handler(sub);
  }

  Services& services_;
  const Router& router_;
  Request& request_;
  std::map<std::string, std::string> ids_;  // bulkId -> id of the resource it created
};

}  // namespace

void addBulkRoute(Router& router, Services& services) {
  router.add(
      {"POST", "/scim/v2/Bulk", Guard::Caller,
       [s = &services, r = &router](Request& request) { return Bulk(*s, *r, request).run(); }});
}

}  // namespace scimgate::gateway
