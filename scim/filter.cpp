#include "scim/filter.h"

#include "scim/detail/canonical.h"

#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace scimgate::scim {

namespace {

// Parentheses, `not (` and value-path brackets each add one level. The parser recurses once per
// level, so this bound (not the input length) is what keeps hostile input off the stack.
constexpr int kMaxNesting = 64;

// `and`/`or` chains are parsed iteratively but build a left-deep tree that toString, matches and
// the destructor walk recursively; capping the number of attribute expressions bounds that depth.
constexpr int kMaxExpressions = 1000;

// Words longer than this are cut in error details.
constexpr std::size_t kMaxQuotedWord = 32;

constexpr std::string_view kHexDigits = "0123456789abcdef";

// ---------------------------------------------------------------------------------------------
// Small text helpers.

char toLowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowerAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = toLowerAscii(c);
  return out;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (toLowerAscii(a[i]) != toLowerAscii(b[i])) return false;
  }
  return true;
}

bool isAlpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

// RFC 7643 2.1: nameChar = "$" / "-" / "_" / DIGIT / ALPHA.
bool isNameChar(char c) { return isAlpha(c) || isDigit(c) || c == '-' || c == '_' || c == '$'; }

// Characters of a bare word: attribute paths (with URN ':' and '.'), keywords and numbers.
bool isWordChar(char c) { return isNameChar(c) || c == ':' || c == '.' || c == '+'; }

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/// A printable rendering of one input byte for error details.
std::string describeByte(char c) {
  const auto byte = static_cast<unsigned char>(c);
  if (byte >= 0x21 && byte < 0x7f) return std::string("'") + c + "'";
  return std::string("byte 0x") + kHexDigits[byte >> 4] + kHexDigits[byte & 0x0f];
}

std::string quoteWord(std::string_view word) {
  if (word.size() <= kMaxQuotedWord) return "'" + std::string(word) + "'";
  return "'" + std::string(word.substr(0, kMaxQuotedWord)) + "...'";
}

Error errorAt(ErrorKind kind, std::string_view what, std::size_t pos) {
  return makeError(kind, std::string(what) + " at " + std::to_string(pos));
}

