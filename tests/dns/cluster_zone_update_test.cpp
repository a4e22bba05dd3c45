// ClusterZone::update(): the zone of the next snapshot made from the previous zone must
// answer exactly as ClusterZone::build() of that snapshot, whatever changed, and must
// share what did not change.

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "cache/snapshot_builder.h"
#include "dns/cluster_zone.h"
#include "dns/resolver.h"
#include "dns/src/zone_index.h"
#include "dns/zone_dump.h"
#include "dns_test_util.h"

namespace edgeway::dns {
namespace {

using cache::Kind;
using cache::NamespacedName;
using testing::zoneDump;

IpAddress ip(const std::string& text) { return *IpAddress::parse(text); }

cache::Changes changesOf(std::vector<std::pair<Kind, NamespacedName>> changed) {
  cache::Changes c;
  for (auto& [kind, name] : changed) c.byKind[cache::kindIndex(kind)].push_back(name);
  for (auto& names : c.byKind) {
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
  }
  return c;
}

// Random edits over a small world -- few names, namespaces and addresses, so that objects
// collide: two Pods on one address, an endpoint address that is also a Service's, slices
// for Services that do not exist, Services that change type.
class World {
 public:
  explicit World(uint32_t seed) : rng_(seed) {}

  // Applies 1-3 random edits to `b`, returning what they changed.
  std::vector<std::pair<Kind, NamespacedName>> edit(cache::SnapshotBuilder& b) {
    std::vector<std::pair<Kind, NamespacedName>> changed;
    for (int n = 1 + pick(3); n > 0; --n) {
      const NamespacedName name{pickOf({"a", "b", "c"}), pickOf({"web", "api", "db", "cache", "Mixed"})};
      const bool remove = pick(5) == 0;
      switch (pick(3)) {
        case 0:
          if (remove) {
            b.remove(Kind::kService, name);
          } else {
            b.put(service(name));
          }
          changed.emplace_back(Kind::kService, name);
          break;
        case 1: {
          const NamespacedName slice{name.ns, name.name + "-" + pickOf({"x", "y"})};
          if (remove) {
            b.remove(Kind::kEndpointSlice, slice);
          } else {
            b.put(endpointSlice(slice, name.name));
          }
          changed.emplace_back(Kind::kEndpointSlice, slice);
          break;
        }
        default: {
          const NamespacedName pod{name.ns, "pod-" + std::to_string(pick(6))};
          if (remove) {
            b.remove(Kind::kPod, pod);
          } else {
            b.put(this->pod(pod));
          }
          changed.emplace_back(Kind::kPod, pod);
        }
      }
    }
    return changed;
  }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  std::string pickOf(std::initializer_list<const char*> options) {
    return *(options.begin() + pick(static_cast<int>(options.size())));
  }
  IpAddress address() { return ip(pickOf({"10.42.0.1", "10.42.0.2", "10.42.0.3", "10.43.0.1", "fd00::1"})); }

  cache::ServicePtr service(const NamespacedName& n) {
    api::ServiceView s;
    s.ns = n.ns;
    s.name = n.name;
    switch (pick(5)) {
      case 0:
        s.type = api::ServiceType::kExternalName;
        s.externalName = pickOf({"example.com", "example.com.", "10.0.0.1", "web.a.svc.cluster.local", ""});
        break;
      case 1:
      case 2:
        s.headless = true;
        s.publishNotReadyAddresses = pick(3) == 0;
        break;
      default:
        for (int i = pick(3); i > 0; --i) {
          const std::string host = std::to_string(1 + pick(3));
          s.clusterIps.push_back(pick(2) ? ip("10.43.0." + host) : ip("fd00:43::" + host));
        }
    }
    for (int i = pick(3); i > 0; --i) {
      api::ServicePort p;
      p.name = pickOf({"", "http", "dns"});
      p.port = 80 + pick(2);
      p.protocol = pick(2) ? api::Protocol::kTCP : api::Protocol::kUDP;
      s.ports.push_back(p);
    }
    return std::make_shared<const api::ServiceView>(std::move(s));
  }

