#include "scim/filter.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scim/detail/filter_lexer.h"
#include "scim/detail/filter_parser.h"
#include "scim/detail/filter_text.h"
#include "scim/text.h"

// Parsing (scim/detail/filter_parser) and printing; evaluation is in scim/filter_eval.cpp.
namespace scimgate::scim {

namespace {

std::string quoteJson(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default: {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
          out += "\\u00";
          out += detail::kHexDigits[byte >> 4];
          out += detail::kHexDigits[byte & 0x0f];
        } else {
          out += c;
        }
      }
    }
  }
  out += '"';
  return out;
}

std::string pathToString(const AttrPath& path) {
  if (path.schema.empty()) return path.dotted();
  return path.schema + ":" + path.dotted();
}

std::string literalToString(const Literal& literal) {
  switch (literal.type) {
    case Literal::Type::String:
      return quoteJson(literal.text);
    case Literal::Type::Number:
      return literal.text;
    case Literal::Type::Boolean:
      return literal.boolean ? "true" : "false";
    case Literal::Type::Null:
      return "null";
  }
  return "null";
}

std::string childToString(const FilterPtr& child) { return child ? toString(*child) : "(?)"; }

// `a and b and c` parses to a left-deep tree; it prints as one flat chain, not one parenthesis per
// term, so that what is printed nests no deeper than the parser accepts (kMaxNesting).
std::string chainToString(const Filter& filter, const char* word) {
  std::vector<const FilterPtr*> operands;
  const Filter* node = &filter;
  while (node->kind == filter.kind) {
    operands.push_back(&node->right);
    if (!node->left) break;
    node = node->left.get();
  }
  std::string out = "(";
  out += node->kind == filter.kind ? "(?)" : toString(*node);
  for (auto it = operands.rbegin(); it != operands.rend(); ++it) {
    out += word;
    out += childToString(**it);
  }
  return out + ")";
}

}  // namespace

std::string AttrPath::dotted() const {
  if (subAttribute.empty()) return attribute;
  return attribute + "." + subAttribute;
}

namespace {

// RFC 7644 3.4.2.2 filters and 3.5.2 paths are UTF-8 text (RFC 3986 percent-decoded); a byte
// that is not is refused before the lexer could quote it back raw.
std::optional<Error> notUtf8(std::string_view text, ErrorKind kind, const char* what) {
  auto bad = invalidUtf8At(text);
  if (!bad) return std::nullopt;
  return makeError(kind, std::string(what) + " is not valid UTF-8: byte " +
                             escapeInvalidUtf8(text.substr(*bad, 1)) + " at " +
                             std::to_string(*bad));
}

}  // namespace

Result<FilterPtr> parseFilter(std::string_view text) {
  if (auto error = notUtf8(text, ErrorKind::InvalidFilter, "the filter")) return *error;
  return detail::Parser(detail::Lexer(text, ErrorKind::InvalidFilter).tokenize(),
                        ErrorKind::InvalidFilter)
      .parseWholeFilter();
}

Result<PatchPath> parsePatchPath(std::string_view text) {
  if (auto error = notUtf8(text, ErrorKind::InvalidPath, "the path")) return *error;
  return detail::Parser(detail::Lexer(text, ErrorKind::InvalidPath).tokenize(),
                        ErrorKind::InvalidPath)
      .parseWholePatchPath();
}

// Canonical form: every Compare, And, Or and Not node is wrapped in one pair of parentheses;
// a value path is written `attr[inner]` without outer parentheses (the brackets already delimit
// it), e.g. `((userType eq "x") and emails[((type eq "work") or (primary eq true))])`, except
// under `not`, which the grammar requires to be followed by "(": `(not (emails[(type pr)]))`.
std::string toString(const Filter& filter) {
  switch (filter.kind) {
    case Filter::Kind::Compare: {
      std::string out =
          "(" + pathToString(filter.path) + " " + std::string(detail::operatorName(filter.op));
      if (filter.op != CompareOp::Pr) out += " " + literalToString(filter.value);
      return out + ")";
    }
    case Filter::Kind::And:
      return chainToString(filter, " and ");
    case Filter::Kind::Or:
      return chainToString(filter, " or ");
    case Filter::Kind::Not:
      // `not` must be followed by "(" (RFC 7644 3.4.2.2), so a value path operand gets a pair.
      if (filter.left && filter.left->kind == Filter::Kind::ValuePath) {
        return "(not (" + toString(*filter.left) + "))";
      }
      return "(not " + childToString(filter.left) + ")";
    case Filter::Kind::ValuePath:
      return pathToString(filter.path) + "[" + childToString(filter.left) + "]";
  }
  return "(?)";
}

}  // namespace scimgate::scim
