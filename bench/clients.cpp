#include "clients.h"

#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace scimgate::bench {

namespace {

// The first few failures of a cell are printed, so an error count always comes with its cause.
std::atomic<int> errorsShown{0};

struct MessageDeleter {
  void operator()(LDAPMessage* m) const { ldap_msgfree(m); }
};
using MessagePtr = std::unique_ptr<LDAPMessage, MessageDeleter>;

// NULL-terminated char* array over strings that outlive it.
class CStrings {
 public:
  explicit CStrings(const std::vector<std::string>& values) {
    for (const auto& v : values) pointers_.push_back(const_cast<char*>(v.c_str()));
    pointers_.push_back(nullptr);
  }
  char** get() { return pointers_.data(); }

 private:
  std::vector<char*> pointers_;
};

std::string firstValue(LDAP* ld, LDAPMessage* entry, const char* attribute) {
  berval** values = ldap_get_values_len(ld, entry, attribute);
  std::string value;
  if (values != nullptr && values[0] != nullptr) value.assign(values[0]->bv_val, values[0]->bv_len);
  ldap_value_free_len(values);
  return value;
}

}  // namespace

[[noreturn]] void fail(const std::string& message) {
  std::cerr << "scimgate_bench: " << message << '\n';
  std::exit(1);
}

void noteError(const std::string& what) {
  if (errorsShown.fetch_add(1) < 3) {
    static std::mutex mutex;
    std::lock_guard lock(mutex);
    std::cerr << "scimgate_bench: failed: " << what.substr(0, 300) << '\n';
  }
}

void forgetErrors() { errorsShown = 0; }

// ---- LDAP ------------------------------------------------------------------------------------

LdapPtr connectLdap(const Options& options) {
  LDAP* raw = nullptr;
  if (ldap_initialize(&raw, options.ldapUrl.c_str()) != LDAP_SUCCESS) fail("bad LDAP URL");
  LdapPtr ld(raw);
  int version = LDAP_VERSION3;
  ldap_set_option(ld.get(), LDAP_OPT_PROTOCOL_VERSION, &version);
  ldap_set_option(ld.get(), LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
  berval password{static_cast<ber_len_t>(options.bindPassword.size()),
                  const_cast<char*>(options.bindPassword.data())};
  const int rc = ldap_sasl_bind_s(ld.get(), options.bindDn.c_str(), LDAP_SASL_SIMPLE, &password,
                                  nullptr, nullptr, nullptr);
  if (rc != LDAP_SUCCESS) fail(std::string("LDAP bind failed: ") + ldap_err2string(rc));
  return ld;
}

void Mods::add(int op, const std::string& attribute, std::vector<std::string> values) {
  items_.push_back(std::make_unique<Item>());
  Item& item = *items_.back();
  item.attribute = attribute;
  item.values = std::move(values);
  for (const auto& v : item.values) {
    item.bervals.push_back({static_cast<ber_len_t>(v.size()), const_cast<char*>(v.data())});
  }
  for (auto& b : item.bervals) item.pointers.push_back(&b);
  item.pointers.push_back(nullptr);
  item.mod.mod_op = op | LDAP_MOD_BVALUES;
  item.mod.mod_type = const_cast<char*>(item.attribute.c_str());
  item.mod.mod_bvalues = item.values.empty() ? nullptr : item.pointers.data();
}

LDAPMod** Mods::get() {
  list_.clear();
  for (auto& item : items_) list_.push_back(&item->mod);
  list_.push_back(nullptr);
  return list_.data();
}

bool ldapOk(LDAP* ld, int rc, const std::string& what) {
  if (rc == LDAP_SUCCESS) return true;
  char* message = nullptr;
  ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &message);
  noteError("LDAP " + what + ": " + ldap_err2string(rc) +
            (message != nullptr && *message ? std::string(" (") + message + ")" : ""));
  if (message != nullptr) ldap_memfree(message);
  return false;
}

int ldapSearch(LDAP* ld, const std::string& base, int scope, const std::string& filter,
               const std::vector<std::string>& attributes) {
  std::vector<std::string> attrs = attributes;
  CStrings list(attrs);
  LDAPMessage* raw = nullptr;
  const int rc = ldap_search_ext_s(ld, base.c_str(), scope, filter.c_str(), list.get(), 0, nullptr,
                                   nullptr, nullptr, 0, &raw);
  MessagePtr result(raw);
  if (!ldapOk(ld, rc, "search " + filter)) return -1;
  return ldap_count_entries(ld, result.get());
}

int ldapFirstPage(LDAP* ld, const std::string& base, const std::string& filter,
                  const std::vector<std::string>& attributes, int size) {
  LDAPControl* page = nullptr;
  if (ldap_create_page_control(ld, size, nullptr, 0, &page) != LDAP_SUCCESS) {
    fail("cannot create the paged results control");
  }
  LDAPControl* controls[] = {page, nullptr};
  std::vector<std::string> attrs = attributes;
  CStrings list(attrs);
  LDAPMessage* raw = nullptr;
  const int rc = ldap_search_ext_s(ld, base.c_str(), LDAP_SCOPE_SUBTREE, filter.c_str(), list.get(),
                                   0, controls, nullptr, nullptr, 0, &raw);
  ldap_control_free(page);
  MessagePtr result(raw);
  if (!ldapOk(ld, rc, "paged search " + filter)) return -1;
  return ldap_count_entries(ld, result.get());
}

