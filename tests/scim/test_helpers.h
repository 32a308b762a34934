#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <cstddef>
#include <optional>
#include <string>

// Small helpers that several tests under tests/scim/ share.
namespace scimgate::testing {

/// The JSON object in `json`; throws (failing the test) when it is not one.
inline Poco::JSON::Object::Ptr parseObject(const std::string& json) {
  Poco::JSON::Parser parser;
  return parser.parse(json).extract<Poco::JSON::Object::Ptr>();
}

/// The position at the end of an error detail ("... at 14"), or nullopt when there is none.
inline std::optional<std::size_t> positionIn(const std::string& detail) {
  const std::size_t marker = detail.rfind(" at ");
  if (marker == std::string::npos || marker + 4 >= detail.size()) return std::nullopt;
  std::size_t position = 0;
  for (std::size_t i = marker + 4; i < detail.size(); ++i) {
    if (detail[i] < '0' || detail[i] > '9') return std::nullopt;
    position = position * 10 + static_cast<std::size_t>(detail[i] - '0');
  }
  return position;
}

}  // namespace scimgate::testing
