#pragma once

#include <Poco/JSON/Object.h>

#include <string>
#include <string_view>
#include <vector>

namespace scimgate::scim {

inline constexpr std::string_view kUserSchema = "urn:ietf:params:scim:schemas:core:2.0:User";
inline constexpr std::string_view kGroupSchema = "urn:ietf:params:scim:schemas:core:2.0:Group";
inline constexpr std::string_view kEnterpriseUserSchema =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
inline constexpr std::string_view kScimgateUserSchema =
    "urn:scimgate:params:scim:schemas:extension:2.0:User";
inline constexpr std::string_view kScimgateGroupSchema =
    "urn:scimgate:params:scim:schemas:extension:2.0:Group";
inline constexpr std::string_view kListResponseSchema =
    "urn:ietf:params:scim:api:messages:2.0:ListResponse";
inline constexpr std::string_view kPatchOpSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// RFC 7643 2.3 data types.
enum class AttrType { String, Boolean, Decimal, Integer, DateTime, Binary, Reference, Complex };
/// RFC 7643 7 "mutability".
enum class Mutability { ReadOnly, ReadWrite, Immutable, WriteOnly };
/// RFC 7643 7 "returned".
enum class Returned { Always, Never, Default, Request };
/// RFC 7643 7 "uniqueness".
enum class Uniqueness { None, Server, Global };

/// One attribute definition (RFC 7643 7). Drives both input validation and /Schemas.
struct AttributeDef {
  std::string name;
  AttrType type = AttrType::String;
  bool multiValued = false;
  bool required = false;
  bool caseExact = false;
  /// The value may span lines (TAB, LF and CR allowed; scim/text.h). Not part of RFC 7643 7.
  bool multiLine = false;
  Mutability mutability = Mutability::ReadWrite;
  Returned returned = Returned::Default;
  Uniqueness uniqueness = Uniqueness::None;
  std::string description;
  std::vector<std::string> canonicalValues;
  std::vector<std::string> referenceTypes;
  std::vector<AttributeDef> subAttributes;

  /// The sub-attribute with this name (case-insensitive), or null.
  const AttributeDef* findSub(std::string_view subName) const;
};

/// A schema (RFC 7643 7): its URN, name and attributes.
struct Schema {
  std::string id;
  std::string name;
  std::string description;
  std::vector<AttributeDef> attributes;

  /// The attribute with this name (case-insensitive), or null.
  const AttributeDef* find(std::string_view attrName) const;
};

/// A resource type (RFC 7643 6) with its core schema and extensions.
struct ResourceTypeDef {
  std::string id;        // "User"
  std::string endpoint;  // "/Users"
  std::string description;
  const Schema* core = nullptr;
  std::vector<const Schema*> extensions;  // all optional (required: false)

  /// The schema (core or extension) with this URN (case-insensitive), or null.
  const Schema* schemaFor(std::string_view urn) const;
};

/// The core User schema (RFC 7643 4.1) as scimgate serves it.
const Schema& userSchema();
/// The Enterprise User extension (RFC 7643 4.3).
const Schema& enterpriseUserSchema();
/// scimgate's own User extension (DESIGN 5a).
const Schema& scimgateUserSchema();
/// The User resource type with its extensions.
const ResourceTypeDef& userResourceType();

/// The core Group schema (RFC 7643 4.2) as scimgate serves it.
const Schema& groupSchema();
/// scimgate's own Group extension (DESIGN 5a): `kind`, which decides the container.
const Schema& scimgateGroupSchema();
/// The Group resource type with its extension.
const ResourceTypeDef& groupResourceType();

/// Case-insensitive ASCII equality, used for attribute names and URNs (RFC 7644 3.4.2.2).
bool equalsIgnoreCase(std::string_view a, std::string_view b);

/// RFC 7643 7 representation of a schema, for GET /Schemas. `location` is the absolute URL.
Poco::JSON::Object::Ptr schemaToJson(const Schema& schema, const std::string& location);
/// RFC 7643 6 representation of a resource type, for GET /ResourceTypes.
Poco::JSON::Object::Ptr resourceTypeToJson(const ResourceTypeDef& type,
                                           const std::string& location);

/// What the service provider supports (RFC 7643 5), filled in by the gateway from its settings.
struct ServiceProviderFeatures {
  bool patch = false;
  bool bulk = false;
  int bulkMaxOperations = 0;
  long long bulkMaxPayloadSize = 0;
  bool filter = true;
  int maxResults = 200;
  bool changePassword = true;
  bool sort = false;
  bool etag = true;
  bool cursorPagination = false;
  bool indexPagination = true;
  int defaultPageSize = 100;
  int maxPageSize = 200;
  std::string documentationUri;
};

/// RFC 7643 5 ServiceProviderConfig body; `location` is its absolute URL.
Poco::JSON::Object::Ptr serviceProviderConfigToJson(const ServiceProviderFeatures& features,
                                                    const std::string& location);

}  // namespace scimgate::scim
