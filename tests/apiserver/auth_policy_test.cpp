#include <gtest/gtest.h>

#include "apiserver/auth/authorizer.h"
#include "apiserver/auth/policy_rule.h"
#include "apiserver/auth/standard_policy.h"

namespace edgeway::apiserver::auth {
namespace {

RequestAttributes resource(std::string verb, std::string group, std::string res, std::string sub = "") {
  RequestAttributes a;
  a.resourceRequest = true;
  a.verb = std::move(verb);
  a.apiGroup = std::move(group);
  a.resource = std::move(res);
  a.subresource = std::move(sub);
  return a;
}

RequestAttributes path(std::string verb, std::string p) {
  RequestAttributes a;
  a.verb = std::move(verb);
  a.path = std::move(p);
  return a;
}

TEST(PolicyRuleTest, MatchesLikeRbac) {
  PolicyRule services{{"get", "list"}, {""}, {"services", "nodes/status"}, {}};
  EXPECT_TRUE(services.matches(resource("get", "", "services")));
  EXPECT_FALSE(services.matches(resource("get", "", "services", "status")));  // subresources are named
  EXPECT_TRUE(services.matches(resource("list", "", "nodes", "status")));
  EXPECT_FALSE(services.matches(resource("list", "", "nodes")));
  EXPECT_FALSE(services.matches(resource("get", "networking.k8s.io", "services")));
  EXPECT_FALSE(services.matches(resource("watch", "", "services")));
  EXPECT_FALSE(services.matches(resource("*", "", "services")));  // asking about every verb needs "*"
  EXPECT_FALSE(services.matches(path("get", "/services")));

  PolicyRule anyStatus{{"update"}, {"*"}, {"*/status"}, {}};
  EXPECT_TRUE(anyStatus.matches(resource("update", "networking.k8s.io", "ingresses", "status")));
  EXPECT_FALSE(anyStatus.matches(resource("update", "", "services")));
  EXPECT_FALSE(anyStatus.matches(resource("update", "", "services", "scale")));

  PolicyRule everything{{"*"}, {"*"}, {"*"}, {}};
  EXPECT_TRUE(everything.matches(resource("*", "*", "*")));
  EXPECT_TRUE(everything.matches(resource("delete", "x.io", "things", "status")));
  EXPECT_FALSE(everything.matches(path("get", "/metrics")));  // resource rules never grant paths

  PolicyRule discovery{{"get"}, {}, {}, {"/api", "/apis/*"}};
  EXPECT_TRUE(discovery.matches(path("get", "/api")));
  EXPECT_FALSE(discovery.matches(path("get", "/api/v1")));
  EXPECT_TRUE(discovery.matches(path("get", "/apis/")));
  EXPECT_TRUE(discovery.matches(path("get", "/apis/networking.k8s.io/v1")));
  EXPECT_FALSE(discovery.matches(path("get", "/apis")));
  EXPECT_FALSE(discovery.matches(path("post", "/api")));
  EXPECT_FALSE(discovery.matches(resource("get", "", "api")));
}

TEST(StandardPolicyTest, ViewEnumeratesServedResourcesButSecrets) {
  Authorizer authorizer(standardGrants({{"", "services", true},
                                        {"", "secrets", false},
                                        {"networking.k8s.io", "ingresses", true},
                                        {"networking.k8s.io", "ingressclasses", false}}));
  UserInfo viewer{"bob", "", {kViewGroup, kAuthenticatedGroup}};
  EXPECT_TRUE(authorizer.authorize(viewer, resource("watch", "", "services")).allowed);
  EXPECT_TRUE(authorizer.authorize(viewer, resource("get", "", "services", "status")).allowed);
  EXPECT_FALSE(authorizer.authorize(viewer, resource("get", "", "secrets")).allowed);
  EXPECT_TRUE(authorizer.authorize(viewer, resource("list", "networking.k8s.io", "ingressclasses")).allowed);
  EXPECT_FALSE(authorizer.authorize(viewer, resource("list", "", "ingressclasses")).allowed);  // wrong group
  EXPECT_FALSE(authorizer.authorize(viewer, resource("list", "", "configmaps")).allowed);      // not served

  auto rules = authorizer.rulesFor(viewer);
  ASSERT_GE(rules.size(), 2u);
  EXPECT_EQ(rules[0].apiGroups, std::vector<std::string>{""});
  EXPECT_EQ(rules[0].resources, (std::vector<std::string>{"services", "services/status"}));
  EXPECT_EQ(rules[1].resources,
            (std::vector<std::string>{"ingresses", "ingresses/status", "ingressclasses"}));
}

TEST(StandardPolicyTest, AnonymousMayReadExactlyThePublicPaths) {
  Authorizer authorizer(standardGrants({}));
  UserInfo anonymous{kAnonymousUser, "", {kUnauthenticatedGroup}};
  for (const char* p : {"/healthz", "/livez", "/readyz", "/readyz/shutdown", "/version"}) {
    ASSERT_TRUE(isPublicPath(p)) << p;
    EXPECT_TRUE(authorizer.authorize(anonymous, path("get", p)).allowed) << p;
  }
  for (const char* p : {"/api", "/apis", "/openapi/v3", "/metrics"}) {
    EXPECT_FALSE(authorizer.authorize(anonymous, path("get", p)).allowed) << p;
  }
  EXPECT_FALSE(
      authorizer.authorize(anonymous, resource("create", "authorization.k8s.io", "selfsubjectaccessreviews"))
          .allowed);
}

TEST(StandardPolicyTest, AllowedDecisionsNameTheRoleAndGroup) {
  Authorizer authorizer(standardGrants({}));
  UserInfo admin{"admin", "", {kMastersGroup, kAuthenticatedGroup}};
  auto d = authorizer.authorize(admin, resource("delete", "", "nodes"));
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.reason, "allowed by role \"cluster-admin\" granted to group \"system:masters\"");
  UserInfo nobody{"carol", "", {kAuthenticatedGroup}};
  d = authorizer.authorize(nobody, resource("delete", "", "nodes"));
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, "");
}

}  // namespace
}  // namespace edgeway::apiserver::auth
