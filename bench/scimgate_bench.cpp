// scimgate_bench: each SCIM operation of the gateway side by side with the raw LDAP operation(s)
// it needs, at several concurrencies, in one run (DESIGN 8). bench/run.sh prepares the directory
// (100,000 users, groups of 100 and 50,000 members) and the gateway, then runs this; see
// bench/README.md for what each row measures and how to read the ratios.
//
// Each worker thread has its own HTTP keep-alive session (gateway) or its own LDAP connection
// bound as the gateway's service account (raw). Writes leave the directory as they found it:
// PATCH active and group member changes alternate (false/true, add/remove) over users reserved
// for that cell and thread, and a thread only stops after an even number of operations.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>
#include <ldap.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace {

using Clock = std::chrono::steady_clock;

constexpr char kUsage[] =
    "usage: scimgate_bench --url URL --token TOKEN --ldap-url URL --bind-dn DN --suffix DN\n"
    "                      [--seconds S] [--warmup N] [--concurrency 1,16] [--only NAME,...]\n"
    "                      [--slapd-pid PID] [--gateway-pid PID]\n"
    "  The bind password is read from SCIMGATE_BENCH_LDAP_PASSWORD.\n"
    "  --url         the gateway's SCIM base, e.g. http://127.0.0.1:PORT/scim/v2\n"
    "  --seconds S   measured time per cell (operation x concurrency x side), default 5\n"
    "  --warmup N    unmeasured operations per thread before each cell, default 10 (even)\n"
    "  --only        operation keys: get-user,filter-user,post-user,patch-active,\n"
    "                group-small,group-big,get-group-big,get-group-small\n"
    "  --slapd-pid, --gateway-pid  also report the CPU time (user + system, from /proc) each\n"
    "                process spent per measured operation\n";

struct Options {
  std::string url;
  std::string token;
  std::string ldapUrl;
  std::string bindDn;
  std::string bindPassword;
  std::string suffix;
  double seconds = 5.0;
  int warmup = 10;
  std::vector<int> concurrency{1, 16};
  std::vector<std::string> only;
  int slapdPid = 0;
  int gatewayPid = 0;
};

struct User {
  std::string uid;
  std::string id;  // entryUUID
  std::string dn;
};

struct Group {
  std::string dn;
  std::string id;
};

struct Directory {
  std::vector<User> users;  // users[i] is bench-(i+1)
  Group small;
  Group big;
};

[[noreturn]] void fail(const std::string& message) {
  std::cerr << "scimgate_bench: " << message << '\n';
  std::exit(1);
}

// The first few failures of a cell are printed, so an error count always comes with its cause.
std::atomic<int> errorsShown{0};
void noteError(const std::string& what) {
  if (errorsShown.fetch_add(1) < 3) {
    static std::mutex mutex;
    std::lock_guard lock(mutex);
    std::cerr << "scimgate_bench: failed: " << what.substr(0, 300) << '\n';
  }
}

// ---- LDAP ------------------------------------------------------------------------------------

struct LdapDeleter {
  void operator()(LDAP* ld) const { ldap_unbind_ext_s(ld, nullptr, nullptr); }
};
struct MessageDeleter {
  void operator()(LDAPMessage* m) const { ldap_msgfree(m); }
};
using LdapPtr = std::unique_ptr<LDAP, LdapDeleter>;
using MessagePtr = std::unique_ptr<LDAPMessage, MessageDeleter>;

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

