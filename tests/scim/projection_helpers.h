#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Stringifier.h>

#include <catch2/catch.hpp>
#include <sstream>
#include <string>

#include "scim/projection.h"
#include "scim/schema.h"

// What the projection tests (User projections, `returned` values, parsing) share.
namespace scimgate::testing {

inline const std::string kCore(scim::kUserSchema);
inline const std::string kEnterprise(scim::kEnterpriseUserSchema);
inline const std::string kScimgate(scim::kScimgateUserSchema);

/// Poco objects keep their keys sorted, so the stringified form is canonical.
inline std::string canonicalJson(const Poco::Dynamic::Var& value) {
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(value, out);
  return out.str();
}

/// The User projection for these query parameters; fails the test when they do not parse.
inline scim::Projection parsed(const std::string& attributes, const std::string& excluded = "") {
  auto projection = scim::parseProjection(attributes, excluded, scim::userResourceType());
  INFO("attributes=" << attributes << " excludedAttributes=" << excluded);
  REQUIRE(projection.ok());
  return *projection;
}

}  // namespace scimgate::testing
