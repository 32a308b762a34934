#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "scim/detail/canonical.h"
#include "scim/detail/filter_text.h"
#include "scim/filter.h"

// In-memory evaluation of a parsed filter: `matches` (scim/filter.h).
namespace scimgate::scim {

namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

using detail::asArray;
using detail::asObject;
using detail::equalsIgnoreCase;
using detail::toLowerAscii;

std::string lowerAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = toLowerAscii(c);
  return out;
}

std::optional<std::string> asString(const Var& value) {
  if (!value.isString()) return std::nullopt;
  try {
    return value.convert<std::string>();
  } catch (const Poco::Exception&) {
    return std::nullopt;
  }
}

// RFC 7644 3.4.2.2 / RFC 7643 2.1: attribute names compare case-insensitively.
const Var* findMember(const Object& object, std::string_view name) {
  for (const auto& [key, value] : object) {
    if (equalsIgnoreCase(key, name)) return &value;
  }
  return nullptr;
}

// `pr`: present and not null, not "", not an empty array or object.
bool isPresent(const Var& value) {
  if (value.isEmpty()) return false;
  if (value.type() == typeid(Array::Ptr) && value.extract<Array::Ptr>().isNull()) return false;
  if (value.type() == typeid(Object::Ptr) && value.extract<Object::Ptr>().isNull()) return false;
  if (const Array* array = asArray(value)) {
    for (const Var& element : *array) {
      if (isPresent(element)) return true;
    }
    return false;
  }
  if (const Object* object = asObject(value)) return object->size() > 0;
  if (std::optional<std::string> text = asString(value)) return !text->empty();
  return true;
}

template <typename Visit>
void forEachValue(const Var& value, Visit&& visit) {
  if (const Array* array = asArray(value)) {
    for (const Var& element : *array) visit(element);
    return;
  }
  visit(value);
}

/// One value to compare, with the path (relative to the resource) that decides caseExact.
struct Candidate {
  const Var* value;
  AttrPath path;
};

int compareThreeWay(auto a, auto b) { return a < b ? -1 : (b < a ? 1 : 0); }

bool orderingHolds(CompareOp op, int cmp) {
  switch (op) {
    case CompareOp::Eq:
      return cmp == 0;
    case CompareOp::Gt:
      return cmp > 0;
    case CompareOp::Ge:
      return cmp >= 0;
    case CompareOp::Lt:
      return cmp < 0;
    case CompareOp::Le:
      return cmp <= 0;
    case CompareOp::Ne:
    case CompareOp::Co:
    case CompareOp::Sw:
    case CompareOp::Ew:
    case CompareOp::Pr:
      return false;
  }
  return false;
}

bool compareStrings(CompareOp op, std::string actual, std::string expected, bool caseExact) {
  if (!caseExact) {
    actual = lowerAscii(actual);
    expected = lowerAscii(expected);
  }
  switch (op) {
    case CompareOp::Co:
      return actual.find(expected) != std::string::npos;
    case CompareOp::Sw:
      return actual.starts_with(expected);
    case CompareOp::Ew:
      return actual.ends_with(expected);
    default:
      return orderingHolds(op, actual.compare(expected));
  }
}

template <typename T>
std::optional<T> parseInteger(const std::string& text) {
  T value{};
  const char* end = text.data() + text.size();
  const std::from_chars_result parsed = std::from_chars(text.data(), end, value);
  if (parsed.ec != std::errc() || parsed.ptr != end) return std::nullopt;
  return value;
}

// Integers compare exactly (a JSON number may exceed a double's 53-bit mantissa); anything else
// compares as double.
std::optional<int> compareNumbers(const Var& actual, const std::string& literal) {
  try {
    if (actual.isInteger() && actual.isSigned()) {
      if (const auto wanted = parseInteger<std::int64_t>(literal)) {
        return compareThreeWay(actual.convert<std::int64_t>(), *wanted);
      }
    } else if (actual.isInteger()) {
      if (const auto wanted = parseInteger<std::uint64_t>(literal)) {
        return compareThreeWay(actual.convert<std::uint64_t>(), *wanted);
      }
      if (const auto wanted = parseInteger<std::int64_t>(literal); wanted && *wanted < 0) return 1;
    }
    double wanted = 0;
    const char* end = literal.data() + literal.size();
    const std::from_chars_result parsed = std::from_chars(literal.data(), end, wanted);
    if (parsed.ec != std::errc() || parsed.ptr != end) return std::nullopt;
    return compareThreeWay(actual.convert<double>(), wanted);
  } catch (const Poco::Exception&) {
    return std::nullopt;
  }
}

class Evaluator {
 public:
  explicit Evaluator(const CaseExactLookup& caseExact) : caseExact_(caseExact) {}

  // `outer` is the value path being evaluated (paths in `filter` are relative to `object`), or
  // null at the top level (paths are relative to the resource `object`).
  bool evaluate(const Filter& filter, const Object& object, const AttrPath* outer) const {
    switch (filter.kind) {
      case Filter::Kind::Compare:
        return evaluateCompare(filter, object, outer);
      case Filter::Kind::And:
        return filter.left && filter.right && evaluate(*filter.left, object, outer) &&
               evaluate(*filter.right, object, outer);
      case Filter::Kind::Or:
        return (filter.left && evaluate(*filter.left, object, outer)) ||
               (filter.right && evaluate(*filter.right, object, outer));
      case Filter::Kind::Not:
        return filter.left && !evaluate(*filter.left, object, outer);
      case Filter::Kind::ValuePath:
        return evaluateValuePath(filter, object, outer);
    }
    return false;
  }

