#include "ldap/detail/search.h"

namespace scimgate::ldap::detail {
namespace {

Result<ControlPtr> valuesReturnControl(const std::string& valuesFilter) {
  BerElement* ber = ber_alloc_t(LBER_USE_DER);
  if (ber == nullptr) return makeError(ErrorKind::Internal, "out of memory");
  berval value{0, nullptr};
  const bool ok =
      ldap_put_vrFilter(ber, valuesFilter.c_str()) != -1 && ber_flatten2(ber, &value, 1) != -1;
  ber_free(ber, 1);
  if (!ok) return makeError(ErrorKind::Internal, "cannot encode the values return filter");
  LDAPControl* control = nullptr;
  const int rc = ldap_control_create(LDAP_CONTROL_VALUESRETURNFILTER, 0, &value, 1, &control);
  ber_memfree(value.bv_val);
  if (rc != LDAP_SUCCESS) return errorFromLdap(rc, "preparing the values return filter");
  return ControlPtr(control);
}

}  // namespace

Result<std::vector<RawEntry>> searchOn(LDAP* ld, const SearchRequest& request) {
  CStrings attrs(request.attributes.empty() ? std::vector<std::string>{LDAP_NO_ATTRS}
                                            : request.attributes);
  ControlPtr values;
  if (!request.valuesFilter.empty()) {
    auto made = valuesReturnControl(request.valuesFilter);
    if (!made) return made.error();
    values = std::move(*made);
  }
  LDAPControl* controls[] = {values.get(), nullptr};
  LDAPMessage* raw = nullptr;
  const int rc = counted(OpKind::Search, [&] {
    return ldap_search_ext_s(ld, request.base.c_str(), request.scope, request.filter.c_str(),
                             attrs.get(), 0, values ? controls : nullptr, nullptr, nullptr,
                             request.sizeLimit, &raw);
  });
  MessagePtr result(raw);
  if (rc == LDAP_NO_SUCH_OBJECT) return std::vector<RawEntry>{};
  if (rc == LDAP_SIZELIMIT_EXCEEDED && request.sizeLimit > 0) {
    return makeError(ErrorKind::TooMany, "more than " + std::to_string(request.sizeLimit) + " " +
                                             request.what + " match; narrow the filter");
  }
  if (rc != LDAP_SUCCESS) {
    return errorFromLdap(rc,
                         request.context.empty() ? "searching " + request.what : request.context);
  }
  std::vector<RawEntry> entries;
  for (LDAPMessage* e = ldap_first_entry(ld, result.get()); e != nullptr;
       e = ldap_next_entry(ld, e)) {
    entries.push_back(readEntry(ld, e));
  }
  // Samba ignores a client's size limit: the gateway holds to it.
  if (request.sizeLimit > 0 && entries.size() > static_cast<std::size_t>(request.sizeLimit)) {
    return makeError(ErrorKind::TooMany, "more than " + std::to_string(request.sizeLimit) + " " +
                                             request.what + " match; narrow the filter");
  }
  return entries;
}

Result<std::vector<RawEntry>> search(Pool& pool, const SearchRequest& request) {
  return withConnection<std::vector<RawEntry>>(pool, true,
                                               [&](LDAP* ld) { return searchOn(ld, request); });
}

}  // namespace scimgate::ldap::detail
