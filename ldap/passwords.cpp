#include "ldap/detail/passwords.h"

namespace scimgate::ldap::detail {
namespace {

// Writes the password of `dn` on `ld` the profile's way: RFC 3062 Password Modify (`old`, when
// set, is the current password), or a replace of userPassword in clear text, which the directory
// hashes. Either way the directory applies its own policy.
int writePassword(LDAP* ld, const Profile& profile, const std::string& dn, const berval* old,
                  std::string_view password) {
  if (!profile.passwordModifyOperation) {
    ModList mods({{LDAP_MOD_REPLACE, "userPassword", {std::string(password)}}});
    return ldap_modify_ext_s(ld, dn.c_str(), mods.get(), nullptr, nullptr);
  }
  berval user{static_cast<ber_len_t>(dn.size()), const_cast<char*>(dn.data())};
  berval secret{static_cast<ber_len_t>(password.size()), const_cast<char*>(password.data())};
  berval generated{0, nullptr};  // filled only when the server generates a password
  const int rc =
      ldap_passwd_s(ld, &user, const_cast<berval*>(old), &secret, &generated, nullptr, nullptr);
  if (generated.bv_val != nullptr) ber_memfree(generated.bv_val);
  return rc;
}

}  // namespace

Result<void> resetPassword(Pool& pool, const std::string& dn, const std::string& password) {
  return withConnection<void>(pool, false, [&](LDAP* ld) -> Result<void> {
    const int rc = writePassword(ld, pool.settings().profile, dn, nullptr, password);
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
    berval old{static_cast<ber_len_t>(current.size()), const_cast<char*>(current.data())};
    const int code = writePassword(ld, pool.settings().profile, dn, &old, next);
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
