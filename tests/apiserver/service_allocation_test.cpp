// ClusterIP / NodePort / healthCheckNodePort allocation through the Service strategy, with
// the transaction semantics the registry relies on.

#include <gtest/gtest.h>

#include <set>

#include "apiserver/alloc/cluster_ip_allocator.h"
#include "apiserver/alloc/node_port_allocator.h"
#include "service_test_support.h"

namespace edgeway::apiserver::svctest {
namespace {

IpAddress ip(const json& text) { return *IpAddress::parse(text.get<std::string>()); }

bool ipHeld(const ServiceHarness& h, const json& text) {
  IpAddress addr = ip(text);
  return h.allocators->clusterIps(addr.family())->has(addr);
}

json nodePortService(const std::string& name, int nodePort = 0) {
  json svc = service(name);
  svc["spec"]["type"] = "NodePort";
  if (nodePort) svc["spec"]["ports"][0]["nodePort"] = nodePort;
  return svc;
}

TEST(ServiceAllocationTest, CreatesGetDistinctClusterIPs) {
  ServiceHarness h;
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    json svc = h.create(service("svc" + std::to_string(i)));
    EXPECT_TRUE(seen.insert(svc["spec"]["clusterIP"]).second);
    EXPECT_TRUE(ipHeld(h, svc["spec"]["clusterIP"]));
  }
  EXPECT_EQ(h.allocators->clusterIps(IpFamily::kIPv4)->used(), 50u);
}

TEST(ServiceAllocationTest, RequestedClusterIPConflicts) {
  ServiceHarness h;
  json first = service("first");
  first["spec"]["clusterIP"] = "10.43.0.10";
  h.create(first);

  json second = service("second");
  second["spec"]["clusterIP"] = "10.43.0.10";
  auto attempt = h.tryCreate(second);
  ASSERT_TRUE(attempt.error);
  EXPECT_EQ(attempt.error->code, 422);
  EXPECT_EQ(attempt.error->reason, "Invalid");
  EXPECT_EQ(
      attempt.error->message,
      "Service \"second\" is invalid: spec.clusterIPs: Invalid value: []string{\"10.43.0.10\"}: failed to "
      "allocate IP 10.43.0.10: provided IP is already allocated");
  ASSERT_EQ(attempt.error->causes.size(), 1u);
  EXPECT_EQ(attempt.error->causes[0].field, "spec.clusterIPs");
  EXPECT_FALSE(attempt.txn);
}

TEST(ServiceAllocationTest, RequestedClusterIPOutsideTheRange) {
  ServiceHarness h;
  json svc = service();
  svc["spec"]["clusterIP"] = "10.99.0.1";
  auto attempt = h.tryCreate(svc);
  ASSERT_TRUE(attempt.error);
  EXPECT_EQ(attempt.error->message,
            "Service \"web\" is invalid: spec.clusterIPs: Invalid value: []string{\"10.99.0.1\"}: failed to "
            "allocate "
            "IP 10.99.0.1: the provided IP (10.99.0.1) is not in the valid range. The range of valid IPs is "
            "10.43.0.0/16");
}

TEST(ServiceAllocationTest, DeleteReleasesEverything) {
  ServiceHarness h;
  json lb = service();
  lb["spec"]["type"] = "LoadBalancer";
  lb["spec"]["externalTrafficPolicy"] = "Local";
  lb["spec"]["clusterIP"] = "10.43.0.10";
  lb["spec"]["ports"][0]["nodePort"] = 30080;
  json created = h.create(lb);
  long long hc = created["spec"]["healthCheckNodePort"];
  EXPECT_TRUE(h.allocators->nodePorts().has(30080));
  EXPECT_TRUE(h.allocators->nodePorts().has(static_cast<int>(hc)));

  h.strategy->releaseForDelete(created);
  EXPECT_FALSE(ipHeld(h, "10.43.0.10"));
  EXPECT_FALSE(h.allocators->nodePorts().has(30080));
  EXPECT_FALSE(h.allocators->nodePorts().has(static_cast<int>(hc)));

  // ... and the same values can be asked for again.
  json again = h.create(lb);
  EXPECT_EQ(again["spec"]["clusterIP"], "10.43.0.10");
  EXPECT_EQ(again["spec"]["ports"][0]["nodePort"], 30080);
}

TEST(ServiceAllocationTest, RevertedCreateFreesItsAllocations) {
  ServiceHarness h;
  json svc = nodePortService("web", 30080);
  svc["spec"]["clusterIP"] = "10.43.0.10";
  auto attempt = h.tryCreate(svc);
  ASSERT_TRUE(attempt.ok());
  ASSERT_TRUE(attempt.txn);
  EXPECT_TRUE(ipHeld(h, "10.43.0.10"));
  EXPECT_TRUE(h.allocators->nodePorts().has(30080));

  attempt.txn->revert();  // the store write failed, or this was a dry run
  EXPECT_FALSE(ipHeld(h, "10.43.0.10"));
  EXPECT_FALSE(h.allocators->nodePorts().has(30080));
  h.create(svc);  // nothing leaked
}

TEST(ServiceAllocationTest, DroppedTransactionReverts) {
  ServiceHarness h;
  json svc = service();
  svc["spec"]["clusterIP"] = "10.43.0.10";
  { auto attempt = h.tryCreate(svc); }
  EXPECT_FALSE(ipHeld(h, "10.43.0.10"));
}

TEST(ServiceAllocationTest, FailedCreateKeepsNothing) {
  ServiceHarness h;
  h.create(nodePortService("first", 30080));
  json second = nodePortService("second", 30080);
  second["spec"]["clusterIP"] = "10.43.0.20";
  auto attempt = h.tryCreate(second);
  ASSERT_TRUE(attempt.error);
  EXPECT_EQ(
      attempt.error->message,
      "Service \"second\" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already "
      "allocated");
  // The cluster IP reserved before the NodePort failed was given back.
  EXPECT_FALSE(ipHeld(h, "10.43.0.20"));
}

TEST(ServiceAllocationTest, NodePortOutsideTheRange) {
  ServiceHarness h;
  auto attempt = h.tryCreate(nodePortService("web", 80));
  ASSERT_TRUE(attempt.error);
  EXPECT_EQ(attempt.error->message,
            "Service \"web\" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in "
            "the valid "
            "range. The range of valid ports is 30000-32767");
}

TEST(ServiceAllocationTest, PortsWithTheSameNumberShareANodePort) {
  ServiceHarness h;
  json svc = nodePortService("dns");
  svc["spec"]["ports"] = {{{"name", "dns"}, {"port", 53}},
                          {{"name", "dns-udp"}, {"port", 53}, {"protocol", "UDP"}}};
  json created = h.create(svc);
  EXPECT_EQ(created["spec"]["ports"][0]["nodePort"], created["spec"]["ports"][1]["nodePort"]);
  EXPECT_EQ(h.allocators->nodePorts().used(), 1u);
}

TEST(ServiceAllocationTest, LoadBalancerWithoutNodePorts) {
  ServiceHarness h;
  json lb = service();
  lb["spec"]["type"] = "LoadBalancer";
  lb["spec"]["allocateLoadBalancerNodePorts"] = false;
  json created = h.create(lb);
  EXPECT_FALSE(created["spec"]["ports"][0].contains("nodePort"));
  EXPECT_EQ(h.allocators->nodePorts().used(), 0u);
}

TEST(ServiceAllocationTest, TypeChangeReleasesNodePortOnlyOnCommit) {
  ServiceHarness h;
  json old = h.create(nodePortService("web", 30080));

  json edited = old;
  edited["spec"]["type"] = "ClusterIP";
  auto attempt = h.tryUpdate(edited, old);
  ASSERT_TRUE(attempt.ok()) << ServiceHarness::describe(attempt);
  EXPECT_FALSE(attempt.obj["spec"]["ports"][0].contains("nodePort"));
  ASSERT_TRUE(attempt.txn);
  // Until the write commits the stored object still holds the port.
  EXPECT_TRUE(h.allocators->nodePorts().has(30080));
  EXPECT_TRUE(h.tryCreate(nodePortService("other", 30080)).error);

  attempt.txn->commit();
  EXPECT_FALSE(h.allocators->nodePorts().has(30080));
  h.create(nodePortService("other", 30080));
}

TEST(ServiceAllocationTest, RevertedTypeChangeKeepsTheNodePort) {
  ServiceHarness h;
  json old = h.create(nodePortService("web", 30080));
  json edited = old;
  edited["spec"]["type"] = "ClusterIP";
  auto attempt = h.tryUpdate(edited, old);
  ASSERT_TRUE(attempt.txn);
  attempt.txn->revert();
  EXPECT_TRUE(h.allocators->nodePorts().has(30080));
}

TEST(ServiceAllocationTest, TypeChangeToNodePortAllocates) {
  ServiceHarness h;
  json old = h.create(service());
  json edited = old;
  edited["spec"]["type"] = "NodePort";
  json updated = h.update(edited, old);
  long long np = updated["spec"]["ports"][0]["nodePort"];
  EXPECT_TRUE(h.allocators->nodePorts().has(static_cast<int>(np)));
  EXPECT_EQ(updated["spec"]["clusterIP"], old["spec"]["clusterIP"]);
}

TEST(ServiceAllocationTest, UpdateAllocatesNewPortsAndReleasesDroppedOnes) {
  ServiceHarness h;
  json svc = nodePortService("web");
  svc["spec"]["ports"] = {{{"name", "http"}, {"port", 80}, {"nodePort", 30080}},
                          {{"name", "https"}, {"port", 443}, {"nodePort", 30443}}};
  json old = h.create(svc);

  json edited = old;
  edited["spec"]["ports"] = {old["spec"]["ports"][0], {{"name", "admin"}, {"port", 8080}}};
  auto attempt = h.tryUpdate(edited, old);
  ASSERT_TRUE(attempt.ok()) << ServiceHarness::describe(attempt);
  long long added = attempt.obj["spec"]["ports"][1]["nodePort"];
  EXPECT_NE(added, 0);
  EXPECT_EQ(attempt.obj["spec"]["ports"][0]["nodePort"], 30080);
  EXPECT_TRUE(h.allocators->nodePorts().has(30443));  // still held until commit
  attempt.txn->commit();
  EXPECT_FALSE(h.allocators->nodePorts().has(30443));
  EXPECT_TRUE(h.allocators->nodePorts().has(30080));
  EXPECT_TRUE(h.allocators->nodePorts().has(static_cast<int>(added)));
}

TEST(ServiceAllocationTest, ChangingToExternalNameReleasesClusterIPOnCommit) {
  ServiceHarness h;
  json old = h.create(service());
  json external = service();
  external["spec"] = {{"type", "ExternalName"}, {"externalName", "db.example.com"}};
  auto attempt = h.tryUpdate(external, old);
  ASSERT_TRUE(attempt.ok()) << ServiceHarness::describe(attempt);
  EXPECT_TRUE(ipHeld(h, old["spec"]["clusterIP"]));
  attempt.txn->commit();
  EXPECT_FALSE(ipHeld(h, old["spec"]["clusterIP"]));
}

TEST(ServiceAllocationTest, HealthCheckNodePortFollowsTrafficPolicy) {
  ServiceHarness h;
  json lb = service();
  lb["spec"]["type"] = "LoadBalancer";
  json old = h.create(lb);
  EXPECT_FALSE(old["spec"].contains("healthCheckNodePort"));

  json local = old;
  local["spec"]["externalTrafficPolicy"] = "Local";
  json updated = h.update(local, old);
  long long hc = updated["spec"]["healthCheckNodePort"];
  EXPECT_TRUE(h.allocators->nodePorts().has(static_cast<int>(hc)));

  json cluster = updated;
  cluster["spec"]["externalTrafficPolicy"] = "Cluster";
  json back = h.update(cluster, updated);
  EXPECT_FALSE(back["spec"].contains("healthCheckNodePort"));
  EXPECT_FALSE(h.allocators->nodePorts().has(static_cast<int>(hc)));
}

TEST(ServiceAllocationTest, RequestedHealthCheckPortConflictIsAnInternalError) {
  ServiceHarness h;
  h.create(nodePortService("np", 30100));
  json lb = service("lb");
  lb["spec"]["type"] = "LoadBalancer";
  lb["spec"]["externalTrafficPolicy"] = "Local";
  lb["spec"]["healthCheckNodePort"] = 30100;
  auto attempt = h.tryCreate(lb);
  ASSERT_TRUE(attempt.error);
  EXPECT_EQ(attempt.error->code, 500);
  EXPECT_EQ(
      attempt.error->message,
      "Internal error occurred: failed to allocate requested HealthCheck NodePort 30100: provided port is "
      "already allocated");
}

TEST(ServiceAllocationTest, RebuildThenRandomAllocationNeverReusesHeldAddresses) {
  // A tiny range, so that random allocation would hit the held values if it could.
  ServiceNetworkOptions options{{"10.43.0.0/28"}, "30000-30009"};
  ServiceHarness h(options);
  std::vector<json> stored;
  for (int i = 1; i <= 7; ++i) {
    json svc = service("held" + std::to_string(i));
    svc["spec"]["type"] = "NodePort";
    svc["spec"]["clusterIP"] = "10.43.0." + std::to_string(i);
    svc["spec"]["clusterIPs"] = {svc["spec"]["clusterIP"]};
    svc["spec"]["ports"][0]["nodePort"] = 30000 + i;
    stored.push_back(svc);
  }
  json headless = service("headless");
  headless["spec"]["clusterIP"] = "None";
  headless["spec"]["clusterIPs"] = {"None"};
  stored.push_back(headless);

  EXPECT_TRUE(h.allocators->rebuild(stored).empty());
  EXPECT_EQ(h.allocators->clusterIps(IpFamily::kIPv4)->used(), 7u);
  EXPECT_EQ(h.allocators->nodePorts().used(), 7u);

  // Three ports are left (30000, 30008, 30009); each new Service gets one of them and an
  // address above the held .1-.7.
  for (int i = 0; i < 3; ++i) {
    json svc = h.create(nodePortService("new" + std::to_string(i)));
    int np = svc["spec"]["ports"][0]["nodePort"];
    EXPECT_TRUE(np == 30000 || np == 30008 || np == 30009) << np;
    std::string addr = svc["spec"]["clusterIP"];
    EXPECT_GT(std::stoi(addr.substr(addr.rfind('.') + 1)), 7) << addr;
  }
  EXPECT_TRUE(h.tryCreate(nodePortService("one-too-many")).error);
}

TEST(ServiceAllocationTest, RebuildStartsFromScratchAndReportsConflicts) {
  ServiceHarness h;
  h.create(nodePortService("leftover", 30500));  // not in the stored list below: forgotten

  json a = nodePortService("a", 30080);
  a["spec"]["clusterIP"] = "10.43.0.10";
  a["spec"]["clusterIPs"] = {"10.43.0.10"};
  json b = a;
  b["metadata"]["name"] = "b";
  json c = service("c");
  c["spec"]["clusterIP"] = "10.99.0.1";
  c["spec"]["clusterIPs"] = {"10.99.0.1"};

  auto warnings = h.allocators->rebuild({a, b, c});
  EXPECT_EQ(warnings,
            (std::vector<std::string>{
                "cluster IP 10.43.0.10 of service default/b is also assigned to service default/a; please "
                "recreate one of them",
                "node port 30080 of service default/b is also assigned to service default/a; please "
                "recreate one of them",
                "cluster IP 10.99.0.1 of service default/c is not within the service CIDR 10.43.0.0/16; "
                "please recreate the service",
            }));
  EXPECT_FALSE(h.allocators->nodePorts().has(30500));
  EXPECT_TRUE(h.allocators->nodePorts().has(30080));
  EXPECT_TRUE(ipHeld(h, "10.43.0.10"));
}

TEST(ServiceAllocationTest, DualStackAllocatesBothFamiliesAndReleasesBoth) {
  ServiceHarness h(ServiceNetworkOptions{{"10.43.0.0/16", "fd00:43::/112"}, "30000-32767"});
  json svc = service();
  svc["spec"]["ipFamilyPolicy"] = "RequireDualStack";
  json created = h.create(svc);
  ASSERT_EQ(created["spec"]["clusterIPs"].size(), 2u);
  EXPECT_TRUE(ipHeld(h, created["spec"]["clusterIPs"][0]));
  EXPECT_TRUE(ipHeld(h, created["spec"]["clusterIPs"][1]));
  EXPECT_EQ(ip(created["spec"]["clusterIPs"][1]).family(), IpFamily::kIPv6);

  h.strategy->releaseForDelete(created);
  EXPECT_FALSE(ipHeld(h, created["spec"]["clusterIPs"][0]));
  EXPECT_FALSE(ipHeld(h, created["spec"]["clusterIPs"][1]));
}

TEST(ServiceAllocationTest, UpgradeAndDowngradeDualStack) {
  ServiceHarness h(ServiceNetworkOptions{{"10.43.0.0/16", "fd00:43::/112"}, "30000-32767"});
  json old = h.create(service());
  ASSERT_EQ(old["spec"]["clusterIPs"].size(), 1u);

  json up = old;
  up["spec"]["ipFamilyPolicy"] = "PreferDualStack";
  json dual = h.update(up, old);
  ASSERT_EQ(dual["spec"]["clusterIPs"].size(), 2u);
  EXPECT_EQ(dual["spec"]["clusterIPs"][0], old["spec"]["clusterIPs"][0]);
  EXPECT_EQ(dual["spec"]["ipFamilies"], json({"IPv4", "IPv6"}));
  json secondary = dual["spec"]["clusterIPs"][1];
  EXPECT_TRUE(ipHeld(h, secondary));

  json down = dual;
  down["spec"]["ipFamilyPolicy"] = "SingleStack";
  auto attempt = h.tryUpdate(down, dual);
  ASSERT_TRUE(attempt.ok()) << ServiceHarness::describe(attempt);
  EXPECT_EQ(attempt.obj["spec"]["clusterIPs"].size(), 1u);
  EXPECT_EQ(attempt.obj["spec"]["ipFamilies"], json({"IPv4"}));
  EXPECT_TRUE(ipHeld(h, secondary));
  attempt.txn->commit();
  EXPECT_FALSE(ipHeld(h, secondary));
}

TEST(ServiceAllocationTest, ExhaustedRangeIsAnInternalError) {
  ServiceHarness h(ServiceNetworkOptions{{"10.43.0.0/30"}, "30000-30001"});  // two usable IPs
  h.create(service("a"));
  h.create(service("b"));
  auto attempt = h.tryCreate(service("c"));
  ASSERT_TRUE(attempt.error);
  EXPECT_EQ(attempt.error->code, 500);
  EXPECT_EQ(attempt.error->message, "Internal error occurred: failed to allocate a serviceIP: range is full");

  // NodePorts run out the same way, and the cluster IP taken first is given back.
  ServiceHarness ports(ServiceNetworkOptions{{"10.43.0.0/24"}, "30000-30000"});
  ports.create(nodePortService("a"));
  auto full = ports.tryCreate(nodePortService("b"));
  ASSERT_TRUE(full.error);
  EXPECT_EQ(full.error->message, "Internal error occurred: failed to allocate a nodePort: range is full");
  EXPECT_EQ(ports.allocators->clusterIps(IpFamily::kIPv4)->used(), 1u);
}

TEST(ServiceAllocationTest, CreateOptionsAreValidated) {
  EXPECT_FALSE(
      ServiceAllocators::create(ServiceNetworkOptions{{"10.43.0.0/16", "10.44.0.0/16"}, "30000-32767"}));
  EXPECT_FALSE(ServiceAllocators::create(ServiceNetworkOptions{{"bogus"}, "30000-32767"}));
  EXPECT_FALSE(ServiceAllocators::create(ServiceNetworkOptions{{"10.43.0.0/16"}, "32767-30000"}));
  EXPECT_FALSE(ServiceAllocators::create(ServiceNetworkOptions{{}, "30000-32767"}));
  auto ok = ServiceAllocators::create(ServiceNetworkOptions{{"fd00::/112", "10.43.0.0/16"}, "30000-32767"});
  ASSERT_TRUE(ok);
  EXPECT_EQ((*ok)->primaryFamily(), IpFamily::kIPv6);
  EXPECT_TRUE((*ok)->dualStack());
}

}  // namespace
}  // namespace edgeway::apiserver::svctest
