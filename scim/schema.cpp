#include "scim/schema.h"

#include <Poco/JSON/Array.h>

#include <cctype>

namespace scimgate::scim {
namespace {

// Small builders keep the tables below readable.
AttributeDef attr(std::string name, AttrType type, std::string description) {
  AttributeDef def;
  def.name = std::move(name);
  def.type = type;
  def.description = std::move(description);
  return def;
}

AttributeDef str(std::string name, std::string description) {
  return attr(std::move(name), AttrType::String, std::move(description));
}

AttributeDef readOnly(AttributeDef def) {
  def.mutability = Mutability::ReadOnly;
  return def;
}

AttributeDef multi(AttributeDef def) {
  def.multiValued = true;
  return def;
}

AttributeDef complex(std::string name, std::string description, std::vector<AttributeDef> subs,
                     bool multiValued) {
  AttributeDef def = attr(std::move(name), AttrType::Complex, std::move(description));
  def.multiValued = multiValued;
  def.subAttributes = std::move(subs);
  return def;
}

// RFC 7643 4.1.2: "This attribute MAY contain newlines."
AttributeDef multiLine(AttributeDef def) {
  def.multiLine = true;
  return def;
}

AttributeDef canonical(AttributeDef def, std::vector<std::string> values) {
  def.canonicalValues = std::move(values);
  return def;
}

// RFC 7643 2.4: the common sub-attributes of a multi-valued attribute.
std::vector<AttributeDef> typedValueSubs(std::string valueDescription,
                                         std::vector<std::string> types) {
  return {str("value", std::move(valueDescription)),
          str("display", "A human-readable name, primarily used for display purposes."),
          canonical(str("type", "A label indicating the attribute's function."), std::move(types)),
          attr("primary", AttrType::Boolean,
               "Indicates the 'primary' or preferred attribute value for this attribute.")};
}

AttributeDef reference(std::string name, std::vector<std::string> types) {
  AttributeDef def =
      attr(std::move(name), AttrType::Reference, "The URI of the referenced resource.");
  def.referenceTypes = std::move(types);
  return def;
}

// Group-like memberships shown on a User (groups, accounts, queues): value = the Group's id.
AttributeDef membership(std::string name, std::string description, bool writable) {
  AttributeDef value = str("value", "The identifier of the Group.");
  AttributeDef ref = reference("$ref", {"Group"});
  AttributeDef display = str("display", "The Group's displayName.");
  AttributeDef type =
      canonical(str("type", "How the membership was made."), {"direct", "indirect"});
  AttributeDef def =
      complex(std::move(name), std::move(description), {value, ref, display, type}, true);
  if (!writable) {
    def.mutability = Mutability::ReadOnly;
    for (auto& sub : def.subAttributes) sub.mutability = Mutability::ReadOnly;
  }
  return def;
}

Schema buildUserSchema() {
  Schema s;
  s.id = std::string(kUserSchema);
  s.name = "User";
  s.description = "User Account";

  AttributeDef userName = str("userName", "Unique identifier for the User, used to sign in.");
  userName.required = true;
  userName.uniqueness = Uniqueness::Server;
  s.attributes.push_back(userName);

  s.attributes.push_back(complex(
      "name", "The components of the user's real name.",
      {str("formatted", "The full name, formatted for display."),
       str("familyName", "The family name (last name)."),
       str("givenName", "The given name (first name)."), str("middleName", "The middle name(s)."),
       str("honorificPrefix", "The honorific prefix(es), e.g. 'Ms.'."),
       str("honorificSuffix", "The honorific suffix(es), e.g. 'III'.")},
      false));
  s.attributes.push_back(str("displayName", "The name of the User, suitable for display (alias)."));
  s.attributes.push_back(str("nickName", "The casual way to address the user."));
  s.attributes.push_back(reference("profileUrl", {"external"}));
  s.attributes.back().description = "A fully qualified URL pointing to the user's online profile.";
  s.attributes.push_back(str("title", "The user's title, such as 'Vice President'."));
  s.attributes.push_back(
      str("userType", "The relationship between the organization and the user."));
  s.attributes.push_back(str("preferredLanguage", "The preferred language (RFC 7231 5.3.5)."));
  s.attributes.push_back(str("locale", "The default location for localisation, e.g. 'en-US'."));
  s.attributes.push_back(str("timezone", "The time zone in IANA format, e.g. 'Europe/Paris'."));
  s.attributes.push_back(attr("active", AttrType::Boolean, "The user's administrative status."));

  AttributeDef password = str("password", "The user's cleartext password; never returned.");
  password.mutability = Mutability::WriteOnly;
  password.returned = Returned::Never;
  s.attributes.push_back(password);

  s.attributes.push_back(complex("emails", "Email addresses for the user.",
                                 typedValueSubs("Email address.", {"work", "home", "other"}),
                                 true));
  s.attributes.push_back(
      complex("phoneNumbers", "Phone numbers for the user.",
              typedValueSubs("Phone number (RFC 3966 preferred).",
                             {"work", "home", "mobile", "fax", "pager", "other"}),
              true));
  s.attributes.push_back(
      complex("ims", "Instant messaging addresses.",
              typedValueSubs("Instant messaging address.",
                             {"aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"}),
              true));
  s.attributes.push_back(complex("photos", "URLs of photos of the user.",
                                 typedValueSubs("URL of a photo.", {"photo", "thumbnail"}), true));
  s.attributes.push_back(
      complex("addresses", "A physical mailing address for this user.",
              {multiLine(str("formatted", "The full mailing address.")),
               multiLine(str("streetAddress", "The street address.")),
               str("locality", "The city or locality."), str("region", "The state or region."),
               str("postalCode", "The zip code or postal code."),
               str("country", "The country name (ISO 3166-1 alpha-2)."),
               canonical(str("type", "work, home or other."), {"work", "home", "other"}),
               attr("primary", AttrType::Boolean, "Indicates the primary address.")},
              true));
  s.attributes.push_back(membership("groups", "The groups the user belongs to.", false));
  s.attributes.push_back(complex("entitlements", "Entitlements of the user.",
                                 typedValueSubs("The entitlement.", {}), true));
  // Roles are membership in the role groups: `value` is the role's name. A request without
  // `roles` leaves them as they are.
  s.attributes.push_back(complex("roles",
                                 "The user's roles (Administrator, Manager, Agent, Viewer).",
                                 typedValueSubs("The role name.", {}), true));
  s.attributes.push_back(complex("x509Certificates", "X.509 certificates of the user.",
                                 typedValueSubs("DER certificate, base64.", {}), true));
  return s;
}

Schema buildEnterpriseSchema() {
  Schema s;
  s.id = std::string(kEnterpriseUserSchema);
  s.name = "EnterpriseUser";
  s.description = "Enterprise User";
  s.attributes = {
      str("employeeNumber", "Numeric or alphanumeric identifier assigned to a person."),
      str("costCenter", "Identifies the name of a cost center."),
      str("organization", "Identifies the name of an organization."),
      str("division", "Identifies the name of a division."),
      str("department", "Identifies the name of a department."),
      complex("manager", "The User's manager.",
              {str("value", "The id of the SCIM resource representing the User's manager."),
               reference("$ref", {"User"}),
               readOnly(str("displayName", "The displayName of the User's manager."))},
              false)};
  return s;
}

Schema buildScimgateSchema() {
  Schema s;
  s.id = std::string(kScimgateUserSchema);
  s.name = "ScimgateUser";
  s.description = "scimgate User extension: status, skills, preferences, tenancy and MFA";
  s.attributes.push_back(readOnly(canonical(
      str("status", "Lifecycle status: active, inactive (deactivated) or pending (invited)."),
      {"active", "inactive", "pending"})));
  s.attributes.push_back(multi(str("skills", "The user's skills.")));
  s.attributes.push_back(
      multi(str("emailPreferences", "Email notification categories the user accepts.")));
  // Account membership is written through the account groups: `value` is the account's Group id.
  s.attributes.push_back(membership("accounts", "Accounts (tenants) the user belongs to.", true));
  s.attributes.push_back(
      membership("queues", "Queues the user works in (managed on the queue).", false));
  AttributeDef mfa =
      complex("mfa", "Second-factor summary.",
              {attr("totp", AttrType::Boolean, "Whether a TOTP authenticator is enrolled."),
               attr("backupCodesRemaining", AttrType::Integer, "Unused backup codes."),
               attr("codeFactor", AttrType::String,
                    "Where login codes are sent: \"email\" or \"sms\"; absent when off.")},
              false);
  mfa.mutability = Mutability::ReadOnly;
  for (auto& sub : mfa.subAttributes) sub.mutability = Mutability::ReadOnly;
  s.attributes.push_back(mfa);
  return s;
}

AttributeDef immutable(AttributeDef def) {
  def.mutability = Mutability::Immutable;
  return def;
}

Schema buildGroupSchema() {
  Schema s;
  s.id = std::string(kGroupSchema);
  s.name = "Group";
  s.description = "Group";

  AttributeDef displayName = str("displayName", "A human-readable name for the Group.");
  displayName.required = true;
  // Two groups of one kind with the same name would be indistinguishable (the name is the RDN).
  displayName.uniqueness = Uniqueness::Server;
  s.attributes.push_back(displayName);

  // RFC 7643 8.7.1: members' sub-attributes are immutable; membership changes replace values.
  s.attributes.push_back(
      complex("members", "A list of members of the Group.",
              {immutable(str("value", "Identifier of the member of this Group.")),
               immutable(reference("$ref", {"User", "Group"})),
               immutable(str("display", "The member's displayName.")),
               immutable(canonical(str("type", "The type of the member: User or Group."),
                                   {"User", "Group"}))},
              true));
  return s;
}

Schema buildScimgateGroupSchema() {
  Schema s;
  s.id = std::string(kScimgateGroupSchema);
  s.name = "ScimgateGroup";
  s.description = "scimgate Group extension: the kind of group";
  s.attributes.push_back(
      immutable(canonical(str("kind", "Which container the group lives in; set on create"),
                          {"group", "role", "queue", "account"})));
  return s;
}

std::string_view typeName(AttrType type) {
  switch (type) {
    case AttrType::String:
      return "string";
    case AttrType::Boolean:
      return "boolean";
    case AttrType::Decimal:
      return "decimal";
    case AttrType::Integer:
      return "integer";
    case AttrType::DateTime:
      return "dateTime";
    case AttrType::Binary:
      return "binary";
    case AttrType::Reference:
      return "reference";
    case AttrType::Complex:
      return "complex";
  }
  return "string";
}

std::string_view mutabilityName(Mutability m) {
  switch (m) {
    case Mutability::ReadOnly:
      return "readOnly";
    case Mutability::ReadWrite:
      return "readWrite";
    case Mutability::Immutable:
      return "immutable";
    case Mutability::WriteOnly:
      return "writeOnly";
  }
  return "readWrite";
}

std::string_view returnedName(Returned r) {
  switch (r) {
    case Returned::Always:
      return "always";
    case Returned::Never:
      return "never";
    case Returned::Default:
      return "default";
    case Returned::Request:
      return "request";
  }
  return "default";
}

std::string_view uniquenessName(Uniqueness u) {
  switch (u) {
    case Uniqueness::None:
      return "none";
    case Uniqueness::Server:
      return "server";
    case Uniqueness::Global:
      return "global";
  }
  return "none";
}

Poco::JSON::Array::Ptr stringArray(const std::vector<std::string>& values) {
  Poco::JSON::Array::Ptr array = new Poco::JSON::Array;
  for (const auto& v : values) array->add(v);
  return array;
}

Poco::JSON::Object::Ptr attributeToJson(const AttributeDef& def) {
  Poco::JSON::Object::Ptr out = new Poco::JSON::Object;
  out->set("name", def.name);
  out->set("type", std::string(typeName(def.type)));
  out->set("multiValued", def.multiValued);
  out->set("description", def.description);
  out->set("required", def.required);
  if (def.type != AttrType::Complex && def.type != AttrType::Boolean) {
    out->set("caseExact", def.caseExact);
  }
  out->set("mutability", std::string(mutabilityName(def.mutability)));
  out->set("returned", std::string(returnedName(def.returned)));
  if (def.type != AttrType::Complex && def.type != AttrType::Boolean) {
    out->set("uniqueness", std::string(uniquenessName(def.uniqueness)));
  }
  if (!def.canonicalValues.empty()) out->set("canonicalValues", stringArray(def.canonicalValues));
  if (!def.referenceTypes.empty()) out->set("referenceTypes", stringArray(def.referenceTypes));
  if (!def.subAttributes.empty()) {
    Poco::JSON::Array::Ptr subs = new Poco::JSON::Array;
    for (const auto& sub : def.subAttributes) subs->add(attributeToJson(sub));
    out->set("subAttributes", subs);
  }
  return out;
}

}  // namespace

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

const AttributeDef* AttributeDef::findSub(std::string_view subName) const {
  for (const auto& sub : subAttributes) {
    if (equalsIgnoreCase(sub.name, subName)) return &sub;
  }
  return nullptr;
}

const AttributeDef* Schema::find(std::string_view attrName) const {
  for (const auto& a : attributes) {
    if (equalsIgnoreCase(a.name, attrName)) return &a;
  }
  return nullptr;
}

const Schema* ResourceTypeDef::schemaFor(std::string_view urn) const {
  if (core != nullptr && equalsIgnoreCase(core->id, urn)) return core;
  for (const auto* ext : extensions) {
    if (equalsIgnoreCase(ext->id, urn)) return ext;
  }
  return nullptr;
}

const Schema& userSchema() {
  static const Schema schema = buildUserSchema();
  return schema;
}

const Schema& enterpriseUserSchema() {
  static const Schema schema = buildEnterpriseSchema();
  return schema;
}

const Schema& scimgateUserSchema() {
  static const Schema schema = buildScimgateSchema();
  return schema;
}

const ResourceTypeDef& userResourceType() {
  static const ResourceTypeDef type = [] {
    ResourceTypeDef t;
    t.id = "User";
    t.endpoint = "/Users";
    t.description = "User Account";
    t.core = &userSchema();
    t.extensions = {&enterpriseUserSchema(), &scimgateUserSchema()};
    return t;
  }();
  return type;
}

const Schema& groupSchema() {
  static const Schema schema = buildGroupSchema();
  return schema;
}

const Schema& scimgateGroupSchema() {
  static const Schema schema = buildScimgateGroupSchema();
  return schema;
}

const ResourceTypeDef& groupResourceType() {
  static const ResourceTypeDef type = [] {
    ResourceTypeDef t;
    t.id = "Group";
    t.endpoint = "/Groups";
    t.description = "Group";
    t.core = &groupSchema();
    t.extensions = {&scimgateGroupSchema()};
    return t;
  }();
  return type;
}

Poco::JSON::Object::Ptr schemaToJson(const Schema& schema, const std::string& location) {
  Poco::JSON::Object::Ptr out = new Poco::JSON::Object;
  Poco::JSON::Array::Ptr schemas = new Poco::JSON::Array;
  schemas->add("urn:ietf:params:scim:schemas:core:2.0:Schema");
  out->set("schemas", schemas);
  out->set("id", schema.id);
  out->set("name", schema.name);
  out->set("description", schema.description);
  Poco::JSON::Array::Ptr attributes = new Poco::JSON::Array;
  for (const auto& a : schema.attributes) attributes->add(attributeToJson(a));
  out->set("attributes", attributes);
  Poco::JSON::Object::Ptr meta = new Poco::JSON::Object;
  meta->set("resourceType", "Schema");
  meta->set("location", location);
  out->set("meta", meta);
  return out;
}

Poco::JSON::Object::Ptr resourceTypeToJson(const ResourceTypeDef& type,
                                           const std::string& location) {
  Poco::JSON::Object::Ptr out = new Poco::JSON::Object;
  Poco::JSON::Array::Ptr schemas = new Poco::JSON::Array;
  schemas->add("urn:ietf:params:scim:schemas:core:2.0:ResourceType");
  out->set("schemas", schemas);
  out->set("id", type.id);
  out->set("name", type.id);
  out->set("endpoint", type.endpoint);
  out->set("description", type.description);
  out->set("schema", type.core->id);
  Poco::JSON::Array::Ptr extensions = new Poco::JSON::Array;
  for (const auto* ext : type.extensions) {
    Poco::JSON::Object::Ptr e = new Poco::JSON::Object;
    e->set("schema", ext->id);
    e->set("required", false);
    extensions->add(e);
  }
  out->set("schemaExtensions", extensions);
  Poco::JSON::Object::Ptr meta = new Poco::JSON::Object;
  meta->set("resourceType", "ResourceType");
  meta->set("location", location);
  out->set("meta", meta);
  return out;
}

Poco::JSON::Object::Ptr serviceProviderConfigToJson(const ServiceProviderFeatures& features,
                                                    const std::string& location) {
  auto supported = [](bool value) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("supported", value);
    return o;
  };
  Poco::JSON::Object::Ptr out = new Poco::JSON::Object;
  Poco::JSON::Array::Ptr schemas = new Poco::JSON::Array;
  schemas->add("urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig");
  out->set("schemas", schemas);
  if (!features.documentationUri.empty()) out->set("documentationUri", features.documentationUri);
  out->set("patch", supported(features.patch));
  Poco::JSON::Object::Ptr bulk = supported(features.bulk);
  bulk->set("maxOperations", features.bulk ? features.bulkMaxOperations : 0);
  bulk->set("maxPayloadSize", features.bulk ? features.bulkMaxPayloadSize : 0);
  out->set("bulk", bulk);
  Poco::JSON::Object::Ptr filter = supported(features.filter);
  filter->set("maxResults", features.maxResults);
  out->set("filter", filter);
  out->set("changePassword", supported(features.changePassword));
  out->set("sort", supported(features.sort));
  out->set("etag", supported(features.etag));
  // RFC 9865 2.4: how the server paginates.
  Poco::JSON::Object::Ptr pagination = new Poco::JSON::Object;
  pagination->set("cursor", features.cursorPagination);
  pagination->set("index", features.indexPagination);
  // A list without `cursor` or `startIndex` is index-paginated: the RFC 7644 default clients know.
  pagination->set("defaultPaginationMethod", "index");
  pagination->set("defaultPageSize", features.defaultPageSize);
  pagination->set("maxPageSize", features.maxPageSize);
  out->set("pagination", pagination);

  Poco::JSON::Array::Ptr schemes = new Poco::JSON::Array;
  Poco::JSON::Object::Ptr bearer = new Poco::JSON::Object;
  bearer->set("type", "oauthbearertoken");
  bearer->set("name", "OAuth Bearer Token");
  bearer->set("description", "Authentication with a bearer token in the Authorization header.");
  bearer->set("primary", true);
  schemes->add(bearer);
  out->set("authenticationSchemes", schemes);

  Poco::JSON::Object::Ptr meta = new Poco::JSON::Object;
  meta->set("resourceType", "ServiceProviderConfig");
  meta->set("location", location);
  out->set("meta", meta);
  return out;
}

}  // namespace scimgate::scim