// One LDAPMod list: {op, attribute, values}.
class Mods {
 public:
  void add(int op, const std::string& attribute, std::vector<std::string> values) {
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
  LDAPMod** get() {
    list_.clear();
    for (auto& item : items_) list_.push_back(&item->mod);
    list_.push_back(nullptr);
    return list_.data();
  }

 private:
  struct Item {
    std::string attribute;
    std::vector<std::string> values;
    std::vector<berval> bervals;
    std::vector<berval*> pointers;
    LDAPMod mod{};
  };
  std::vector<std::unique_ptr<Item>> items_;
  std::vector<LDAPMod*> list_;
};

std::string firstValue(LDAP* ld, LDAPMessage* entry, const char* attribute) {
  berval** values = ldap_get_values_len(ld, entry, attribute);
  std::string value;
  if (values != nullptr && values[0] != nullptr) value.assign(values[0]->bv_val, values[0]->bv_len);
  ldap_value_free_len(values);
  return value;
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

// Searches and counts the entries; -1 on an LDAP error.
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

// Every bench-NNNNNN user (uid, entryUUID, DN) and the two groups, read with paged results.
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
    const int rc = ldap_search_ext_s(ld.get(), people.c_str(), LDAP_SCOPE_ONELEVEL,
                                     "(uid=bench-*)", list.get(), 0, controls, nullptr, nullptr,
                                     0, &raw);
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
    if (paged != nullptr && ldap_parse_pageresponse_control(ld.get(), paged, &estimate, &next) ==
                                LDAP_SUCCESS && next.bv_len > 0) {
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

// A number no other POST of this run uses (cells restart their threads' counters).
long nextSerial() {
  static std::atomic<long> serial{0};
  return serial++;
}

// ---- HTTP ------------------------------------------------------------------------------------

class Http {
 public:
  explicit Http(const Options& options) : token_(options.token) {
    Poco::URI uri(options.url);
    base_ = uri.getPath();
    session_ = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
    session_->setKeepAlive(true);
    session_->setTimeout(Poco::Timespan(60, 0));
  }

  /// Whether the status is `expected`; a failure is noted with its body.
  bool expect(int expected, const std::string& method, const std::string& path,
              const std::string& payload = "") {
    std::string body;
    const int status = request(method, path, payload, &body);
    if (status == expected) return true;
    noteError("HTTP " + std::to_string(status) + " " + method + " " + path + ": " + body);
    return false;
  }

  /// Status code; the body in `body` when given.
  int request(const std::string& method, const std::string& path, const std::string& payload = "",
              std::string* body = nullptr) {
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

 private:
  std::string token_;
  std::string base_;
  std::unique_ptr<Poco::Net::HTTPClientSession> session_;
};

// ---- the cells -------------------------------------------------------------------------------

/// One thread's operation: i counts from 0 (warm-up operations included); true on success.
using Step = std::function<bool(long i)>;

/// What one worker thread needs: its own connection and the step that uses it.
struct Worker {
  std::shared_ptr<void> connection;
  Step step;
};

struct CellResult {
  double opsPerSecond = 0;
  double p50 = 0;
  double p99 = 0;
  long ops = 0;
  long errors = 0;
  double slapdCpuMs = -1;    // CPU time slapd spent during the measured part, -1 = not known
  double gatewayCpuMs = -1;  // the same for the gateway
};

// CPU time (user + system) process `pid` has used so far, in ms (clock-tick resolution), or -1.
double cpuMs(int pid) {
  if (pid <= 0) return -1;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(in, text);
  const auto close = text.rfind(')');  // the command name may contain spaces
  if (close == std::string::npos) return -1;
  std::istringstream fields(text.substr(close + 1));
  std::vector<std::string> values;
  for (std::string field; fields >> field;) values.push_back(field);
  if (values.size() < 13) return -1;  // values[0] is field 3 (state): utime 14, stime 15
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return (std::stod(values[11]) + std::stod(values[12])) * 1000.0 / ticks;
}

CellResult runCell(int threads, const Options& options,
                   const std::function<Worker(int thread)>& makeWorker) {
  errorsShown = 0;
  std::vector<Worker> workers;
  for (int t = 0; t < threads; ++t) workers.push_back(makeWorker(t));
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(threads));
  std::vector<long> errors(static_cast<std::size_t>(threads), 0);
  std::latch warmedUp(threads);
  std::latch go(1);
  std::atomic<bool> stop{false};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      auto& mine = latencies[static_cast<std::size_t>(t)];
      mine.reserve(1 << 16);
      Step& step = workers[static_cast<std::size_t>(t)].step;
      long i = 0;
      for (; i < options.warmup; ++i) {
        if (!step(i)) ++errors[static_cast<std::size_t>(t)];
      }
      warmedUp.count_down();
      go.wait();
      // Stop only after an even number of operations: alternating writes end where they began.
      for (; !(stop.load(std::memory_order_relaxed) && i % 2 == 0); ++i) {
        const auto begin = Clock::now();
        const bool ok = step(i);
        const auto end = Clock::now();
        if (!ok) ++errors[static_cast<std::size_t>(t)];
        mine.push_back(std::chrono::duration<double, std::milli>(end - begin).count());
      }
    });
  }
  warmedUp.wait();
  const double slapdBefore = cpuMs(options.slapdPid);
  const double gatewayBefore = cpuMs(options.gatewayPid);
  const auto begin = Clock::now();
  go.count_down();
  std::this_thread::sleep_for(std::chrono::duration<double>(options.seconds));
  stop = true;
  for (auto& thread : pool) thread.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - begin).count();

  CellResult result;
  if (const double after = cpuMs(options.slapdPid); slapdBefore >= 0 && after >= 0) {
    result.slapdCpuMs = after - slapdBefore;
  }
  if (const double after = cpuMs(options.gatewayPid); gatewayBefore >= 0 && after >= 0) {
    result.gatewayCpuMs = after - gatewayBefore;
  }
  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  for (long e : errors) result.errors += e;
  result.ops = static_cast<long>(all.size());
  if (all.empty()) return result;
  std::sort(all.begin(), all.end());
  auto percentile = [&](double p) {
    const auto index = static_cast<std::size_t>(p * static_cast<double>(all.size() - 1) + 0.5);
    return all[std::min(index, all.size() - 1)];
  };
  result.p50 = percentile(0.50);
  result.p99 = percentile(0.99);
  result.opsPerSecond = static_cast<double>(all.size()) / elapsed;
  return result;
}

