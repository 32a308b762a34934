#include "support/smtp.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

extern char** environ;

namespace scimgate::testing {
namespace {

namespace fs = std::filesystem;

std::string readAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

bool portAccepts(int port) {
  try {
    Poco::Net::StreamSocket socket;
    socket.connect(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)),
                   Poco::Timespan(0, 200000));
    return true;
  } catch (const Poco::Exception&) {
    return false;
  }
}

std::string field(const Poco::JSON::Object::Ptr& object, const std::string& key) {
  return object->has(key) ? object->getValue<std::string>(key) : std::string();
}

}  // namespace

SmtpSink::SmtpSink(SmtpSinkOptions options) : options_(std::move(options)) {
  dir_ = (fs::temp_directory_path() / ("scimgate-smtp-" + std::to_string(::getpid()) + "-" +
                                       std::to_string(std::random_device{}())))
             .string();
  fs::create_directories(dir_ + "/mail");
  if (options_.tls != SmtpSinkOptions::Tls::None) {
    const std::string command =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
        "-addext subjectAltName=IP:127.0.0.1 -keyout '" +
        dir_ + "/key.pem' -out '" + dir_ + "/cert.pem' >'" + dir_ + "/openssl.log' 2>&1";
    if (std::system(command.c_str()) != 0) {
      FAIL("openssl could not make the sink's certificate: " << readAll(dir_ + "/openssl.log"));
    }
  }
  launch(0);
}

SmtpSink::~SmtpSink() {
  stop();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void SmtpSink::launch(int port) {
  const std::string portFile = dir_ + "/port";
  fs::remove(portFile);
  std::vector<std::string> args = {"/usr/bin/python3",
                                   std::string(SCIMGATE_SOURCE_DIR) + "/tools/smtp-sink.py",
                                   "--dir",
                                   dir_ + "/mail",
                                   "--port",
                                   std::to_string(port),
                                   "--port-file",
                                   portFile};
  if (options_.tls == SmtpSinkOptions::Tls::StartTls) {
    args.insert(args.end(),
                {"--starttls-cert", certificateFile(), "--starttls-key", dir_ + "/key.pem"});
  } else if (options_.tls == SmtpSinkOptions::Tls::Implicit) {
    args.insert(args.end(), {"--tls-cert", certificateFile(), "--tls-key", dir_ + "/key.pem"});
  }
  if (!options_.auth.empty()) args.insert(args.end(), {"--auth", options_.auth});
  if (!options_.rejectRcpt.empty()) args.insert(args.end(), {"--reject-rcpt", options_.rejectRcpt});

  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string log = dir_ + "/sink.log";
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) FAIL("cannot start /usr/bin/python3 tools/smtp-sink.py: errno " << spawned);
  pid_ = pid;

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      FAIL("tools/smtp-sink.py exited at start: " << readAll(log));
    }
    if (fs::exists(portFile)) {
      port_ = std::stoi(readAll(portFile));
      if (portAccepts(port_)) return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop();
  FAIL("tools/smtp-sink.py did not listen within 20 s: " << readAll(log));
}

void SmtpSink::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_ = 0;
}

void SmtpSink::start() {
  if (pid_ > 0) return;
  launch(port_);
}

std::vector<SinkMessage> SmtpSink::messages() const {
  std::vector<std::pair<int, fs::path>> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_ + "/mail", ec)) {
    if (entry.path().extension() != ".json") continue;
    const auto stem = entry.path().stem().string();
    if (stem.empty() || !std::all_of(stem.begin(), stem.end(), ::isdigit)) continue;
    files.emplace_back(std::stoi(stem), entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<SinkMessage> out;
  for (const auto& [number, path] : files) {
    Poco::JSON::Parser parser;
    auto object = parser.parse(readAll(path)).extract<Poco::JSON::Object::Ptr>();
    SinkMessage message;
    message.from = field(object, "from");
    message.envelopeFrom = field(object, "envelopeFrom");
    message.subject = field(object, "subject");
    message.messageId = field(object, "messageId");
    message.date = field(object, "date");
    message.text = field(object, "text");
    message.html = field(object, "html");
    if (auto to = object->getArray("to")) {
      for (unsigned i = 0; i < to->size(); ++i)
        message.to.push_back(to->getElement<std::string>(i));
    }
    out.push_back(std::move(message));
  }
  return out;
}

std::vector<SinkMessage> SmtpSink::waitForMessages(std::size_t count,
                                                   std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto found = messages();
    if (found.size() >= count || std::chrono::steady_clock::now() >= deadline) return found;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace scimgate::testing
