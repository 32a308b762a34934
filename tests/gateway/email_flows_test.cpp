// People's email flows over HTTP (issue #14) against the real slapd and a real SMTP server
// (tools/smtp-sink.py): invitations (Pending -> Active), "forgot password" reset links,
// administrator-triggered reset links, codes by email as a second factor, and a mail server that
// is down at send time. The state store is SQLite here; one case runs on PostgreSQL.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "policy/mfa/state_store.h"
#include "policy/mfa/tokens.h"
#include "support/api.h"
#include "support/gateway.h"
#include "support/mail_gateway.h"
#include "support/slapd.h"
#include "support/smtp.h"

namespace {

using namespace scimgate;
using namespace std::chrono_literals;
using testing::Gateway;
using testing::postJson;
using testing::Reply;
using testing::SinkMessage;
using testing::SmtpSink;
using testing::uniqueSuffix;

constexpr char kPublicUrl[] = "https://scim.example.test";
constexpr char kExt[] = "urn:scimgate:params:scim:schemas:extension:2.0:User";
using testing::TempDir;

config::Config mailConfig(const policy::mfa::StoreSettings& store, int smtpPort) {
  auto cfg = testing::mailGatewayConfig(store, smtpPort);
  cfg.mail.settings.productName = "Acme Directory";
  return cfg;
}

// The messages to `address`, waiting until there are `count` of them (or 10 s passed).
std::vector<SinkMessage> mailsTo(const SmtpSink& sink, const std::string& address,
                                 std::size_t count = 1) {
  std::vector<SinkMessage> mine;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    mine.clear();
    for (auto& m : sink.messages()) {
      if (std::find(m.to.begin(), m.to.end(), address) != m.to.end()) mine.push_back(m);
    }
    if (mine.size() >= count) break;
    std::this_thread::sleep_for(50ms);
  }
  return mine;
}

// The messages to `address` that arrived so far.
std::vector<SinkMessage> mailsNow(const SmtpSink& sink, const std::string& address) {
  std::vector<SinkMessage> mine;
  for (auto& m : sink.messages()) {
    if (std::find(m.to.begin(), m.to.end(), address) != m.to.end()) mine.push_back(m);
  }
  return mine;
}

// The token of the link to `path` in a mail's text ("" when there is none).
std::string tokenIn(const std::string& text, const std::string& path) {
  const std::string prefix = std::string(kPublicUrl) + path;
  const auto at = text.find(prefix);
  if (at == std::string::npos) return {};
  std::string token;
  for (auto i = at + prefix.size(); i < text.size(); ++i) {
    const char c = text[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') break;
    token.push_back(c);
  }
  return token;
}

std::string codeIn(const std::string& text) {
  std::smatch match;
  static const std::regex sixDigits(R"((^|[^0-9])([0-9]{6})([^0-9]|$))");
  return std::regex_search(text, match, sixDigits) ? match[2].str() : "";
}

std::string statusOf(Gateway& gw, const std::string& id) {
  auto user = gw.request("GET", "/scim/v2/Users/" + id);
  REQUIRE(user.status == 200);
  return user.json()->getObject(kExt)->getValue<std::string>("status");
}

std::string acceptBody(const std::string& password, const std::string& confirmation) {
  return R"({"password":")" + password + R"(","confirmPassword":")" + confirmation + R"("})";
}

// A user with a password and an email address of their own; the id.
std::string activeUser(Gateway& gw, const std::string& name, const std::string& email) {
  auto created = gw.request("POST", "/scim/v2/Users",
                            R"({"userName":")" + name + R"(","password":")" + testing::kPassword +
                                R"(","name":{"givenName":"Ada"},"emails":[{"value":")" + email +
                                R"(","primary":true}]})");
  CAPTURE(created.body);
  REQUIRE(created.status == 201);
  return created.json()->getValue<std::string>("id");
}

