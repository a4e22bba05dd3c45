#include "apiserver/auth/policy_rule.h"

#include <algorithm>

namespace edgeway::apiserver::auth {
namespace {

// A requested value of "*" (SelfSubjectAccessReview can ask about every verb) matches only
// a rule that grants "*" too, as in RBAC.
bool anyOf(const std::vector<std::string>& granted, const std::string& wanted) {
  return std::any_of(granted.begin(), granted.end(),
                     [&](const std::string& g) { return g == "*" || g == wanted; });
}

bool resourceMatches(const std::vector<std::string>& granted, const RequestAttributes& attrs) {
  std::string combined =
      attrs.subresource.empty() ? attrs.resource : attrs.resource + "/" + attrs.subresource;
  for (const std::string& g : granted) {
    if (g == "*" || g == combined) return true;
    if (!attrs.subresource.empty() && g.size() == attrs.subresource.size() + 2 &&
        g.compare(0, 2, "*/") == 0 && g.compare(2, std::string::npos, attrs.subresource) == 0) {
      return true;
    }
  }
  return false;
}

bool pathMatches(const std::vector<std::string>& granted, const std::string& path) {
  for (const std::string& g : granted) {
    if (g == "*" || g == path) return true;
    if (!g.empty() && g.back() == '*' && path.compare(0, g.size() - 1, g, 0, g.size() - 1) == 0) return true;
  }
  return false;
}

}  // namespace

bool PolicyRule::matches(const RequestAttributes& attrs) const {
  if (!anyOf(verbs, attrs.verb)) return false;
  if (!attrs.resourceRequest) return !isResourceRule() && pathMatches(nonResourceURLs, attrs.path);
  return isResourceRule() && anyOf(apiGroups, attrs.apiGroup) && resourceMatches(resources, attrs);
}

}  // namespace edgeway::apiserver::auth
