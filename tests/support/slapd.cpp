#include "support/slapd.h"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <ldap.h>
#include <signal.h>

#include <catch2/catch.hpp>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <thread>

#include "ldap/escape.h"

namespace scimgate::testing {
namespace {

std::string scriptPath() { return std::string(SCIMGATE_SOURCE_DIR) + "/tools/slapd-env.sh"; }
std::string ds389ScriptPath() { return std::string(SCIMGATE_SOURCE_DIR) + "/tools/389ds-env.sh"; }
// The tools/ script that runs the directory `env` describes.
std::string scriptFor(const SlapdEnv& env) {
  return env.profile == "389ds" ? ds389ScriptPath() : scriptPath();
}

SlapdEnv readEnv(const std::string& file) {
  std::ifstream in(file);
  if (!in) FAIL("no slapd env file at " << file << ": did the slapd fixture start?");
  std::map<std::string, std::string> vars;
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string value = line.substr(eq + 1);
    if (value.size() >= 2 && (value.front() == '\'' || value.front() == '"')) {
      value = value.substr(1, value.size() - 2);
    }
    vars[line.substr(0, eq)] = value;
  }
  SlapdEnv env;
  env.dir = vars["SLAPD_DIR"];
  env.url = vars["SLAPD_URL"];
  env.suffix = vars["SLAPD_SUFFIX"];
  env.bindDn = vars["SLAPD_BIND_DN"];
  env.bindPassword = vars["SLAPD_BIND_PASSWORD"];
  env.rootDn = vars["SLAPD_ROOT_DN"];
  env.rootPassword = vars["SLAPD_ROOT_PASSWORD"];
  if (!vars["SLAPD_PROFILE"].empty()) env.profile = vars["SLAPD_PROFILE"];
  env.ldapsUrl = vars["SLAPD_LDAPS_URL"];
  env.tlsCaFile = vars["SLAPD_TLS_CA"];
  env.tlsClientCertFile = vars["SLAPD_TLS_CLIENT_CERT"];
  env.tlsClientKeyFile = vars["SLAPD_TLS_CLIENT_KEY"];
  REQUIRE_FALSE(env.url.empty());
  return env;
}

void run(const std::string& command) {
  const int rc = std::system(command.c_str());
  if (rc != 0) FAIL("command failed (" << rc << "): " << command);
}

}  // namespace

ldap::Settings SlapdEnv::ldapSettings() const {
  ldap::Settings settings;
  settings.uris = {url};
  settings.bindDn = bindDn;
  settings.bindPassword = bindPassword;
  settings.baseDn = suffix;
  settings.peopleDn = "ou=people," + suffix;
  settings.rolesDn = "ou=roles," + suffix;
  settings.poolSize = 4;
  settings.connectTimeoutMs = 2000;
  settings.operationTimeoutMs = 5000;
  auto named = ldap::profileNamed(profile);
  if (!named) FAIL("no directory profile named '" << profile << "'");
  settings.profile = *named;
  settings.userMapping = ldap::defaultUserMapping(settings.profile);
  if (!ldapsUrl.empty() && settings.profile.passwordAttribute == "unicodePwd") {
    settings.uris = {ldapsUrl};  // AD takes passwords only over TLS
    settings.tlsCaFile = tlsCaFile;
  }
  return settings;
}

const SlapdEnv& fixtureSlapd() {
  static const SlapdEnv env = [] {
    const char* file = std::getenv("SCIMGATE_TEST_SLAPD_ENV");
    if (file == nullptr) {
      FAIL("SCIMGATE_TEST_SLAPD_ENV is not set: run these tests through ctest, which starts slapd");
    }
    return readEnv(file);
  }();
  return env;
}

SlapdEnv startSlapd(const std::string& dir, bool empty, SlapdTls tls) {
  const char* tlsOptions = tls == SlapdTls::Offered              ? " --tls"
                           : tls == SlapdTls::ClientCertDemanded ? " --tls --tls-verify-client"
                                                                 : "";
  run(scriptPath() + " start '" + dir + "'" + (empty ? " --empty" : "") + tlsOptions +
      " > /dev/null");
  SlapdEnv env = readEnv(dir + "/env");
  if (tls != SlapdTls::None) REQUIRE_FALSE(env.ldapsUrl.empty());
  return env;
}