void invitationFlow(const policy::mfa::StoreSettings& store) {
  SmtpSink sink;
  Gateway gw(mailConfig(store, sink.port()));
  const std::string email = "ana-" + uniqueSuffix() + "@example.com";
  auto invited =
      postJson(gw, "/invitations",
               R"({"emails":[{"email":")" + email + R"(","givenName":"Ana"}],"role":"Agent"})",
               testing::kToken);
  CAPTURE(invited.body);
  REQUIRE(invited.status == 201);
  auto entry = invited.json()->getArray("invitations")->getObject(0);
  CHECK(entry->getValue<bool>("invited"));
  CHECK(entry->getValue<std::string>("userName") == email);
  const std::string id = entry->getValue<std::string>("userId");
  CHECK(statusOf(gw, id) == "pending");
  // A Pending user cannot log in, whatever the password.
  CHECK(testing::tryLogin(gw, email, testing::kPassword).status == 401);

  auto mails = mailsTo(sink, email);
  REQUIRE(mails.size() == 1);
  CHECK(mails[0].subject.find("Acme Directory") != std::string::npos);
  CHECK(mails[0].text.find("Ana") != std::string::npos);
  const std::string token = tokenIn(mails[0].text, "/console/#/invitation/");
  REQUIRE(token.size() >= 43);
  CHECK(mails[0].html.find(token) != std::string::npos);
  // The token is nowhere in the answer to the inviter.
  CHECK(invited.body.find(token) == std::string::npos);

  auto shown = gw.request("GET", "/invitations/" + token, "", "");
  CAPTURE(shown.body);
  REQUIRE(shown.status == 200);
  CHECK(shown.json()->getValue<std::string>("userName") == email);
  CHECK(shown.json()->getValue<std::string>("givenName") == "Ana");
  CHECK(shown.json()->getObject("passwordRules")->getValue<int>("minLength") > 0);

  // Refusals leave the link usable.
  auto mismatch = postJson(gw, "/invitations/" + token + "/accept",
                           acceptBody(testing::kPassword, "Something-Else-42!"));
  CHECK(mismatch.status == 400);
  auto weak = postJson(gw, "/invitations/" + token + "/accept", acceptBody("short", "short"));
  CHECK(weak.status == 400);

  // The person may correct their name while accepting.
  auto accepted =
      postJson(gw, "/invitations/" + token + "/accept",
               R"({"password":")" + std::string(testing::kPassword) + R"(","confirmPassword":")" +
                   testing::kPassword + R"(","name":{"givenName":"Anna"}})");
  CAPTURE(accepted.body);
  REQUIRE(accepted.status == 200);
  const std::string session = accepted.json()->getValue<std::string>("token");
  CHECK(gw.request("GET", "/scim/v2/Me", "", session).status == 200);
  CHECK(statusOf(gw, id) == "active");
  CHECK(gw.request("GET", "/scim/v2/Users/" + id)
            .json()
            ->getObject("name")
            ->getValue<std::string>("givenName") == "Anna");
  CHECK(testing::tryLogin(gw, email, testing::kPassword).status == 200);

  auto again = postJson(gw, "/invitations/" + token + "/accept",
                        acceptBody(testing::kPassword, testing::kPassword));
  CHECK(again.status == 400);
  CHECK(testing::errorDetail(again).find("already accepted") != std::string::npos);
  CHECK(gw.request("GET", "/invitations/" + token, "", "").status == 400);
  CHECK(gw.request("GET", "/invitations/not-a-token", "", "").status == 404);
}