struct Operation {
  std::string key;
  std::string scim;  // what the gateway row does
  std::string ldap;  // what the raw row does
  std::function<Worker(int thread, int threads)> gateway;
  std::function<Worker(int thread, int threads)> raw;
};

// Users reserved for a write cell: [first, first + count) (0-based) split evenly over threads.
struct Slice {
  std::size_t first;
  std::size_t count;
  std::size_t of(int thread, int threads, long i) const {
    const std::size_t per = count / static_cast<std::size_t>(threads);
    return first + static_cast<std::size_t>(thread) * per + static_cast<std::size_t>(i / 2) % per;
  }
};

std::string patchMembers(const char* op, const std::string& id) {
  return std::string(R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],)") +
         R"("Operations":[{"op":")" + op + R"(","path":"members","value":[{"value":")" + id +
         R"("}]}]})";
}

std::string patchActive(bool active) {
  return std::string(R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],)") +
         R"("Operations":[{"op":"replace","path":"active","value":)" +
         (active ? "true" : "false") + "}]}";
}

// The attributes the gateway reads for a user (its mapping, memberOf, the ppolicy lock).
const std::vector<std::string> kUserReadAttributes{
    "*", "entryUUID", "entryCSN", "createTimestamp", "modifyTimestamp", "memberOf",
    "pwdAccountLockedTime", "pwdChangedTime"};

