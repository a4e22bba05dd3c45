#include "apiserver/discovery.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

namespace edgeway::apiserver {
namespace {

using nlohmann::json;

const json kVerbs = {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"};
const json kStatusVerbs = {"get", "patch", "update"};

class DiscoveryTest : public ::testing::Test {
 protected:
  ResourceCatalog catalog_ = buildCatalog(std::make_unique<Strategy>());
};

const json* entry(const json& list, const char* key, const std::string& name) {
  for (const auto& e : list) {
    if (e.value(key, "") == name) return &e;
  }
  return nullptr;
}

TEST_F(DiscoveryTest, ApiVersions) {
  EXPECT_EQ(apiVersions("192.168.1.10:6443"), json::parse(R"({"kind":"APIVersions","versions":["v1"],
              "serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"192.168.1.10:6443"}]})"));
}

TEST_F(DiscoveryTest, ApiGroupListNamesTheThreeGroups) {
  json list = apiGroupList(catalog_);
  EXPECT_EQ(list["kind"], "APIGroupList");
  EXPECT_EQ(list["apiVersion"], "v1");
  ASSERT_EQ(list["groups"].size(), 3u);
  EXPECT_EQ(list["groups"][0], json::parse(R"({"name":"discovery.k8s.io",
      "versions":[{"groupVersion":"discovery.k8s.io/v1","version":"v1"}],
      "preferredVersion":{"groupVersion":"discovery.k8s.io/v1","version":"v1"}})"));
  EXPECT_EQ(list["groups"][1]["name"], "networking.k8s.io");
  EXPECT_EQ(list["groups"][2]["name"], "authorization.k8s.io");
}

// kubectl auth can-i maps its resource argument through discovery, then POSTs a review.
TEST_F(DiscoveryTest, AuthorizationReviewsAreCreateOnly) {
  EXPECT_EQ(apiResourceList(catalog_, "authorization.k8s.io", "v1"), json::parse(R"({
      "kind":"APIResourceList","apiVersion":"v1","groupVersion":"authorization.k8s.io/v1","resources":[
        {"name":"selfsubjectaccessreviews","singularName":"selfsubjectaccessreview","namespaced":false,
         "kind":"SelfSubjectAccessReview","verbs":["create"]},
        {"name":"selfsubjectrulesreviews","singularName":"selfsubjectrulesreview","namespaced":false,
         "kind":"SelfSubjectRulesReview","verbs":["create"]}]})"));
  json doc = aggregatedDiscovery(catalog_, false);
  ASSERT_EQ(doc["items"].size(), 3u);
  const json& authz = doc["items"][2];
  EXPECT_EQ(authz["metadata"]["name"], "authorization.k8s.io");
  const json* review = entry(authz["versions"][0]["resources"], "resource", "selfsubjectaccessreviews");
  ASSERT_NE(review, nullptr);
  EXPECT_EQ((*review)["verbs"], json({"create"}));
  EXPECT_EQ((*review)["scope"], "Cluster");
  EXPECT_EQ((*review)["responseKind"]["kind"], "SelfSubjectAccessReview");
  auto gvs = servedGroupVersions(catalog_);
  EXPECT_NE(std::find(gvs.begin(), gvs.end(), std::make_pair(std::string("authorization.k8s.io"), std::string("v1"))),
            gvs.end());
  EXPECT_EQ(gvs.front(), std::make_pair(std::string(), std::string("v1")));
}

TEST_F(DiscoveryTest, CoreResourceListHasResourcesAndStatusSubresources) {
  json list = apiResourceList(catalog_, "", "v1");
  EXPECT_EQ(list["kind"], "APIResourceList");
  EXPECT_EQ(list["apiVersion"], "v1");
  EXPECT_EQ(list["groupVersion"], "v1");
  const json& resources = list["resources"];

  const json* svc = entry(resources, "name", "services");
  ASSERT_NE(svc, nullptr);
  EXPECT_EQ(*svc, json({{"name", "services"},
                        {"singularName", "service"},
                        {"namespaced", true},
                        {"kind", "Service"},
                        {"verbs", kVerbs},
                        {"shortNames", {"svc"}},
                        {"categories", {"all"}}}));
  const json* status = entry(resources, "name", "services/status");
  ASSERT_NE(status, nullptr);
  EXPECT_EQ(*status, json({{"name", "services/status"},
                           {"singularName", ""},
                           {"namespaced", true},
                           {"kind", "Service"},
                           {"verbs", kStatusVerbs}}));

  const json* ns = entry(resources, "name", "namespaces");
  ASSERT_NE(ns, nullptr);
  EXPECT_EQ((*ns)["namespaced"], false);
  EXPECT_EQ((*ns)["shortNames"], json({"ns"}));
  EXPECT_FALSE(ns->contains("categories"));
  ASSERT_NE(entry(resources, "name", "namespaces/status"), nullptr);
  EXPECT_EQ((*entry(resources, "name", "namespaces/status"))["namespaced"], false);

  // Kinds without a status subresource get no /status entry; secrets have no short name.
  EXPECT_EQ(entry(resources, "name", "secrets/status"), nullptr);
  EXPECT_EQ(entry(resources, "name", "endpoints/status"), nullptr);
  EXPECT_FALSE(entry(resources, "name", "secrets")->contains("shortNames"));
  for (const char* name : {"pods", "pods/status", "nodes", "nodes/status", "events", "endpoints"}) {
    EXPECT_NE(entry(resources, "name", name), nullptr) << name;
  }
  EXPECT_EQ(entry(resources, "name", "ingresses"), nullptr);  // another group
}

TEST_F(DiscoveryTest, GroupResourceLists) {
  json networking = apiResourceList(catalog_, "networking.k8s.io", "v1");
  EXPECT_EQ(networking["groupVersion"], "networking.k8s.io/v1");
  ASSERT_NE(entry(networking["resources"], "name", "ingresses"), nullptr);
  EXPECT_EQ((*entry(networking["resources"], "name", "ingresses"))["shortNames"], json({"ing"}));
  ASSERT_NE(entry(networking["resources"], "name", "ingresses/status"), nullptr);
  EXPECT_EQ((*entry(networking["resources"], "name", "ingressclasses"))["namespaced"], false);

  json discovery = apiResourceList(catalog_, "discovery.k8s.io", "v1");
  EXPECT_EQ(discovery["resources"].size(), 1u);
  EXPECT_EQ(discovery["resources"][0]["kind"], "EndpointSlice");

  EXPECT_TRUE(apiResourceList(catalog_, "apps", "v1").is_null());
  EXPECT_TRUE(apiResourceList(catalog_, "networking.k8s.io", "v1beta1").is_null());
}

TEST_F(DiscoveryTest, AggregatedCore) {
  json doc = aggregatedDiscovery(catalog_, true);
  EXPECT_EQ(doc["kind"], "APIGroupDiscoveryList");
  EXPECT_EQ(doc["apiVersion"], "apidiscovery.k8s.io/v2");
  EXPECT_EQ(doc["metadata"], json::object());
  ASSERT_EQ(doc["items"].size(), 1u);
  const json& core = doc["items"][0];
  EXPECT_EQ(core["metadata"], json({{"name", ""}}));
  ASSERT_EQ(core["versions"].size(), 1u);
  EXPECT_EQ(core["versions"][0]["version"], "v1");
  EXPECT_EQ(core["versions"][0]["freshness"], "Current");

  const json* svc = entry(core["versions"][0]["resources"], "resource", "services");
  ASSERT_NE(svc, nullptr);
  EXPECT_EQ(*svc, json::parse(R"({"resource":"services",
      "responseKind":{"group":"","version":"v1","kind":"Service"},"scope":"Namespaced",
      "singularResource":"service",
      "verbs":["create","delete","deletecollection","get","list","patch","update","watch"],
      "shortNames":["svc"],"categories":["all"],
      "subresources":[{"subresource":"status","responseKind":{"group":"","version":"v1","kind":"Service"},
                       "verbs":["get","patch","update"]}]})"));

  const json* nodes = entry(core["versions"][0]["resources"], "resource", "nodes");
  ASSERT_NE(nodes, nullptr);
  EXPECT_EQ((*nodes)["scope"], "Cluster");
  const json* secrets = entry(core["versions"][0]["resources"], "resource", "secrets");
  ASSERT_NE(secrets, nullptr);
  EXPECT_FALSE(secrets->contains("subresources"));
  EXPECT_FALSE(secrets->contains("shortNames"));
  EXPECT_EQ(core["versions"][0]["resources"].size(), 7u);
}

TEST_F(DiscoveryTest, AggregatedGroups) {
  json doc = aggregatedDiscovery(catalog_, false);
  ASSERT_EQ(doc["items"].size(), 3u);
  EXPECT_EQ(doc["items"][0]["metadata"]["name"], "discovery.k8s.io");
  const json& networking = doc["items"][1];
  EXPECT_EQ(networking["metadata"]["name"], "networking.k8s.io");
  const json& resources = networking["versions"][0]["resources"];
  const json* ing = entry(resources, "resource", "ingresses");
  ASSERT_NE(ing, nullptr);
  EXPECT_EQ((*ing)["responseKind"],
            json({{"group", "networking.k8s.io"}, {"version", "v1"}, {"kind", "Ingress"}}));
  EXPECT_EQ((*ing)["subresources"][0]["subresource"], "status");
  const json* classes = entry(resources, "resource", "ingressclasses");
  ASSERT_NE(classes, nullptr);
  EXPECT_EQ((*classes)["scope"], "Cluster");
  EXPECT_FALSE(classes->contains("subresources"));
}

TEST(AggregatedAcceptTest, RecognisesKubectlsAcceptHeader) {
  EXPECT_TRUE(acceptsAggregatedDiscovery(
      "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
      "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"));
  EXPECT_TRUE(
      acceptsAggregatedDiscovery("application/json; as=APIGroupDiscoveryList; v=v2; g=apidiscovery.k8s.io"));
  EXPECT_FALSE(acceptsAggregatedDiscovery("application/json"));
  EXPECT_FALSE(acceptsAggregatedDiscovery(""));
  EXPECT_FALSE(acceptsAggregatedDiscovery(
      "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"));
  EXPECT_FALSE(acceptsAggregatedDiscovery("application/json;as=Table;v=v1;g=meta.k8s.io"));
  EXPECT_EQ(kAggregatedDiscoveryContentType,
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
}

}  // namespace
}  // namespace edgeway::apiserver
