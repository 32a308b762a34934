#include "scim/json_reader.h"

#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>

#include <cctype>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "scim/text.h"

namespace scimgate::scim {
namespace {

// Builds the objects as Poco's handler does, and remembers the first key an object repeats.
// Poco keeps the last of two equal keys, and SCIM attribute names compare case-insensitively
// (RFC 7644 3.4.2.2), so `userName` and `USERNAME` would silently overwrite each other.
class DuplicateKeyHandler : public Poco::JSON::ParseHandler {
 public:
  void reset() override {
    ParseHandler::reset();
    keys_.clear();
    duplicate_.clear();
  }
  void startObject() override {
    keys_.emplace_back();
    ParseHandler::startObject();
  }
  void endObject() override {
    if (!keys_.empty()) keys_.pop_back();
    ParseHandler::endObject();
  }
  void key(const std::string& name) override {
    std::string folded = name;
    for (auto& c : folded) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!keys_.empty() && !keys_.back().insert(std::move(folded)).second && duplicate_.empty()) {
      duplicate_ = name;
    }
    ParseHandler::key(name);
  }

  /// The first repeated key, or "" when there was none.
  const std::string& duplicate() const { return duplicate_; }

 private:
  std::vector<std::unordered_set<std::string>> keys_;  // one set per open object
  std::string duplicate_;
};

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

}  // namespace

Result<Poco::JSON::Object::Ptr> readJsonObject(std::string body, std::size_t maxDepth) {
  // RFC 8259 8.1: a parser may ignore a byte order mark; some Windows clients send one.
  if (body.rfind(kByteOrderMark, 0) == 0) body.erase(0, kByteOrderMark.size());
  if (body.empty()) return makeError(ErrorKind::InvalidSyntax, "the request body is empty");
  // RFC 8259 8.1: JSON text is UTF-8. Checked before parsing, so that no value carries broken
  // text further and no parser message echoes a raw byte.
  if (auto bad = invalidUtf8At(body)) {
    return makeError(ErrorKind::InvalidSyntax, "the request body is not valid UTF-8: byte " +
                                                   escapeInvalidUtf8(body.substr(*bad, 1)) +
                                                   " at offset " + std::to_string(*bad));
  }
  try {
    Poco::SharedPtr<DuplicateKeyHandler> handler = new DuplicateKeyHandler;
    Poco::JSON::Parser parser(handler);
    parser.setDepth(maxDepth);
    auto parsed = parser.parse(body);
    if (!handler->duplicate().empty()) {
      return makeError(ErrorKind::InvalidSyntax,
                       "the request body has the key '" + handler->duplicate() +
                           "' twice in one object (attribute names compare without case)");
    }
    if (parsed.type() != typeid(Poco::JSON::Object::Ptr)) {
      return makeError(ErrorKind::InvalidSyntax, "the request body must be a JSON object");
    }
    return parsed.extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {
    return makeError(ErrorKind::InvalidSyntax,
                     "the request body is not valid JSON: " + e.message());
  }
}

}  // namespace scimgate::scim
