#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scim/filter.h"
#include "scim/result.h"

// The filter lexer, and the words its tokens are described with in error details; used by the
// parser (filter_parser.h) and toString (scim/filter.cpp). Only scim/ includes this header.
namespace scimgate::scim::detail {

/// A printable rendering of one input byte for error details: `'x'`, or `byte 0x07`.
std::string describeByte(char c);

/// The word in quotes for an error detail, cut (with "...") when it is long.
std::string quoteWord(std::string_view word);

/// An error of `kind` whose detail is "<what> at <pos>".
Error errorAt(ErrorKind kind, std::string_view what, std::size_t pos);

/// The operator as a filter writes it in lower case ("eq", "pr").
std::string_view operatorName(CompareOp op);

/// The operator a word names, case-insensitively; nullopt for any other word.
std::optional<CompareOp> operatorFromWord(std::string_view word);

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

/// The token for an error detail; string contents are left out.
std::string describeToken(const Token& token);

class Lexer {
 public:
  Lexer(std::string_view text, ErrorKind kind) : text_(text), kind_(kind) {}

  /// The tokens up to the first lexing error. On error the list ends with an Invalid token at
  /// the start of the bad token and `error` says what is wrong; otherwise it ends with End.
  struct Tokens {
    std::vector<Token> tokens;
    std::optional<Error> error;
  };

  Tokens tokenize();

 private:
  Result<Token> lexOne();
  Result<Token> lexString();
  Result<void> lexEscape(std::string& decoded, std::size_t start);
  std::optional<std::uint32_t> readHex4();

  std::string_view text_;
  ErrorKind kind_;
  std::size_t pos_ = 0;
};

}  // namespace scimgate::scim::detail
