#pragma once

#include <functional>
#include <string_view>

namespace scimgate::ldap {

/// A seam for tests: failures injected into the steps of a write, so that tests can prove that a
/// request failing midway leaves nothing half-done. Production code passes none.
struct Faults {
  /// Asked before each write of member values with what it does: "join role <group DN>", "leave
  /// queue <group DN>", "join account ..." (a user's request) or "change members of group <group
  /// DN>" (a group's); true makes that step fail as a refused LDAP modify would.
  std::function<bool(std::string_view step)> failStep;

  bool fails(std::string_view step) const { return failStep && failStep(step); }
};

}  // namespace scimgate::ldap