std::vector<Operation> operations(const Options& options, const Directory& dir) {
  const std::string people = "ou=people," + options.suffix;
  const auto runTag = std::to_string(static_cast<long>(::getpid()));
  // The same random users for the gateway and the raw rows (seeded per thread).
  auto randomUser = [&dir](std::mt19937_64& rng) -> const User& {
    return dir.users[rng() % dir.users.size()];
  };
  auto http = [&options](auto body) {
    return [&options, body](int thread, int threads) {
      auto session = std::make_shared<Http>(options);
      return Worker{session, body(session, thread, threads)};
    };
  };
  auto ldap = [&options](auto body) {
    return [&options, body](int thread, int threads) {
      std::shared_ptr<LDAP> ld(connectLdap(options).release(), LdapDeleter{});
      return Worker{ld, body(ld, thread, threads)};
    };
  };
  std::vector<Operation> list;

  list.push_back(
      {"get-user", "GET /Users/{id}", "search (entryUUID=id), base ou=people, sub",
       http([randomUser](std::shared_ptr<Http> s, int t, int) {
         auto rng = std::make_shared<std::mt19937_64>(1000 + t);
         return [s, rng, randomUser](long) {
           return s->expect(200, "GET", "/Users/" + randomUser(*rng).id);
         };
       }),
       ldap([people, randomUser](std::shared_ptr<LDAP> ld, int t, int) {
         auto rng = std::make_shared<std::mt19937_64>(1000 + t);
         return [ld, rng, people, randomUser](long) {
           return ldapSearch(ld.get(), people, LDAP_SCOPE_SUBTREE,
                             "(entryUUID=" + randomUser(*rng).id + ")", kUserReadAttributes) == 1;
         };
       })});

  list.push_back(
      {"filter-user", "GET /Users?filter=userName eq \"x\"", "search (uid=x), base ou=people, sub",
       http([randomUser](std::shared_ptr<Http> s, int t, int) {
         auto rng = std::make_shared<std::mt19937_64>(2000 + t);
         return [s, rng, randomUser](long) {
           const std::string filter = "userName eq \"" + randomUser(*rng).uid + "\"";
           std::string encoded;
           Poco::URI::encode(filter, "\"&+=?# ", encoded);
           std::string body;
           const int status = s->request("GET", "/Users?filter=" + encoded, "", &body);
           if (status == 200 && body.find("\"totalResults\":1") != std::string::npos) return true;
           noteError("HTTP " + std::to_string(status) + " GET /Users?filter=" + encoded + ": " + body);
           return false;
         };
       }),
       ldap([people, randomUser](std::shared_ptr<LDAP> ld, int t, int) {
         auto rng = std::make_shared<std::mt19937_64>(2000 + t);
         return [ld, rng, people, randomUser](long) {
           return ldapSearch(ld.get(), people, LDAP_SCOPE_SUBTREE,
                             "(uid=" + randomUser(*rng).uid + ")", kUserReadAttributes) == 1;
         };
       })});

  list.push_back(
      {"post-user", "POST /Users (new userName, no password)",
       "add of the same entry (inetOrgPerson+scimgateUser)",
       http([runTag](std::shared_ptr<Http> s, int, int) {
         return [s, runTag](long) {
           const std::string uid = "bench-gw-" + runTag + "-" + std::to_string(nextSerial());
           const std::string body =
               R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":")" + uid +
               R"(","name":{"givenName":"Bench","familyName":"New"},"displayName":"Bench New",)" +
               R"("emails":[{"value":")" + uid + R"(@example.com","primary":true}]})";
           return s->expect(201, "POST", "/Users", body);
         };
       }),
       ldap([runTag, people](std::shared_ptr<LDAP> ld, int, int) {
         return [ld, runTag, people](long) {
           const std::string uid = "bench-raw-" + runTag + "-" + std::to_string(nextSerial());
           const std::string mail = uid + "@example.com";
           Mods mods;
           mods.add(LDAP_MOD_ADD, "objectClass",
                    {"top", "person", "organizationalPerson", "inetOrgPerson", "scimgateUser"});
           mods.add(LDAP_MOD_ADD, "uid", {uid});
           mods.add(LDAP_MOD_ADD, "cn", {"Bench New"});
           mods.add(LDAP_MOD_ADD, "sn", {"New"});
           mods.add(LDAP_MOD_ADD, "givenName", {"Bench"});
           mods.add(LDAP_MOD_ADD, "displayName", {"Bench New"});
           mods.add(LDAP_MOD_ADD, "mail", {mail});
           mods.add(LDAP_MOD_ADD, "scimgateResource",
                    {R"({"emails":[{"primary":true,"value":")" + mail + R"("}]})"});
           mods.add(LDAP_MOD_ADD, "scimgateStatus", {"pending"});
           const std::string dn = "uid=" + uid + "," + people;
           return ldapOk(ld.get(), ldap_add_ext_s(ld.get(), dn.c_str(), mods.get(), nullptr, nullptr),
                         "add " + dn);
         };
       })});

  // PATCH active: users 90,001..95,000 for the gateway, 95,001..100,000 for raw LDAP.
  const Slice gwActive{90000, 5000};
  const Slice rawActive{95000, 5000};
  list.push_back(
      {"patch-active", "PATCH /Users/{id} active=false, then true",
       "modify scimgateStatus + pwdAccountLockedTime (lock, then unlock)",
       http([gwActive, &dir](std::shared_ptr<Http> s, int t, int n) {
         return [s, t, n, gwActive, &dir](long i) {
           const User& u = dir.users[gwActive.of(t, n, i)];
           return s->expect(200, "PATCH", "/Users/" + u.id, patchActive(i % 2 == 1));
         };
       }),
       ldap([rawActive, &dir](std::shared_ptr<LDAP> ld, int t, int n) {
         return [ld, t, n, rawActive, &dir](long i) {
           const User& u = dir.users[rawActive.of(t, n, i)];
           Mods mods;
           if (i % 2 == 0) {
             mods.add(LDAP_MOD_REPLACE, "scimgateStatus", {"inactive"});
             mods.add(LDAP_MOD_REPLACE, "pwdAccountLockedTime", {"000001010000Z"});
           } else {
             mods.add(LDAP_MOD_REPLACE, "scimgateStatus", {"pending"});
             mods.add(LDAP_MOD_REPLACE, "pwdAccountLockedTime", {});
           }
           return ldapOk(ld.get(), ldap_modify_ext_s(ld.get(), u.dn.c_str(), mods.get(), nullptr, nullptr),
                         "modify " + u.dn);
         };
       })});

  // Group membership: users 60,001..90,000 are in no group; each cell has its own 7,500.
  auto memberOp = [&](const std::string& key, const Group& group, const std::string& label,
                      Slice gwSlice, Slice rawSlice) {
    list.push_back(
        {key, "PATCH /Groups/{id} add member, then remove (" + label + ")",
         "modify add / delete one member value (" + label + ")",
         http([&dir, &group, gwSlice](std::shared_ptr<Http> s, int t, int n) {
           return [s, t, n, gwSlice, &dir, &group](long i) {
             const User& u = dir.users[gwSlice.of(t, n, i)];
             return s->expect(204, "PATCH", "/Groups/" + group.id,
                              patchMembers(i % 2 == 0 ? "add" : "remove", u.id));
           };
         }),
         ldap([&dir, &group, rawSlice](std::shared_ptr<LDAP> ld, int t, int n) {
           return [ld, t, n, rawSlice, &dir, &group](long i) {
             const User& u = dir.users[rawSlice.of(t, n, i)];
             Mods mods;
             mods.add(i % 2 == 0 ? LDAP_MOD_ADD : LDAP_MOD_DELETE, "member", {u.dn});
             return ldapOk(ld.get(),
                           ldap_modify_ext_s(ld.get(), group.dn.c_str(), mods.get(), nullptr, nullptr),
                           "modify member of " + group.dn);
           };
         })});
  };
  memberOp("group-small", dir.small, "100-member group", Slice{60000, 7500}, Slice{67500, 7500});
  memberOp("group-big", dir.big, "50,000-member group", Slice{75000, 7500}, Slice{82500, 7500});

  auto getGroup = [&](const std::string& key, const Group& group, const std::string& label) {
    list.push_back(
        {key, "GET /Groups/{id}?excludedAttributes=members (" + label + ")",
         "base search of the group, cn + entryUUID only",
         http([&group](std::shared_ptr<Http> s, int, int) {
           return [s, &group](long) {
             return s->expect(200, "GET", "/Groups/" + group.id + "?excludedAttributes=members");
           };
         }),
         ldap([&group](std::shared_ptr<LDAP> ld, int, int) {
           return [ld, &group](long) {
             return ldapSearch(ld.get(), group.dn, LDAP_SCOPE_BASE, "(objectClass=*)",
                               {"cn", "entryUUID"}) == 1;
           };
         })});
  };
  getGroup("get-group-big", dir.big, "50,000 members");
  getGroup("get-group-small", dir.small, "100 members");
  return list;
}

