// The pure parts of the endpointslice controller: endpoint groups from Pods and Endpoints,
// and the assignment of endpoints to slices.

#include "apiserver/controllers/slice_plan.h"

#include <gtest/gtest.h>

#include "apiserver/controllers/endpoint_group.h"

namespace edgeway::apiserver::controllers {
namespace {

using nlohmann::json;

api::PodView pod(const std::string& name, const std::string& ip, bool ready) {
  api::PodView p;
  p.ns = "default";
  p.name = name;
  p.uid = "uid-" + name;
  p.labels = {{"app", "web"}};
  p.podIps.push_back(IpAddress::parse(ip).value());
  p.phase = "Running";
  p.ready = ready;
  return p;
}

api::ServiceView service() {
  api::ServiceView s;
  s.ns = "default";
  s.name = "web";
  s.selector = {{"app", "web"}};
  s.ipFamilies = {IpFamily::kIPv4};
  api::ServicePort port;
  port.port = 80;
  port.targetPort.number = 8080;
  s.ports.push_back(port);
  return s;
}

EndpointGroup groupOf(int n, int from = 0) {
  EndpointGroup g;
  g.addressType = "IPv4";
  g.ports = json::parse(R"([{"name":"","port":8080,"protocol":"TCP"}])");
  for (int i = from; i < from + n; ++i) {
    json e = {{"addresses", json::array({"10.0.0." + std::to_string(i)})},
              {"targetRef", {{"kind", "Pod"}, {"name", "p" + std::to_string(i)}}}};
    g.endpoints[endpointKey(e)] = e;
  }
  return g;
}

// Stores the creates of a plan as existing slices, named s0, s1...
std::vector<json> stored(const SlicePlan& plan) {
  std::vector<json> out;
  for (size_t i = 0; i < plan.creates.size(); ++i) {
    json s = plan.creates[i];
    s["metadata"].erase("generateName");
    s["metadata"]["name"] = "s" + std::to_string(i);
    out.push_back(s);
  }
  return out;
}

TEST(EndpointGroupTest, ReadyAndNotReadyPodsShareAGroup) {
  api::PodView a = pod("a", "10.42.0.1", true), b = pod("b", "10.42.0.2", false);
  auto groups = groupsForService(service(), {&a, &b});
  ASSERT_EQ(groups.size(), 1u);
  ASSERT_EQ(groups[0].endpoints.size(), 2u);
  EXPECT_EQ(groups[0].endpoints["pod/b"]["conditions"]["ready"], false);
  EXPECT_EQ(groups[0].endpoints["pod/a"]["targetRef"]["uid"], "uid-a");
}

TEST(EndpointGroupTest, UnresolvedNamedPortLeavesThePodOut) {
  api::ServiceView s = service();
  s.ports[0].targetPort = api::TargetPort{0, "http"};
  api::PodView a = pod("a", "10.42.0.1", true), b = pod("b", "10.42.0.2", true);
  a.containerPorts.push_back(api::ContainerPort{"http", 9376, api::Protocol::kTCP});
  auto groups = groupsForService(s, {&a, &b});
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].endpoints.count("pod/b"), 0u);
  EXPECT_EQ(groups[0].ports[0]["port"], 9376);
}

// Subsets of `ready`/`notReady` addresses each, as endpointsSubsetsForService makes them.
nlohmann::json subsetsOf(std::vector<std::pair<int, int>> sizes) {
  nlohmann::json subsets = nlohmann::json::array();
  int n = 0;
  for (auto [ready, notReady] : sizes) {
    nlohmann::json subset = {{"ports", {{{"port", 80}}}}};
    for (int i = 0; i < ready; ++i) subset["addresses"].push_back({{"ip", "10.0.0." + std::to_string(++n)}});
    for (int i = 0; i < notReady; ++i) subset["notReadyAddresses"].push_back({{"ip", "10.0.1." + std::to_string(++n)}});
    subsets.push_back(subset);
  }
  return subsets;
}

size_t countOf(const nlohmann::json& subsets, const char* field) {
  size_t n = 0;
  for (const auto& s : subsets) n += s.contains(field) ? s[field].size() : 0;
  return n;
}