void forgotFlow(const policy::mfa::StoreSettings& store) {
  SmtpSink sink;
  Gateway gw(mailConfig(store, sink.port()));
  const std::string name = "forgetful-" + uniqueSuffix();
  const std::string email = name + "@example.com";
  activeUser(gw, name, email);
  const std::string oldSession = testing::loginAs(gw, name, testing::kPassword);

  // Known and unknown logins get the same answer.
  auto known = postJson(gw, "/auth/password/forgot", R"({"login":")" + name + R"("})");
  auto unknown =
      postJson(gw, "/auth/password/forgot", R"({"login":"nobody-)" + uniqueSuffix() + R"("})");
  CHECK(known.status == 202);
  CHECK(unknown.status == 202);
  CHECK(known.body == unknown.body);
  // By email address too: a second link.
  CHECK(postJson(gw, "/auth/password/forgot", R"({"login":")" + email + R"("})").status == 202);
  auto mails = mailsTo(sink, email, 2);
  REQUIRE(mails.size() == 2);
  const std::string first = tokenIn(mails[0].text, "/console/#/reset-password/");
  const std::string second = tokenIn(mails[1].text, "/console/#/reset-password/");
  REQUIRE(!first.empty());
  REQUIRE(!second.empty());
  CHECK(first != second);

  const std::string next = "Brand-New-Secret-77?";
  auto reset = [&](const std::string& token, const std::string& password,
                   const std::string& confirmation) {
    return postJson(gw, "/auth/password/reset",
                    R"({"token":")" + token + R"(","newPassword":")" + password +
                        R"(","confirmPassword":")" + confirmation + R"("})");
  };
  CHECK(reset(second, next, "not the same").status == 400);
  auto done = reset(second, next, next);
  CAPTURE(done.body);
  REQUIRE(done.status == 204);
  CHECK(testing::tryLogin(gw, name, testing::kPassword).status == 401);
  CHECK(testing::tryLogin(gw, name, next).status == 200);
  // The session from before the reset is over; the link is used up, and so is the other one.
  CHECK(gw.request("GET", "/scim/v2/Me", "", oldSession).status == 401);
  CHECK(reset(second, "Another-Secret-88?", "Another-Secret-88?").status == 400);
  CHECK(reset(first, "Another-Secret-88?", "Another-Secret-88?").status == 400);
}

}  // namespace

TEST_CASE("an invitation makes a Pending user who accepts it Active and signs them in",
          "[gateway][mail][slapd]") {
  TempDir dir;
  invitationFlow(dir.sqliteStore());
}

TEST_CASE("forgot password mails a single-use link that ends the old sessions",
          "[gateway][mail][slapd]") {
  TempDir dir;
  forgotFlow(dir.sqliteStore());
}

TEST_CASE("invitations keep the caller's role and account limits", "[gateway][mail][slapd]") {
  TempDir dir;
  SmtpSink sink;
  Gateway gw(mailConfig(dir.sqliteStore(), sink.port()));
  const std::string north = testing::createGroup(gw, "north-" + uniqueSuffix(), "account");
  const std::string south = testing::createGroup(gw, "south-" + uniqueSuffix(), "account");
  const std::string admin = testing::person(
      gw, "inviter-" + uniqueSuffix(), "Administrator",
      std::string(R"(,")") + kExt + R"(":{"accounts":[{"value":")" + north + R"("}]})");
  const std::string manager = testing::person(gw, "manager-" + uniqueSuffix(), "Manager");
  auto invite = [&](const std::string& session, const std::string& body) {
    return postJson(gw, "/invitations", body, session);
  };
  const std::string someone = "x-" + uniqueSuffix() + "@example.com";

  CHECK(invite(manager, R"({"emails":[")" + someone + R"("]})").status == 403);
  auto elsewhere =
      invite(admin, R"({"emails":[")" + someone + R"("],"accounts":[")" + south + R"("]})");
  CHECK(elsewhere.status == 403);
  CHECK(invite(admin, R"({"emails":[")" + someone + R"("]})").status == 403);  // no account
  CHECK(invite(admin, R"({"emails":[")" + someone + R"("],"accounts":[")" + north +
                          R"("],"role":"Emperor"})")
            .status == 400);
  // A bad address anywhere in the list: nobody is invited.
  auto bad = invite(admin, R"({"emails":[")" + someone + R"(","not an address"]})");
  CHECK(bad.status == 400);
  CHECK(gw.request("GET", "/scim/v2/Users?filter=userName%20eq%20%22" + someone + "%22")
            .json()
            ->getValue<int>("totalResults") == 0);

  auto ok = invite(admin, R"({"emails":[")" + someone + R"("],"accounts":[")" + north +
                              R"("],"role":"Administrator"})");
  CAPTURE(ok.body);
  REQUIRE(ok.status == 201);
  // The same address again: that entry fails, with what to do instead.
  auto twice =
      invite(admin, R"({"emails":[")" + someone + R"("],"accounts":[")" + north + R"("]})");
  CHECK(twice.status == 200);
  auto entry = twice.json()->getArray("invitations")->getObject(0);
  CHECK_FALSE(entry->getValue<bool>("invited"));
  CHECK(entry->getValue<std::string>("detail").find("resend") != std::string::npos);
}

