#pragma once
// One permission, with the shape and matching rules of an RBAC PolicyRule, so that
// SelfSubjectRulesReview can report edgeway's built-in roles in the form kubectl prints
// (`kubectl auth can-i --list`).

#include <string>
#include <vector>

#include "apiserver/auth/request_attributes.h"

namespace edgeway::apiserver::auth {

struct PolicyRule {
  std::vector<std::string> verbs;  // "*" matches every verb
  // Resource rules: both set, nonResourceURLs empty.
  std::vector<std::string> apiGroups;  // "" is the core group; "*" every group
  std::vector<std::string> resources;  // "services", "services/status", "*" (with subresources), "*/status"
  // Non-resource rules: "/api" exactly, "/apis/*" (prefix), "*" (every path).
  std::vector<std::string> nonResourceURLs;

  bool isResourceRule() const { return nonResourceURLs.empty(); }
  bool matches(const RequestAttributes& attrs) const;
};

}  // namespace edgeway::apiserver::auth