void appendUtf8(std::string& out, std::uint32_t codePoint) {
  if (codePoint < 0x80) {
    out += static_cast<char>(codePoint);
  } else if (codePoint < 0x800) {
    out += static_cast<char>(0xc0 | (codePoint >> 6));
    out += static_cast<char>(0x80 | (codePoint & 0x3f));
  } else if (codePoint < 0x10000) {
    out += static_cast<char>(0xe0 | (codePoint >> 12));
    out += static_cast<char>(0x80 | ((codePoint >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (codePoint & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (codePoint >> 18));
    out += static_cast<char>(0x80 | ((codePoint >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((codePoint >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (codePoint & 0x3f));
  }
}

/// Length of the well-formed UTF-8 sequence starting at `pos` (RFC 3629 table), or 0.
std::size_t utf8SequenceLength(std::string_view text, std::size_t pos) {
  const auto at = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = at(pos);
  std::size_t length = 0;
  unsigned char secondMin = 0x80;
  unsigned char secondMax = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) secondMin = 0xa0;
    if (lead == 0xed) secondMax = 0x9f;  // no UTF-16 surrogates
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) secondMin = 0x90;
    if (lead == 0xf4) secondMax = 0x8f;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (pos + length > text.size()) return 0;
  if (at(pos + 1) < secondMin || at(pos + 1) > secondMax) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (at(pos + i) < 0x80 || at(pos + i) > 0xbf) return 0;
  }
  return length;
}

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

std::string_view operatorName(CompareOp op) {
  switch (op) {
    case CompareOp::Eq:
      return "eq";
    case CompareOp::Ne:
      return "ne";
    case CompareOp::Co:
      return "co";
    case CompareOp::Sw:
      return "sw";
    case CompareOp::Ew:
      return "ew";
    case CompareOp::Gt:
      return "gt";
    case CompareOp::Ge:
      return "ge";
    case CompareOp::Lt:
      return "lt";
    case CompareOp::Le:
      return "le";
    case CompareOp::Pr:
      return "pr";
  }
  return "?";
}

std::optional<CompareOp> operatorFromWord(std::string_view word) {
  static constexpr std::array kOperators = {
      CompareOp::Eq, CompareOp::Ne, CompareOp::Co, CompareOp::Sw, CompareOp::Ew,
      CompareOp::Gt, CompareOp::Ge, CompareOp::Lt, CompareOp::Le, CompareOp::Pr};
  for (const CompareOp op : kOperators) {
    if (equalsIgnoreCase(word, operatorName(op))) return op;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Lexer: brackets, JSON strings and bare words. A word is a run of name characters plus ':', '.'
// and '+', so `urn:...:2.0:User:name.givenName`, `eq`, `true` and `-1.5e+3` are each one word;
// the parser decides what a word means where it stands.

// Invalid marks where lexing failed; it ends the token list and is never consumed.
enum class TokenType { Word, String, LParen, RParen, LBracket, RBracket, End, Invalid };

struct Token {
  TokenType type = TokenType::End;
  std::string text;  // the word, or the decoded string
  std::size_t pos = 0;
  std::size_t end = 0;
};

std::string describeToken(const Token& token) {
  switch (token.type) {
    case TokenType::Word:
      return quoteWord(token.text);
    // String contents stay out of details: a filter may carry a secret (`password eq "..."`).
    case TokenType::String:
      return "string";
    case TokenType::LParen:
      return "'('";
    case TokenType::RParen:
      return "')'";
    case TokenType::LBracket:
      return "'['";
    case TokenType::RBracket:
      return "']'";
    case TokenType::End:
      return "end of input";
    case TokenType::Invalid:
      return "invalid input";
  }
  return "token";
}

class Lexer {
 public:
  Lexer(std::string_view text, ErrorKind kind) : text_(text), kind_(kind) {}

  /// The tokens up to the first lexing error. On error the list ends with an Invalid token at
  /// the start of the bad token and `error` says what is wrong; otherwise it ends with End.
  struct Tokens {
    std::vector<Token> tokens;
    std::optional<Error> error;
  };

  Tokens tokenize() {
    Tokens out;
    bool spaceBefore = true;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (isSpace(c)) {
        ++pos_;
        spaceBefore = true;
        continue;
      }
      const std::size_t start = pos_;
      const bool atom = c == '"' || isWordChar(c);
      const bool afterAtom = !out.tokens.empty() && (out.tokens.back().type == TokenType::Word ||
                                                     out.tokens.back().type == TokenType::String);
      // RFC 7644 3.4.2.2 separates attribute, operator and value with SP: `eq"a"` is an error.
      Result<Token> token = (atom && !spaceBefore && afterAtom)
                                ? Result<Token>(errorAt(kind_, "expected a space", pos_))
                                : lexOne();
      spaceBefore = false;
      if (!token) {
        out.tokens.push_back(Token{TokenType::Invalid, {}, start, start});
        out.error = token.error();
        return out;
      }
      out.tokens.push_back(std::move(token).value());
    }
    out.tokens.push_back(Token{TokenType::End, {}, text_.size(), text_.size()});
    return out;
  }

 private:
  Result<Token> lexOne() {
    const std::size_t start = pos_;
    const char c = text_[pos_];
    const auto single = [&](TokenType type) {
      ++pos_;
      return Token{type, std::string(1, c), start, pos_};
    };
    switch (c) {
      case '(':
        return single(TokenType::LParen);
      case ')':
        return single(TokenType::RParen);
      case '[':
        return single(TokenType::LBracket);
      case ']':
        return single(TokenType::RBracket);
      case '"':
        return lexString();
      default:
        break;
    }
    if (!isWordChar(c)) return errorAt(kind_, "unexpected character " + describeByte(c), pos_);
    while (pos_ < text_.size() && isWordChar(text_[pos_])) ++pos_;
    return Token{TokenType::Word, std::string(text_.substr(start, pos_ - start)), start, pos_};
  }

  // A JSON string (RFC 8259 7), decoded to UTF-8.
  Result<Token> lexString() {
    const std::size_t start = pos_++;
    std::string decoded;
    while (true) {
      if (pos_ >= text_.size()) return errorAt(kind_, "unterminated string", start);
      const char c = text_[pos_];
      const auto byte = static_cast<unsigned char>(c);
      if (c == '"') {
        ++pos_;
        return Token{TokenType::String, std::move(decoded), start, pos_};
      }
      if (byte < 0x20) return errorAt(kind_, "control character in string", pos_);
      if (byte >= 0x80) {
        const std::size_t length = utf8SequenceLength(text_, pos_);
        if (length == 0) return errorAt(kind_, "invalid UTF-8 in string", pos_);
        decoded.append(text_.substr(pos_, length));
        pos_ += length;
        continue;
      }
      if (c != '\\') {
        decoded += c;
        ++pos_;
        continue;
      }
      Result<void> escaped = lexEscape(decoded, start);
      if (!escaped) return escaped.error();
    }
  }

  // pos_ is at a backslash inside the string that opened at `start`.
  Result<void> lexEscape(std::string& decoded, std::size_t start) {
    const std::size_t escapeStart = pos_;
    if (pos_ + 1 >= text_.size()) return errorAt(kind_, "unterminated string", start);
    const char kind = text_[pos_ + 1];
    pos_ += 2;
    switch (kind) {
      case '"':
        decoded += '"';
        return {};
      case '\\':
        decoded += '\\';
        return {};
      case '/':
        decoded += '/';
        return {};
      case 'b':
        decoded += '\b';
        return {};
      case 'f':
        decoded += '\f';
        return {};
      case 'n':
        decoded += '\n';
        return {};
      case 'r':
        decoded += '\r';
        return {};
      case 't':
        decoded += '\t';
        return {};
      case 'u':
        break;
      default:
        return errorAt(kind_, "invalid escape " + describeByte(kind), escapeStart);
    }
    std::optional<std::uint32_t> unit = readHex4();
    if (!unit) return errorAt(kind_, "expected 4 hex digits after \\u", escapeStart);
    std::uint32_t codePoint = *unit;
    if (codePoint >= 0xdc00 && codePoint <= 0xdfff) {
      return errorAt(kind_, "unpaired UTF-16 surrogate in \\u escape", escapeStart);
    }
    if (codePoint >= 0xd800 && codePoint <= 0xdbff) {
      // RFC 8259 7: a code point above U+FFFF is a \uD8xx\uDCxx surrogate pair.
      if (pos_ + 1 >= text_.size() || text_[pos_] != '\\' || text_[pos_ + 1] != 'u') {
        return errorAt(kind_, "unpaired UTF-16 surrogate in \\u escape", escapeStart);
      }
      const std::size_t lowStart = pos_;
      pos_ += 2;
      std::optional<std::uint32_t> low = readHex4();
      if (!low) return errorAt(kind_, "expected 4 hex digits after \\u", lowStart);
      if (*low < 0xdc00 || *low > 0xdfff) {
        return errorAt(kind_, "unpaired UTF-16 surrogate in \\u escape", escapeStart);
      }
      codePoint = 0x10000 + ((codePoint - 0xd800) << 10) + (*low - 0xdc00);
    }
    appendUtf8(decoded, codePoint);
    return {};
  }

  std::optional<std::uint32_t> readHex4() {
    if (pos_ + 4 > text_.size()) return std::nullopt;
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      const char h = text_[pos_ + i];
      std::uint32_t digit = 0;
      if (isDigit(h)) {
        digit = static_cast<std::uint32_t>(h - '0');
      } else if (toLowerAscii(h) >= 'a' && toLowerAscii(h) <= 'f') {
        digit = static_cast<std::uint32_t>(toLowerAscii(h) - 'a' + 10);
      } else {
        return std::nullopt;
      }
      value = value * 16 + digit;
    }
    pos_ += 4;
    return value;
  }

  std::string_view text_;
  ErrorKind kind_;
  std::size_t pos_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Parser: recursive descent over RFC 7644 3.4.2.2 with `not` > `and` > `or`.
//
//   filter    = orExpr END
//   orExpr    = andExpr *("or" andExpr)
//   andExpr   = unary *("and" unary)
//   unary     = "not" "(" orExpr ")" / "(" orExpr ")" / attrPath "[" orExpr "]" / attrExp
//   attrExp   = attrPath "pr" / attrPath compareOp compValue
//
// Inside "[...]" a second "[" is rejected (RFC 7644 errata 4690: no nested value paths).

class Parser {
 public:
  Parser(Lexer::Tokens lexed, ErrorKind kind)
      : tokens_(std::move(lexed.tokens)), lexError_(std::move(lexed.error)), kind_(kind) {}

  Result<FilterPtr> parseWholeFilter() {
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
  Result<PatchPath> parseWholePatchPath() {
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

 private:
  // The parser stops at or before the Invalid token. When it stops there, the lexer's error is
  // the precise one ("invalid escape 'q' at 6"); an error earlier in the text wins.
  [[nodiscard]] Error fail(std::string_view what, std::size_t pos) const {
    if (lexError_ && pos >= tokens_.back().pos) return *lexError_;
    return errorAt(kind_, what, pos);
  }

  [[nodiscard]] const Token& peek(std::size_t ahead = 0) const {
    const std::size_t at = index_ + ahead;
    return at < tokens_.size() ? tokens_[at] : tokens_.back();
  }

  const Token& advance() {
    const Token& token = tokens_[index_];
    if (index_ + 1 < tokens_.size()) ++index_;
    return token;
  }

  [[nodiscard]] bool isKeyword(const Token& token, std::string_view keyword) const {
    return token.type == TokenType::Word && equalsIgnoreCase(token.text, keyword);
  }

  Result<void> enterNesting(std::size_t pos) {
    if (++depth_ > kMaxNesting) {
      return fail("nesting deeper than " + std::to_string(kMaxNesting) + " levels", pos);
    }
    return {};
  }

  Result<FilterPtr> parseOr(bool inValuePath) {
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

  Result<FilterPtr> parseAnd(bool inValuePath) {
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

  static FilterPtr combine(Filter::Kind kind, FilterPtr left, FilterPtr right) {
    auto node = std::make_unique<Filter>();
    node->kind = kind;
    node->left = std::move(left);
    node->right = std::move(right);
    return node;
  }

  Result<FilterPtr> parseUnary(bool inValuePath) {
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
  Result<FilterPtr> parseGroup(bool inValuePath, bool negate) {
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
  Result<FilterPtr> parseBracketed() {
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

  Result<FilterPtr> parseAttrExpression(bool inValuePath) {
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

  static bool isValueWord(const Token& token) {
    const std::string_view text = token.text;
    return equalsIgnoreCase(text, "true") || equalsIgnoreCase(text, "false") ||
           equalsIgnoreCase(text, "null") || isDigit(text.front()) || text.front() == '-';
  }

  // compValue = false / null / true / number / string (RFC 7644 3.4.2.2).
  Result<Literal> parseLiteral() {
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
  Result<void> checkName(std::string_view name, std::size_t pos, std::string_view what) const {
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
  Result<AttrPath> parseAttrPath(const Token& token) const {
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

  std::vector<Token> tokens_;
  std::optional<Error> lexError_;
  ErrorKind kind_;
  std::size_t index_ = 0;
  int depth_ = 0;
  int expressions_ = 0;
};

// ---------------------------------------------------------------------------------------------
// toString.

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
          out += kHexDigits[byte >> 4];
          out += kHexDigits[byte & 0x0f];
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

// ---------------------------------------------------------------------------------------------
// In-memory evaluation.

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

using detail::asArray;
using detail::asObject;

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

std::string AttrPath::dotted() const {
  if (subAttribute.empty()) return attribute;
  return attribute + "." + subAttribute;
}

Result<FilterPtr> parseFilter(std::string_view text) {
  return Parser(Lexer(text, ErrorKind::InvalidFilter).tokenize(), ErrorKind::InvalidFilter)
      .parseWholeFilter();
}

Result<PatchPath> parsePatchPath(std::string_view text) {
  return Parser(Lexer(text, ErrorKind::InvalidPath).tokenize(), ErrorKind::InvalidPath)
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
          "(" + pathToString(filter.path) + " " + std::string(operatorName(filter.op));
      if (filter.op != CompareOp::Pr) out += " " + literalToString(filter.value);
      return out + ")";
    }
    case Filter::Kind::And:
      return "(" + childToString(filter.left) + " and " + childToString(filter.right) + ")";
    case Filter::Kind::Or:
      return "(" + childToString(filter.left) + " or " + childToString(filter.right) + ")";
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

bool matches(const Filter& filter, const Poco::JSON::Object& resource,
             const CaseExactLookup& caseExact) {
  return Evaluator(caseExact).evaluate(filter, resource, nullptr);
}

}  // namespace scimgate::scim