TEST_CASE("resending an invitation voids the earlier link and revoking voids all",
          "[gateway][mail][slapd]") {
  TempDir dir;
  SmtpSink sink;
  Gateway gw(mailConfig(dir.sqliteStore(), sink.port()));
  const std::string email = "re-" + uniqueSuffix() + "@example.com";
  auto invited =
      postJson(gw, "/invitations", R"({"emails":[")" + email + R"("]})", testing::kToken);
  REQUIRE(invited.status == 201);
  const std::string id =
      invited.json()->getArray("invitations")->getObject(0)->getValue<std::string>("userId");
  auto resent =
      postJson(gw, "/invitations/resend", R"({"userId":")" + id + R"("})", testing::kToken);
  CAPTURE(resent.body);
  REQUIRE(resent.status == 200);
  auto mails = mailsTo(sink, email, 2);
  REQUIRE(mails.size() == 2);
  const std::string old = tokenIn(mails[0].text, "/console/#/invitation/");
  const std::string current = tokenIn(mails[1].text, "/console/#/invitation/");
  auto stale = gw.request("GET", "/invitations/" + old, "", "");
  CHECK(stale.status == 400);
  CHECK(testing::errorDetail(stale).find("newer") != std::string::npos);
  CHECK(gw.request("GET", "/invitations/" + current, "", "").status == 200);

  // A SCIM-created user without a password is invited the same way.
  const std::string scimEmail = "scim-" + uniqueSuffix() + "@example.com";
  auto created = gw.request("POST", "/scim/v2/Users",
                            R"({"userName":")" + scimEmail + R"(","emails":[{"value":")" +
                                scimEmail + R"(","primary":true}]})");
  REQUIRE(created.status == 201);
  const std::string scimId = created.json()->getValue<std::string>("id");
  auto byId = postJson(gw, "/invitations", R"({"userIds":[")" + scimId + R"("]})", testing::kToken);
  CAPTURE(byId.body);
  CHECK(byId.status == 200);
  CHECK(mailsTo(sink, scimEmail).size() == 1);

  REQUIRE(postJson(gw, "/invitations/revoke", R"({"userId":")" + id + R"("})", testing::kToken)
              .status == 204);
  CHECK(gw.request("GET", "/invitations/" + current, "", "").status == 400);
  CHECK(statusOf(gw, id) == "pending");

  // An active user is not invited: they get a reset link instead.
  const std::string actName = "act-" + uniqueSuffix();
  const std::string active = activeUser(gw, actName, actName + "@example.com");
  auto refused =
      postJson(gw, "/invitations/resend", R"({"userId":")" + active + R"("})", testing::kToken);
  CHECK(refused.status == 400);
  CHECK(testing::errorDetail(refused).find("reset") != std::string::npos);
}

