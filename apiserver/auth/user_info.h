#pragma once
// Who made a request, as authentication established it. Authorization decides on the name
// and the groups only; the uid is carried for completeness (the token file names one).

#include <algorithm>
#include <string>
#include <vector>

namespace edgeway::apiserver::auth {

// Well-known names, as kube-apiserver spells them.
inline constexpr const char* kAnonymousUser = "system:anonymous";
inline constexpr const char* kAdminUser = "system:admin";  // the trusted local listener
inline constexpr const char* kAuthenticatedGroup = "system:authenticated";
inline constexpr const char* kUnauthenticatedGroup = "system:unauthenticated";
inline constexpr const char* kMastersGroup = "system:masters";

struct UserInfo {
  std::string name;
  std::string uid;
  std::vector<std::string> groups;

  bool inGroup(const std::string& group) const {
    return std::find(groups.begin(), groups.end(), group) != groups.end();
  }
  // Adds `group` unless already present (a token file may list system:authenticated itself).
  void addGroup(const std::string& group) {
    if (!inGroup(group)) groups.push_back(group);
  }
};

}  // namespace edgeway::apiserver::auth
