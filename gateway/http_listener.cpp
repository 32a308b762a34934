#include "gateway/http_listener.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/StreamSocket.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <string_view>
#include <thread>
#include <vector>

#include "gateway/error_response.h"
#include "gateway/tls.h"

namespace scimgate::gateway {
namespace {

using Clock = std::chrono::steady_clock;
using Poco::Net::StreamSocket;

// A request head (request line and headers) larger than this is refused (414 or 431) unread.
constexpr std::size_t kMaxHeadBytes = std::size_t{64} * 1024;
// Connections waiting for a head at once; more are answered 503 and closed.
constexpr std::size_t kMaxWaiting = 4096;
// After a refusal the rest of what the client sends is read and dropped for this long before
// the socket is closed, so that closing over unread data (a TCP reset) does not destroy the
// answer before the client has read it.
constexpr auto kLinger = std::chrono::milliseconds(2000);
// How long the worker that answered a kept-alive connection waits for its next request before
// handing it back to the poller (HttpListener::Impl::nextHead).
constexpr int kNextHeadWaitMs = 2;

// Lets a worker see whether the client already sent more than one request (pipelining).
class Session final : public Poco::Net::HTTPServerSession {
 public:
  using HTTPServerSession::HTTPServerSession;
  int pending() const { return buffered(); }
};

int fdOf(const StreamSocket& socket) { return static_cast<int>(socket.impl()->sockfd()); }

// An error answered by the HTTP layer itself (no request object, or none worth building), with
// an RFC 7644 body. Written without blocking for long: the connection is closed after it.
void refuse(StreamSocket& socket, int status, const std::string& scimType,
            const std::string& detail) {
  const std::string body = errorBody(status, scimType, detail);
  std::string text =
      "HTTP/1.1 " + std::to_string(status) + " " +
      Poco::Net::HTTPResponse::getReasonForStatus(
          static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status)) +
      "\r\nContent-Type: application/scim+json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n";
  if (status == 503) text += "Retry-After: 5\r\n";
  text += "\r\n" + body;
  if (tlsOf(socket) != nullptr) {
    try {
      socket.setBlocking(true);
      socket.setSendTimeout(Poco::Timespan(1, 0));
      socket.sendBytes(text.data(), static_cast<int>(text.size()));
    } catch (const Poco::Exception&) {
      // The client is gone or does not read: the connection is closed after this anyway.
    }
    return;
  }
  const int fd = fdOf(socket);
  std::size_t sent = 0;
  const auto deadline = Clock::now() + std::chrono::milliseconds(1000);
  while (sent < text.size() && Clock::now() < deadline) {
    const auto n = ::send(fd, text.data() + sent, text.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return;
    pollfd pfd{fd, POLLOUT, 0};
    ::poll(&pfd, 1, 100);
  }
}

// Poco's reasons for refusing a request head, as HTTP statuses.
void refuseHead(StreamSocket& socket, const std::string& message) {
  if (message == "URI") {
    refuse(socket, 414, "",
           "the request line is too long (at most 16 KiB); send long filters with "
           "POST .search");
    return;
  }
  // Poco: "Too many header fields", "Field name too long/no colon found", "Field value too
  // long/no CRLF found" (and its folded variant). (Lines without a colon it skips.)
  if (message.find("header fields") != std::string::npos ||
      message.find("ield name too long") != std::string::npos ||
      message.find("ield value too long") != std::string::npos) {
    refuse(socket, 431, "",
           "the request headers are too large (at most 100 fields, names of 256 bytes, values of "
           "8 KiB, 64 KiB in all)");
    return;
  }
  refuse(socket, 400, "invalidSyntax",
         "malformed HTTP request head (" + message.substr(0, message.find('/')) + ")");
}

// Whether a request line (in a complete head) exceeds Poco's limit.
bool requestLineTooLong(std::string_view head) {
  constexpr std::size_t kPocoMaxUri = 16384;  // Poco::Net::HTTPRequest's MAX_URI_LENGTH
  return head.find("\r\n") > kPocoMaxUri;
}

// What a plain connection has received and not yet read, up to a head's limit and one byte (in
// a buffer of the calling thread's, valid until its next call); empty when nothing is there.
std::string_view peekHead(const StreamSocket& socket) {
  thread_local std::vector<char> buffer(kMaxHeadBytes + 1);
  const auto n = ::recv(fdOf(socket), buffer.data(), buffer.size(), MSG_PEEK | MSG_DONTWAIT);
  if (n <= 0) return {};
  return {buffer.data(), static_cast<std::size_t>(n)};
}

// The same for a connection whose head has arrived (the poller saw it).
bool requestLineTooLong(const StreamSocket& socket) {
  if (const auto* tls = tlsOf(socket)) return requestLineTooLong(tls->buffered());
  return requestLineTooLong(peekHead(socket));
}

bool isDecimal(const std::string& text) {
  return !text.empty() && text.size() <= 18 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

enum class Phase { Handshake, Head, Linger };

// A connection the poller watches: for a request head, or lingering after a refusal.
struct Waiting {
  Waiting(StreamSocket connection, Clock::time_point until, Phase first = Phase::Head)
      : socket(std::move(connection)), deadline(until), phase(first), tls(tlsOf(socket)) {
    // Decrypted bytes of a next request may already be held where poll cannot see them.
    checkNow = tls != nullptr && phase == Phase::Head;
  }
  StreamSocket socket;
  Clock::time_point deadline;
  Phase phase;
  TlsSocketImpl* tls;  // nullptr: plain HTTP
  short events = POLLIN;
  bool checkNow = false;  // look at the connection without waiting for poll
  bool sawBytes = false;
  bool done = false;  // closed or handed to a worker: dropped from the list
};

enum class Outcome { KeepAlive, Linger, Close };

}  // namespace

struct HttpListener::Impl {
  Impl(const Poco::Net::ServerSocket& socket, Poco::Net::HTTPRequestHandlerFactory::Ptr handlers,
       const config::ServerSettings& serverSettings, std::shared_ptr<const TlsContext> tlsContext)
      : tls(std::move(tlsContext)),
        listen(socket),
        factory(std::move(handlers)),
        settings(serverSettings),
        params(new Poco::Net::HTTPServerParams),
        boundPort(socket.address().port()) {
    params->setTimeout(Poco::Timespan(static_cast<long>(settings.requestTimeoutMs) * 1000));
    params->setKeepAlive(true);
    params->setServerName("scimgate");
    if (::pipe2(wake, O_NONBLOCK | O_CLOEXEC) != 0)
      throw Poco::IOException("cannot create the listener's wake pipe");
  }
  ~Impl() {
    ::close(wake[0]);
    ::close(wake[1]);
  }