std::vector<std::string> splitList(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

Options parseOptions(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) fail(arg + " needs a value\n" + kUsage);
      return argv[++i];
    };
    if (arg == "--url") {
      options.url = next();
    } else if (arg == "--token") {
      options.token = next();
    } else if (arg == "--ldap-url") {
      options.ldapUrl = next();
    } else if (arg == "--bind-dn") {
      options.bindDn = next();
    } else if (arg == "--suffix") {
      options.suffix = next();
    } else if (arg == "--seconds") {
      options.seconds = std::stod(next());
    } else if (arg == "--warmup") {
      options.warmup = std::stoi(next());
      options.warmup += options.warmup % 2;
    } else if (arg == "--concurrency") {
      options.concurrency.clear();
      for (const auto& c : splitList(next())) options.concurrency.push_back(std::stoi(c));
    } else if (arg == "--only") {
      options.only = splitList(next());
    } else if (arg == "--slapd-pid") {
      options.slapdPid = std::stoi(next());
    } else if (arg == "--gateway-pid") {
      options.gatewayPid = std::stoi(next());
    } else if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      std::exit(0);
    } else {
      fail("unknown argument '" + arg + "'\n" + kUsage);
    }
  }
  if (const char* password = std::getenv("SCIMGATE_BENCH_LDAP_PASSWORD")) {
    options.bindPassword = password;
  }
  if (options.url.empty() || options.token.empty() || options.ldapUrl.empty() ||
      options.bindDn.empty() || options.suffix.empty()) {
    fail(std::string("missing arguments\n") + kUsage);
  }
  return options;
}

