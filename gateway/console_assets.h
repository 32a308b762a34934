#pragma once

#include <map>
#include <optional>
#include <string>

#include "gateway/reply.h"
#include "scim/result.h"

namespace scimgate::gateway {

/// The web console's static files (console/ in the repository), read once at start and served
/// from memory at /console/. Only files found at start exist, so no request path can reach
/// anything else on disk. Every answer carries the console's Content-Security-Policy: scripts,
/// styles and connections only from the gateway itself.
class ConsoleAssets {
 public:
  /// No console: nothing is served.
  ConsoleAssets() = default;
  /// Every file under `folder` whose type the console uses (html, js, css, svg, png, ico, json,
  /// txt), skipping hidden names. InvalidValue naming the folder when it cannot be read, has no
  /// index.html, or holds more than a console should (8 MB).
  static scim::Result<ConsoleAssets> load(const std::string& folder);

  bool empty() const { return files_.empty(); }

  /// The answer for a request to `path` when it is the console's: `/` and `/console` redirect to
  /// `/console/`, `/console/` is index.html, `/console/<file>` the file (404 when there is none,
  /// 405 for a method other than GET). nullopt for every other path.
  std::optional<Reply> reply(const std::string& method, const std::string& path,
                             const std::string& ifNoneMatch) const;

 private:
  struct File {
    std::string contentType;
    std::string body;
    std::string etag;
  };
  std::map<std::string, File> files_;  // by path relative to the folder, e.g. "pages/users.js"
};

}  // namespace scimgate::gateway
