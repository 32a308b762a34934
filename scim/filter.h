#pragma once

#include <Poco/JSON/Object.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "scim/result.h"

namespace scimgate::scim {

/// An attribute path as written in a filter: optional schema URN, attribute, optional
/// sub-attribute. `urn:ietf:params:scim:schemas:core:2.0:User:name.givenName` gives {schema =
/// "urn:ietf:params:scim:schemas:core:2.0:User", attribute = "name", subAttribute = "givenName"}.
/// Names keep the caller's spelling; compare them case-insensitively (RFC 7644 3.4.2.2).
struct AttrPath {
  std::string schema;
  std::string attribute;
  std::string subAttribute;

  /// "attribute" or "attribute.subAttribute" (no schema), as written.
  std::string dotted() const;
};

enum class CompareOp { Eq, Ne, Co, Sw, Ew, Gt, Ge, Lt, Le, Pr };

/// A comparison value. `text` holds the decoded string for strings, the literal text for numbers
/// ("42", "-1.5e3"), "true"/"false" for booleans and "null" for null.
struct Literal {
  enum class Type { String, Number, Boolean, Null };
  Type type = Type::Null;
  std::string text;
  bool boolean = false;
};

struct Filter;
using FilterPtr = std::unique_ptr<Filter>;

/// A node of the filter AST.
/// - Compare: `path op value` (`value` unused for `pr`).
/// - And / Or: `left` and `right`.
/// - Not: `left` is the negated filter.
/// - ValuePath: `path` names the multi-valued attribute (no sub-attribute); `left` is the inner
///   filter whose paths are relative to one value of it (`emails[type eq "work"]`).
struct Filter {
  enum class Kind { Compare, And, Or, Not, ValuePath };
  Kind kind = Kind::Compare;
  AttrPath path;
  CompareOp op = CompareOp::Eq;
  Literal value;
  FilterPtr left;
  FilterPtr right;
};

/// Parses a filter per RFC 7644 3.4.2.2 (operators and keywords case-insensitive, `and` binds
/// tighter than `or`, `not (...)`, value paths, JSON string escapes). On failure the error is
/// InvalidFilter and its detail names the character position (0-based) where parsing broke.
Result<FilterPtr> parseFilter(std::string_view text);

/// A PATCH `path` (RFC 7644 3.5.2): `attrPath`, `attrPath[valFilter]` or `attrPath[valFilter].sub`.
struct PatchPath {
  AttrPath attr;             // attribute (and sub-attribute when there is no value filter)
  FilterPtr valueFilter;     // null when absent
  std::string subAttribute;  // only after a value filter: `emails[type eq "work"].value`
};

/// Parses a PATCH path; errors are InvalidPath with position.
Result<PatchPath> parsePatchPath(std::string_view text);

/// A canonical text form of the AST, for tests and logs: fully parenthesised,
/// lower-case operators, strings re-quoted as JSON, e.g. `((userName eq "a") and (not (title
/// pr)))`.
std::string toString(const Filter& filter);

/// Tells whether an attribute compares case-sensitively (schema `caseExact`). Receives the path
/// relative to the resource (for value paths the inner path is joined: emails.value).
using CaseExactLookup = std::function<bool(const AttrPath&)>;

/// Evaluates the filter against one resource in memory (RFC 7644 3.4.2.2 semantics: a multi-valued
/// attribute matches when any value matches; `pr` is false for null, "" and empty arrays;
/// gt/ge/lt/le on strings compare lexically, which also orders RFC 3339 dateTimes; booleans only
/// eq/ne).
bool matches(const Filter& filter, const Poco::JSON::Object& resource,
             const CaseExactLookup& caseExact);

}  // namespace scimgate::scim
