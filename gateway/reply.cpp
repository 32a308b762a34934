#include "gateway/reply.h"

#include <sstream>

namespace scimgate::gateway {

std::string toJson(const Poco::JSON::Object& object) {
  std::ostringstream out;
  object.stringify(out);
  return out.str();
}

Reply Reply::json(int status, const Poco::JSON::Object& body, const std::string& contentType) {
  Reply reply;
  reply.status = status;
  reply.contentType = contentType;
  reply.body = toJson(body);
  return reply;
}

Reply Reply::noContent() {
  Reply reply;
  reply.status = 204;
  return reply;
}

Reply Reply::notModified(const std::string& etag) {
  Reply reply;
  reply.status = 304;
  reply.with("ETag", etag);
  return reply;
}

Reply& Reply::with(std::string name, std::string value) {
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

std::string Reply::header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return {};
}

void send(Poco::Net::HTTPServerResponse& response, const Reply& reply) {
  response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
  for (const auto& [name, value] : reply.headers) response.set(name, value);
  if (!reply.contentType.empty()) response.setContentType(reply.contentType);
  response.setContentLength(static_cast<std::streamsize>(reply.body.size()));
  if (reply.body.empty()) {
    response.send();
    return;
  }
  response.send() << reply.body;
}

bool etagListMatches(const std::string& header, const std::string& current) {
  if (header.empty()) return false;
  auto opaque = [](std::string tag) {
    while (!tag.empty() && tag.front() == ' ') tag.erase(tag.begin());
    while (!tag.empty() && tag.back() == ' ') tag.pop_back();
    if (tag.rfind("W/", 0) == 0) tag = tag.substr(2);
    return tag;
  };
  std::stringstream stream(header);
  std::string tag;
  while (std::getline(stream, tag, ',')) {
    if (opaque(tag) == "*" || opaque(tag) == opaque(current)) return true;
  }
  return false;
}

}  // namespace scimgate::gateway