TEST_CASE("an expired invitation is refused in words", "[gateway][mail][slapd]") {
  TempDir dir;
  SmtpSink sink;
  Gateway gw(mailConfig(dir.sqliteStore(), sink.port()));
  const std::string email = "late-" + uniqueSuffix() + "@example.com";
  auto invited =
      postJson(gw, "/invitations", R"({"emails":[")" + email + R"("]})", testing::kToken);
  REQUIRE(invited.status == 201);
  const std::string id =
      invited.json()->getArray("invitations")->getObject(0)->getValue<std::string>("userId");
  // A link that ran out an hour ago, written straight into the store.
  auto store = policy::mfa::openStateStore(dir.sqliteStore());
  REQUIRE(store.ok());
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  REQUIRE((*store)
              ->putToken(policy::mfa::TokenKind::Invitation, policy::mfa::tokenHash("expired-link"),
                         id, now - 7200, now - 3600)
              .ok());
  auto shown = gw.request("GET", "/invitations/expired-link", "", "");
  CHECK(shown.status == 400);
  CHECK(testing::errorDetail(shown).find("expired") != std::string::npos);
  auto accept = postJson(gw, "/invitations/expired-link/accept",
                         acceptBody(testing::kPassword, testing::kPassword));
  CHECK(accept.status == 400);
  CHECK(statusOf(gw, id) == "pending");
}

TEST_CASE(
    "forgot password tells nothing and sends nothing for unknown, inactive or throttled logins",
    "[gateway][mail][slapd]") {
  TempDir dir;
  SmtpSink sink;
  Gateway gw(mailConfig(dir.sqliteStore(), sink.port()));
  const std::string name = "quiet-" + uniqueSuffix();
  const std::string email = name + "@example.com";
  const std::string id = activeUser(gw, name, email);
  // Three requests in a row per login are mailed (auth.forgotThrottle), the fourth is not.
  for (int i = 0; i < 4; ++i) {
    CHECK(postJson(gw, "/auth/password/forgot", R"({"login":")" + name + R"("})").status == 202);
  }
  CHECK(mailsTo(sink, email, 3).size() == 3);
  std::this_thread::sleep_for(500ms);
  CHECK(mailsNow(sink, email).size() == 3);

  const std::string other = "off-" + uniqueSuffix();
  const std::string otherId = activeUser(gw, other, other + "@example.com");
  REQUIRE(gw.request("PATCH", "/scim/v2/Users/" + otherId,
                     testing::patchBody(R"({"op":"replace","path":"active","value":false})"))
              .status == 200);
  CHECK(postJson(gw, "/auth/password/forgot", R"({"login":")" + other + R"("})").status == 202);
  std::this_thread::sleep_for(500ms);
  for (const auto& m : sink.messages())
    CHECK(m.to != std::vector<std::string>{other + "@example.com"});
  CHECK(postJson(gw, "/auth/password/forgot", R"({"nope":1})").status == 400);
}

TEST_CASE("an administrator has a reset link mailed without seeing it", "[gateway][mail][slapd]") {
  TempDir dir;
  SmtpSink sink;
  Gateway gw(mailConfig(dir.sqliteStore(), sink.port()));
  const std::string name = "assisted-" + uniqueSuffix();
  const std::string email = name + "@example.com";
  const std::string id = activeUser(gw, name, email);
  const std::string viewer = testing::person(gw, "viewer-" + uniqueSuffix(), "Viewer");
  CHECK(postJson(gw, "/auth/password/reset-link", R"({"userId":")" + id + R"("})", viewer).status ==
        403);
  auto sent =
      postJson(gw, "/auth/password/reset-link", R"({"userId":")" + id + R"("})", testing::kToken);
  CAPTURE(sent.body);
  REQUIRE(sent.status == 202);
  auto mails = mailsTo(sink, email);
  REQUIRE(mails.size() == 1);
  const std::string token = tokenIn(mails[0].text, "/console/#/reset-password/");
  REQUIRE(!token.empty());
  CHECK(sent.body.find(token) == std::string::npos);
  const std::string next = "Fresh-Start-55%x";
  CHECK(postJson(gw, "/auth/password/reset",
                 R"({"token":")" + token + R"(","newPassword":")" + next +
                     R"(","confirmPassword":")" + next + R"("})")
            .status == 204);
  CHECK(testing::tryLogin(gw, name, next).status == 200);
}

