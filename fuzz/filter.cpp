// Fuzzes the SCIM filter parser (RFC 7644 3.4.2.2) and the in-memory evaluation of what it
// parses: any input either parses, prints and evaluates, or is an InvalidFilter error.
#include "scim/filter.h"

#include <Poco/JSON/Parser.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

const Poco::JSON::Object::Ptr& sampleUser() {
  static const Poco::JSON::Object::Ptr user = [] {
    Poco::JSON::Parser parser;
    return parser
        .parse(R"({"userName":"grace","active":true,"name":{"givenName":"Grace"},
                   "emails":[{"value":"g@example.com","type":"work","primary":true}],
                   "meta":{"lastModified":"2026-11-29T10:00:00Z"},"title":null})")
        .extract<Poco::JSON::Object::Ptr>();
  }();
  return user;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto filter = scimgate::scim::parseFilter(text);
  if (!filter) {
    if (filter.error().kind != scimgate::ErrorKind::InvalidFilter) std::abort();
    return 0;
  }
  const std::string printed = scimgate::scim::toString(**filter);
  // What toString prints is a filter too, and prints the same again.
  auto again = scimgate::scim::parseFilter(printed);
  if (!again || scimgate::scim::toString(**again) != printed) std::abort();
  (void)scimgate::scim::matches(**filter, *sampleUser(), [](const auto&) { return false; });
  return 0;
}