namespace {

void stopAndWipe(const std::string& dir, const std::string& script = scriptPath()) {
  const std::string stop = script + " stop '" + dir + "' --wipe > /dev/null 2>&1";
  [[maybe_unused]] const int rc = std::system(stop.c_str());
}

}  // namespace

PrivateSlapd::PrivateSlapd(const std::string& name, bool empty, SlapdTls tls)
    : dir_((std::filesystem::temp_directory_path() / ("scimgate-" + name + "-" + uniqueSuffix()))
               .string()) {
  try {
    env_ = startSlapd(dir_, empty, tls);
  } catch (...) {
    stopAndWipe(dir_);  // whatever a failed start left behind
    throw;
  }
}

PrivateSlapd::~PrivateSlapd() { stopAndWipe(dir_); }

namespace {

// A port of 127.0.0.1 that was free a moment ago (each provider must name the other's port
// before either starts).
int freeLocalPort() {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  return socket.address().port();
}

}  // namespace

ReplicatedSlapds::ReplicatedSlapds(const std::string& name, int secondSyncSeconds)
    : ReplicatedSlapds(name, Product::OpenLdap, secondSyncSeconds) {}

ReplicatedSlapds::ReplicatedSlapds(const std::string& name, Product product, int secondSyncSeconds)
    : script_(product == Product::Ds389 ? ds389ScriptPath() : scriptPath()) {
  const auto base =
      std::filesystem::temp_directory_path() / ("scimgate-" + name + "-" + uniqueSuffix());
  firstDir_ = base.string() + "-1";
  secondDir_ = base.string() + "-2";
  try {
    if (product == Product::Ds389) {
      // Two instances, then an agreement each way; the second is initialised from the first.
      run(script_ + " start '" + firstDir_ + "' --empty > /dev/null");
      run(script_ + " start '" + secondDir_ + "' > /dev/null");
      run(script_ + " replicate '" + firstDir_ + "' '" + secondDir_ + "' > /dev/null");
    } else {
      const int firstPort = freeLocalPort();
      int secondPort = freeLocalPort();
      while (secondPort == firstPort) secondPort = freeLocalPort();
      const auto peer = [](int port) { return " --peer ldap://127.0.0.1:" + std::to_string(port); };
      run(script_ + " start '" + firstDir_ + "' --empty --port " + std::to_string(firstPort) +
          " --server-id 1" + peer(secondPort) + " > /dev/null");
      run(script_ + " start '" + secondDir_ + "' --port " + std::to_string(secondPort) +
          " --server-id 2" + peer(firstPort) + " --secrets-from '" + firstDir_ + "' --no-data" +
          (secondSyncSeconds > 0 ? " --sync-interval " + std::to_string(secondSyncSeconds) : "") +
          " > /dev/null");
    }
    first_ = readEnv(firstDir_ + "/env");
    second_ = readEnv(secondDir_ + "/env");
  } catch (...) {
    stopAndWipe(firstDir_, script_);
    stopAndWipe(secondDir_, script_);
    throw;
  }
}

ReplicatedSlapds::~ReplicatedSlapds() {
  stopAndWipe(firstDir_, script_);
  stopAndWipe(secondDir_, script_);
}

void stopSlapd(const SlapdEnv& env) { run(scriptFor(env) + " stop '" + env.dir + "'"); }

void restartSlapd(const SlapdEnv& env) {
  const std::string command = scriptFor(env) + " restart '" + env.dir + "' > /dev/null";
  // A restart right after kill -9 failed once in about 20 runs on a loaded machine (the cause is
  // not known yet; slapd.log below tells it next time): two more tries before failing the test.
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (std::system(command.c_str()) == 0) return;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  std::ifstream log(std::filesystem::path(env.dir) /
                    (env.profile == "389ds" ? "log/errors" : "slapd.log"));
  const std::string text(std::istreambuf_iterator<char>(log), {});
  FAIL("command failed: " << command << "\nslapd.log ends:\n"
                          << text.substr(text.size() > 2000 ? text.size() - 2000 : 0));
}

