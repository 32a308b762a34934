#include <functional>

#include "ldap/escape.h"
#include "ldap/mapping.h"

// SCIM filters as RFC 4515 LDAP filters (UserMapping::toLdapFilter and its parts).
namespace scimgate::ldap {
namespace {

using scim::ErrorKind;
using scim::makeError;

bool isOrdering(scim::CompareOp op) {
  using Op = scim::CompareOp;
  return op == Op::Gt || op == Op::Ge || op == Op::Lt || op == Op::Le;
}

}  // namespace

bool hasOrderingRule(std::string_view attribute) {
  // RFC 4512 4.1.2: without an ORDERING rule, >= and <= evaluate to Undefined and match nothing.
  // uid, mail, cn, sn, givenName, displayName, telephoneNumber... have none (RFC 4519, 2798);
  // the timestamps, entryUUID and the shipped scimgate schema's attributes have one.
  for (const char* ordered :
       {"createTimestamp", "modifyTimestamp", "entryUUID", "whenCreated", "whenChanged"}) {
    if (scim::equalsIgnoreCase(attribute, ordered)) return true;
  }
  constexpr std::string_view kShipped = "scimgate";
  return attribute.size() > kShipped.size() &&
         scim::equalsIgnoreCase(attribute.substr(0, kShipped.size()), kShipped) &&
         !scim::equalsIgnoreCase(attribute, kResourceAttribute);
}

// One comparison on one LDAP attribute (RFC 4515), the value escaped.
scim::Result<std::string> compareFilter(const scim::Filter& filter, const std::string& attr,
                                        bool isTime) {
  using Op = scim::CompareOp;
  const scim::Literal& value = filter.value;
  const std::string dotted = filter.path.dotted();
  if (filter.op == Op::Pr) return "(" + attr + "=*)";
  if (value.type == scim::Literal::Type::Null) {
    if (filter.op == Op::Eq) return "(!(" + attr + "=*))";
    if (filter.op == Op::Ne) return "(" + attr + "=*)";
    return makeError(ErrorKind::InvalidFilter, "null compares only with eq or ne");
  }
  std::string text = value.text;
  if (value.type == scim::Literal::Type::Boolean) text = value.boolean ? "TRUE" : "FALSE";
  if (isOrdering(filter.op) && !isTime && !hasOrderingRule(attr)) {
    return makeError(ErrorKind::InvalidFilter, "'" + dotted +
                                                   "' cannot be ordered (gt, ge, lt, le) by the "
                                                   "directory: its attribute " +
                                                   attr + " has no ORDERING rule");
  }
  if (isTime) {
    text = toGeneralizedTime(value.text);
    if (text.empty()) {
      return makeError(ErrorKind::InvalidFilter,
                       "'" + dotted + "' needs an RFC 3339 date-time, got '" + value.text + "'");
    }
  }
  const std::string v = escapeFilterValue(text);
  switch (filter.op) {
    case Op::Eq:
      return "(" + attr + "=" + v + ")";
    case Op::Ne:
      return "(!(" + attr + "=" + v + "))";
    case Op::Co:
      return "(" + attr + "=*" + v + "*)";
    case Op::Sw:
      return "(" + attr + "=" + v + "*)";
    case Op::Ew:
      return "(" + attr + "=*" + v + ")";
    case Op::Ge:
      return "(" + attr + ">=" + v + ")";
    case Op::Le:
      return "(" + attr + "<=" + v + ")";
    case Op::Gt:
      return "(&(" + attr + ">=" + v + ")(!(" + attr + "=" + v + ")))";
    case Op::Lt:
      return "(&(" + attr + "<=" + v + ")(!(" + attr + "=" + v + ")))";
    case Op::Pr:
      break;
  }
  return makeError(ErrorKind::InvalidFilter, "unsupported operator");
}

scim::Filter flattenValuePath(const scim::Filter& valuePath) {
  const scim::Filter& inner = *valuePath.left;
  scim::Filter flat;
  flat.kind = scim::Filter::Kind::Compare;
  flat.path = valuePath.path;
  flat.path.subAttribute = inner.path.attribute;
  flat.op = inner.op;
  flat.value = inner.value;
  return flat;
}

scim::Result<std::string> translateFilter(
    const scim::Filter& filter,
    const std::function<scim::Result<std::string>(const scim::Filter&)>& leaf) {
  using Kind = scim::Filter::Kind;
  switch (filter.kind) {
    case Kind::And:
    case Kind::Or: {
      auto left = translateFilter(*filter.left, leaf);
      if (!left) return left.error();
      auto right = translateFilter(*filter.right, leaf);
      if (!right) return right.error();
      return std::string(filter.kind == Kind::And ? "(&" : "(|") + *left + *right + ")";
    }
    case Kind::Not: {
      auto inner = translateFilter(*filter.left, leaf);
      if (!inner) return inner.error();
      return "(!" + *inner + ")";
    }
    case Kind::ValuePath:
    case Kind::Compare:
      break;
  }
  return leaf(filter);
}

scim::Result<std::string> UserMapping::toLdapFilter(const scim::Filter& filter) const {
  return translateFilter(filter, [this](const scim::Filter& node) { return leafFilter(node); });
}

scim::Result<std::string> UserMapping::leafFilter(const scim::Filter& filter) const {
  using Kind = scim::Filter::Kind;
  using Op = scim::CompareOp;
  switch (filter.kind) {
    case Kind::And:
    case Kind::Or:
    case Kind::Not:
      return toLdapFilter(filter);  // translateFilter handles these; kept for -Wswitch
    case Kind::ValuePath: {
      // A value path over one mapped sub-attribute (`emails[value eq "x"]`) reads as
      // `emails.value`.
      const scim::Filter& inner = *filter.left;
      if (inner.kind == Kind::Compare) {
        scim::Filter flat = flattenValuePath(filter);
        if (!ldapAttributeFor(flat.path).empty()) return toLdapFilter(flat);
      }
      return makeError(ErrorKind::InvalidFilter, "the value filter on '" + filter.path.dotted() +
                                                     "' cannot be evaluated by the directory");
    }
    case Kind::Compare:
      break;
  }

  const scim::AttrPath& path = filter.path;
  const scim::Literal& value = filter.value;
  const std::string dotted = path.dotted();
  std::string attr;
  bool isTime = false;
  if (path.schema.empty() || scim::equalsIgnoreCase(path.schema, scim::kUserSchema)) {
    if (scim::equalsIgnoreCase(dotted, "id")) attr = "entryUUID";
    if (scim::equalsIgnoreCase(dotted, "meta.created")) attr = createdAttribute_, isTime = true;
    if (scim::equalsIgnoreCase(dotted, "meta.lastModified")) {
      attr = modifiedAttribute_;
      isTime = true;
    }
    if (scim::equalsIgnoreCase(dotted, "active")) {
      if (filter.op == Op::Pr) return std::string("(objectClass=*)");
      if ((filter.op != Op::Eq && filter.op != Op::Ne) ||
          value.type != scim::Literal::Type::Boolean) {
        return makeError(ErrorKind::InvalidFilter, "'active' compares only with eq/ne true/false");
      }
      const bool wantActive = value.boolean == (filter.op == Op::Eq);
      return std::string(wantActive ? "(!(" : "(") + kStatusAttribute + "=inactive" +
             (wantActive ? "))" : ")");
    }
  }
  if (attr.empty() && holdsOnlyPrimary(path)) {
    // The directory holds one of the values (AD's single mail): the others, in the remainder,
    // could match. The gateway evaluates it (InvalidFilter leads there).
    return makeError(ErrorKind::InvalidFilter,
                     "the directory holds only the primary value of '" + dotted + "'");
  }
  std::vector<std::string> attrs = attr.empty() ? ldapAttributesFor(path) : std::vector{attr};
  if (attrs.size() > 1) {
    // One SCIM attribute kept in several LDAP attributes: any of them may match (RFC 7644
    // 3.4.2.2 multi-valued semantics); `ne` and absence need all of them.
    const bool all =
        filter.op == Op::Ne || (value.type == scim::Literal::Type::Null && filter.op == Op::Eq);
    std::string combined = all ? "(&" : "(|";
    for (const auto& one : attrs) {
      auto part = compareFilter(filter, one, false);
      if (!part) return part.error();
      combined += *part;
    }
    return combined + ")";
  }
  if (!attrs.empty()) attr = attrs.front();
  if (attr.empty()) {
    return makeError(ErrorKind::InvalidFilter,
                     "attribute '" + dotted + "' cannot be filtered: it is unknown or not mapped");
  }

  return compareFilter(filter, attr, isTime);
}

}  // namespace scimgate::ldap
