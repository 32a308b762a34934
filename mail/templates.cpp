#include "mail/templates.h"

#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace scimgate::mail {
namespace {

namespace fs = std::filesystem;

// The templates the gateway renders, and the keys it gives each (templates.h).
constexpr std::array<std::string_view, 4> kShippedNames = {"invitation", "password_reset",
                                                           "login_code", "login_code_sms"};
constexpr std::array<std::string_view, 6> kKeys = {"productName", "userName", "name",
                                                   "link",        "expires",  "code"};

bool isUtf8(const std::string& text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t more = 0;
    if (c < 0x80) {
      more = 0;
    } else if (c >= 0xC2 && c <= 0xDF) {
      more = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      more = 2;
    } else if (c >= 0xF0 && c <= 0xF4) {
      more = 3;
    } else {
      return false;
    }
    if (i + more >= text.size() && more > 0) return false;  // cut off at the end
    for (std::size_t k = 1; k <= more; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += more + 1;
  }
  return true;
}

// One file's text; the error names the file (never its content).
Result<std::string> readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError(ErrorKind::InvalidValue, "cannot read template " + path.string());
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  if (!isUtf8(text)) {
    return makeError(ErrorKind::InvalidValue, "template " + path.string() + " is not UTF-8");
  }
  return text;
}

std::string escapeHtml(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A header value must stay on its line (RFC 5322 header injection).
std::string withoutLineBreaks(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) out += (c == '\r' || c == '\n') ? ' ' : c;
  return out;
}

enum class Part { Subject, Text, Html };

// Replaces each {{key}}; `file` names the template file in errors.
Result<std::string> fill(const std::string& text, Part part, const std::string& file,
                         const std::map<std::string, std::string>& values) {
  std::string out;
  std::size_t at = 0;
  while (true) {
    const auto open = text.find("{{", at);
    if (open == std::string::npos) {
      out.append(text, at, std::string::npos);
      return out;
    }
    const auto close = text.find("}}", open + 2);
    if (close == std::string::npos) {
      return makeError(
          ErrorKind::InvalidValue,
          "template " + file + ": a '{{' without '}}' at offset " + std::to_string(open));
    }
    std::string key = text.substr(open + 2, close - open - 2);
    while (!key.empty() && key.front() == ' ') key.erase(key.begin());
    while (!key.empty() && key.back() == ' ') key.pop_back();
    const auto value = values.find(key);
    if (value == values.end()) {
      return makeError(ErrorKind::InvalidValue,
                       "template " + file + ": {{" + key + "}} has no value (known keys: " +
                           "productName, userName, name, link, expires, code)");
    }
    out.append(text, at, open - at);
    switch (part) {
      case Part::Subject:
        out += withoutLineBreaks(value->second);
        break;
      case Part::Text:
        out += value->second;
        break;
      case Part::Html:
        out += escapeHtml(value->second);
        break;
    }
    at = close + 2;
  }
}

std::string firstLine(const std::string& text) {
  std::string line = text.substr(0, text.find_first_of("\r\n"));
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.pop_back();
  return line;
}

// Reads every *.subject, *.txt and *.html of `dir` into `into`, replacing what is there.
Result<void> loadFolder(const std::string& dir,
                        std::map<std::string, std::map<std::string, std::string>>& into) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return makeError(ErrorKind::InvalidValue, "templates folder " + dir + " is not a folder");
  }
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const auto extension = entry.path().extension().string();
    if (extension != ".subject" && extension != ".txt" && extension != ".html") continue;
    auto text = readFile(entry.path());
    if (!text.ok()) return text.error();
    into[entry.path().stem().string()][extension] = std::move(text.value());
  }
  if (ec) {
    return makeError(ErrorKind::InvalidValue,
                     "cannot list templates folder " + dir + ": " + ec.message());
  }
  return {};
}

}  // namespace

Result<Templates> Templates::load(const std::string& defaultDir, const std::string& overrideDir) {
  std::map<std::string, std::map<std::string, std::string>> files;
  if (auto loaded = loadFolder(defaultDir, files); !loaded.ok()) return loaded.error();
  if (!overrideDir.empty()) {
    if (auto loaded = loadFolder(overrideDir, files); !loaded.ok()) return loaded.error();
  }
  Templates templates;
  for (auto& [name, parts] : files) {
    if (!parts.contains(".txt")) {
      return makeError(ErrorKind::InvalidValue,
                       "template " + name + " has no " + name + ".txt (the text body is required)");
    }
    templates.templates_[name] = Files{parts[".subject"], parts[".txt"], parts[".html"]};
  }
  return templates;
}

Result<Message> Templates::render(std::string_view name,
                                  const std::map<std::string, std::string>& values) const {
  const auto found = templates_.find(name);
  if (found == templates_.end()) {
    return makeError(ErrorKind::InvalidValue, "no template named " + std::string(name));
  }
  auto all = values;
  if (!productName_.empty()) all.emplace("productName", productName_);  // keeps a given one
  const std::string base(name);
  const Files& files = found->second;

  Message message;
  auto subject = fill(firstLine(files.subject), Part::Subject, base + ".subject", all);
  if (!subject.ok()) return subject.error();
  message.subject = std::move(subject.value());
  auto text = fill(files.text, Part::Text, base + ".txt", all);
  if (!text.ok()) return text.error();
  message.text = std::move(text.value());
  if (!files.html.empty()) {
    auto html = fill(files.html, Part::Html, base + ".html", all);
    if (!html.ok()) return html.error();
    message.html = std::move(html.value());
  }
  return message;
}

Result<void> Templates::check() const {
  std::map<std::string, std::string> sample;
  for (auto key : kKeys) sample.emplace(std::string(key), "sample");
  for (auto name : kShippedNames) {
    if (!templates_.contains(name)) {
      return makeError(ErrorKind::InvalidValue, "template " + std::string(name) + " is missing (" +
                                                    std::string(name) + ".txt is required)");
    }
    if (auto rendered = render(name, sample); !rendered.ok()) return rendered.error();
  }
  return {};
}

Templates Templates::withProductName(std::string name) const {
  Templates copy = *this;
  copy.productName_ = std::move(name);
  return copy;
}

std::string readableDuration(long long seconds) {
  auto count = [](long long n, const char* unit) {
    return std::to_string(n) + " " + unit + (n == 1 ? "" : "s");
  };
  constexpr long long kMinute = 60;
  constexpr long long kHour = 60 * kMinute;
  constexpr long long kDay = 24 * kHour;
  if (seconds <= 0) return count(0, "second");
  if (seconds % kDay == 0) return count(seconds / kDay, "day");
  if (seconds % kHour == 0) return count(seconds / kHour, "hour");
  if (seconds % kMinute == 0 || seconds >= 2 * kMinute) return count(seconds / kMinute, "minute");
  return count(seconds, "second");
}

}  // namespace scimgate::mail
