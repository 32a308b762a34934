#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "scim/filter.h"

// What the filter parser tests and the PATCH path tests share.
namespace scimgate::testing {

/// The canonical text of a filter, or "error: " and the detail when it does not parse.
inline std::string canonical(std::string_view text) {
  auto parsed = scim::parseFilter(text);
  if (!parsed.ok()) return "error: " + parsed.error().detail;
  return scim::toString(**parsed);
}

/// Text the parser must reject, and the position its error detail names.
struct InvalidCase {
  std::string filter;
  std::size_t position;
};

}  // namespace scimgate::testing
