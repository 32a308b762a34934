#pragma once

#include <Poco/JSON/Object.h>

#include <string>
#include <string_view>
#include <vector>

#include "scim/filter.h"
#include "scim/result.h"
#include "scim/schema.h"

namespace scimgate::scim {

/// A parsed `attributes` / `excludedAttributes` pair (RFC 7644 3.4.2.5, 3.9).
///
/// parseProjection fills both lists with resolved paths in the schema's spelling:
/// - core attribute: {schema = core URN, attribute, optional subAttribute};
/// - extension attribute: {schema = extension URN, attribute, optional subAttribute};
/// - common attribute (id, externalId, meta, schemas): {schema = "", attribute, optional sub};
/// - a whole schema (a bare URN, e.g. the enterprise extension's): {schema = URN, attribute = ""}.
/// project() compares case-insensitively and also takes hand-built paths with an empty schema as
/// naming a core or common attribute.
struct Projection {
  std::vector<AttrPath> attributes;  // empty = default set
  std::vector<AttrPath> excluded;    // only used when `attributes` is empty

  /// True when neither list names anything: the resource is returned with its default set.
  bool empty() const;
};

/// Parses the `attributes` and `excludedAttributes` query parameters: comma-separated attribute
/// paths with optional whitespace around each (empty items, as in "a,,b", are skipped). Names are
/// resolved case-insensitively against `type`'s schemas and the common attributes id, externalId,
/// meta (with created, lastModified, location, version, resourceType) and schemas. An item may be
/// - `name` or `name.sub` (core or common attribute),
/// - `<urn>:name` or `<urn>:name.sub` (core or extension attribute),
/// - `<urn>` alone: the whole schema (for an extension, its whole object),
/// - `name[filter]` or `name[filter].sub` (seen in Microsoft Entra's test collection): the value
///   filter is dropped and the item names `name` (or `name.sub`), i.e. every value is returned.
/// Names that resolve to nothing (unknown attributes or schemas, a sub-attribute of a simple
/// attribute) are ignored, since RFC 7644 requires no error and clients send junk; a list whose
/// every name is ignored counts as absent. When both lists name something, `attributes` wins and
/// `excluded` is left empty (RFC 7644 3.9 offers them as alternatives).
/// An item that is not an attribute path (characters outside ATTRNAME / URN syntax, an unclosed
/// bracket, a broken value filter) gives InvalidValue whose detail names the parameter and the
/// 0-based position within it, e.g. "invalid attributes: unexpected '!' in attribute at 12"; both
/// lists are checked even when `attributes` wins.
Result<Projection> parseProjection(std::string_view attributes, std::string_view excludedAttributes,
                                   const ResourceTypeDef& type);

/// Applies the projection to a full resource (as userToJson makes it) and returns a new,
/// deep-copied object; the input is never modified. RFC 7643 7 `returned` decides with the lists:
/// - `never` (password) is never in the output, even when named;
/// - `always` (id, schemas) is always in it, even when excluded;
/// - `default` is in it unless excluded, or unless `attributes` is given and does not name it;
/// - `request` is in it only when it (or its parent, or its whole schema) is named in `attributes`.
/// `meta` and `externalId` are `default`; `meta` is complex and its sub-attributes can be named.
/// Naming a sub-attribute (`name.givenName`, `emails.value`) keeps only that sub-attribute (of
/// every value of a multi-valued attribute) plus any `always` sub-attributes; excluding one removes
/// only it. Values, complex attributes and extension objects left empty by the projection are
/// dropped. Keys the schemas do not define are kept in the default set and dropped when
/// `attributes` is given. `schemas` lists the core URN and the extension URNs whose objects are
/// still present.
Poco::JSON::Object::Ptr project(const Poco::JSON::Object& resource, const Projection& projection,
                                const ResourceTypeDef& type);

/// The top-level attributes the projection can put in the output, so the directory layer can
/// request only the LDAP attributes it needs: common ones as "id", "externalId", "meta", core ones
/// in the schema's spelling ("userName"), extension ones as "<urn>:<name>", in schema order.
/// `schemas` (derived, not stored) and `never` attributes are never listed; an empty projection
/// lists every `always` and `default` attribute.
std::vector<std::string> neededAttributes(const Projection& projection,
                                          const ResourceTypeDef& type);

}  // namespace scimgate::scim
