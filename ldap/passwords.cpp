#include "ldap/detail/passwords.h"

namespace scimgate::ldap::detail {
namespace {

// AD's unicodePwd value: the password in double quotes, as UTF-16LE.
std::string unicodePwd(std::string_view password) {
  const std::string quoted = "\"" + std::string(password) + "\"";
  std::string out;
  auto unit = [&](std::uint32_t u) {
    out += static_cast<char>(u & 0xFF);
    out += static_cast<char>((u >> 8) & 0xFF);
  };
  for (std::size_t i = 0; i < quoted.size();) {
    const auto b = static_cast<unsigned char>(quoted[i]);
    const int extra = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : b >= 0xC0 ? 1 : 0;
    std::uint32_t cp = extra == 0 ? b : b & (0x3F >> extra);
    std::size_t j = 1;
    for (; j <= static_cast<std::size_t>(extra) && i + j < quoted.size(); ++j) {
      cp = (cp << 6) | (static_cast<unsigned char>(quoted[i + j]) & 0x3F);
    }
    i += j;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      unit(0xD800 + (cp >> 10));
      unit(0xDC00 + (cp & 0x3FF));
    } else {
      unit(cp);
    }
  }
  return out;
}

// Writes the password of `dn` on `ld` the profile's way: RFC 3062 Password Modify (`old`, when
// set, is the current password), or a replace of userPassword in clear text, which the directory
// hashes. Either way the directory applies its own policy.
int writePassword(LDAP* ld, const Profile& profile, const std::string& dn, const berval* old,
                  std::string_view password) {
  if (!profile.passwordModifyOperation && profile.passwordAttribute == "unicodePwd") {
    // AD: an administrator's reset replaces the value; a user's own change deletes the old one
    // and adds the new one in one modify (a replace by the user is refused).
    const std::string next = unicodePwd(password);
    if (old == nullptr) {
      ModList mods({{LDAP_MOD_REPLACE, "unicodePwd", {next}}});
      return counted(OpKind::Modify, [&] {
        return ldap_modify_ext_s(ld, dn.c_str(), mods.get(), nullptr, nullptr);
      });
    }
    ModList mods({{LDAP_MOD_DELETE, "unicodePwd", {unicodePwd({old->bv_val, old->bv_len})}},
                  {LDAP_MOD_ADD, "unicodePwd", {next}}});
    return counted(OpKind::Modify,
                   [&] { return ldap_modify_ext_s(ld, dn.c_str(), mods.get(), nullptr, nullptr); });
  }
  if (!profile.passwordModifyOperation) {
    ModList mods({{LDAP_MOD_REPLACE, profile.passwordAttribute, {std::string(password)}}});
    return counted(OpKind::Modify,
                   [&] { return ldap_modify_ext_s(ld, dn.c_str(), mods.get(), nullptr, nullptr); });
  }
  berval user{static_cast<ber_len_t>(dn.size()), const_cast<char*>(dn.data())};
  berval secret{static_cast<ber_len_t>(password.size()), const_cast<char*>(password.data())};
  berval generated{0, nullptr};  // filled only when the server generates a password
  const int rc = counted(OpKind::Extended, [&] {
    return ldap_passwd_s(ld, &user, const_cast<berval*>(old), &secret, &generated, nullptr,
                         nullptr);
  });
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
  // AD: 00000056 is "the old password specified doesn't match".
  if (rc == LDAP_INVALID_CREDENTIALS || rc == LDAP_NO_SUCH_OBJECT || rc == LDAP_INVALID_DN_SYNTAX ||
      rc == LDAP_INAPPROPRIATE_AUTH ||
      (rc == LDAP_CONSTRAINT_VIOLATION && why.rfind("00000056", 0) == 0)) {
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