Directory readDirectory(const Options& options) {
  LdapPtr ld = connectLdap(options);
  Directory directory;
  const std::string people = "ou=people," + options.suffix;
  std::vector<std::string> attrs{"uid", "entryUUID"};
  CStrings list(attrs);
  berval* cookie = nullptr;
  std::map<long, User> byNumber;
  do {
    LDAPControl* page = nullptr;
    if (ldap_create_page_control(ld.get(), 5000, cookie, 0, &page) != LDAP_SUCCESS) {
      fail("cannot create the paged results control");
    }
    if (cookie != nullptr) ber_bvfree(cookie);
    cookie = nullptr;
    LDAPControl* controls[] = {page, nullptr};
    LDAPMessage* raw = nullptr;
    const int rc = ldap_search_ext_s(ld.get(), people.c_str(), LDAP_SCOPE_ONELEVEL, "(uid=bench-*)",
                                     list.get(), 0, controls, nullptr, nullptr, 0, &raw);
    ldap_control_free(page);
    MessagePtr result(raw);
    if (rc != LDAP_SUCCESS) fail(std::string("reading the users: ") + ldap_err2string(rc));
    for (LDAPMessage* e = ldap_first_entry(ld.get(), result.get()); e;
         e = ldap_next_entry(ld.get(), e)) {
      User user;
      user.uid = firstValue(ld.get(), e, "uid");
      user.id = firstValue(ld.get(), e, "entryUUID");
      char* dn = ldap_get_dn(ld.get(), e);
      user.dn = dn;
      ldap_memfree(dn);
      if (user.uid.size() == 12) byNumber[std::strtol(user.uid.c_str() + 6, nullptr, 10)] = user;
    }
    LDAPControl** response = nullptr;
    ldap_parse_result(ld.get(), result.get(), nullptr, nullptr, nullptr, nullptr, &response, 0);
    LDAPControl* paged = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, response, nullptr);
    ber_int_t estimate = 0;
    berval next{0, nullptr};
    if (paged != nullptr &&
        ldap_parse_pageresponse_control(ld.get(), paged, &estimate, &next) == LDAP_SUCCESS &&
        next.bv_len > 0) {
      cookie = ber_bvdup(&next);
    }
    if (next.bv_val != nullptr) ber_memfree(next.bv_val);
    ldap_controls_free(response);
  } while (cookie != nullptr);
  for (long i = 1; byNumber.count(i); ++i) directory.users.push_back(byNumber[i]);
  if (directory.users.size() < 100000) {
    fail("expected users bench-000001..bench-100000, found " +
         std::to_string(directory.users.size()) + " in a row");
  }
  auto group = [&](const std::string& name) {
    Group g;
    g.dn = "cn=" + name + ",ou=groups," + options.suffix;
    std::vector<std::string> groupAttrs{"entryUUID"};
    CStrings groupList(groupAttrs);
    LDAPMessage* raw = nullptr;
    const int rc = ldap_search_ext_s(ld.get(), g.dn.c_str(), LDAP_SCOPE_BASE, "(objectClass=*)",
                                     groupList.get(), 0, nullptr, nullptr, nullptr, 0, &raw);
    MessagePtr result(raw);
    LDAPMessage* e = rc == LDAP_SUCCESS ? ldap_first_entry(ld.get(), result.get()) : nullptr;
    if (e == nullptr) fail("group " + g.dn + " not found");
    g.id = firstValue(ld.get(), e, "entryUUID");
    return g;
  };
  directory.small = group("bench-small");
  directory.big = group("bench-big");
  return directory;
}

// ---- HTTP ------------------------------------------------------------------------------------

Http::Http(const Options& options) : token_(options.token) {
  Poco::URI uri(options.url);
  base_ = uri.getPath();
  session_ = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
  session_->setKeepAlive(true);
  session_->setTimeout(Poco::Timespan(60, 0));
}

bool Http::expect(int expected, const std::string& method, const std::string& path,
                  const std::string& payload) {
  std::string body;
  const int status = request(method, path, payload, &body);
  if (status == expected) return true;
  noteError("HTTP " + std::to_string(status) + " " + method + " " + path + ": " + body);
  return false;
}

int Http::request(const std::string& method, const std::string& path, const std::string& payload,
                  std::string* body) {
  Poco::Net::HTTPRequest request(method, base_ + path, Poco::Net::HTTPMessage::HTTP_1_1);
  request.setKeepAlive(true);
  request.set("Authorization", "Bearer " + token_);
  request.set("Accept", "application/scim+json");
  if (!payload.empty()) {
    request.setContentType("application/scim+json");
    request.setContentLength(static_cast<std::streamsize>(payload.size()));
  }
  try {
    std::ostream& out = session_->sendRequest(request);
    if (!payload.empty()) out << payload;
    Poco::Net::HTTPResponse response;
    std::istream& in = session_->receiveResponse(response);
    std::string text;
    Poco::StreamCopier::copyToString(in, text);
    if (body != nullptr) *body = std::move(text);
    return static_cast<int>(response.getStatus());
  } catch (const Poco::Exception& e) {
    session_->reset();
    if (body != nullptr) *body = e.displayText();
    return 0;
  }
}

}  // namespace scimgate::bench
