#include "gateway/console_assets.h"

#include <Poco/DigestEngine.h>
#include <Poco/SHA1Engine.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace scimgate::gateway {
namespace {

using scim::ErrorKind;
namespace fs = std::filesystem;

constexpr std::size_t kMaxTotalBytes = 8 * 1024 * 1024;
constexpr char kPrefix[] = "/console/";

constexpr char kContentSecurityPolicy[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

std::optional<std::string> contentTypeOf(const fs::path& file) {
  static const std::map<std::string, std::string> types = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".json", "application/json"},
      {".txt", "text/plain; charset=utf-8"},
  };
  const auto found = types.find(file.extension().string());
  if (found == types.end()) return std::nullopt;
  return found->second;
}

bool hidden(const fs::path& relative) {
  for (const auto& part : relative) {
    if (!part.empty() && part.string().front() == '.') return true;
  }
  return false;
}

// The headers every console answer carries.
Reply& secured(Reply& reply) {
  return reply.with("Content-Security-Policy", kContentSecurityPolicy)
      .with("X-Content-Type-Options", "nosniff")
      .with("X-Frame-Options", "DENY")
      .with("Referrer-Policy", "no-referrer");
}

Reply redirect(const std::string& to) {
  Reply reply;
  reply.status = 302;
  reply.with("Location", to);
  return secured(reply);
}

Reply plain(int status, const std::string& text) {
  Reply reply;
  reply.status = status;
  reply.contentType = "text/plain; charset=utf-8";
  reply.body = text + "\n";
  return secured(reply);
}

}  // namespace

scim::Result<ConsoleAssets> ConsoleAssets::load(const std::string& folder) {
  const auto refuse = [&](const std::string& why) {
    return scim::makeError(ErrorKind::InvalidValue, "the console folder " + folder + " " + why);
  };
  std::error_code error;
  if (!fs::is_directory(folder, error)) return refuse("is not a readable folder");
  ConsoleAssets assets;
  std::size_t total = 0;
  fs::recursive_directory_iterator it(folder, error), end;
  if (error) return refuse("cannot be read: " + error.message());
  for (; it != end; it.increment(error)) {
    if (error) return refuse("cannot be read: " + error.message());
    if (!it->is_regular_file(error)) continue;
    const fs::path relative = fs::relative(it->path(), folder, error);
    if (error || hidden(relative)) continue;
    const auto type = contentTypeOf(relative);
    if (!type) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    if (!in) return refuse("has a file that cannot be read: " + relative.generic_string());
    File file{*type, body.str(), ""};
    total += file.body.size();
    if (total > kMaxTotalBytes) return refuse("holds more than 8 MB: is it the right folder?");
    Poco::SHA1Engine sha1;
    sha1.update(file.body);
    file.etag = "\"" + Poco::DigestEngine::digestToHex(sha1.digest()).substr(0, 20) + "\"";
    assets.files_.emplace(relative.generic_string(), std::move(file));
  }
  if (!assets.files_.count("index.html")) return refuse("has no index.html");
  return assets;
}

std::optional<Reply> ConsoleAssets::reply(const std::string& method, const std::string& path,
                                          const std::string& ifNoneMatch) const {
  if (files_.empty()) return std::nullopt;
  if (path == "/" || path == "/console") return redirect(kPrefix);
  if (path.rfind(kPrefix, 0) != 0) return std::nullopt;
  if (method != "GET") {
    Reply refused = plain(405, "the console's files are read with GET");
    refused.with("Allow", "GET");
    return refused;
  }
  std::string name = path.substr(sizeof(kPrefix) - 1);
  if (name.empty()) name = "index.html";
  const auto found = files_.find(name);
  if (found == files_.end()) return plain(404, "no such file in the console: " + name);
  const File& file = found->second;
  Reply reply;
  if (etagListMatches(ifNoneMatch, file.etag)) {
    reply.status = 304;
  } else {
    reply.contentType = file.contentType;
    reply.body = file.body;
  }
  // Revalidated on every load (cheap with the ETag), so an upgraded gateway serves the new console.
  reply.with("ETag", file.etag).with("Cache-Control", "no-cache");
  return secured(reply);
}

}  // namespace scimgate::gateway
