// Fuzzes what the gateway does with a request body: the body reader (scim/json_reader.h, with
// the gateway's default depth limit), then reading the object as a User, a Group and a PATCH
// request, and applying the PATCH to a user. Every outcome is a value or an error: never a crash,
// a hang or an exception; and an object the reader accepts, written out again, reads back.
#include <Poco/JSON/Parser.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "scim/group.h"
#include "scim/json_reader.h"
#include "scim/patch.h"
#include "scim/schema.h"
#include "scim/user.h"

namespace {

const Poco::JSON::Object::Ptr& currentUser() {
  static const Poco::JSON::Object::Ptr user = [] {
    Poco::JSON::Parser parser;
    return parser
        .parse(R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"grace",
                   "active":true,"name":{"givenName":"Grace","familyName":"Hopper"},
                   "emails":[{"value":"g@example.com","type":"work","primary":true}],
                   "phoneNumbers":[{"value":"+1 555","type":"work"}]})")
        .extract<Poco::JSON::Object::Ptr>();
  }();
  return user;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto read = scimgate::scim::readJsonObject(text, 32);  // server.maxJsonDepth's default
  if (!read) {
    if (read.error().kind != scimgate::ErrorKind::InvalidSyntax) std::abort();
    return 0;  // the gateway answers 400 invalidSyntax
  }
  const Poco::JSON::Object::Ptr& body = *read;
  std::ostringstream written;
  body->stringify(written);
  if (!scimgate::scim::readJsonObject(written.str(), 64)) std::abort();
  (void)scimgate::scim::parseUserInput(*body);
  (void)scimgate::scim::parseGroupInput(*body);
  auto operations = scimgate::scim::parsePatchRequest(*body);
  if (operations) {
    const auto& type = scimgate::scim::userResourceType();
    auto password = scimgate::scim::takePassword(*operations, type);
    if (password) (void)scimgate::scim::applyPatch(*currentUser(), *operations, type);
  }
  return 0;
}
