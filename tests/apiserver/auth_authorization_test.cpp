#include <gtest/gtest.h>

#include "apiserver/auth/request_attributes.h"
#include "apiserver/auth/standard_policy.h"
#include "tests/apiserver/api_test_support.h"

namespace edgeway::apiserver {
namespace {

using testing::ApiHarness;
using testing::json;

auth::RequestAttributes attrs(const char* method, const char* target) {
  std::string_view t(target);
  size_t q = t.find('?');
  return auth::requestAttributes(method, auth::normalizedPath(t.substr(0, q)),
                                 q == std::string_view::npos ? std::string_view() : t.substr(q + 1));
}

TEST(RequestAttributesTest, VerbsAsKubeComputesThem) {
  EXPECT_EQ(attrs("GET", "/api/v1/namespaces/default/services").verb, "list");
  EXPECT_EQ(attrs("GET", "/api/v1/namespaces/default/services?watch=true").verb, "watch");
  EXPECT_EQ(attrs("GET", "/api/v1/namespaces/default/services?watch=1").verb, "watch");
  EXPECT_EQ(attrs("GET", "/api/v1/watch/namespaces/default/services").verb, "watch");
  EXPECT_EQ(attrs("GET", "/api/v1/namespaces/default/services/web").verb, "get");
  // kube authorizes ?watch=true on a named object as a get; only the /watch/ prefix says watch.
  EXPECT_EQ(attrs("GET", "/api/v1/namespaces/default/services/web?watch=true").verb, "get");
  EXPECT_EQ(attrs("GET", "/api/v1/watch/namespaces/default/services/web").verb, "watch");
  EXPECT_EQ(attrs("HEAD", "/api/v1/nodes").verb, "list");
  EXPECT_EQ(attrs("POST", "/api/v1/namespaces/default/services").verb, "create");
  EXPECT_EQ(attrs("PUT", "/api/v1/namespaces/default/services/web/status").verb, "update");
  EXPECT_EQ(attrs("PATCH", "/api/v1/nodes/n1").verb, "patch");
  EXPECT_EQ(attrs("DELETE", "/api/v1/namespaces/default/services/web").verb, "delete");
  EXPECT_EQ(attrs("DELETE", "/api/v1/namespaces/default/services").verb, "deletecollection");
  EXPECT_EQ(attrs("GET", "/metrics").verb, "get");
  EXPECT_EQ(attrs("POST", "/healthz").verb, "post");
}

TEST(RequestAttributesTest, ResourcesScopesAndPaths) {
  auto a = attrs("PUT", "/apis/networking.k8s.io/v1/namespaces/web/ingresses/site/status/");
  EXPECT_TRUE(a.resourceRequest);
  EXPECT_EQ(a.apiGroup, "networking.k8s.io");
  EXPECT_EQ(a.apiVersion, "v1");
  EXPECT_EQ(a.ns, "web");
  EXPECT_EQ(a.resource, "ingresses");
  EXPECT_EQ(a.name, "site");
  EXPECT_EQ(a.subresource, "status");

  a = attrs("GET", "/api/v1/namespaces/kube-system");  // the Namespace object itself
  EXPECT_EQ(a.resource, "namespaces");
  EXPECT_EQ(a.name, "kube-system");
  EXPECT_EQ(a.ns, "");

  // A list pinned to one object by metadata.name is about that object.
  a = attrs("GET", "/api/v1/namespaces/default/services?fieldSelector=metadata.name%3Dweb&watch=true");
  EXPECT_EQ(a.verb, "watch");
  EXPECT_EQ(a.name, "web");
  EXPECT_EQ(attrs("GET", "/api/v1/services?fieldSelector=metadata.name!%3Dweb").name, "");

  for (const char* path : {"/api", "/api/v1", "/apis", "/apis/networking.k8s.io",
                           "/apis/networking.k8s.io/v1", "/openapi/v3/api/v1", "/version"}) {
    a = attrs("GET", path);
    EXPECT_FALSE(a.resourceRequest) << path;
    EXPECT_EQ(a.path, path);
  }
  EXPECT_EQ(attrs("GET", "/readyz/").path, "/readyz");
}

// --- the built-in roles, through the handler ---------------------------------------------

class AuthorizationTest : public ::testing::Test {
 protected:
  AuthorizationTest() {
    // Objects to read, written as the admin.
    EXPECT_EQ(h_.post(testing::kServices, testing::service("web")).status, 201);
    EXPECT_EQ(h_.post("/api/v1/namespaces/default/secrets",
                      json{{"metadata", {{"name", "db"}}}, {"stringData", {{"password", "x"}}}})
                  .status,
              201);
    EXPECT_EQ(h_.post("/api/v1/nodes", json{{"metadata", {{"name", "n1"}}}}).status, 201);
  }
  void as(const std::string& user, std::vector<std::string> groups) {
    h_.setPeer(ApiHarness::certificate(user, std::move(groups)));
  }
  // Expects a 403 with exactly this message.
  json forbidden(const std::string& method, const std::string& target, const std::string& message,
                 const std::string& body = "") {
    auto r = h_.call(method, target, body);
    EXPECT_EQ(r.status, 403) << method << " " << target << ": " << r.body;
    if (r.status != 403) return {};
    json status = r.obj();
    EXPECT_EQ(status["kind"], "Status");
    EXPECT_EQ(status["status"], "Failure");
    EXPECT_EQ(status["reason"], "Forbidden");
    EXPECT_EQ(status["code"], 403);
    EXPECT_EQ(status["message"], message);
    return status;
  }
  int code(const std::string& method, const std::string& target, const std::string& body = "") {
    return h_.call(method, target, body).status;
  }

