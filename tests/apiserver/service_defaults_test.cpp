// Service defaulting: what kube-apiserver fills in on create and update.

#include <gtest/gtest.h>

#include "base/ip.h"
#include "service_test_support.h"

namespace edgeway::apiserver::svctest {
namespace {

bool inServiceCidr(const json& ip, const char* cidr) {
  auto parsed = IpAddress::parse(ip.get<std::string>());
  return parsed && Cidr::parse(cidr)->contains(*parsed);
}

TEST(ServiceDefaultsTest, ClusterIPService) {
  ServiceHarness h;
  json svc = h.create(service());
  const json& spec = svc["spec"];
  EXPECT_EQ(spec["type"], "ClusterIP");
  EXPECT_EQ(spec["sessionAffinity"], "None");
  EXPECT_FALSE(spec.contains("sessionAffinityConfig"));
  EXPECT_EQ(spec["ports"][0]["protocol"], "TCP");
  EXPECT_EQ(spec["ports"][0]["targetPort"], 80);
  EXPECT_EQ(spec["internalTrafficPolicy"], "Cluster");
  EXPECT_FALSE(spec.contains("externalTrafficPolicy"));
  EXPECT_FALSE(spec.contains("allocateLoadBalancerNodePorts"));
  EXPECT_FALSE(spec["ports"][0].contains("nodePort"));
  EXPECT_EQ(spec["ipFamilyPolicy"], "SingleStack");
  EXPECT_EQ(spec["ipFamilies"], json({"IPv4"}));
  ASSERT_EQ(spec["clusterIPs"].size(), 1u);
  EXPECT_EQ(spec["clusterIP"], spec["clusterIPs"][0]);
  EXPECT_TRUE(inServiceCidr(spec["clusterIP"], "10.43.0.0/16"));
  EXPECT_EQ(svc["status"], json({{"loadBalancer", json::object()}}));
}

TEST(ServiceDefaultsTest, ClientStatusIsReplacedOnCreate) {
  ServiceHarness h;
  json svc = service();
  svc["status"] = {{"loadBalancer", {{"ingress", {{{"ip", "1.2.3.4"}}}}}}};
  EXPECT_EQ(h.create(svc)["status"], json({{"loadBalancer", json::object()}}));
}

TEST(ServiceDefaultsTest, NodePortAndLoadBalancer) {
  ServiceHarness h;
  json np = service("np");
  np["spec"]["type"] = "NodePort";
  json created = h.create(np);
  EXPECT_EQ(created["spec"]["externalTrafficPolicy"], "Cluster");
  EXPECT_EQ(created["spec"]["internalTrafficPolicy"], "Cluster");
  long long nodePort = created["spec"]["ports"][0]["nodePort"];
  EXPECT_GE(nodePort, 30000);
  EXPECT_LE(nodePort, 32767);
  EXPECT_FALSE(created["spec"].contains("healthCheckNodePort"));

  json lb = service("lb");
  lb["spec"]["type"] = "LoadBalancer";
  json lbCreated = h.create(lb);
  EXPECT_EQ(lbCreated["spec"]["allocateLoadBalancerNodePorts"], true);
  EXPECT_EQ(lbCreated["spec"]["externalTrafficPolicy"], "Cluster");
  EXPECT_TRUE(lbCreated["spec"]["ports"][0].contains("nodePort"));
  EXPECT_EQ(lbCreated["status"], json({{"loadBalancer", json::object()}}));
}

TEST(ServiceDefaultsTest, ExternalTrafficPolicyForClusterIPWithExternalIPs) {
  ServiceHarness h;
  json svc = service();
  svc["spec"]["externalIPs"] = {"192.0.2.10"};
  EXPECT_EQ(h.create(svc)["spec"]["externalTrafficPolicy"], "Cluster");
}

TEST(ServiceDefaultsTest, SessionAffinity) {
  ServiceHarness h;
  json sticky = service("sticky");
  sticky["spec"]["sessionAffinity"] = "ClientIP";
  EXPECT_EQ(h.create(sticky)["spec"]["sessionAffinityConfig"],
            json({{"clientIP", {{"timeoutSeconds", 10800}}}}));

  json custom = service("custom");
  custom["spec"]["sessionAffinity"] = "ClientIP";
  custom["spec"]["sessionAffinityConfig"] = {{"clientIP", {{"timeoutSeconds", 60}}}};
  EXPECT_EQ(h.create(custom)["spec"]["sessionAffinityConfig"]["clientIP"]["timeoutSeconds"], 60);

  // With affinity None a configuration is dropped, not rejected.
  json none = service("none");
  none["spec"]["sessionAffinityConfig"] = {{"clientIP", {{"timeoutSeconds", 60}}}};
  EXPECT_FALSE(h.create(none)["spec"].contains("sessionAffinityConfig"));
}

TEST(ServiceDefaultsTest, TargetPortDefaultsToPort) {
  ServiceHarness h;
  json svc = service();
  svc["spec"]["ports"] = {{{"name", "a"}, {"port", 80}, {"targetPort", 0}},
                          {{"name", "b"}, {"port", 81}, {"targetPort", ""}},
                          {{"name", "c"}, {"port", 82}, {"targetPort", "http"}},
                          {{"name", "d"}, {"port", 83}, {"targetPort", 8083}, {"protocol", "UDP"}}};
  json created = h.create(svc);
  EXPECT_EQ(created["spec"]["ports"][0]["targetPort"], 80);
  EXPECT_EQ(created["spec"]["ports"][1]["targetPort"], 81);
  EXPECT_EQ(created["spec"]["ports"][2]["targetPort"], "http");
  EXPECT_EQ(created["spec"]["ports"][3]["targetPort"], 8083);
  EXPECT_EQ(created["spec"]["ports"][3]["protocol"], "UDP");
}

TEST(ServiceDefaultsTest, ExternalNameGetsNoAddressFields) {
  ServiceHarness h;
  json svc = service("ext");
  svc["spec"] = {{"type", "ExternalName"}, {"externalName", "db.example.com"}};
  json created = h.create(svc);
  for (const char* key : {"clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "internalTrafficPolicy",
                          "externalTrafficPolicy"}) {
    EXPECT_FALSE(created["spec"].contains(key)) << key;
  }
  EXPECT_EQ(created["spec"]["sessionAffinity"], "None");
}

TEST(ServiceDefaultsTest, HeadlessServices) {
  ServiceHarness h;
  json selected = service("selected");
  selected["spec"]["clusterIP"] = "None";
  json created = h.create(selected);
  EXPECT_EQ(created["spec"]["clusterIPs"], json({"None"}));
  EXPECT_EQ(created["spec"]["clusterIP"], "None");
  EXPECT_EQ(created["spec"]["ipFamilyPolicy"], "SingleStack");
  EXPECT_EQ(created["spec"]["ipFamilies"], json({"IPv4"}));

  // Without a selector its endpoints may be of either family: RequireDualStack, both
  // families, even on a single-stack cluster.
  json selectorless = service("selectorless");
  selectorless["spec"] = {{"clusterIP", "None"}};
  json made = h.create(selectorless);
  EXPECT_EQ(made["spec"]["clusterIPs"], json({"None"}));
  EXPECT_EQ(made["spec"]["ipFamilyPolicy"], "RequireDualStack");
  EXPECT_EQ(made["spec"]["ipFamilies"], json({"IPv4", "IPv6"}));
}

TEST(ServiceDefaultsTest, SingularClusterIPFillsThePlural) {
  ServiceHarness h;
  json svc = service();
  svc["spec"]["clusterIP"] = "10.43.0.10";
  json created = h.create(svc);
  EXPECT_EQ(created["spec"]["clusterIPs"], json({"10.43.0.10"}));
  EXPECT_EQ(created["spec"]["clusterIP"], "10.43.0.10");
}

TEST(ServiceDefaultsTest, DualStackPolicies) {
  ServiceHarness h(ServiceNetworkOptions{{"10.43.0.0/16", "fd00:43::/112"}, "30000-32767"});
  json single = h.create(service("single"));
  EXPECT_EQ(single["spec"]["ipFamilies"], json({"IPv4"}));
  EXPECT_EQ(single["spec"]["clusterIPs"].size(), 1u);

  json prefer = service("prefer");
  prefer["spec"]["ipFamilyPolicy"] = "PreferDualStack";
  json made = h.create(prefer);
  EXPECT_EQ(made["spec"]["ipFamilies"], json({"IPv4", "IPv6"}));
  ASSERT_EQ(made["spec"]["clusterIPs"].size(), 2u);
  EXPECT_TRUE(inServiceCidr(made["spec"]["clusterIPs"][0], "10.43.0.0/16"));
  EXPECT_TRUE(inServiceCidr(made["spec"]["clusterIPs"][1], "fd00:43::/112"));

  json v6first = service("v6first");
  v6first["spec"]["ipFamilyPolicy"] = "RequireDualStack";
  v6first["spec"]["ipFamilies"] = {"IPv6"};
  json v6made = h.create(v6first);
  EXPECT_EQ(v6made["spec"]["ipFamilies"], json({"IPv6", "IPv4"}));
  EXPECT_TRUE(inServiceCidr(v6made["spec"]["clusterIP"], "fd00:43::/112"));
}

TEST(ServiceDefaultsTest, PrimaryFamilyFollowsTheFirstCidr) {
  ServiceHarness h(ServiceNetworkOptions{{"fd00:43::/112"}, "30000-32767"});
  json created = h.create(service());
  EXPECT_EQ(created["spec"]["ipFamilies"], json({"IPv6"}));
  EXPECT_TRUE(inServiceCidr(created["spec"]["clusterIP"], "fd00:43::/112"));
}

TEST(ServiceDefaultsTest, UpdateAppliesDefaultsForTheNewType) {
  ServiceHarness h;
  json old = h.create(service());
  json lb = service();
  lb["spec"]["type"] = "LoadBalancer";
  json updated = h.update(lb, old);
  EXPECT_EQ(updated["spec"]["allocateLoadBalancerNodePorts"], true);
  EXPECT_EQ(updated["spec"]["externalTrafficPolicy"], "Cluster");
  EXPECT_EQ(updated["spec"]["clusterIP"], old["spec"]["clusterIP"]);
  EXPECT_TRUE(updated["spec"]["ports"][0].contains("nodePort"));
}

TEST(ServiceDefaultsTest, UpdateToClusterIPDropsTypeDependentFields) {
  ServiceHarness h;
  json lb = service();
  lb["spec"]["type"] = "LoadBalancer";
  lb["spec"]["externalTrafficPolicy"] = "Local";
  json old = h.create(lb);
  old["status"] = {{"loadBalancer", {{"ingress", {{{"ip", "192.0.2.1"}}}}}}};

  // kubectl edit: the stored object with only the type changed.
  json edited = old;
  edited["spec"]["type"] = "ClusterIP";
  json updated = h.update(edited, old);
  const json& spec = updated["spec"];
  EXPECT_FALSE(spec["ports"][0].contains("nodePort"));
  EXPECT_FALSE(spec.contains("healthCheckNodePort"));
  EXPECT_FALSE(spec.contains("externalTrafficPolicy"));
  EXPECT_FALSE(spec.contains("allocateLoadBalancerNodePorts"));
  EXPECT_EQ(spec["clusterIP"], old["spec"]["clusterIP"]);
  EXPECT_EQ(updated["status"], json({{"loadBalancer", json::object()}}));
}

TEST(ServiceDefaultsTest, UpdateKeepsStoredStatus) {
  ServiceHarness h;
  json lb = service();
  lb["spec"]["type"] = "LoadBalancer";
  json old = h.create(lb);
  old["status"] = {{"loadBalancer", {{"ingress", {{{"ip", "192.0.2.1"}}}}}}};
  json edited = old;
  edited["status"] = {{"loadBalancer", json::object()}};
  edited["metadata"]["labels"] = {{"a", "b"}};
  EXPECT_EQ(h.update(edited, old)["status"], old["status"]);
}

TEST(ServiceDefaultsTest, ResubmittedManifestKeepsAllocatedNodePorts) {
  ServiceHarness h;
  json np = service();
  np["spec"]["type"] = "NodePort";
  np["spec"]["ports"] = {{{"name", "http"}, {"port", 80}}, {{"name", "https"}, {"port", 443}}};
  json old = h.create(np);
  json updated = h.update(np, old);  // the manifest has no nodePorts
  EXPECT_EQ(updated["spec"]["ports"], old["spec"]["ports"]);
}

}  // namespace
}  // namespace edgeway::apiserver::svctest
