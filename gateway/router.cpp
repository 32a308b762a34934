#include "gateway/router.h"

#include "gateway/error_response.h"
#include "scim/schema.h"

namespace scimgate::gateway {

std::vector<std::string> pathSegments(std::string_view path) {
  std::vector<std::string> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto end = std::min(path.find('/', start), path.size());
    if (end > start) segments.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

void Router::add(Route route) {
  auto segments = pathSegments(route.pattern);
  routes_.push_back({std::move(route), std::move(segments)});
}

RouteMatch Router::match(std::string_view method, std::string_view path) const {
  const auto segments = pathSegments(path);
  // The routes whose pattern fits the path, keeping only the most literal ones.
  std::vector<std::pair<const Compiled*, std::map<std::string, std::string>>> fitting;
  std::size_t bestLiterals = 0;
  for (const auto& compiled : routes_) {
    if (compiled.segments.size() != segments.size()) continue;
    std::map<std::string, std::string> params;
    std::size_t literals = 0;
    bool fits = true;
    for (std::size_t i = 0; fits && i < segments.size(); ++i) {
      const std::string& part = compiled.segments[i];
      if (part.size() > 2 && part.front() == '{' && part.back() == '}') {
        params[part.substr(1, part.size() - 2)] = segments[i];
      } else if (scim::equalsIgnoreCase(part, segments[i])) {
        ++literals;
      } else {
        fits = false;
      }
    }
    if (!fits || literals < bestLiterals) continue;
    if (literals > bestLiterals) fitting.clear();
    bestLiterals = literals;
    fitting.emplace_back(&compiled, std::move(params));
  }
  RouteMatch result;
  for (auto& [compiled, params] : fitting) {
    if (compiled->route.method == method) {
      result.route = &compiled->route;
      result.params = std::move(params);
      result.allow.clear();
      return result;
    }
    if (result.allow.find(compiled->route.method) == std::string::npos) {
      result.allow += (result.allow.empty() ? "" : ", ") + compiled->route.method;
    }
  }
  return result;
}

Reply Router::unmatched(const RouteMatch& match, std::string_view path) {
  if (match.allow.empty()) {
    return errorReply({scim::ErrorKind::NotFound, "no such endpoint: " + std::string(path)});
  }
  return errorReply({scim::ErrorKind::MethodNotAllowed,
                     "method not allowed here; allowed: " + match.allow})
      .with("Allow", match.allow);
}

}  // namespace scimgate::gateway
