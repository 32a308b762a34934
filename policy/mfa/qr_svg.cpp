#include <qrencode.h>

#include <memory>
#include <string>

#include "policy/mfa/totp.h"

namespace scimgate::policy::mfa {

std::string renderQrSvg(std::string_view text) {
  const std::string input(text);
  std::unique_ptr<QRcode, decltype(&QRcode_free)> code(
      QRcode_encodeString(input.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1), &QRcode_free);
  if (!code) return {};
  constexpr int kQuietZone = 4;
  const int width = code->width;
  const int size = width + 2 * kQuietZone;
  std::string path;
  // One horizontal run of dark modules per "M x y h n v 1 h -n z" rectangle keeps the SVG small.
  for (int y = 0; y < width; ++y) {
    int x = 0;
    while (x < width) {
      if ((code->data[y * width + x] & 1U) == 0) {
        ++x;
        continue;
      }
      const int start = x;
      while (x < width && (code->data[y * width + x] & 1U) != 0) ++x;
      const std::string run = std::to_string(x - start);
      path += "M" + std::to_string(start + kQuietZone) + " " + std::to_string(y + kQuietZone) +
              "h" + run + "v1h-" + run + "z";
    }
  }
  const std::string dim = std::to_string(size);
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + dim + " " + dim +
         "\" width=\"" + std::to_string(size * 4) + "\" height=\"" + std::to_string(size * 4) +
         "\" shape-rendering=\"crispEdges\"><rect width=\"" + dim + "\" height=\"" + dim +
         "\" fill=\"#ffffff\"/><path fill=\"#000000\" d=\"" + path + "\"/></svg>";
}

}  // namespace scimgate::policy::mfa
