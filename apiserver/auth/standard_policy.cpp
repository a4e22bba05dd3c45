#include "apiserver/auth/standard_policy.h"

#include <algorithm>

namespace edgeway::apiserver::auth {
namespace {

const std::vector<std::string> kRead = {"get", "list", "watch"};

PolicyRule resourceRule(std::vector<std::string> verbs, std::string group,
                        std::vector<std::string> resources) {
  PolicyRule rule;
  rule.verbs = std::move(verbs);
  rule.apiGroups = {std::move(group)};
  rule.resources = std::move(resources);
  return rule;
}

PolicyRule pathRule(std::vector<std::string> verbs, std::vector<std::string> urls) {
  PolicyRule rule;
  rule.verbs = std::move(verbs);
  rule.nonResourceURLs = std::move(urls);
  return rule;
}

// One read rule per API group, in the order the groups are first served.
std::vector<PolicyRule> viewRules(const std::vector<ServedResource>& served) {
  std::vector<PolicyRule> rules;
  for (const ServedResource& r : served) {
    if (r.group.empty() && r.resource == "secrets") continue;
    auto it = std::find_if(rules.begin(), rules.end(),
                           [&](const PolicyRule& p) { return p.apiGroups[0] == r.group; });
    if (it == rules.end()) it = rules.insert(rules.end(), resourceRule(kRead, r.group, {}));
    it->resources.push_back(r.resource);
    if (r.hasStatus) it->resources.push_back(r.resource + "/status");
  }
  return rules;
}

}  // namespace

std::vector<Grant> standardGrants(const std::vector<ServedResource>& served) {
  std::vector<Grant> grants;
  grants.push_back(
      {"cluster-admin", {kMastersGroup}, {resourceRule({"*"}, "*", {"*"}), pathRule({"*"}, {"*"})}});
  grants.push_back({kViewGroup, {kViewGroup}, viewRules(served)});
  grants.push_back(
      {kAgentGroup,
       {kAgentGroup},
       {
           resourceRule(kRead, "", {"services", "endpoints", "secrets", "nodes", "pods", "namespaces"}),
           resourceRule(kRead, "discovery.k8s.io", {"endpointslices"}),
           resourceRule(kRead, "networking.k8s.io", {"ingresses", "ingressclasses"}),
           resourceRule({"update", "patch"}, "", {"nodes", "nodes/status", "services/status"}),
           resourceRule({"update", "patch"}, "networking.k8s.io", {"ingresses/status"}),
           resourceRule({"create", "patch"}, "", {"events"}),
       }});
  // /version is public (below), so it is not repeated here.
  grants.push_back({"edgeway:basic-user",
                    {kAuthenticatedGroup},
                    {
                        pathRule({"get"}, {"/api", "/api/*", "/apis", "/apis/*", "/openapi", "/openapi/*"}),
                        resourceRule({"create"}, "authorization.k8s.io",
                                     {"selfsubjectaccessreviews", "selfsubjectrulesreviews"}),
                    }});
  // Every public path (isPublicPath) and nothing else: anonymous callers get this far only
  // for these, and must be able to read them.
  grants.push_back({"edgeway:public-info",
                    {kAuthenticatedGroup, kUnauthenticatedGroup},
                    {pathRule({"get"}, {"/healthz", "/healthz/*", "/livez", "/livez/*", "/readyz",
                                        "/readyz/*", "/version", "/version/*"})}});
  return grants;
}

}  // namespace edgeway::apiserver::auth