  std::mutex tlsMutex;
  std::shared_ptr<const TlsContext> tls;  // nullptr: plain HTTP; replaced by a reload
  Poco::Net::ServerSocket listen;
  Poco::Net::HTTPRequestHandlerFactory::Ptr factory;
  const config::ServerSettings& settings;
  Poco::Net::HTTPServerParams::Ptr params;
  int boundPort;
  int wake[2] = {-1, -1};

  std::thread poller;
  std::vector<std::thread> workers;
  std::mutex mutex;
  std::condition_variable readyChanged;
  std::condition_variable healthChanged;
  std::condition_variable idle;
  std::deque<StreamSocket> ready;   // complete heads waiting for a worker
  std::deque<StreamSocket> health;  // complete GET /healthz heads: their own worker
  std::vector<Waiting> handedBack;  // from workers: keep-alive or lingering connections
  std::set<int> serving;            // sockets a worker serves now
  int busy = 0;
  bool workersExit = false;
  std::atomic<bool> stopping{false};
  std::atomic<bool> started{false};

  void wakePoller() {
    const char byte = 1;
    [[maybe_unused]] const auto n = ::write(wake[1], &byte, 1);
  }

  std::chrono::milliseconds headerTimeout() const {
    return std::chrono::milliseconds(settings.headerTimeoutMs);
  }

