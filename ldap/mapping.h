#pragma once

#include <Poco/JSON/Object.h>

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ldap/settings.h"
#include "scim/filter.h"
#include "scim/result.h"
#include "scim/schema.h"

namespace scimgate::ldap {

/// Orders LDAP attribute descriptions case-insensitively (RFC 4512 2.5).
struct AttrNameLess {
  bool operator()(const std::string& a, const std::string& b) const;
};

/// An LDAP entry's attributes: description -> values.
using Attributes = std::map<std::string, std::vector<std::string>, AttrNameLess>;

/// The LDAP attribute that keeps, as JSON, the SCIM data no mapped attribute holds (addresses,
/// extra emails, types and primary flags...), so nothing a client sends is lost.
inline constexpr char kResourceAttribute[] = "scimgateResource";
inline constexpr char kStatusAttribute[] = "scimgateStatus";

/// Translates between the canonical SCIM User (scim/user.h) and LDAP attributes, and SCIM filters
/// into LDAP filters, through a table of `SCIM path -> LDAP attribute` entries. Path forms:
///   `userName`, `name.givenName`, `urn:...:enterprise:2.0:User:employeeNumber`,
///   `emails[primary].value` (the primary value, or the first), `emails[all].value` (every value,
///   primary first, in one multi-valued attribute), `phoneNumbers[type=work].value`.
/// Simple multi-valued attributes (`...:skills`) map to a multi-valued LDAP attribute.
class UserMapping {
 public:
  /// Builds the mapping; InvalidValue names a path the schema does not know or cannot map.
  /// `profile` names the directory's timestamps (meta.created, meta.lastModified).
  static scim::Result<UserMapping> create(const std::map<std::string, std::string>& table,
                                          const Profile& profile = Profile{});

  /// LDAP attributes for a canonical SCIM User (without objectClass and RDN bookkeeping).
  /// `cn` and `sn`, which inetOrgPerson requires, are derived when the user has no value for them.
  Attributes toLdap(const Poco::JSON::Object& attributes) const;

  /// The canonical SCIM attributes of an entry (without id and meta).
  Poco::JSON::Object::Ptr toScim(const Attributes& entry) const;

  /// Every LDAP attribute a user read needs (mapped ones, status, remainder, operational).
  /// `profile` names the directory's id and version attributes.
  std::vector<std::string> readAttributes(const Profile& profile) const;

  /// The LDAP attributes needed to produce only the given SCIM attributes (as
  /// scim::neededAttributes names them: "userName", "name", "<extension urn>:skills"...). The
  /// JSON remainder is only read when a needed attribute may live there.
  std::vector<std::string> readAttributesFor(const std::vector<std::string>& scimAttributes,
                                             const Profile& profile) const;

  /// The LDAP attribute holding a SCIM path such as "userName", or "" if unmapped.
  std::string ldapAttributeFor(const scim::AttrPath& path) const;
  /// Every LDAP attribute holding values of a SCIM path (`phoneNumbers.value` lives in
  /// telephoneNumber and mobile); empty if unmapped.
  std::vector<std::string> ldapAttributesFor(const scim::AttrPath& path) const;
  /// Whether the directory holds only the primary value of this multi-valued attribute (AD's
  /// mail): a filter on it must see the others too.
  bool holdsOnlyPrimary(const scim::AttrPath& path) const;

  /// An RFC 4515 filter equivalent to the SCIM filter; InvalidFilter for an attribute the mapping
  /// does not know or an operator that cannot apply to it. Every value is escaped.
  scim::Result<std::string> toLdapFilter(const scim::Filter& filter) const;

  struct Entry {
    std::string schema;        // "" for core, else the extension URN
    std::string attribute;     // canonical name
    std::string subAttribute;  // "" or canonical sub-attribute name
    // Primary/Type: one element's sub-attribute. All: every element's, all of them searchable in
    // one multi-valued LDAP attribute (primary first); the elements stay whole in the remainder.
    enum class Selector { None, Primary, Type, All } selector = Selector::None;
    std::string typeValue;  // for Selector::Type
    std::string ldap;
    const scim::AttributeDef* def = nullptr;  // the attribute (not the sub-attribute)
  };

 private:
  scim::Result<std::string> leafFilter(const scim::Filter& filter) const;

  std::vector<Entry> entries_;
  std::string createdAttribute_ = "createTimestamp";
  std::string modifiedAttribute_ = "modifyTimestamp";
};

/// An RFC 4515 filter for a SCIM filter: `and`, `or` and `not` are translated here, and every
/// Compare or ValuePath node goes to `leaf`, whose errors are returned as they are.
scim::Result<std::string> translateFilter(
    const scim::Filter& filter,
    const std::function<scim::Result<std::string>(const scim::Filter&)>& leaf);

/// The comparison inside a value path over one sub-attribute (`emails[value eq "x"]`, whose
/// `left` is a Compare) as that comparison on the dotted path (`emails.value eq "x"`).
scim::Filter flattenValuePath(const scim::Filter& valuePath);

/// One SCIM comparison (`filter.kind` is Compare) on one LDAP attribute as an RFC 4515 filter,
/// the value escaped; `isTime` converts an RFC 3339 value to GeneralizedTime. InvalidFilter for
/// an operator that cannot apply (null with anything but eq/ne, a malformed date, gt/ge/lt/le on
/// an attribute without an ORDERING rule).
scim::Result<std::string> compareFilter(const scim::Filter& filter, const std::string& attr,
                                        bool isTime);

/// Whether the directory can evaluate >= and <= on this LDAP attribute (it has an ORDERING
/// matching rule): the timestamps, entryUUID and the shipped scimgate schema's attributes.
/// Standard ones such as uid, mail and cn have none, so compareFilter refuses gt/ge/lt/le on
/// them with InvalidFilter (user searches then evaluate the filter in memory).
bool hasOrderingRule(std::string_view attribute);

/// RFC 3339 -> LDAP GeneralizedTime (RFC 4517 3.3.13), in UTC; empty on bad input.
std::string toGeneralizedTime(const std::string& rfc3339);
/// LDAP GeneralizedTime -> RFC 3339 in UTC ("2026-11-23T10:57:01Z").
std::string fromGeneralizedTime(const std::string& generalized);

}  // namespace scimgate::ldap
