#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "scim/detail/filter_lexer.h"
#include "scim/filter.h"
#include "scim/result.h"

// The filter and PATCH path parser behind parseFilter and parsePatchPath (scim/filter.cpp). Only
// scim/ includes this header.
namespace scimgate::scim::detail {

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
  /// Parses `lexed`; errors are of `kind`, with the position where parsing broke.
  Parser(Lexer::Tokens lexed, ErrorKind kind)
      : tokens_(std::move(lexed.tokens)), lexError_(std::move(lexed.error)), kind_(kind) {}

  /// The tokens as one whole filter.
  Result<FilterPtr> parseWholeFilter();
  /// The tokens as one whole PATCH path (RFC 7644 3.5.2).
  Result<PatchPath> parseWholePatchPath();

 private:
  [[nodiscard]] Error fail(std::string_view what, std::size_t pos) const;
  [[nodiscard]] const Token& peek(std::size_t ahead = 0) const;
  const Token& advance();
  [[nodiscard]] bool isKeyword(const Token& token, std::string_view keyword) const;
  Result<void> enterNesting(std::size_t pos);

  Result<FilterPtr> parseOr(bool inValuePath);
  Result<FilterPtr> parseAnd(bool inValuePath);
  Result<FilterPtr> parseUnary(bool inValuePath);
  Result<FilterPtr> parseGroup(bool inValuePath, bool negate);
  Result<FilterPtr> parseBracketed();
  Result<FilterPtr> parseAttrExpression(bool inValuePath);
  Result<Literal> parseLiteral();
  Result<void> checkName(std::string_view name, std::size_t pos, std::string_view what) const;
  Result<AttrPath> parseAttrPath(const Token& token) const;

  std::vector<Token> tokens_;
  std::optional<Error> lexError_;
  ErrorKind kind_;
  std::size_t index_ = 0;
  int depth_ = 0;
  int expressions_ = 0;
};

}  // namespace scimgate::scim::detail
