#include "scim/detail/filter_lexer.h"

#include <array>
#include <utility>

#include "scim/detail/filter_text.h"

namespace scimgate::scim::detail {

namespace {

// Words longer than this are cut in error details.
constexpr std::size_t kMaxQuotedWord = 32;

// Characters of a bare word: attribute paths (with URN ':' and '.'), keywords and numbers.
bool isWordChar(char c) { return isNameChar(c) || c == ':' || c == '.' || c == '+'; }

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

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

}  // namespace

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

Lexer::Tokens Lexer::tokenize() {
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

Result<Token> Lexer::lexOne() {
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
Result<Token> Lexer::lexString() {
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
Result<void> Lexer::lexEscape(std::string& decoded, std::size_t start) {
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

std::optional<std::uint32_t> Lexer::readHex4() {
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

}  // namespace scimgate::scim::detail
