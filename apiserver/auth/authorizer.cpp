#include "apiserver/auth/authorizer.h"

namespace edgeway::apiserver::auth {

Authorizer::Authorizer(std::vector<Grant> grants) : grants_(std::move(grants)) {}

bool Authorizer::applies(const Grant& grant, const UserInfo& user) const {
  for (const auto& group : grant.groups) {
    if (user.inGroup(group)) return true;
  }
  return false;
}

Decision Authorizer::authorize(const UserInfo& user, const RequestAttributes& attrs) const {
  for (const Grant& grant : grants_) {
    if (!applies(grant, user)) continue;
    for (const PolicyRule& rule : grant.rules) {
      if (!rule.matches(attrs)) continue;
      for (const auto& group : grant.groups) {
        if (user.inGroup(group)) {
          return Decision{true, "allowed by role \"" + grant.role + "\" granted to group \"" + group + "\""};
        }
      }
    }
  }
  return Decision{};
}

std::vector<PolicyRule> Authorizer::rulesFor(const UserInfo& user) const {
  std::vector<PolicyRule> rules;
  for (const Grant& grant : grants_) {
    if (applies(grant, user)) rules.insert(rules.end(), grant.rules.begin(), grant.rules.end());
  }
  return rules;
}

}  // namespace edgeway::apiserver::auth