TEST_CASE("a mail server that is down delays the mail and loses none", "[gateway][mail][slapd]") {
  TempDir dir;
  SmtpSink sink;
  Gateway gw(mailConfig(dir.sqliteStore(), sink.port()));
  sink.stop();
  const std::string email = "patient-" + uniqueSuffix() + "@example.com";
  auto invited =
      postJson(gw, "/invitations", R"({"emails":[")" + email + R"("]})", testing::kToken);
  CAPTURE(invited.body);
  REQUIRE(invited.status == 201);       // created and queued: delivery is the outbox's job
  std::this_thread::sleep_for(1500ms);  // at least one attempt fails meanwhile
  CHECK(sink.messages().empty());
  sink.start();
  CHECK(mailsTo(sink, email).size() == 1);
  std::this_thread::sleep_for(2500ms);  // later passes must not send it again
  CHECK(mailsNow(sink, email).size() == 1);
}

TEST_CASE("a code by email is a second factor that works once", "[gateway][mail][slapd]") {
  TempDir dir;
  SmtpSink sink;
  Gateway gw(mailConfig(dir.sqliteStore(), sink.port()));
  const std::string name = "coded-" + uniqueSuffix();
  const std::string email = name + "@example.com";
  activeUser(gw, name, email);
  const std::string session = testing::loginAs(gw, name, testing::kPassword);
  auto enrol = postJson(gw, "/mfa/code", R"({"channel":"email"})", session);
  CAPTURE(enrol.body);
  REQUIRE(enrol.status == 202);
  CHECK(enrol.json()->getValue<std::string>("sentTo").find("***@example.com") != std::string::npos);
  auto mails = mailsTo(sink, email);
  REQUIRE(mails.size() == 1);
  const std::string enrolCode = codeIn(mails[0].text);
  REQUIRE(enrolCode.size() == 6);
  const std::string wrong = enrolCode == "000000" ? "111111" : "000000";
  CHECK(postJson(gw, "/mfa/code/confirm", R"({"code":")" + wrong + R"("})", session).status == 400);
  auto confirmed = postJson(gw, "/mfa/code/confirm", R"({"code":")" + enrolCode + R"("})", session);
  CAPTURE(confirmed.body);
  REQUIRE(confirmed.status == 200);

  // Now the password alone is not enough: a code is mailed, once.
  auto first = testing::tryLogin(gw, name, testing::kPassword);
  CHECK(first.status == 401);
  CHECK(first.json()->getValue<std::string>("error") == "mfa_required");
  CHECK(first.json()->has("codeSentTo"));
  CHECK(testing::tryLogin(gw, name, testing::kPassword).status == 401);
  mails = mailsTo(sink, email, 2);
  REQUIRE(mails.size() == 2);
  std::this_thread::sleep_for(300ms);
  CHECK(mailsNow(sink, email).size() == 2);  // no second mail for the second attempt
  const std::string code = codeIn(mails[1].text);
  auto withCode = [&](const std::string& c) {
    return postJson(gw, "/auth/login",
                    R"({"userName":")" + name + R"(","password":")" + testing::kPassword +
                        R"(","code":")" + c + R"("})");
  };
  CHECK(withCode(code).status == 200);
  CHECK(withCode(code).status == 401);  // used up
}

TEST_CASE("invitations and reset links on a PostgreSQL state store",
          "[gateway][mail][slapd][postgres]") {
  policy::mfa::StoreSettings store;
  store.kind = "postgres";
  store.postgres = testing::postgresConninfo();
  invitationFlow(store);
  forgotFlow(store);
}
