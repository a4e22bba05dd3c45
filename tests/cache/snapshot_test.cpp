#include "cache/snapshot.h"

#include <gtest/gtest.h>

#include "cache/snapshot_builder.h"
#include "cache_test_util.h"

namespace edgeway::cache {
namespace {

using testing::ip;

template <typename View>
std::shared_ptr<const View> view(const std::string& json) {
  auto parsed = View::parse(json);
  EXPECT_TRUE(parsed.isOk()) << parsed.status().message();
  return std::make_shared<const View>(std::move(*parsed));
}

ServicePtr service(const std::string& ns, const std::string& name, const std::vector<std::string>& ips) {
  return view<api::ServiceView>(testing::serviceJson(ns, name, ips));
}
EndpointSlicePtr slice(const std::string& ns, const std::string& name, const std::string& svc,
                       const std::vector<std::string>& addresses) {
  return view<api::EndpointSliceView>(testing::sliceJson(ns, name, svc, addresses));
}
PodPtr pod(const std::string& ns, const std::string& name, const std::string& address) {
  return view<api::PodView>(testing::podJson(ns, name, address));
}

TEST(SnapshotTest, EmptySnapshot) {
  Snapshot s;
  EXPECT_FALSE(s.synced());
  EXPECT_EQ(s.revision(), 0);
  EXPECT_EQ(s.service("a", "b"), nullptr);
  EXPECT_TRUE(s.servicesByClusterIp(ip("10.43.0.1")).empty());
  EXPECT_TRUE(s.services().empty());
}

TEST(SnapshotTest, ServicesByNameAndByEveryClusterIp) {
  SnapshotBuilder b{Snapshot()};
  b.put(service("shop", "web", {"10.43.0.10", "fd00::10"}));
  b.put(service("shop", "db", {"10.43.0.11"}));
  b.put(service("blog", "web", {"10.43.0.12"}));
  auto s = b.build(42, true);
  EXPECT_EQ(s->revision(), 42);
  EXPECT_TRUE(s->synced());
  EXPECT_EQ(s->services().size(), 3u);
  ASSERT_NE(s->service("shop", "web"), nullptr);
  EXPECT_EQ(s->service("blog", "web")->clusterIps[0], ip("10.43.0.12"));
  EXPECT_EQ(s->service("shop", "nope"), nullptr);
  EXPECT_EQ(s->service("web", "shop"), nullptr);

  auto v4 = s->servicesByClusterIp(ip("10.43.0.10"));
  ASSERT_EQ(v4.size(), 1u);
  EXPECT_EQ(v4[0].service, s->service("shop", "web"));
  auto v6 = s->servicesByClusterIp(ip("fd00::10"));
  ASSERT_EQ(v6.size(), 1u);
  EXPECT_EQ(v6[0].service->name, "web");
  EXPECT_TRUE(s->servicesByClusterIp(ip("10.43.0.99")).empty());
}

TEST(SnapshotTest, UpdatingAServiceMovesItsClusterIpEntries) {
  SnapshotBuilder b{Snapshot()};
  b.put(service("shop", "web", {"10.43.0.10"}));
  auto before = b.build(1, true);

  SnapshotBuilder next(*before);
  next.put(service("shop", "web", {"10.43.0.20"}));
  auto after = next.build(2, true);

  EXPECT_TRUE(after->servicesByClusterIp(ip("10.43.0.10")).empty()) << "the old address must stop resolving";
  ASSERT_EQ(after->servicesByClusterIp(ip("10.43.0.20")).size(), 1u);
  EXPECT_EQ(after->services().size(), 1u);
  // The old snapshot is untouched.
  EXPECT_EQ(before->servicesByClusterIp(ip("10.43.0.10")).size(), 1u);
  EXPECT_TRUE(before->servicesByClusterIp(ip("10.43.0.20")).empty());
}

TEST(SnapshotTest, RemovingAServiceRemovesItsIndexEntries) {
  SnapshotBuilder b{Snapshot()};
  b.put(service("shop", "web", {"10.43.0.10", "fd00::10"}));
  EXPECT_TRUE(b.remove(Kind::kService, {"shop", "web"}));
  EXPECT_FALSE(b.remove(Kind::kService, {"shop", "web"}));
  auto s = b.build(1, true);
  EXPECT_EQ(s->service("shop", "web"), nullptr);
  EXPECT_TRUE(s->servicesByClusterIp(ip("10.43.0.10")).empty());
  EXPECT_TRUE(s->servicesByClusterIp(ip("fd00::10")).empty());
}

TEST(SnapshotTest, SlicesByServiceAndEndpointsByIp) {
  SnapshotBuilder b{Snapshot()};
  b.put(slice("shop", "web-b", "web", {"10.42.0.1", "10.42.0.2"}));
  b.put(slice("shop", "web-a", "web", {"10.42.0.3"}));
  b.put(slice("shop", "api-a", "api", {"10.42.0.1"}));  // the same Pod behind two Services
  b.put(slice("blog", "web-a", "web", {"10.42.1.1"}));
  auto s = b.build(1, true);

  auto web = s->endpointSlicesOf("shop", "web");
  ASSERT_EQ(web.size(), 2u);
  EXPECT_EQ(web[0]->name, "web-a") << "slices of a service come in name order";
  EXPECT_EQ(web[1]->name, "web-b");
  EXPECT_EQ(s->endpointSlicesOf("blog", "web").size(), 1u);
  EXPECT_TRUE(s->endpointSlicesOf("shop", "nope").empty());

  auto shared = s->endpointsByIp(ip("10.42.0.1"));
  ASSERT_EQ(shared.size(), 2u);
  EXPECT_EQ(shared[0].slice->serviceName, "api");
  EXPECT_EQ(shared[1].slice->serviceName, "web");
  EXPECT_EQ(shared[1].endpoint().addresses[0], ip("10.42.0.1"));
  auto second = s->endpointsByIp(ip("10.42.0.2"));
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].index, 1u);
  EXPECT_EQ(s->endpointSlice("shop", "api-a")->serviceName, "api");
}