  void lingerOn(Waiting& entry) {
    entry.phase = Phase::Linger;
    entry.deadline = Clock::now() + kLinger;
    try {
      entry.socket.shutdownSend();
    } catch (const Poco::Exception&) {
      entry.socket.close();
      entry.done = true;
    }
  }

  // A complete head: to a worker, or 503 when too many already wait.
  void handOver(Waiting& entry, bool isHealthCheck) {
    {
      std::lock_guard lock(mutex);
      if (isHealthCheck && health.size() < 64) {
        // Liveness must not wait behind requests stuck on a hung directory.
        health.push_back(entry.socket);
        entry.done = true;
        healthChanged.notify_one();
        return;
      }
      if (ready.size() < static_cast<std::size_t>(std::max(1, settings.maxQueued))) {
        ready.push_back(entry.socket);
        entry.done = true;
        readyChanged.notify_one();
        return;
      }
    }
    refuse(entry.socket, 503, "", "the gateway is busy; retry shortly");
    lingerOn(entry);
  }

  void closeEntry(Waiting& entry) {
    entry.socket.close();
    entry.done = true;
  }

  // TLS: advances the handshake; once it is done, looks for the request head.
  void shakeHands(Waiting& entry, std::vector<char>& buffer) {
    switch (entry.tls->handshake()) {
      case TlsSocketImpl::Progress::Done:
        entry.phase = Phase::Head;
        entry.events = POLLIN;
        inspectHead(entry, buffer);  // the request may have come with the last flight
        return;
      case TlsSocketImpl::Progress::WantRead:
        entry.events = POLLIN;
        return;
      case TlsSocketImpl::Progress::WantWrite:
        entry.events = POLLOUT;
        return;
      case TlsSocketImpl::Progress::Failed:
        closeEntry(entry);  // not TLS, a refused version or cipher, or a client gone
        return;
    }
  }