int slapdPid(const SlapdEnv& env) {
  // slapd-env.sh writes DIR/slapd.pid, 389ds-env.sh DIR/run/pid.
  std::ifstream in(std::filesystem::path(env.dir) /
                   (env.profile == "389ds" ? "run/pid" : "slapd.pid"));
  int pid = 0;
  in >> pid;
  if (pid <= 0) FAIL("no slapd pid file in " << env.dir);
  return pid;
}

void signalSlapd(const SlapdEnv& env, int signal) {
  const int pid = slapdPid(env);
  if (::kill(pid, signal) != 0) FAIL("cannot send signal " << signal << " to slapd " << pid);
}

void reconfigureSlapd(const SlapdEnv& env, const std::string& from, const std::string& to) {
  const auto conf = std::filesystem::path(env.dir) / "slapd.conf";
  std::string text;
  {
    std::ifstream in(conf);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto at = text.find(from);
  if (at == std::string::npos) FAIL("no '" << from << "' in " << conf.string());
  text.replace(at, from.size(), to);
  std::ofstream(conf) << text;
  restartSlapd(env);
}

std::string LdapEntry::first(const std::string& name) const {
  for (const auto& [key, values] : attributes) {
    if (strcasecmp(key.c_str(), name.c_str()) == 0 && !values.empty()) return values.front();
  }
  return {};
}

namespace {

using RootConnection = std::unique_ptr<LDAP, void (*)(LDAP*)>;

// A connection bound as the directory manager.
RootConnection bindAsRoot(const SlapdEnv& env) {
  LDAP* raw = nullptr;
  REQUIRE(ldap_initialize(&raw, env.url.c_str()) == LDAP_SUCCESS);
  RootConnection ld(raw, [](LDAP* l) { ldap_unbind_ext_s(l, nullptr, nullptr); });
  const int version = LDAP_VERSION3;
  ldap_set_option(ld.get(), LDAP_OPT_PROTOCOL_VERSION, &version);
  berval cred{static_cast<ber_len_t>(env.rootPassword.size()),
              const_cast<char*>(env.rootPassword.data())};
  REQUIRE(ldap_sasl_bind_s(ld.get(), env.rootDn.c_str(), LDAP_SASL_SIMPLE, &cred, nullptr, nullptr,
                           nullptr) == LDAP_SUCCESS);
  return ld;
}

}  // namespace

void ldapReplaceAsRoot(const SlapdEnv& env, const std::string& dn, const std::string& attribute,
                       const std::vector<std::string>& values) {
  auto ld = bindAsRoot(env);
  std::vector<std::string> copies = values;
  std::vector<char*> pointers;
  for (auto& v : copies) pointers.push_back(v.data());
  pointers.push_back(nullptr);
  std::string name = attribute;
  LDAPMod mod{};
  mod.mod_op = LDAP_MOD_REPLACE;
  mod.mod_type = name.data();
  mod.mod_values = pointers.data();
  LDAPMod* mods[] = {&mod, nullptr};
  REQUIRE(ldap_modify_ext_s(ld.get(), dn.c_str(), mods, nullptr, nullptr) == LDAP_SUCCESS);
}

void ldapAddAsRoot(const SlapdEnv& env, const std::string& dn,
                   const std::map<std::string, std::vector<std::string>>& attributes) {
  auto ld = bindAsRoot(env);
  std::vector<std::string> names;
  std::vector<std::vector<std::string>> values;
  for (const auto& [name, list] : attributes) {
    names.push_back(name);
    values.push_back(list);
  }
  std::vector<std::vector<char*>> pointers(values.size());
  std::vector<LDAPMod> mods(values.size());
  std::vector<LDAPMod*> list;
  for (std::size_t i = 0; i < values.size(); ++i) {
    for (auto& v : values[i]) pointers[i].push_back(v.data());
    pointers[i].push_back(nullptr);
    mods[i].mod_op = LDAP_MOD_ADD;
    mods[i].mod_type = names[i].data();
    mods[i].mod_values = pointers[i].data();
    list.push_back(&mods[i]);
  }
  list.push_back(nullptr);
  REQUIRE(ldap_add_ext_s(ld.get(), dn.c_str(), list.data(), nullptr, nullptr) == LDAP_SUCCESS);
}

std::vector<LdapEntry> ldapSearch(const SlapdEnv& env, const std::string& base,
                                  const std::string& filter,
                                  const std::vector<std::string>& attributes) {
  auto ld = bindAsRoot(env);
  std::vector<std::string> names = attributes;
  std::vector<char*> attrs;
  for (auto& n : names) attrs.push_back(n.data());
  attrs.push_back(nullptr);
  LDAPMessage* result = nullptr;
  const int rc = ldap_search_ext_s(ld.get(), base.c_str(), LDAP_SCOPE_SUBTREE, filter.c_str(),
                                   attrs.data(), 0, nullptr, nullptr, nullptr, 0, &result);
  std::unique_ptr<LDAPMessage, int (*)(LDAPMessage*)> owned(result, ldap_msgfree);
  std::vector<LdapEntry> entries;
  if (rc == LDAP_NO_SUCH_OBJECT) return entries;
  REQUIRE(rc == LDAP_SUCCESS);
  for (LDAPMessage* e = ldap_first_entry(ld.get(), result); e; e = ldap_next_entry(ld.get(), e)) {
    LdapEntry entry;
    char* dn = ldap_get_dn(ld.get(), e);
    entry.dn = dn;
    ldap_memfree(dn);
    BerElement* ber = nullptr;
    for (char* a = ldap_first_attribute(ld.get(), e, &ber); a;
         a = ldap_next_attribute(ld.get(), e, ber)) {
      berval** vals = ldap_get_values_len(ld.get(), e, a);
      for (int i = 0; vals && vals[i]; ++i)
        entry.attributes[a].emplace_back(vals[i]->bv_val, vals[i]->bv_len);
      ldap_value_free_len(vals);
      ldap_memfree(a);
    }
    if (ber) ber_free(ber, 0);
    entries.push_back(std::move(entry));
  }
  return entries;
}

const ldap::Profile& fixtureProfile() {
  static const ldap::Profile profile = fixtureSlapd().ldapSettings().profile;
  return profile;
}

std::string byId(const std::string& id) { return fixtureProfile().filterForId(id); }

std::string idOf(const LdapEntry& entry) {
  return fixtureProfile().idFromDirectory(entry.first(fixtureProfile().idAttribute));
}

std::string versionOf(const LdapEntry& entry) {
  return fixtureProfile().versionFrom([&](const std::string& name) { return entry.first(name); });
}

std::string lockAttribute() { return fixtureProfile().lockAttribute; }
std::string lockValue() { return fixtureProfile().lockValues("", true).front(); }
bool isLocked(const LdapEntry& entry) {
  return fixtureProfile().isLocked(entry.first(fixtureProfile().lockAttribute));
}

std::vector<std::string> lowerAll(std::vector<std::string> values) {
  for (auto& value : values) {
    for (auto& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return values;
}

std::string userNameAttribute() { return ldap::defaultUserMapping(fixtureProfile())["userName"]; }

std::string userNameFilter(const std::string& userName) {
  return "(" + userNameAttribute() + "=" + ldap::escapeFilterValue(userName) + ")";
}

std::string uniqueSuffix() {
  static std::mt19937_64 rng(std::random_device{}());
  static const char* digits = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  for (int i = 0; i < 10; ++i) out += digits[rng() % 36];
  return out;
}

std::string userDn(const std::string& userName) {
  // As the directory writes it: AD in upper case (CN=...,OU=people).
  if (fixtureProfile().userRdnAttribute == "cn") {
    return ldap::makeRdn("CN", userName) + ",OU=people," + fixtureSlapd().suffix;
  }
  return ldap::makeRdn(fixtureProfile().userRdnAttribute, userName) + ",ou=people," +
         fixtureSlapd().suffix;
}

}  // namespace scimgate::testing
