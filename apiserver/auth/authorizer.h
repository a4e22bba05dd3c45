#pragma once
// Decides whether a user may do what a request asks. Permissions are fixed roles granted to
// groups (edgeway has no RBAC objects): a request is allowed when any rule of any role
// granted to one of the user's groups matches it, and denied otherwise.

#include <string>
#include <vector>

#include "apiserver/auth/policy_rule.h"
#include "apiserver/auth/request_attributes.h"
#include "apiserver/auth/user_info.h"

namespace edgeway::apiserver::auth {

// A role and the groups it is granted to.
struct Grant {
  std::string role;  // shown in the reason of an allowed SelfSubjectAccessReview
  std::vector<std::string> groups;
  std::vector<PolicyRule> rules;
};

struct Decision {
  bool allowed = false;
  std::string reason;  // which role allowed it; empty when denied (kubectl then prints just "no")
};

class Authorizer {
 public:
  explicit Authorizer(std::vector<Grant> grants);

  Decision authorize(const UserInfo& user, const RequestAttributes& attrs) const;
  // Every rule that applies to `user`, for SelfSubjectRulesReview.
  std::vector<PolicyRule> rulesFor(const UserInfo& user) const;

 private:
  bool applies(const Grant& grant, const UserInfo& user) const;

  std::vector<Grant> grants_;
};

}  // namespace edgeway::apiserver::auth
