#include "workloads.h"

#include <Poco/URI.h>
#include <ldap.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <fstream>
#include <latch>
#include <random>
#include <sstream>
#include <thread>

namespace scimgate::bench {

namespace {

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

// A number no other POST of this run uses (cells restart their threads' counters).
long nextSerial() {
  static std::atomic<long> serial{0};
  return serial++;
}

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
         R"("Operations":[{"op":"replace","path":"active","value":)" + (active ? "true" : "false") +
         "}]}";
}

// The attributes the gateway reads for a user (its mapping, memberOf, the ppolicy lock).
const std::vector<std::string> kUserReadAttributes{"*",
                                                   "entryUUID",
                                                   "entryCSN",
                                                   "createTimestamp",
                                                   "modifyTimestamp",
                                                   "memberOf",
                                                   "pwdAccountLockedTime",
                                                   "pwdChangedTime"};

}  // namespace

CellResult runCell(int threads, const Options& options,
                   const std::function<Worker(int thread)>& makeWorker) {
  forgetErrors();
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

  list.push_back({"get-user", "GET /Users/{id}", "search (entryUUID=id), base ou=people, sub",
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
                                        "(entryUUID=" + randomUser(*rng).id + ")",
                                        kUserReadAttributes) == 1;
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
           noteError("HTTP " + std::to_string(status) + " GET /Users?filter=" + encoded + ": " +
                     body);
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

  // The raw side of every POST row: the add of an entry like the one the gateway writes.
  auto rawAdd = ldap([runTag, people](std::shared_ptr<LDAP> ld, int, int) {
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
  });
  // POST /Users: into the default role (Viewer, which holds only the users created by the
  // benchmark), and into a role of 1,000 and one of all 100,000 users (#18: a create must not
  // cost more as the role grows). The raw side is the add alone in each row.
  auto postUser = [&](const std::string& key, const std::string& label, const std::string& role) {
    return Operation{
        key, "POST /Users (new userName, no password" + label + ")",
        "add of the same entry (inetOrgPerson+scimgateUser)",
        http([runTag, role](std::shared_ptr<Http> s, int, int) {
          return [s, runTag, role](long) {
            const std::string uid = "bench-gw-" + runTag + "-" + std::to_string(nextSerial());
            std::string body =
                R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":")" + uid +
                R"(","name":{"givenName":"Bench","familyName":"New"},"displayName":"Bench New",)" +
                R"("emails":[{"value":")" + uid + R"(@example.com","primary":true}])";
            if (!role.empty()) body += R"(,"roles":[{"value":")" + role + R"("}])";
            body += "}";
            return s->expect(201, "POST", "/Users", body);
          };
        }),
        rawAdd};
  };
  list.push_back(postUser("post-user", "", ""));
  list.push_back(postUser("post-role-1k", ", into a role of 1,000 users", "bench-role-1k"));
  list.push_back(postUser("post-role-all", ", into a role of 100,000 users", "bench-role-all"));

  // A page of 100 users from the list sorted by userName, anywhere in it; the raw side reads the
  // first 100 entries of an unsorted search (the directory's cheapest page of 100).
  list.push_back({"list-users", "GET /Users?startIndex=random&count=100",
                  "paged search of 100 entries (unsorted), base ou=people",
                  http([&dir](std::shared_ptr<Http> s, int t, int) {
                    auto rng = std::make_shared<std::mt19937_64>(3000 + t);
                    return [s, rng, &dir](long) {
                      std::uniform_int_distribution<std::size_t> start(1, dir.users.size() - 99);
                      const std::string path =
                          "/Users?startIndex=" + std::to_string(start(*rng)) + "&count=100";
                      std::string body;
                      const int status = s->request("GET", path, "", &body);
                      if (status == 200 && body.find("\"itemsPerPage\":100") != std::string::npos)
                        return true;
                      noteError("HTTP " + std::to_string(status) + " GET " + path + ": " +
                                body.substr(0, 300));
                      return false;
                    };
                  }),
                  ldap([people](std::shared_ptr<LDAP> ld, int, int) {
                    return [ld, people](long) {
                      return ldapFirstPage(ld.get(), people, "(objectClass=scimgateUser)",
                                           kUserReadAttributes, 100) == 100;
                    };
                  })});

  // PATCH active: users 90,001..95,000 for the gateway, 95,001..100,000 for raw LDAP.
  const Slice gwActive{90000, 5000};
  const Slice rawActive{95000, 5000};
  list.push_back({"patch-active", "PATCH /Users/{id} active=false, then true",
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
                      return ldapOk(
                          ld.get(),
                          ldap_modify_ext_s(ld.get(), u.dn.c_str(), mods.get(), nullptr, nullptr),
                          "modify " + u.dn);
                    };
                  })});

  // Group membership: users 60,001..90,000 are in no group; each cell has its own 7,500.
  auto memberOp = [&](const std::string& key, const Group& group, const std::string& label,
                      Slice gwSlice, Slice rawSlice) {
    list.push_back({key, "PATCH /Groups/{id} add member, then remove (" + label + ")",
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
                                      ldap_modify_ext_s(ld.get(), group.dn.c_str(), mods.get(),
                                                        nullptr, nullptr),
                                      "modify member of " + group.dn);
                      };
                    })});
  };
  memberOp("group-small", dir.small, "100-member group", Slice{60000, 7500}, Slice{67500, 7500});
  memberOp("group-big", dir.big, "50,000-member group", Slice{75000, 7500}, Slice{82500, 7500});

  auto getGroup = [&](const std::string& key, const Group& group, const std::string& label) {
    list.push_back({key, "GET /Groups/{id}?excludedAttributes=members (" + label + ")",
                    "base search of the group, cn + entryUUID only",
                    http([&group](std::shared_ptr<Http> s, int, int) {
                      return [s, &group](long) {
                        return s->expect(200, "GET",
                                         "/Groups/" + group.id + "?excludedAttributes=members");
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

}  // namespace scimgate::bench
