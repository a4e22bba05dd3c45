#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "apiserver/resources.h"

namespace edgeway::apiserver {
namespace {

using nlohmann::json;

ResourceCatalog catalog() { return buildCatalog(std::make_unique<Strategy>()); }

TEST(CatalogTest, FindsEveryServedResourceByResourceAndKind) {
  ResourceCatalog c = catalog();
  struct Want {
    const char* group;
    const char* resource;
    const char* kind;
  };
  for (const Want& w : {Want{"", "namespaces", "Namespace"}, Want{"", "services", "Service"},
                        Want{"", "endpoints", "Endpoints"}, Want{"", "pods", "Pod"},
                        Want{"", "nodes", "Node"}, Want{"", "secrets", "Secret"}, Want{"", "events", "Event"},
                        Want{"discovery.k8s.io", "endpointslices", "EndpointSlice"},
                        Want{"networking.k8s.io", "ingresses", "Ingress"},
                        Want{"networking.k8s.io", "ingressclasses", "IngressClass"}}) {
    const ResourceInfo* byResource = c.find(w.group, "v1", w.resource);
    ASSERT_NE(byResource, nullptr) << w.resource;
    EXPECT_EQ(byResource->kind, w.kind);
    EXPECT_EQ(c.findKind(w.group, "v1", w.kind), byResource);
    EXPECT_NE(byResource->strategy, nullptr) << w.resource;
  }
  EXPECT_EQ(c.all().size(), 10u);
}

TEST(CatalogTest, LookupsNeedTheExactGroupAndVersion) {
  ResourceCatalog c = catalog();
  EXPECT_EQ(c.find("", "v1", "ingresses"), nullptr);
  EXPECT_EQ(c.find("networking.k8s.io", "v1beta1", "ingresses"), nullptr);
  EXPECT_EQ(c.find("", "v1", "svc"), nullptr);  // short names are a client-side alias
  EXPECT_EQ(c.findKind("", "v1", "Ingress"), nullptr);
  EXPECT_EQ(c.findKind("", "v1", "service"), nullptr);
}

TEST(CatalogTest, DiscoveryFacts) {
  ResourceCatalog c = catalog();
  const ResourceInfo* svc = c.find("", "v1", "services");
  EXPECT_EQ(svc->singular, "service");
  EXPECT_EQ(svc->shortNames, std::vector<std::string>{"svc"});
  EXPECT_EQ(svc->categories, std::vector<std::string>{"all"});
  EXPECT_TRUE(svc->hasStatus);
  EXPECT_TRUE(svc->namespaced);

  const ResourceInfo* ns = c.find("", "v1", "namespaces");
  EXPECT_FALSE(ns->namespaced);
  EXPECT_TRUE(ns->hasStatus);
  EXPECT_EQ(ns->shortNames, std::vector<std::string>{"ns"});
  EXPECT_EQ(ns->fieldSelectors, std::vector<std::string>{"status.phase"});

  EXPECT_EQ(c.find("", "v1", "pods")->categories, std::vector<std::string>{"all"});
  EXPECT_EQ(c.find("", "v1", "pods")->shortNames, std::vector<std::string>{"po"});
  EXPECT_EQ(c.find("", "v1", "nodes")->shortNames, std::vector<std::string>{"no"});
  EXPECT_FALSE(c.find("", "v1", "nodes")->namespaced);
  EXPECT_EQ(c.find("", "v1", "endpoints")->singular, "endpoints");
  EXPECT_EQ(c.find("", "v1", "endpoints")->shortNames, std::vector<std::string>{"ep"});
  EXPECT_FALSE(c.find("", "v1", "endpoints")->hasStatus);
  EXPECT_EQ(c.find("", "v1", "events")->shortNames, std::vector<std::string>{"ev"});
  EXPECT_TRUE(c.find("", "v1", "secrets")->shortNames.empty());
  EXPECT_TRUE(c.find("discovery.k8s.io", "v1", "endpointslices")->shortNames.empty());
  EXPECT_EQ(c.find("networking.k8s.io", "v1", "ingresses")->shortNames, std::vector<std::string>{"ing"});
  EXPECT_TRUE(c.find("networking.k8s.io", "v1", "ingresses")->hasStatus);
  EXPECT_FALSE(c.find("networking.k8s.io", "v1", "ingressclasses")->namespaced);
  EXPECT_EQ(c.find("networking.k8s.io", "v1", "ingressclasses")->apiVersion(), "networking.k8s.io/v1");
}

TEST(CatalogTest, FieldSelectorsThatDescribeAndKubectlUse) {
  ResourceCatalog c = catalog();
  auto has = [](const ResourceInfo* r, const std::string& key) {
    return std::find(r->fieldSelectors.begin(), r->fieldSelectors.end(), key) != r->fieldSelectors.end();
  };
  const ResourceInfo* events = c.find("", "v1", "events");
  for (const char* key : {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
                          "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
                          "involvedObject.fieldPath", "reason", "source", "type"}) {
    EXPECT_TRUE(has(events, key)) << key;
  }
  const ResourceInfo* pods = c.find("", "v1", "pods");
  for (const char* key :
       {"spec.nodeName", "status.phase", "spec.restartPolicy", "spec.schedulerName",
        "spec.serviceAccountName", "status.podIP", "status.nominatedNodeName", "spec.hostNetwork"}) {
    EXPECT_TRUE(has(pods, key)) << key;
  }
  EXPECT_TRUE(has(c.find("", "v1", "nodes"), "spec.unschedulable"));
  EXPECT_TRUE(has(c.find("", "v1", "secrets"), "type"));
  EXPECT_TRUE(c.find("", "v1", "services")->fieldSelectors.empty());
}

TEST(CatalogTest, EveryTableHasANameColumnAndOneCellPerColumn) {
  ResourceCatalog c = catalog();
  json obj = {{"metadata", {{"name", "x"}, {"creationTimestamp", "2024-01-01T00:00:00Z"}}}};
  for (const auto& r : c.all()) {
    ASSERT_FALSE(r->table.columns.empty()) << r->resource;
    ASSERT_TRUE(r->table.cells) << r->resource;
    auto nameColumn = std::find_if(r->table.columns.begin(), r->table.columns.end(),
                                   [](const TableColumn& col) { return col.format == "name"; });
    ASSERT_NE(nameColumn, r->table.columns.end()) << r->resource;
    EXPECT_EQ(nameColumn->name, "Name");
    json cells = r->table.cells(obj, 1704067200 + 30);
    ASSERT_TRUE(cells.is_array());
    EXPECT_EQ(cells.size(), r->table.columns.size()) << r->resource;
    size_t nameIndex = static_cast<size_t>(nameColumn - r->table.columns.begin());
    EXPECT_EQ(cells[nameIndex], "x") << r->resource;
  }
}

}  // namespace
}  // namespace edgeway::apiserver