  // Looks at what a connection sent so far: peeks (plain HTTP) or reads ahead into the TLS
  // layer's buffer, which the worker then reads first.
  void inspectHead(Waiting& entry, std::vector<char>& buffer) {
    entry.checkNow = false;
    std::string_view seen;
    if (entry.tls != nullptr) {
      if (entry.socket.getBlocking()) entry.socket.setBlocking(false);  // back from a worker
      const auto progress = entry.tls->fill(kMaxHeadBytes + 1);
      if (progress == TlsSocketImpl::Progress::Failed) return closeEntry(entry);
      entry.events = progress == TlsSocketImpl::Progress::WantWrite ? POLLOUT : POLLIN;
      seen = entry.tls->buffered();
      if (seen.empty()) return;
    } else {
      const auto n =
          ::recv(fdOf(entry.socket), buffer.data(), buffer.size(), MSG_PEEK | MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
      if (n <= 0) return closeEntry(entry);
      seen = std::string_view(buffer.data(), static_cast<std::size_t>(n));
    }
    entry.sawBytes = true;
    if (seen.find("\r\n\r\n") != std::string_view::npos) {
      handOver(entry, seen.rfind("GET /healthz ", 0) == 0);
      return;
    }
    if (seen.size() > kMaxHeadBytes) {
      if (seen.find("\r\n") == std::string_view::npos) {
        refuseHead(entry.socket, "URI");
      } else {
        refuseHead(entry.socket, "header fields");
      }
      lingerOn(entry);
    }
  }

  void drop(Waiting& entry) {
    char sink[8192];
    while (true) {
      const auto n = ::recv(fdOf(entry.socket), sink, sizeof sink, MSG_DONTWAIT);
      if (n > 0) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
      entry.socket.close();  // end of stream or error: the client has what it needs
      entry.done = true;
      return;
    }
  }

  void acceptAll(std::vector<Waiting>& waiting) {
    std::shared_ptr<const TlsContext> context;
    {
      std::lock_guard lock(tlsMutex);
      context = tls;
    }
    for (int i = 0; i < 64; ++i) {
      const int fd =
          ::accept4(static_cast<int>(listen.impl()->sockfd()), nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;  // nothing more to accept (non-blocking listener)
      StreamSocket socket;
      try {
        if (context) {
          socket = StreamSocket(new TlsSocketImpl(fd, context));
          socket.setBlocking(false);  // the poller drives the handshake
        } else {
          socket = StreamSocket(new Poco::Net::StreamSocketImpl(fd));
        }
        socket.setNoDelay(true);
        // For the connection's life: a worker's reads and writes of one request.
        const Poco::Timespan timeout(static_cast<long>(settings.requestTimeoutMs) * 1000);
        socket.setReceiveTimeout(timeout);
        socket.setSendTimeout(timeout);
      } catch (const Poco::Exception&) {
        continue;  // already gone (the descriptor was closed with its socket)
      }
      if (waiting.size() >= kMaxWaiting) {
        if (!context)
          refuse(socket, 503, "", "the gateway has too many open connections; retry shortly");
        socket.close();
        continue;
      }
      waiting.emplace_back(socket, Clock::now() + headerTimeout(),
                           context ? Phase::Handshake : Phase::Head);
    }
  }

  void pollLoop() {
    std::vector<Waiting> waiting;
    std::vector<char> buffer(kMaxHeadBytes + 1);
    std::vector<pollfd> fds;
    while (true) {
      {
        std::lock_guard lock(mutex);
        for (auto& entry : handedBack) waiting.push_back(std::move(entry));
        handedBack.clear();
      }
      if (stopping) {
        listen.close();
        // What has arrived complete is still served; everything else is closed.
        for (auto& entry : waiting) {
          if (entry.phase == Phase::Head) inspectHead(entry, buffer);
          if (!entry.done) entry.socket.close();
        }
        return;
      }
      fds.clear();
      fds.push_back({wake[0], POLLIN, 0});
      fds.push_back({static_cast<int>(listen.impl()->sockfd()), POLLIN, 0});
      auto next = Clock::now() + std::chrono::seconds(1);
      for (const auto& entry : waiting) {
        fds.push_back({fdOf(entry.socket), entry.events, 0});
        next = std::min(next, entry.checkNow ? Clock::now() : entry.deadline);
      }
      const auto wait =
          std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()).count();
      const int events =
          ::poll(fds.data(), fds.size(), static_cast<int>(std::max<long long>(0, wait)));
      if (events < 0 && errno != EINTR) break;
      if (fds[0].revents != 0) {
        char sink[64];
        [[maybe_unused]] const auto n = ::read(wake[0], sink, sizeof sink);
      }
      const std::size_t watched = waiting.size();
      if (fds[1].revents != 0) acceptAll(waiting);
      for (std::size_t i = 0; i < watched; ++i) {
        auto& entry = waiting[i];
        if (fds[i + 2].revents == 0 && !entry.checkNow) continue;
        switch (entry.phase) {
          case Phase::Handshake:
            shakeHands(entry, buffer);
            break;
          case Phase::Head:
            inspectHead(entry, buffer);
            break;
          case Phase::Linger:
            drop(entry);
            break;
        }
      }
      const auto now = Clock::now();
      for (auto& entry : waiting) {
        if (entry.done || entry.deadline > now) continue;
        if (entry.phase == Phase::Head && entry.sawBytes) {
          refuse(entry.socket, 408, "",
                 "the request head did not arrive within " +
                     std::to_string(settings.headerTimeoutMs) + " ms");
          lingerOn(entry);
          continue;
        }
        entry.socket.close();  // idle, or done lingering
        entry.done = true;
      }
      waiting.erase(std::remove_if(waiting.begin(), waiting.end(),
                                   [](const Waiting& entry) { return entry.done; }),
                    waiting.end());
    }
    for (auto& entry : waiting) entry.socket.close();
  }

  void workLoop(std::deque<StreamSocket>& queue, std::condition_variable& changed) {
    while (true) {
      StreamSocket socket;
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return !queue.empty() || workersExit; });
        if (queue.empty()) return;
        socket = queue.front();
        queue.pop_front();
        ++busy;
        serving.insert(fdOf(socket));
      }
      Outcome outcome = Outcome::Close;
      try {
        outcome = serve(socket, requestLineTooLong(socket));
        while (outcome == Outcome::KeepAlive) {
          const auto next = nextHead(socket);
          if (!next) break;
          outcome = serve(socket, *next);
        }
      } catch (const std::exception&) {
        outcome = Outcome::Close;
      }
      {
        std::lock_guard lock(mutex);
        --busy;
        serving.erase(fdOf(socket));
        if (busy == 0 && ready.empty() && health.empty()) idle.notify_all();
      }
      finish(socket, outcome);
    }
  }