TEST(SnapshotTest, ReplacingASliceReindexesItsServiceAndAddresses) {
  SnapshotBuilder b{Snapshot()};
  b.put(slice("shop", "s1", "web", {"10.42.0.1"}));
  auto before = b.build(1, true);
  SnapshotBuilder next(*before);
  next.put(slice("shop", "s1", "api", {"10.42.0.9"}));  // relabelled and readdressed
  auto after = next.build(2, true);
  EXPECT_TRUE(after->endpointSlicesOf("shop", "web").empty());
  EXPECT_EQ(after->endpointSlicesOf("shop", "api").size(), 1u);
  EXPECT_TRUE(after->endpointsByIp(ip("10.42.0.1")).empty());
  EXPECT_EQ(after->endpointsByIp(ip("10.42.0.9")).size(), 1u);

  SnapshotBuilder gone(*after);
  EXPECT_TRUE(gone.remove(Kind::kEndpointSlice, {"shop", "s1"}));
  auto empty = gone.build(3, true);
  EXPECT_TRUE(empty->endpointSlicesOf("shop", "api").empty());
  EXPECT_TRUE(empty->endpointsByIp(ip("10.42.0.9")).empty());
  EXPECT_TRUE(empty->endpointSlices().empty());
}

TEST(SnapshotTest, PodsByNameAndIp) {
  SnapshotBuilder b{Snapshot()};
  b.put(pod("shop", "web-0", "10.42.0.5"));
  b.put(pod("shop", "web-1", "10.42.0.6"));
  auto s = b.build(1, true);
  EXPECT_EQ(s->pod("shop", "web-0")->podIps[0], ip("10.42.0.5"));
  auto byIp = s->podsByIp(ip("10.42.0.6"));
  ASSERT_EQ(byIp.size(), 1u);
  EXPECT_EQ(byIp[0].pod->name, "web-1");

  SnapshotBuilder next(*s);
  next.put(pod("shop", "web-1", "10.42.0.7"));
  EXPECT_TRUE(next.remove(Kind::kPod, {"shop", "web-0"}));
  auto after = next.build(2, true);
  EXPECT_TRUE(after->podsByIp(ip("10.42.0.5")).empty());
  EXPECT_TRUE(after->podsByIp(ip("10.42.0.6")).empty());
  EXPECT_EQ(after->podsByIp(ip("10.42.0.7")).size(), 1u);
}

TEST(SnapshotTest, PodsByLabelFollowRelabelsAndNamespaces) {
  auto labelled = [](const std::string& ns, const std::string& name, nlohmann::json labels) {
    nlohmann::json pod = nlohmann::json::parse(testing::podJson(ns, name, "10.42.0.5"));
    pod["metadata"]["labels"] = std::move(labels);
    return view<api::PodView>(pod.dump());
  };
  SnapshotBuilder b{Snapshot()};
  b.put(labelled("shop", "web-0", {{"app", "web"}, {"tier", "front"}}));
  b.put(labelled("shop", "web-1", {{"app", "web"}}));
  b.put(labelled("other", "web-9", {{"app", "web"}}));
  auto s = b.build(1, true);
  auto web = s->podsWithLabel("shop", "app", "web");
  ASSERT_EQ(web.size(), 2u);
  EXPECT_EQ(web[0].pod->name, "web-0");
  EXPECT_EQ(web[1].pod->name, "web-1");
  EXPECT_EQ(s->podsWithLabel("shop", "tier", "front").size(), 1u);
  EXPECT_EQ(s->podsWithLabel("other", "app", "web").size(), 1u);
  EXPECT_TRUE(s->podsWithLabel("shop", "app", "api").empty());

  SnapshotBuilder next(*s);
  next.put(labelled("shop", "web-0", {{"app", "api"}}));  // relabelled
  EXPECT_TRUE(next.remove(Kind::kPod, {"shop", "web-1"}));
  auto after = next.build(2, true);
  EXPECT_TRUE(after->podsWithLabel("shop", "app", "web").empty());
  EXPECT_TRUE(after->podsWithLabel("shop", "tier", "front").empty());
  ASSERT_EQ(after->podsWithLabel("shop", "app", "api").size(), 1u);
  EXPECT_EQ(s->podsWithLabel("shop", "app", "web").size(), 2u);  // the old snapshot is unchanged
}