  cache::EndpointSlicePtr endpointSlice(const NamespacedName& n, const std::string& service) {
    api::EndpointSliceView slice;
    slice.ns = n.ns;
    slice.name = n.name;
    slice.serviceName = pick(6) == 0 ? "" : service;
    for (int i = pick(4); i > 0; --i) {
      api::Endpoint e;
      e.addresses.push_back(address());
      e.ready = pick(3) != 0;
      e.hostname = pickOf({"", "", "host-1", "Host-2"});
      slice.endpoints.push_back(e);
    }
    for (int i = pick(3); i > 0; --i) {
      api::EndpointPort p;
      p.name = pickOf({"", "http"});
      p.port = pick(4) == 0 ? 0 : 8080;
      slice.ports.push_back(p);
    }
    return std::make_shared<const api::EndpointSliceView>(std::move(slice));
  }

  cache::PodPtr pod(const NamespacedName& n) {
    api::PodView p;
    p.ns = n.ns;
    p.name = n.name;
    p.phase = pickOf({"Running", "Running", "Pending", "Succeeded", "Failed"});
    for (int i = pick(3); i > 0; --i) p.podIps.push_back(address());
    return std::make_shared<const api::PodView>(std::move(p));
  }

  std::mt19937 rng_;
};

class ClusterZoneUpdateTest : public ::testing::TestWithParam<bool> {};

TEST_P(ClusterZoneUpdateTest, AnswersAsABuildOfTheSameSnapshot) {
  ClusterZoneOptions options;
  options.podRecords = GetParam();
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    World world(seed);
    auto snapshot = std::make_shared<const cache::Snapshot>();
    cache::SnapshotBuilder first(*snapshot);
    snapshot = first.build(1, true);
    auto zone = ClusterZone::build(*snapshot, options);
    // Zones are updated from a snapshot one to three edits back, with the changes merged,
    // as DnsService does when snapshots arrive faster than it makes zones.
    auto base = snapshot;
    cache::Changes pending;
    for (int step = 0; step < 150; ++step) {
      cache::SnapshotBuilder b(*snapshot);
      pending.merge(changesOf(world.edit(b)));
      snapshot = b.build(step + 2, true);
      if (step % 3 == 1) continue;
      auto next = ClusterZone::update(zone, *base, *snapshot, pending);
      auto full = ClusterZone::build(*snapshot, options);
      ASSERT_EQ(zoneDump(*next), zoneDump(*full)) << "seed " << seed << " step " << step;
      if (next != zone) {
        EXPECT_EQ(next->revision(), snapshot->revision());
      } else {
        EXPECT_LE(next->revision(), snapshot->revision());
      }
      zone = next;
      base = snapshot;
      pending = cache::Changes{};
    }
  }
}

INSTANTIATE_TEST_SUITE_P(PodRecords, ClusterZoneUpdateTest, ::testing::Bool());

cache::ServicePtr clusterIpService(const std::string& name, const std::string& clusterIp) {
  return testing::clusterIpService("default", name, clusterIp);
}

TEST(ClusterZoneUpdate, SharesTheRecordsOfWhatDidNotChange) {
  cache::SnapshotBuilder b{cache::Snapshot()};
  for (int i = 0; i < 100; ++i)
    b.put(clusterIpService("svc-" + std::to_string(i), "10.43.0." + std::to_string(i + 1)));
  auto before = b.build(1, true);
  auto zone = ClusterZone::build(*before, {});
  b.put(clusterIpService("svc-7", "10.43.1.7"));
  auto after = b.build(2, true);
  auto next = ClusterZone::update(zone, *before, *after,
                                  changesOf({{Kind::kService, NamespacedName{"default", "svc-7"}}}));
  ASSERT_NE(next, zone);
  EXPECT_EQ(zoneDump(*next), zoneDump(*ClusterZone::build(*after, {})));
  const auto& was = zone->index().names;
  const auto& is = next->index().names;
  EXPECT_EQ(was.find("svc-8.default.svc.cluster.local"), is.find("svc-8.default.svc.cluster.local"))
      << "an unchanged Service's name is the same entry in both versions";
  EXPECT_NE(was.find("svc-7.default.svc.cluster.local"), is.find("svc-7.default.svc.cluster.local"));

  Message q;
  q.questions.push_back(Question{"svc-7.default.svc.cluster.local", Type::kA, kClassIn});
  EXPECT_EQ(std::get<IpAddress>(resolve(q, *zone)->answers.at(0).data), ip("10.43.0.8"));
  EXPECT_EQ(std::get<IpAddress>(resolve(q, *next)->answers.at(0).data), ip("10.43.1.7"));
  EXPECT_EQ(next->revision(), 2);
  q.questions[0] = Question{"cluster.local", Type::kSOA, kClassIn};
  EXPECT_EQ(std::get<SoaData>(resolve(q, *next)->answers.at(0).data).serial, 2u);
}

TEST(ClusterZoneUpdate, KeepsTheZoneWhenNoAnswerChanges) {
  cache::SnapshotBuilder b{cache::Snapshot()};
  b.put(clusterIpService("web", "10.43.0.10"));
  api::PodView pod;
  pod.ns = "default";
  pod.name = "web-1";
  pod.podIps.push_back(ip("10.42.0.5"));
  b.put(std::make_shared<const api::PodView>(pod));
  api::EndpointSliceView slice;
  slice.ns = "default";
  slice.name = "web-abcde";
  slice.serviceName = "web";
  slice.endpoints.emplace_back();
  slice.endpoints.back().addresses.push_back(ip("10.42.0.5"));
  slice.endpoints.back().ready = false;
  b.put(std::make_shared<const api::EndpointSliceView>(slice));
  auto before = b.build(1, true);
  auto zone = ClusterZone::build(*before, {});

  // A Pod's readiness (no pod records), a ClusterIP Service's endpoints and its status: the
  // zone has nothing of them but their namespace.
  pod.ready = true;
  b.put(std::make_shared<const api::PodView>(pod));
  slice.endpoints.back().ready = true;
  b.put(std::make_shared<const api::EndpointSliceView>(slice));
  api::ServiceView web = *before->service("default", "web");
  api::LoadBalancerIngress ingress;
  ingress.ip = ip("192.0.2.1");
  web.loadBalancerIngress.push_back(ingress);
  b.put(std::make_shared<const api::ServiceView>(web));
  auto after = b.build(2, true);
  auto next = ClusterZone::update(zone, *before, *after,
                                  changesOf({{Kind::kPod, NamespacedName{"default", "web-1"}},
                                             {Kind::kEndpointSlice, NamespacedName{"default", "web-abcde"}},
                                             {Kind::kService, NamespacedName{"default", "web"}}}));
  EXPECT_EQ(next, zone);

  // Becoming synced is an answer that changes (SERVFAIL until then).
  cache::SnapshotBuilder unsynced{cache::Snapshot()};
  auto empty = unsynced.build(1, false);
  auto emptyZone = ClusterZone::build(*empty, {});
  auto synced = ClusterZone::update(emptyZone, *empty, *unsynced.build(1, true), cache::Changes{});
  EXPECT_NE(synced, emptyZone);
  EXPECT_TRUE(synced->synced());
}

TEST(ClusterZoneUpdate, RebuildsWhenMostOfTheClusterChanged) {
  cache::SnapshotBuilder b{cache::Snapshot()};
  auto before = b.build(1, false);
  auto zone = ClusterZone::build(*before, {});
  std::vector<std::pair<Kind, NamespacedName>> changed;
  for (int i = 0; i < 200; ++i) {
    const std::string name = "svc-" + std::to_string(i);
    b.put(clusterIpService(name, "10.43.1." + std::to_string(i)));
    changed.emplace_back(Kind::kService, NamespacedName{"default", name});
  }
  auto after = b.build(2, true);  // the first sync lists everything
  auto next = ClusterZone::update(zone, *before, *after, changesOf(changed));
  EXPECT_EQ(zoneDump(*next), zoneDump(*ClusterZone::build(*after, {})));
  EXPECT_EQ(next->recordCount(), 3u + 200u * 4u);  // + A, SRV at the name, SRV at _http._tcp, PTR
}

}  // namespace
}  // namespace edgeway::dns
