#include "ldap/detail/passwords.h"

namespace scimgate::ldap::detail {

Result<void> resetPassword(Pool& pool, const std::string& dn, const std::string& password) {
  return withConnection<void>(pool, false, [&](LDAP* ld) -> Result<void> {
    berval user{static_cast<ber_len_t>(dn.size()), const_cast<char*>(dn.data())};
    berval secret{static_cast<ber_len_t>(password.size()), const_cast<char*>(password.data())};
    // RFC 3062 Password Modify: the server hashes the password and applies its policy.
    berval generated{0, nullptr};  // filled only when the server generates a password
    const int rc = ldap_passwd_s(ld, &user, nullptr, &secret, &generated, nullptr, nullptr);
    if (generated.bv_val != nullptr) ber_memfree(generated.bv_val);
    if (rc == LDAP_SUCCESS) return {};
    if (rc == LDAP_CONSTRAINT_VIOLATION || rc == LDAP_UNWILLING_TO_PERFORM) {
      std::string why = diagnostic(ld);
      return makeError(ErrorKind::InvalidValue,
                       "the directory rejected the password" + (why.empty() ? "" : ": " + why));
    }
    return errorFromLdap(rc, "setting the password");
  });
}

Result<void> changeOwnPassword(Pool& pool, const std::string& dn, std::string_view current,
                               std::string_view next) {
  std::string why;
  const int rc = pool.bindAs(dn, std::string(current), [&](LDAP* ld) {
    berval user{static_cast<ber_len_t>(dn.size()), const_cast<char*>(dn.data())};
    berval old{static_cast<ber_len_t>(current.size()), const_cast<char*>(current.data())};
    berval secret{static_cast<ber_len_t>(next.size()), const_cast<char*>(next.data())};
    berval generated{0, nullptr};
    const int code = ldap_passwd_s(ld, &user, &old, &secret, &generated, nullptr, nullptr);
    if (generated.bv_val != nullptr) ber_memfree(generated.bv_val);
    if (code != LDAP_SUCCESS) why = diagnostic(ld);
    return code;
  });
  if (rc == LDAP_SUCCESS) return {};
  if (rc == LDAP_INVALID_CREDENTIALS || rc == LDAP_NO_SUCH_OBJECT || rc == LDAP_INVALID_DN_SYNTAX ||
      rc == LDAP_INAPPROPRIATE_AUTH) {
    return makeError(ErrorKind::Unauthorized, "invalid credentials");
  }
  if (rc == LDAP_CONSTRAINT_VIOLATION || rc == LDAP_UNWILLING_TO_PERFORM) {
    return makeError(ErrorKind::InvalidValue,
                     "the directory rejected the password" + (why.empty() ? "" : ": " + why));
  }
  if (rc == LDAP_INSUFFICIENT_ACCESS) {
    return makeError(ErrorKind::Forbidden,
                     "the directory does not let this user change its password");
  }
  return errorFromLdap(rc, "changing the password");
}

}  // namespace scimgate::ldap::detail