 private:
  // RFC 7644 3.10: a URN-qualified attribute of an extension lives in the object keyed by the
  // extension URN; one of the core schema lives at the top level. Null: the schema is neither.
  static const Object* baseObject(const AttrPath& path, const Object& resource) {
    if (path.schema.empty()) return &resource;
    if (const Var* extension = findMember(resource, path.schema)) return asObject(*extension);
    const Var* schemas = findMember(resource, "schemas");
    const Array* list = schemas ? asArray(*schemas) : nullptr;
    if (!list) return &resource;
    for (const Var& schema : *list) {
      if (std::optional<std::string> urn = asString(schema);
          urn && equalsIgnoreCase(*urn, path.schema)) {
        return &resource;
      }
    }
    return nullptr;
  }

  // The path relative to the resource: inside `emails[...]`, `value` becomes `emails.value`.
  static AttrPath resourcePath(const AttrPath& path, const AttrPath* outer) {
    if (!outer) return path;
    return AttrPath{outer->schema, outer->attribute, path.dotted()};
  }

  [[nodiscard]] bool isCaseExact(const AttrPath& path) const {
    return caseExact_ && caseExact_(path);
  }

  bool evaluateCompare(const Filter& filter, const Object& object, const AttrPath* outer) const {
    const Object* base = outer ? &object : baseObject(filter.path, object);
    const Var* attribute = base ? findMember(*base, filter.path.attribute) : nullptr;
    const AttrPath path = resourcePath(filter.path, outer);

    std::vector<Candidate> candidates;
    if (attribute && !filter.path.subAttribute.empty()) {
      // emails.value: the sub-attribute of the value, or of any value of a multi-valued one.
      forEachValue(*attribute, [&](const Var& element) {
        const Object* complex = asObject(element);
        const Var* sub = complex ? findMember(*complex, filter.path.subAttribute) : nullptr;
        if (!sub) return;
        forEachValue(*sub, [&](const Var& leaf) { candidates.push_back({&leaf, path}); });
      });
    } else if (attribute) {
      // RFC 7644 3.4.2.2: a complex multi-valued attribute without a sub-attribute is compared
      // through its "value" sub-attribute (`emails co "@example.com"`).
      AttrPath valuePath = path;
      if (valuePath.subAttribute.empty()) valuePath.subAttribute = "value";
      forEachValue(*attribute, [&](const Var& element) {
        const Object* complex = asObject(element);
        if (!complex) {
          candidates.push_back({&element, path});
          return;
        }
        if (const Var* value = findMember(*complex, "value")) {
          candidates.push_back({value, valuePath});
        }
      });
    }

    if (filter.op == CompareOp::Pr) {
      if (filter.path.subAttribute.empty()) return attribute && isPresent(*attribute);
      for (const Candidate& candidate : candidates) {
        if (isPresent(*candidate.value)) return true;
      }
      return false;
    }
    // `eq null` holds when the attribute is not present (absent, null, "" or []); `ne null` is its
    // negation. Other operators never match null.
    if (filter.value.type == Literal::Type::Null) {
      bool present = false;
      for (const Candidate& candidate : candidates)
        present = present || isPresent(*candidate.value);
      if (filter.op == CompareOp::Eq) return !present;
      if (filter.op == CompareOp::Ne) return present;
      return false;
    }
    // `ne` is the negation of `eq` over all values (like LDAP's (!(attr=value))): it holds for an
    // absent attribute and fails when any value is equal.
    const CompareOp op = filter.op == CompareOp::Ne ? CompareOp::Eq : filter.op;
    bool any = false;
    for (const Candidate& candidate : candidates) {
      if (compareOne(op, *candidate.value, filter.value, candidate.path)) {
        any = true;
        break;
      }
    }
    return filter.op == CompareOp::Ne ? !any : any;
  }

  [[nodiscard]] bool compareOne(CompareOp op, const Var& actual, const Literal& expected,
                                const AttrPath& path) const {
    if (actual.isEmpty()) return false;
    switch (expected.type) {
      case Literal::Type::String: {
        std::optional<std::string> text = asString(actual);
        if (!text) return false;
        return compareStrings(op, std::move(*text), expected.text, isCaseExact(path));
      }
      case Literal::Type::Number: {
        if (actual.isBoolean() || !actual.isNumeric()) return false;
        std::optional<int> cmp = compareNumbers(actual, expected.text);
        return cmp && orderingHolds(op, *cmp);
      }
      case Literal::Type::Boolean: {
        // Booleans support only eq (and ne, evaluated as its negation).
        if (op != CompareOp::Eq || !actual.isBoolean()) return false;
        try {
          return actual.convert<bool>() == expected.boolean;
        } catch (const Poco::Exception&) {
          return false;
        }
      }
      case Literal::Type::Null:
        return false;
    }
    return false;
  }

  // emails[type eq "work"]: some value of the attribute (or the single complex value) satisfies
  // the inner filter, evaluated relative to that value.
  bool evaluateValuePath(const Filter& filter, const Object& object, const AttrPath* outer) const {
    if (!filter.left) return false;
    const Object* base = outer ? &object : baseObject(filter.path, object);
    const Var* attribute = base ? findMember(*base, filter.path.attribute) : nullptr;
    if (!attribute) return false;
    const AttrPath path = resourcePath(filter.path, outer);
    bool found = false;
    forEachValue(*attribute, [&](const Var& element) {
      if (found) return;
      const Object* complex = asObject(element);
      found = complex && evaluate(*filter.left, *complex, &path);
    });
    return found;
  }

  const CaseExactLookup& caseExact_;
};

}  // namespace

bool matches(const Filter& filter, const Poco::JSON::Object& resource,
             const CaseExactLookup& caseExact) {
  return Evaluator(caseExact).evaluate(filter, resource, nullptr);
}

}  // namespace scimgate::scim