std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parseOptions(argc, argv);
  const auto started = Clock::now();
  const Directory dir = readDirectory(options);
  std::cerr << "scimgate_bench: " << dir.users.size() << " users, groups " << dir.small.id
            << " (100) and " << dir.big.id << " (50,000), read in "
            << fixed(std::chrono::duration<double>(Clock::now() - started).count(), 1) << " s\n";

  struct Row {
    std::string key;
    std::string name;
    int concurrency;
    CellResult gateway;
    CellResult raw;
  };
  std::vector<Row> rows;
  std::string stoppedAt;  // the cell during which the gateway stopped answering
  for (const Operation& op : operations(options, dir)) {
    if (!options.only.empty() &&
        std::find(options.only.begin(), options.only.end(), op.key) == options.only.end()) {
      continue;
    }
    if (!stoppedAt.empty()) break;
    for (int c : options.concurrency) {
      Row row{op.key, op.scim, c, {}, {}};
      row.gateway = runCell(c, options, [&](int t) { return op.gateway(t, c); });
      // A gateway that stopped answering would turn every later cell into a stream of errors.
      if (Http(options).request("GET", "/ServiceProviderConfig") != 200) {
        stoppedAt = op.key + " at concurrency " + std::to_string(c);
        break;
      }
      row.raw = runCell(c, options, [&](int t) { return op.raw(t, c); });
      std::cerr << "scimgate_bench: " << op.key << " c=" << c << ": gateway "
                << fixed(row.gateway.p50, 2) << " ms p50, raw " << fixed(row.raw.p50, 2)
                << " ms p50" << (row.gateway.errors + row.raw.errors ? " (ERRORS)" : "") << '\n';
      rows.push_back(std::move(row));
    }
  }

  // The table (Markdown, so it pastes into bench/README.md as is).
  // CPU ms per measured operation, or "-" when the process was not given.
  auto perOp = [](double cpu, long ops) {
    return cpu >= 0 && ops > 0 ? fixed(cpu / static_cast<double>(ops), 2) : std::string("-");
  };
  std::printf("\n| operation | conc | gateway ops/s | p50 ms | p99 ms | raw LDAP ops/s | p50 ms | "
              "p99 ms | p50 gw/raw | ops/s gw/raw | errors gw/raw | slapd CPU ms/op gw/raw | "
              "gateway CPU ms/op |\n");
  std::printf("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
  for (const Row& r : rows) {
    std::printf("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %ld/%ld | %s / %s | %s |\n",
                r.name.c_str(),
                r.concurrency, fixed(r.gateway.opsPerSecond, 0).c_str(), fixed(r.gateway.p50, 2).c_str(),
                fixed(r.gateway.p99, 2).c_str(), fixed(r.raw.opsPerSecond, 0).c_str(),
                fixed(r.raw.p50, 2).c_str(), fixed(r.raw.p99, 2).c_str(),
                r.raw.p50 > 0 ? fixed(r.gateway.p50 / r.raw.p50, 1).c_str() : "-",
                r.raw.opsPerSecond > 0
                    ? fixed(r.gateway.opsPerSecond / r.raw.opsPerSecond, 2).c_str()
                    : "-",
                r.gateway.errors, r.raw.errors, perOp(r.gateway.slapdCpuMs, r.gateway.ops).c_str(),
                perOp(r.raw.slapdCpuMs, r.raw.ops).c_str(),
                perOp(r.gateway.gatewayCpuMs, r.gateway.ops).c_str());
  }
  std::printf("\nRaw LDAP side of each row:\n");
  for (const Operation& op : operations(options, dir)) {
    if (!options.only.empty() &&
        std::find(options.only.begin(), options.only.end(), op.key) == options.only.end()) {
      continue;
    }
    std::printf("  %-58s %s\n", op.scim.c_str(), op.ldap.c_str());
  }

  // DESIGN 8 / issue #4: a member change on the 50,000-member group within 1.5x of the
  // 100-member group.
  std::printf("\n");
  for (int c : options.concurrency) {
    const Row* small = nullptr;
    const Row* big = nullptr;
    for (const Row& r : rows) {
      if (r.concurrency != c) continue;
      if (r.key == "group-small") small = &r;
      if (r.key == "group-big") big = &r;
    }
    if (small == nullptr || big == nullptr || small->gateway.p50 <= 0 || small->raw.p50 <= 0) continue;
    const double ratio = big->gateway.p50 / small->gateway.p50;
    const bool clean = big->gateway.errors + small->gateway.errors == 0;
    std::printf("group member add/remove, 50,000-member vs 100-member group, concurrency %d: "
                "gateway p50 %s / %s ms = %sx (target <= 1.5x: %s); raw LDAP p50 %s / %s ms = %sx\n",
                c, fixed(big->gateway.p50, 2).c_str(), fixed(small->gateway.p50, 2).c_str(),
                fixed(ratio, 2).c_str(), !clean ? "invalid, requests failed" : ratio <= 1.5 ? "met" : "NOT met",
                fixed(big->raw.p50, 2).c_str(), fixed(small->raw.p50, 2).c_str(),
                fixed(big->raw.p50 / small->raw.p50, 2).c_str());
  }
  if (!stoppedAt.empty()) {
    std::printf("\nTHE GATEWAY STOPPED ANSWERING during %s: the rows above are the cells "
                "measured before; the rest were not run\n", stoppedAt.c_str());
    return 1;
  }
  long errors = 0;
  for (const Row& r : rows) errors += r.gateway.errors + r.raw.errors;
  if (errors > 0) {
    std::printf("\n%ld operations failed (see the errors column)\n", errors);
    return 1;
  }
  return 0;
}
