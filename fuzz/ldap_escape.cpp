// Fuzzes DN and filter escaping with properties libldap itself checks: every value escaped for a
// filter leaves no special character unescaped, and every valid UTF-8 value put into an RDN is
// read back by libldap's DN parser as exactly that value.
#include <ldap.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "ldap/escape.h"

namespace {

bool isHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool validUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xE  ? 3
                    : (c >> 3) == 0x1E ? 4
                                       : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

void checkFilterValue(std::string_view value) {
  const std::string escaped = scimgate::ldap::escapeFilterValue(value);
  for (std::size_t i = 0; i < escaped.size(); ++i) {
    const char c = escaped[i];
    if (c == '(' || c == ')' || c == '*' || c == '\0') std::abort();
    if (c == '\\') {
      if (i + 2 >= escaped.size()) std::abort();
      if (!isHex(escaped[i + 1]) || !isHex(escaped[i + 2])) std::abort();
      i += 2;
    }
  }
  // libldap's filter encoder accepts it (a values-return filter is a list of simple filters).
  const std::string filter = "((uid=" + escaped + "))";
  BerElement* ber = ber_alloc_t(LBER_USE_DER);
  if (ber == nullptr) return;
  const int rc = ldap_put_vrFilter(ber, filter.c_str());
  ber_free(ber, 1);
  if (rc != 0) std::abort();
}

void checkRdn(std::string_view value) {
  if (value.empty() || !validUtf8(value)) return;
  const std::string dn = scimgate::ldap::makeRdn("uid", value) + ",dc=example,dc=com";
  LDAPDN parsed = nullptr;
  if (ldap_str2dn(dn.c_str(), &parsed, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS) std::abort();
  const LDAPAVA* ava = parsed[0][0];
  const std::string_view readBack(ava->la_value.bv_val, ava->la_value.bv_len);
  const bool same =
      readBack == value && parsed[1] != nullptr && parsed[2] != nullptr && parsed[3] == nullptr;
  ldap_dnfree(parsed);
  if (!same) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view value(reinterpret_cast<const char*>(data), size);
  checkFilterValue(value);
  checkRdn(value);
  return 0;
}
