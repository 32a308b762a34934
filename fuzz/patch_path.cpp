// Fuzzes the PATCH path parser (RFC 7644 3.5.2): a path parses or is an InvalidPath error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "scim/filter.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto path = scimgate::scim::parsePatchPath(text);
  if (!path && path.error().kind != scimgate::ErrorKind::InvalidPath) std::abort();
  if (path && path->valueFilter) (void)scimgate::scim::toString(*path->valueFilter);
  return 0;
}