  void finish(StreamSocket& socket, Outcome outcome) {
    if (stopping || outcome == Outcome::Close) {
      if (outcome == Outcome::Linger) {
        Waiting entry{socket, Clock::now()};
        lingerOn(entry);
        if (!entry.done) drop(entry);
      }
      socket.close();
      return;
    }
    Waiting entry{socket, Clock::now() + headerTimeout()};
    if (outcome == Outcome::Linger) lingerOn(entry);
    if (entry.done) return;
    {
      std::lock_guard lock(mutex);
      handedBack.push_back(std::move(entry));
    }
    wakePoller();
  }

  // A kept-alive plain connection's next request, served by the worker that answered the last
  // one when its head arrives complete within kNextHeadWait and no other connection waits for a
  // worker: the hand-over through the poller costs more than the request. The answer is whether
  // its request line is too long; none: the connection goes back to the poller.
  std::optional<bool> nextHead(StreamSocket& socket) {
    if (stopping || tlsOf(socket) != nullptr) return std::nullopt;
    {
      std::lock_guard lock(mutex);
      if (!ready.empty()) return std::nullopt;
    }
    pollfd watched{fdOf(socket), POLLIN, 0};
    if (::poll(&watched, 1, kNextHeadWaitMs) <= 0 || stopping) return std::nullopt;
    // Nothing (closed or failed: the poller sees it too) or part of a head: the poller waits.
    const std::string_view seen = peekHead(socket);
    if (seen.find("\r\n\r\n") == std::string_view::npos) return std::nullopt;
    return requestLineTooLong(seen);
  }

  // One request on a connection whose head has arrived.
  Outcome serve(StreamSocket& socket, bool lineTooLong) {
    TlsSocketImpl* tlsLayer = tlsOf(socket);
    if (tlsLayer != nullptr) socket.setBlocking(true);  // the poller read ahead non-blocking
    // Poco says "URI invalid or too long" for both; only a long one is 414.
    if (lineTooLong) {
      refuseHead(socket, "URI");
      return Outcome::Linger;
    }
    Session session(socket, params);
    // An HTTPSession closes its socket when it ends; this connection outlives it (keep-alive,
    // lingering), so it is taken back first (after the request and response below are gone).
    struct TakeBack {
      Session& session;
      ~TakeBack() { session.detachSocket(); }
    } takeBack{session};
    Poco::Net::HTTPServerResponseImpl response(session);
    std::unique_ptr<Poco::Net::HTTPServerRequestImpl> request;
    try {
      request = std::make_unique<Poco::Net::HTTPServerRequestImpl>(response, session, params);
    } catch (const Poco::Net::NoMessageException&) {
      return Outcome::Close;
    } catch (const Poco::Net::MessageException& e) {
      refuseHead(socket, e.message());
      return Outcome::Linger;
    } catch (const Poco::SyntaxException&) {
      refuse(socket, 400, "invalidSyntax", "Content-Length must be a number of bytes");
      return Outcome::Linger;
    } catch (const Poco::Exception&) {
      return Outcome::Close;
    }
    if (request->has("Content-Length")) {
      if (!isDecimal(request->get("Content-Length")) || request->getChunkedTransferEncoding()) {
        refuse(socket, 400, "invalidSyntax",
               "Content-Length must be a number of bytes (and not combined with chunked "
               "Transfer-Encoding)");
        return Outcome::Linger;
      }
      if (request->getContentLength64() > static_cast<long long>(settings.maxBodyBytes)) {
        refuse(socket, 413, "",
               "the request body exceeds " + std::to_string(settings.maxBodyBytes) + " bytes");
        return Outcome::Linger;
      }
    }
    // RFC 7230 3.3.3: without Content-Length or chunked encoding a request's body is empty, but
    // Poco reads such a body until the connection closes (GET, HEAD and DELETE excepted), which
    // would hold the request until the client gives up. Ending the read side makes that stream
    // end at once; the connection then closes after the answer.
    const std::string& method = request->getMethod();
    const bool undelimited = !request->has("Content-Length") &&
                             !request->getChunkedTransferEncoding() && method != "GET" &&
                             method != "HEAD" && method != "DELETE";
    if (undelimited) {
      if (tlsLayer != nullptr) {
        tlsLayer->endInput();
      } else {
        ::shutdown(fdOf(socket), SHUT_RD);
      }
    }
    response.setDate(Poco::Timestamp());
    response.setVersion(request->getVersion());
    response.setKeepAlive(request->getKeepAlive() && !stopping && !undelimited);
    response.set("Server", "scimgate");
    try {
      if (request->getExpectContinue()) response.sendContinue();
      std::unique_ptr<Poco::Net::HTTPRequestHandler> handler(
          factory->createRequestHandler(*request));
      handler->handleRequest(*request, response);
    } catch (const Poco::Exception&) {
      if (!response.sent()) refuse(socket, 500, "", "internal error");
      return Outcome::Close;
    }
    const bool keep =
        response.getKeepAlive() && !stopping && !request->stream().good() && session.pending() == 0;
    return keep ? Outcome::KeepAlive : Outcome::Close;
  }
};

