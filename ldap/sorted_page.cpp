#include "ldap/detail/sorted_page.h"

#include <algorithm>

namespace scimgate::ldap::detail {

Result<RawPage> searchSortedPage(LDAP* ld, Pool& pool, const PageRequest& request) {
  std::string attrName = request.key.attribute;
  std::string rule = request.key.orderingRule;
  if (!pool.settings().profile.sortOrderingRules) rule.clear();
  LDAPSortKey sortKey{attrName.data(), rule.empty() ? nullptr : rule.data(),
                      request.descending ? 1 : 0};
  LDAPSortKey* keys[] = {&sortKey, nullptr};
  LDAPControl* rawSort = nullptr;
  if (int rc = ldap_create_sort_control(ld, keys, 1, &rawSort); rc != LDAP_SUCCESS) {
    return errorFromLdap(rc, "preparing the sort");
  }
  ControlPtr sortControl(rawSort);
  const std::size_t count = std::max<std::size_t>(request.count, 1);
  LDAPVLVInfo vlv{};
  vlv.ldvlv_version = 1;
  vlv.ldvlv_before_count = 0;
  vlv.ldvlv_after_count = static_cast<ber_int_t>(count - 1);
  vlv.ldvlv_offset = static_cast<ber_int_t>(std::max<std::size_t>(request.startIndex, 1));
  vlv.ldvlv_count = 0;  // "use your own count": the offset is an absolute 1-based position
  LDAPControl* rawVlv = nullptr;
  if (int rc = ldap_create_vlv_control(ld, &vlv, &rawVlv); rc != LDAP_SUCCESS) {
    return errorFromLdap(rc, "preparing the page");
  }
  ControlPtr vlvControl(rawVlv);
  LDAPControl* controls[] = {sortControl.get(), vlvControl.get(), nullptr};

  CStrings attrs(request.attributes);
  LDAPMessage* raw = nullptr;
  const int rc = counted(OpKind::Search, [&] {
    return ldap_search_ext_s(ld, request.base.c_str(), LDAP_SCOPE_SUBTREE, request.filter.c_str(),
                             attrs.get(), 0, controls, nullptr, nullptr, 0, &raw);
  });
  MessagePtr result(raw);
  pool.noteSortContext(ld);
  if (rc == LDAP_NO_SUCH_OBJECT) return RawPage{};
  // LDAP_VLV_ERROR still carries the VLV response with the count (an offset past the end).
  if (rc != LDAP_SUCCESS && rc != LDAP_VLV_ERROR) {
    if (rc == LDAP_INAPPROPRIATE_MATCHING || rc == LDAP_UNAVAILABLE_CRITICAL_EXTENSION) {
      return makeError(ErrorKind::InvalidValue, "the directory cannot sort by this attribute");
    }
    return errorFromLdap(rc, "searching " + request.what);
  }
  int code = LDAP_SUCCESS;
  LDAPControl** responseControls = nullptr;
  ldap_parse_result(ld, result.get(), &code, nullptr, nullptr, nullptr, &responseControls, 0);
  ber_int_t target = 0;
  ber_int_t total = 0;
  int vlvError = LDAP_SUCCESS;
  LDAPControl* vlvResponse = ldap_control_find(LDAP_CONTROL_VLVRESPONSE, responseControls, nullptr);
  const bool parsed =
      vlvResponse != nullptr && ldap_parse_vlvresponse_control(ld, vlvResponse, &target, &total,
                                                               nullptr, &vlvError) == LDAP_SUCCESS;
  ldap_controls_free(responseControls);
  RawPage page;
  page.totalResults = static_cast<std::size_t>(std::max<ber_int_t>(total, 0));
  // A startIndex past the end is an offset range error for VLV; for SCIM it is an empty page.
  if (parsed && request.startIndex > page.totalResults) return page;
  if (code != LDAP_SUCCESS && code != LDAP_VLV_ERROR) {
    return errorFromLdap(code, "searching " + request.what);
  }
  if (!parsed || vlvError != LDAP_SUCCESS) {
    return errorFromLdap(vlvError != LDAP_SUCCESS ? vlvError : LDAP_OTHER,
                         "paging " + request.what);
  }
  // The target is clamped to the last entry when startIndex is past the end: nothing to show.
  if (request.count == 0 || target != vlv.ldvlv_offset) return page;
  for (LDAPMessage* e = ldap_first_entry(ld, result.get()); e != nullptr;
       e = ldap_next_entry(ld, e)) {
    if (page.entries.size() >= request.count) break;
    page.entries.push_back(readEntry(ld, e));
  }
  return page;
}

}  // namespace scimgate::ldap::detail
