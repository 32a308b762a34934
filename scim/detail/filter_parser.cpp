#include "scim/detail/filter_parser.h"

#include <memory>
#include <string>
#include <utility>

#include "scim/detail/filter_text.h"

namespace scimgate::scim::detail {

namespace {

// Parentheses, `not (` and value-path brackets each add one level. The parser recurses once per
// level, so this bound (not the input length) is what keeps hostile input off the stack.
constexpr int kMaxNesting = 64;

// `and`/`or` chains are parsed iteratively but build a left-deep tree that toString, matches and
// the destructor walk recursively; capping the number of attribute expressions bounds that depth.
constexpr int kMaxExpressions = 1000;

/// Index of the first character that breaks JSON number syntax (RFC 8259 6), or npos if `text`
/// is exactly one number.
std::size_t invalidNumberIndex(std::string_view text) {
  std::size_t i = 0;
  const auto digitAt = [&](std::size_t k) { return k < text.size() && isDigit(text[k]); };
  if (i < text.size() && text[i] == '-') ++i;
  if (!digitAt(i)) return i;
  if (text[i] == '0') {
    ++i;
  } else {
    while (digitAt(i)) ++i;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    if (!digitAt(i)) return i;
    while (digitAt(i)) ++i;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    if (!digitAt(i)) return i;
    while (digitAt(i)) ++i;
  }
  return i == text.size() ? std::string_view::npos : i;
}

FilterPtr combine(Filter::Kind kind, FilterPtr left, FilterPtr right) {
  auto node = std::make_unique<Filter>();
  node->kind = kind;
  node->left = std::move(left);
  node->right = std::move(right);
  return node;
}

bool isValueWord(const Token& token) {
  const std::string_view text = token.text;
  return equalsIgnoreCase(text, "true") || equalsIgnoreCase(text, "false") ||
         equalsIgnoreCase(text, "null") || isDigit(text.front()) || text.front() == '-';
}

}  // namespace

Result<FilterPtr> Parser::parseWholeFilter() {
  if (peek().type == TokenType::End) return fail("empty filter", 0);
  Result<FilterPtr> filter = parseOr(false);
  if (!filter) return filter.error();
  const Token& next = peek();
  if (next.type == TokenType::End) return filter;
  if (next.type == TokenType::Word) {
    return fail("expected 'and', 'or' or end of filter, found " + describeToken(next), next.pos);
  }
  return fail("unexpected " + describeToken(next), next.pos);
}

// RFC 7644 3.5.2: PATH = attrPath / valuePath [subAttr].
Result<PatchPath> Parser::parseWholePatchPath() {
  const Token& first = peek();
  if (first.type == TokenType::End) return fail("empty path", 0);
  if (first.type != TokenType::Word) {
    return fail("expected an attribute path, found " + describeToken(first), first.pos);
  }
  Result<AttrPath> attr = parseAttrPath(advance());
  if (!attr) return attr.error();
  PatchPath path;
  path.attr = std::move(attr).value();
  if (peek().type == TokenType::LBracket) {
    if (!path.attr.subAttribute.empty()) {
      return fail("unexpected '[' after a sub-attribute", peek().pos);
    }
    Result<FilterPtr> inner = parseBracketed();
    if (!inner) return inner.error();
    path.valueFilter = std::move(inner).value();
    const std::size_t closeEnd = tokens_[index_ - 1].end;
    const Token& next = peek();
    if (next.type == TokenType::Word && next.pos == closeEnd && next.text.front() == '.') {
      const std::string_view sub = std::string_view(next.text).substr(1);
      if (Result<void> valid = checkName(sub, next.pos + 1, "sub-attribute"); !valid) {
        return valid.error();
      }
      path.subAttribute = std::string(sub);
      advance();
    }
  }
  const Token& last = peek();
  if (last.type != TokenType::End) {
    return fail("unexpected " + describeToken(last), last.pos);
  }
  return path;
}

// The parser stops at or before the Invalid token. When it stops there, the lexer's error is
// the precise one ("invalid escape 'q' at 6"); an error earlier in the text wins.
Error Parser::fail(std::string_view what, std::size_t pos) const {
  if (lexError_ && pos >= tokens_.back().pos) return *lexError_;
  return errorAt(kind_, what, pos);
}

const Token& Parser::peek(std::size_t ahead) const {
  const std::size_t at = index_ + ahead;
  return at < tokens_.size() ? tokens_[at] : tokens_.back();
}

const Token& Parser::advance() {
  const Token& token = tokens_[index_];
  if (index_ + 1 < tokens_.size()) ++index_;
  return token;
}

bool Parser::isKeyword(const Token& token, std::string_view keyword) const {
  return token.type == TokenType::Word && equalsIgnoreCase(token.text, keyword);
}

Result<void> Parser::enterNesting(std::size_t pos) {
  if (++depth_ > kMaxNesting) {
    return fail("nesting deeper than " + std::to_string(kMaxNesting) + " levels", pos);
  }
  return {};
}

Result<FilterPtr> Parser::parseOr(bool inValuePath) {
  Result<FilterPtr> left = parseAnd(inValuePath);
  if (!left) return left.error();
  FilterPtr node = std::move(left).value();
  while (isKeyword(peek(), "or")) {
    advance();
    Result<FilterPtr> right = parseAnd(inValuePath);
    if (!right) return right.error();
    node = combine(Filter::Kind::Or, std::move(node), std::move(right).value());
  }
  return node;
}

Result<FilterPtr> Parser::parseAnd(bool inValuePath) {
  Result<FilterPtr> left = parseUnary(inValuePath);
  if (!left) return left.error();
  FilterPtr node = std::move(left).value();
  while (isKeyword(peek(), "and")) {
    advance();
    Result<FilterPtr> right = parseUnary(inValuePath);
    if (!right) return right.error();
    node = combine(Filter::Kind::And, std::move(node), std::move(right).value());
  }
  return node;
}

Result<FilterPtr> Parser::parseUnary(bool inValuePath) {
  const Token& token = peek();
  if (token.type == TokenType::LParen) return parseGroup(inValuePath, false);
  if (isKeyword(token, "not")) {
    // `not` is only an operator before "(" (RFC 7644 3.4.2.2); an attribute may be named "not".
    const Token& next = peek(1);
    if (next.type == TokenType::LParen) {
      advance();
      return parseGroup(inValuePath, true);
    }
    const bool attributeNamedNot = next.type == TokenType::LBracket ||
                                   (next.type == TokenType::Word && operatorFromWord(next.text));
    if (!attributeNamedNot) return fail("expected '(' after 'not'", next.pos);
  }
  if (token.type == TokenType::Word) return parseAttrExpression(inValuePath);
  if (token.type == TokenType::End) return fail("expected an attribute path", token.pos);
  return fail("unexpected " + describeToken(token), token.pos);
}

// peek() is "(".
Result<FilterPtr> Parser::parseGroup(bool inValuePath, bool negate) {
  const Token& open = advance();
  if (Result<void> nested = enterNesting(open.pos); !nested) return nested.error();
  Result<FilterPtr> inner = parseOr(inValuePath);
  if (!inner) return inner.error();
  const Token& close = peek();
  if (close.type != TokenType::RParen) {
    return fail("expected ')', found " + describeToken(close), close.pos);
  }
  advance();
  --depth_;
  if (!negate) return inner;
  auto node = std::make_unique<Filter>();
  node->kind = Filter::Kind::Not;
  node->left = std::move(inner).value();
  return node;
}

// peek() is "["; parses "[" valFilter "]".
Result<FilterPtr> Parser::parseBracketed() {
  const Token& open = advance();
  if (Result<void> nested = enterNesting(open.pos); !nested) return nested.error();
  Result<FilterPtr> inner = parseOr(true);
  if (!inner) return inner.error();
  const Token& close = peek();
  if (close.type != TokenType::RBracket) {
    return fail("expected ']', found " + describeToken(close), close.pos);
  }
  advance();
  --depth_;
  return inner;
}

Result<FilterPtr> Parser::parseAttrExpression(bool inValuePath) {
  const Token& pathToken = advance();
  if (++expressions_ > kMaxExpressions) {
    return fail("more than " + std::to_string(kMaxExpressions) + " attribute expressions",
                pathToken.pos);
  }
  Result<AttrPath> path = parseAttrPath(pathToken);
  if (!path) return path.error();
  auto node = std::make_unique<Filter>();
  node->path = std::move(path).value();

  const Token& opToken = peek();
  if (opToken.type == TokenType::LBracket) {
    if (inValuePath) return fail("nested value path not allowed", opToken.pos);
    if (!node->path.subAttribute.empty()) {
      return fail("unexpected '[' after a sub-attribute", opToken.pos);
    }
    Result<FilterPtr> inner = parseBracketed();
    if (!inner) return inner.error();
    node->kind = Filter::Kind::ValuePath;
    node->left = std::move(inner).value();
    return node;
  }
  if (opToken.type != TokenType::Word) {
    return fail("expected a comparison operator, found " + describeToken(opToken), opToken.pos);
  }
  const std::optional<CompareOp> op = operatorFromWord(opToken.text);
  if (!op) {
    return fail("unknown comparison operator " + quoteWord(opToken.text), opToken.pos);
  }
  advance();
  node->kind = Filter::Kind::Compare;
  node->op = *op;
  if (*op == CompareOp::Pr) {
    const Token& next = peek();
    if (next.type == TokenType::String || (next.type == TokenType::Word && isValueWord(next))) {
      return fail("'pr' takes no value", next.pos);
    }
    return node;
  }
  Result<Literal> value = parseLiteral();
  if (!value) return value.error();
  node->value = std::move(value).value();
  return node;
}

// compValue = false / null / true / number / string (RFC 7644 3.4.2.2).
Result<Literal> Parser::parseLiteral() {
  const Token& token = peek();
  Literal literal;
  if (token.type == TokenType::String) {
    literal.type = Literal::Type::String;
    literal.text = token.text;
    advance();
    return literal;
  }
  if (token.type != TokenType::Word) {
    return fail("expected a value, found " + describeToken(token), token.pos);
  }
  const std::string_view text = token.text;
  if (equalsIgnoreCase(text, "true") || equalsIgnoreCase(text, "false")) {
    literal.type = Literal::Type::Boolean;
    literal.boolean = equalsIgnoreCase(text, "true");
    literal.text = literal.boolean ? "true" : "false";
  } else if (equalsIgnoreCase(text, "null")) {
    literal.type = Literal::Type::Null;
    literal.text = "null";
  } else if ((isDigit(text.front()) || text.front() == '-') &&
             invalidNumberIndex(text) == std::string_view::npos) {
    literal.type = Literal::Type::Number;
    literal.text = std::string(text);
  } else {
    // RFC 7644 wants strings quoted, but Microsoft's Entra ID test collection sends
    // `userName sw O` and `meta.created gt 2015-10-10T14:38:21Z`. A bare word that is no JSON
    // literal can only mean that string, so it is read as one: no valid filter changes meaning.
    literal.type = Literal::Type::String;
    literal.text = std::string(text);
  }
  advance();
  return literal;
}

// ATTRNAME = ALPHA *(nameChar) (RFC 7644 3.4.2.2); a leading '$' is also taken for `$ref`.
Result<void> Parser::checkName(std::string_view name, std::size_t pos,
                               std::string_view what) const {
  if (name.empty()) return fail("expected " + std::string(what) + " name", pos);
  const bool dollarRef = name.size() > 1 && name[0] == '$' && isAlpha(name[1]);
  if (!isAlpha(name[0]) && !dollarRef) {
    return fail(std::string(what) + " name must start with a letter", pos);
  }
  for (std::size_t i = 1; i < name.size(); ++i) {
    if (!isNameChar(name[i])) {
      return fail("unexpected " + describeByte(name[i]) + " in " + std::string(what), pos + i);
    }
  }
  return {};
}

// attrPath = [URI ":"] ATTRNAME *1subAttr. The URN is everything before the last ':'; the
// sub-attribute follows the first '.' after it (the URN's own dots, as in "2.0", come earlier).
Result<AttrPath> Parser::parseAttrPath(const Token& token) const {
  const std::string_view text = token.text;
  AttrPath path;
  std::size_t nameStart = 0;
  if (const std::size_t colon = text.rfind(':'); colon != std::string_view::npos) {
    if (!isAlpha(text.front())) {
      return fail("schema URN must start with a letter", token.pos);
    }
    path.schema = std::string(text.substr(0, colon));
    nameStart = colon + 1;
  }
  const std::string_view rest = text.substr(nameStart);
  const std::size_t dot = rest.find('.');
  const std::string_view attribute = rest.substr(0, dot);
  if (Result<void> valid = checkName(attribute, token.pos + nameStart, "attribute"); !valid) {
    return valid.error();
  }
  path.attribute = std::string(attribute);
  if (dot != std::string_view::npos) {
    const std::string_view sub = rest.substr(dot + 1);
    if (Result<void> valid = checkName(sub, token.pos + nameStart + dot + 1, "sub-attribute");
        !valid) {
      return valid.error();
    }
    path.subAttribute = std::string(sub);
  }
  return path;
}

}  // namespace scimgate::scim::detail
