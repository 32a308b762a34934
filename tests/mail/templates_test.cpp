#include "mail/templates.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>

namespace mail = scimgate::mail;
using scimgate::ErrorKind;

namespace {

const std::string kShipped = std::string(SCIMGATE_SOURCE_DIR) + "/mail/templates";

const std::map<std::string, std::string> kValues = {
    {"userName", "ada@example.com"},
    {"name", "Ada"},
    {"link", "https://scim.example.com/invitations#t0k3n"},
    {"expires", "7 days"},
    {"code", "123456"}};

// A fresh folder for an operator's templates, removed at the end of the test.
class Folder {
 public:
  Folder() {
    path_ = std::filesystem::temp_directory_path() /
            ("scimgate-templates-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(path_);
  }
  ~Folder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  Folder(const Folder&) = delete;
  Folder& operator=(const Folder&) = delete;
  void write(const std::string& name, const std::string& content) const {
    std::ofstream(path_ / name, std::ios::binary) << content;
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

mail::Templates shipped() {
  auto templates = mail::Templates::load(kShipped, "");
  INFO((templates.ok() ? "" : templates.error().detail));
  REQUIRE(templates.ok());
  return templates.value().withProductName("Acme Portal");
}

}  // namespace

TEST_CASE("the shipped templates load and pass the check") {
  auto templates = mail::Templates::load(kShipped, "");
  REQUIRE(templates.ok());
  auto checked = templates->check();
  INFO((checked.ok() ? "" : checked.error().detail));
  CHECK(checked.ok());
}

TEST_CASE("every shipped email template names the product, the link or code and the expiry") {
  const auto templates = shipped();
  for (const std::string name : {"invitation", "password_reset", "login_code"}) {
    INFO(name);
    auto message = templates.render(name, kValues);
    REQUIRE(message.ok());
    CHECK(message->subject.find("Acme Portal") != std::string::npos);
    CHECK(message->subject.find('\n') == std::string::npos);
    for (const auto* body : {&message->text, &message->html}) {
      CHECK(body->find("Acme Portal") != std::string::npos);
      CHECK(body->find("7 days") != std::string::npos);
      CHECK(body->find("did not expect") != std::string::npos);
      CHECK(body->find("{{") == std::string::npos);
      // No external resources: nothing is fetched when the mail is opened.
      CHECK(body->find("<img") == std::string::npos);
      CHECK(body->find("<link") == std::string::npos);
    }
    const std::string secret = name == "login_code" ? "123456" : kValues.at("link");
    CHECK(message->text.find(secret) != std::string::npos);
    CHECK(message->html.find(secret) != std::string::npos);
  }
  auto sms = templates.render("login_code_sms", kValues);
  REQUIRE(sms.ok());
  CHECK(sms->text.find("123456") != std::string::npos);
  CHECK(sms->text.find("Acme Portal") != std::string::npos);
  CHECK(sms->html.empty());
  CHECK(sms->text.size() < 160);  // one SMS
}

TEST_CASE("values are HTML-escaped in the HTML body only, and lose line breaks in the subject") {
  Folder folder;
  folder.write("note.subject", "About {{name}}\n");
  folder.write("note.txt", "Hi {{name}}\n");
  folder.write("note.html", "<p>Hi {{name}}</p>");
  auto templates = mail::Templates::load(kShipped, folder.path());
  REQUIRE(templates.ok());
  auto message =
      templates->render("note", {{"name", "<b>Tom & \"Jerry\" O'Neil</b>\r\nBcc: x@example.com"}});
  REQUIRE(message.ok());
  CHECK(
      message->html ==
      "<p>Hi &lt;b&gt;Tom &amp; &quot;Jerry&quot; O&#39;Neil&lt;/b&gt;\r\nBcc: x@example.com</p>");
  CHECK(message->text == "Hi <b>Tom & \"Jerry\" O'Neil</b>\r\nBcc: x@example.com\n");
  CHECK(message->subject == "About <b>Tom & \"Jerry\" O'Neil</b>  Bcc: x@example.com");
}

TEST_CASE("a placeholder without a value is an error naming the file and the key") {
  Folder folder;
  folder.write("note.txt", "Hi {{nmae}}\n");
  auto templates = mail::Templates::load(kShipped, folder.path());
  REQUIRE(templates.ok());
  auto message = templates->render("note", {{"name", "Ada"}});
  REQUIRE_FALSE(message.ok());
  CHECK(message.error().kind == ErrorKind::InvalidValue);
  CHECK(message.error().detail.find("note.txt") != std::string::npos);
  CHECK(message.error().detail.find("{{nmae}}") != std::string::npos);

  auto unknown = templates->render("no_such_template", kValues);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().kind == ErrorKind::InvalidValue);
}

TEST_CASE("an operator's file replaces the shipped file of that name only") {
  Folder folder;
  folder.write("invitation.subject", "Join {{productName}} now\n");
  auto templates = mail::Templates::load(kShipped, folder.path());
  REQUIRE(templates.ok());
  auto message = templates->withProductName("Acme").render("invitation", kValues);
  REQUIRE(message.ok());
  CHECK(message->subject == "Join Acme now");
  CHECK(message->text.find(kValues.at("link")) != std::string::npos);  // the shipped body
  CHECK_FALSE(message->html.empty());
  CHECK(templates->check().ok());
}

TEST_CASE("check() reports an operator's template with an unknown key, by file") {
  Folder folder;
  folder.write("password_reset.txt", "Reset: {{link}} for {{accountName}}\n");
  auto templates = mail::Templates::load(kShipped, folder.path());
  REQUIRE(templates.ok());
  auto checked = templates->check();
  REQUIRE_FALSE(checked.ok());
  CHECK(checked.error().detail.find("password_reset.txt") != std::string::npos);
  CHECK(checked.error().detail.find("accountName") != std::string::npos);
}

TEST_CASE("a template that is not UTF-8 or a missing folder is refused at load") {
  Folder folder;
  folder.write("invitation.txt", std::string("Hi \xff\xfe {{name}}\n"));
  auto broken = mail::Templates::load(kShipped, folder.path());
  REQUIRE_FALSE(broken.ok());
  CHECK(broken.error().detail.find("invitation.txt") != std::string::npos);
  CHECK(broken.error().detail.find("UTF-8") != std::string::npos);

  auto missing = mail::Templates::load(kShipped, folder.path() + "/nowhere");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().detail.find("nowhere") != std::string::npos);
}

TEST_CASE("a productName in the values wins over withProductName") {
  auto templates = shipped();
  auto values = kValues;
  values["productName"] = "Other";
  auto message = templates.render("invitation", values);
  REQUIRE(message.ok());
  CHECK(message->subject.find("Other") != std::string::npos);
}

TEST_CASE("readableDuration says how long in words") {
  CHECK(mail::readableDuration(7 * 24 * 3600) == "7 days");
  CHECK(mail::readableDuration(24 * 3600) == "1 day");
  CHECK(mail::readableDuration(3600) == "1 hour");
  CHECK(mail::readableDuration(2 * 3600) == "2 hours");
  CHECK(mail::readableDuration(30 * 60) == "30 minutes");
  CHECK(mail::readableDuration(60) == "1 minute");
  CHECK(mail::readableDuration(90 * 60) == "90 minutes");
  CHECK(mail::readableDuration(45) == "45 seconds");
  CHECK(mail::readableDuration(1) == "1 second");
  CHECK(mail::readableDuration(150) == "2 minutes");
}