TEST(EndpointGroupTest, EndpointsAreCappedLikeKubes) {
  auto fits = subsetsOf({{600, 400}});
  EXPECT_FALSE(truncateEndpointSubsets(fits));
  EXPECT_EQ(countOf(fits, "addresses") + countOf(fits, "notReadyAddresses"), 1000u);

  // Not-ready addresses go first, shared between subsets in proportion.
  auto notReady = subsetsOf({{500, 300}, {300, 100}});
  EXPECT_TRUE(truncateEndpointSubsets(notReady));
  EXPECT_EQ(countOf(notReady, "addresses"), 800u);
  EXPECT_EQ(notReady[0]["notReadyAddresses"].size(), 150u);
  EXPECT_EQ(notReady[1]["notReadyAddresses"].size(), 50u);

  // More ready addresses than fit: only ready ones stay.
  auto ready = subsetsOf({{900, 10}, {300, 0}});
  EXPECT_TRUE(truncateEndpointSubsets(ready));
  EXPECT_EQ(countOf(ready, "addresses"), 1000u);
  EXPECT_EQ(countOf(ready, "notReadyAddresses"), 0u);
  EXPECT_EQ(ready[0]["addresses"].size(), 750u);

  // A subset left without addresses is dropped rather than written empty.
  auto emptied = subsetsOf({{3, 0}, {0, 2}});
  EXPECT_TRUE(truncateEndpointSubsets(emptied, 3));
  ASSERT_EQ(emptied.size(), 1u);
  EXPECT_EQ(emptied[0]["addresses"].size(), 3u);
}

TEST(SlicePlanTest, EqualContentPlansNoWrite) {
  SliceTemplate tmpl;
  tmpl.generateName = "web-";
  SlicePlan first = planSlices({groupOf(150)}, {}, tmpl);
  ASSERT_EQ(first.creates.size(), 2u);
  EXPECT_TRUE(planSlices({groupOf(150)}, stored(first), tmpl).empty());
}

TEST(SlicePlanTest, RemovingAnEndpointRewritesOnlyItsSlice) {
  SliceTemplate tmpl;
  auto existing = stored(planSlices({groupOf(150)}, {}, tmpl));
  EndpointGroup g = groupOf(150);
  g.endpoints.erase("pod/p120");
  SlicePlan plan = planSlices({g}, existing, tmpl);
  EXPECT_TRUE(plan.creates.empty());
  EXPECT_TRUE(plan.deletes.empty());
  ASSERT_EQ(plan.updates.size(), 1u);
  const json& before = plan.updates[0]["metadata"]["name"] == "s0" ? existing[0] : existing[1];
  EXPECT_EQ(plan.updates[0]["endpoints"].size(), before["endpoints"].size() - 1);
  EXPECT_NE(before["endpoints"].dump().find("p120"), std::string::npos);
}

TEST(SlicePlanTest, NewEndpointsFillSlicesWithRoomFirst) {
  SliceTemplate tmpl;
  auto existing = stored(planSlices({groupOf(150)}, {}, tmpl));
  SlicePlan plan = planSlices({groupOf(160)}, existing, tmpl);
  EXPECT_TRUE(plan.creates.empty());
  ASSERT_EQ(plan.updates.size(), 1u);
  EXPECT_EQ(plan.updates[0]["endpoints"].size(), 60u);
}

TEST(SlicePlanTest, DuplicatesAcrossSlicesAreDropped) {
  SliceTemplate tmpl;
  auto existing = stored(planSlices({groupOf(10)}, {}, tmpl));
  existing.push_back(existing[0]);
  existing[1]["metadata"]["name"] = "dup";
  SlicePlan plan = planSlices({groupOf(10)}, existing, tmpl);
  EXPECT_EQ(plan.deletes, std::vector<std::string>{"dup"});
  EXPECT_TRUE(plan.updates.empty());
}

TEST(SlicePlanTest, NoEndpointsKeepsOnePlaceholder) {
  SliceTemplate tmpl;
  SlicePlan plan = planSlices({}, {}, tmpl);
  ASSERT_EQ(plan.creates.size(), 1u);
  EXPECT_TRUE(plan.creates[0]["endpoints"].empty());
  auto existing = stored(planSlices({groupOf(120)}, {}, tmpl));
  plan = planSlices({}, existing, tmpl);
  EXPECT_EQ(plan.deletes.size(), 1u);
  ASSERT_EQ(plan.updates.size(), 1u);
  EXPECT_TRUE(plan.updates[0]["endpoints"].empty());
}

}  // namespace
}  // namespace edgeway::apiserver::controllers