HttpListener::HttpListener(const Poco::Net::ServerSocket& socket,
                           Poco::Net::HTTPRequestHandlerFactory::Ptr factory,
                           const config::ServerSettings& settings,
                           std::shared_ptr<const TlsContext> tls)
    : impl_(std::make_unique<Impl>(socket, std::move(factory), settings, std::move(tls))) {}

void HttpListener::setTls(std::shared_ptr<const TlsContext> tls) {
  std::lock_guard lock(impl_->tlsMutex);
  impl_->tls = std::move(tls);
}

HttpListener::~HttpListener() { stop(std::chrono::milliseconds(0)); }

void HttpListener::start() {
  if (impl_->started.exchange(true)) return;
  impl_->listen.setBlocking(false);
  const int threads = std::max(1, impl_->settings.threads);
  for (int i = 0; i < threads; ++i) {
    impl_->workers.emplace_back([this] { impl_->workLoop(impl_->ready, impl_->readyChanged); });
  }
  impl_->workers.emplace_back([this] { impl_->workLoop(impl_->health, impl_->healthChanged); });
  impl_->poller = std::thread([this] { impl_->pollLoop(); });
}

void HttpListener::stop(std::chrono::milliseconds drain) {
  if (!impl_->started || impl_->stopping.exchange(true)) return;
  impl_->wakePoller();
  impl_->poller.join();
  std::unique_lock lock(impl_->mutex);
  const bool drained = impl_->idle.wait_for(lock, drain, [&] {
    return impl_->ready.empty() && impl_->health.empty() && impl_->busy == 0;
  });
  if (!drained) {
    // Past the drain timeout: what still waits is told so, what is being served is cut off.
    for (auto& socket : impl_->ready) {
      refuse(socket, 503, "", "the gateway is shutting down; retry shortly");
      socket.close();
    }
    impl_->ready.clear();
    impl_->health.clear();
    for (int fd : impl_->serving) ::shutdown(fd, SHUT_RDWR);
  }
  impl_->workersExit = true;
  impl_->readyChanged.notify_all();
  impl_->healthChanged.notify_all();
  lock.unlock();
  for (auto& worker : impl_->workers) worker.join();
  impl_->workers.clear();
}

int HttpListener::port() const { return impl_->boundPort; }

}  // namespace scimgate::gateway