TEST(SnapshotTest, ClusterScopedAndOtherKinds) {
  SnapshotBuilder b{Snapshot()};
  b.put(view<api::NodeView>(testing::nodeJson("node-1", "192.168.1.10")));
  b.put(view<api::IngressView>(testing::ingressJson("shop", "front", "shop.example.com")));
  b.put(view<api::IngressClassView>(testing::ingressClassJson("edgeway", true)));
  b.put(view<api::SecretView>(testing::secretJson("shop", "tls", "Y2VydA==")));
  auto s = b.build(1, true);
  EXPECT_EQ(s->node("node-1")->ipsOfType("InternalIP")[0], ip("192.168.1.10"));
  EXPECT_EQ(s->ingress("shop", "front")->rules[0].host, "shop.example.com");
  EXPECT_TRUE(s->ingressClass("edgeway")->isDefault);
  EXPECT_EQ(s->secret("shop", "tls")->tlsCert, "cert");
  EXPECT_EQ(s->nodes().size(), 1u);

  SnapshotBuilder next(*s);
  EXPECT_TRUE(next.remove(Kind::kNode, {"", "node-1"}));
  EXPECT_TRUE(next.remove(Kind::kIngress, {"shop", "front"}));
  EXPECT_TRUE(next.remove(Kind::kIngressClass, {"", "edgeway"}));
  EXPECT_TRUE(next.remove(Kind::kSecret, {"shop", "tls"}));
  EXPECT_FALSE(next.remove(Kind::kSecret, {"shop", "tls"}));
  auto after = next.build(2, true);
  EXPECT_EQ(after->node("node-1"), nullptr);
  EXPECT_EQ(after->ingress("shop", "front"), nullptr);
  EXPECT_EQ(after->ingressClass("edgeway"), nullptr);
  EXPECT_EQ(after->secret("shop", "tls"), nullptr);
}

// With 1,000 Services and 10,000 Pods, one Pod update must leave every other object and
// the untouched indexes shared with the previous snapshot.
TEST(SnapshotTest, AChangeSharesEverythingElse) {
  SnapshotBuilder b{Snapshot()};
  for (int i = 0; i < 1000; ++i) {
    b.put(service("ns" + std::to_string(i % 10), "svc" + std::to_string(i),
                  {"10.43." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1)}));
  }
  for (int i = 0; i < 10000; ++i) {
    b.put(pod("ns" + std::to_string(i % 10), "pod" + std::to_string(i),
              "10.42." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1)));
  }
  auto before = b.build(1, true);

  SnapshotBuilder next(*before);
  next.put(pod("ns3", "pod3", "10.42.200.1"));
  auto after = next.build(2, true);

  // Services were not touched at all: the same entries, not copies.
  EXPECT_EQ(&*before->services().begin(), &*after->services().begin());
  EXPECT_EQ(before->service("ns7", "svc7"), after->service("ns7", "svc7"));
  // Other Pods are the same objects; the changed one is new.
  EXPECT_EQ(before->pod("ns4", "pod4"), after->pod("ns4", "pod4"));
  EXPECT_NE(before->pod("ns3", "pod3"), after->pod("ns3", "pod3"));
  // Only about one shard of the Pod index was copied.
  int copied = 0;
  for (int i = 0; i < 10000; ++i) {
    std::string ns = "ns" + std::to_string(i % 10), name = "pod" + std::to_string(i);
    if (before->pods().find({ns, name}) != after->pods().find({ns, name})) ++copied;
  }
  EXPECT_LT(copied, 4 * 10000 / static_cast<int>(PodIndex::kShards));
  EXPECT_TRUE(after->podsByIp(ip("10.42.0.4")).empty()) << "pod3's old address";
  EXPECT_EQ(after->podsByIp(ip("10.42.200.1"))[0].pod->name, "pod3");
}

}  // namespace
}  // namespace edgeway::cache