  ApiHarness h_;
};

TEST_F(AuthorizationTest, MastersMayDoAnything) {
  as("root", {"system:masters"});
  EXPECT_EQ(code("GET", "/api/v1/namespaces/default/secrets/db"), 200);
  EXPECT_EQ(code("DELETE", "/api/v1/nodes/n1"), 200);
  EXPECT_EQ(code("GET", "/metrics"), 404);  // allowed, then not found
  EXPECT_EQ(code("GET", "/api/v1/configmaps"), 404);
}

TEST_F(AuthorizationTest, ViewReadsEverythingButSecrets) {
  as("bob", {"edgeway:view"});
  EXPECT_EQ(code("GET", "/api/v1/namespaces/default/services"), 200);
  EXPECT_EQ(code("GET", "/api/v1/namespaces/default/services/web"), 200);
  EXPECT_EQ(code("GET", "/api/v1/namespaces/default/services/web/status"), 200);
  EXPECT_EQ(code("GET", "/api/v1/nodes"), 200);
  EXPECT_EQ(code("GET", "/api/v1/events"), 200);
  EXPECT_EQ(code("GET", "/apis/networking.k8s.io/v1/ingresses"), 200);
  EXPECT_EQ(code("GET", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices"), 200);
  EXPECT_EQ(code("GET", "/api"), 200);
  EXPECT_EQ(code("GET", "/apis"), 200);
  EXPECT_EQ(code("GET", "/api/v1"), 200);
  EXPECT_EQ(code("GET", "/openapi/v3"), 200);
  EXPECT_EQ(code("GET", "/openapi/v3/api/v1"), 200);
  EXPECT_EQ(code("GET", "/version"), 200);
  auto watch = h_.get("/api/v1/namespaces/default/services?watch=true&timeoutSeconds=1");
  EXPECT_EQ(watch.status, 200);
  if (watch.stream) watch.stream->disconnect();

  json status = forbidden(
      "POST", testing::kServices,
      "services is forbidden: User \"bob\" cannot create resource \"services\" in API group \"\" in "
      "the namespace \"default\"",
      testing::service("nope").dump());
  EXPECT_EQ(status["details"], json({{"kind", "services"}}));
  status = forbidden(
      "GET", "/api/v1/namespaces/default/secrets/db",
      "secrets \"db\" is forbidden: User \"bob\" cannot get resource \"secrets\" in API group \"\" in the "
      "namespace \"default\"");
  EXPECT_EQ(status["details"], json({{"name", "db"}, {"kind", "secrets"}}));
  forbidden("GET", "/api/v1/secrets",
            "secrets is forbidden: User \"bob\" cannot list resource \"secrets\" in API group \"\" at the "
            "cluster scope");
  forbidden("PUT", "/api/v1/namespaces/default/services/web/status",
            "services \"web\" is forbidden: User \"bob\" cannot update resource \"services/status\" in API "
            "group \"\" "
            "in the namespace \"default\"",
            "{}");
  status = forbidden("DELETE", "/apis/networking.k8s.io/v1/namespaces/default/ingresses/site",
                     "ingresses.networking.k8s.io \"site\" is forbidden: User \"bob\" cannot delete resource "
                     "\"ingresses\" in API group \"networking.k8s.io\" in the namespace \"default\"");
  EXPECT_EQ(status["details"],
            json({{"name", "site"}, {"group", "networking.k8s.io"}, {"kind", "ingresses"}}));
  forbidden("DELETE", "/api/v1/namespaces/default/services",
            "services is forbidden: User \"bob\" cannot deletecollection resource \"services\" in API group "
            "\"\" in "
            "the namespace \"default\"");
  status = forbidden("GET", "/metrics", "forbidden: User \"bob\" cannot get path \"/metrics\"");
  EXPECT_FALSE(status.contains("details"));
  // Resources nobody serves are forbidden before they are missing.
  forbidden(
      "GET", "/api/v1/namespaces/default/configmaps",
      "configmaps is forbidden: User \"bob\" cannot list resource \"configmaps\" in API group \"\" in the "
      "namespace \"default\"");
}

TEST_F(AuthorizationTest, AgentReadsWhatANodeAgentNeeds) {
  as("agent-1", {"edgeway:agent"});
  for (const char* path :
       {"/api/v1/services", "/api/v1/endpoints", "/api/v1/secrets", "/api/v1/nodes", "/api/v1/pods",
        "/api/v1/namespaces", "/apis/discovery.k8s.io/v1/endpointslices",
        "/apis/networking.k8s.io/v1/ingresses", "/apis/networking.k8s.io/v1/ingressclasses",
        "/api/v1/namespaces/default/secrets/db", "/api"}) {
    EXPECT_EQ(code("GET", path), 200) << path;
  }
  EXPECT_EQ(
      h_.patch("/api/v1/nodes/n1/status", "application/merge-patch+json", json{{"status", json::object()}})
          .status,
      200);
  EXPECT_EQ(h_.patch("/api/v1/nodes/n1", "application/merge-patch+json",
                     json{{"metadata", {{"labels", {{"edge", "yes"}}}}}})
                .status,
            200);
  EXPECT_EQ(h_.patch("/api/v1/namespaces/default/services/web/status", "application/merge-patch+json",
                     json{{"status", json::object()}})
                .status,
            200);
  // Allowed, then missing.
  EXPECT_EQ(h_.patch("/apis/networking.k8s.io/v1/namespaces/default/ingresses/site/status",
                     "application/merge-patch+json", json{{"status", json::object()}})
                .status,
            404);
  json event = {{"metadata", {{"name", "e1"}}},
                {"involvedObject", {{"kind", "Node"}, {"name", "n1"}}},
                {"reason", "Ready"},
                {"message", "ok"}};
  EXPECT_EQ(code("POST", "/api/v1/namespaces/default/events", event.dump()), 201);

  forbidden(
      "POST", testing::kServices,
      "services is forbidden: User \"agent-1\" cannot create resource \"services\" in API group \"\" in the "
      "namespace \"default\"",
      testing::service("x").dump());
  forbidden("PUT", "/api/v1/namespaces/default/services/web",
            "services \"web\" is forbidden: User \"agent-1\" cannot update resource \"services\" in API "
            "group \"\" in "
            "the namespace \"default\"",
            testing::service("web").dump());
  forbidden(
      "DELETE", "/api/v1/nodes/n1",
      "nodes \"n1\" is forbidden: User \"agent-1\" cannot delete resource \"nodes\" in API group \"\" at the "
      "cluster scope");
  forbidden(
      "POST", "/api/v1/namespaces/default/secrets",
      "secrets is forbidden: User \"agent-1\" cannot create resource \"secrets\" in API group \"\" in the "
      "namespace \"default\"",
      "{}");
  forbidden("GET", "/api/v1/events",
            "events is forbidden: User \"agent-1\" cannot list resource \"events\" in API group \"\" at the "
            "cluster "
            "scope");
}

TEST_F(AuthorizationTest, AuthenticatedUsersWithoutRolesReadDiscoveryOnly) {
  as("carol", {});
  EXPECT_EQ(code("GET", "/api"), 200);
  EXPECT_EQ(code("GET", "/apis/networking.k8s.io/v1"), 200);
  EXPECT_EQ(code("GET", "/openapi/v3"), 200);
  EXPECT_EQ(code("GET", "/version"), 200);
  EXPECT_EQ(code("GET", "/readyz"), 200);
  forbidden("GET", "/api/v1/nodes",
            "nodes is forbidden: User \"carol\" cannot list resource \"nodes\" in API group \"\" at the "
            "cluster scope");
  forbidden("GET", "/api/v1/nodes/n1",
            "nodes \"n1\" is forbidden: User \"carol\" cannot get resource \"nodes\" in API group \"\" at "
            "the cluster "
            "scope");
  forbidden(
      "GET", "/api/v1/namespaces/default/services?watch=true",
      "services is forbidden: User \"carol\" cannot watch resource \"services\" in API group \"\" in the "
      "namespace \"default\"");
  forbidden("GET", "/api/v1/namespaces/default/services?fieldSelector=metadata.name%3Dweb",
            "services \"web\" is forbidden: User \"carol\" cannot list resource \"services\" in API group "
            "\"\" in the "
            "namespace \"default\"");
  forbidden(
      "DELETE", "/api/v1/namespaces/kube-system",
      "namespaces \"kube-system\" is forbidden: User \"carol\" cannot delete resource \"namespaces\" in API "
      "group \"\" at the cluster scope");
  forbidden("POST", "/api", "forbidden: User \"carol\" cannot post path \"/api\"", "{}");
}

}  // namespace
}  // namespace edgeway::apiserver
