#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/reply.h"

namespace scimgate::gateway {

class Request;

/// Handles one matched request.
using Handler = std::function<Reply(Request&)>;

/// Who may call a route.
enum class Guard {
  Public,             // no credentials (health, login)
  Caller,             // a valid bearer credential
  CallerOrEnrolment,  // also a session that may only enrol a second factor
};

/// One entry of the route table: a method and a path pattern whose segments are literals
/// (compared without case, RFC 7644 endpoint names) or `{name}` parameters.
struct Route {
  std::string method;
  std::string pattern;
  Guard guard = Guard::Caller;
  Handler handler;
};

/// The outcome of matching a request against the table.
struct RouteMatch {
  const Route* route = nullptr;               // null: nothing matched method and path
  std::map<std::string, std::string> params;  // `{name}` -> the path segment
  /// When the path matched but the method did not: the methods it has, as an Allow header
  /// ("GET, POST"). Empty when the path matched nothing (404).
  std::string allow;
};

/// The route table. A path matches the patterns of its length; among those, the ones with the
/// most literal segments win (so /Users/.search is never read as /Users/{id}). Empty segments
/// (a trailing or doubled slash) are ignored.
class Router {
 public:
  void add(Route route);
  RouteMatch match(std::string_view method, std::string_view path) const;

  /// The error reply for a request that matched no route: 405 with Allow, or 404.
  static Reply unmatched(const RouteMatch& match, std::string_view path);

 private:
  struct Compiled {
    Route route;
    std::vector<std::string> segments;
  };
  std::vector<Compiled> routes_;
};

/// The path's non-empty segments.
std::vector<std::string> pathSegments(std::string_view path);

}  // namespace scimgate::gateway
