#include "api/service_view.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace edgeway::api {
namespace {

using json = nlohmann::json;

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

json baseService() {
  return json::parse(R"({
    "kind": "Service", "apiVersion": "v1",
    "metadata": {"name": "web", "namespace": "shop", "resourceVersion": "7"},
    "spec": {"clusterIP": "10.43.0.10", "ports": [{"port": 80}]}
  })");
}

std::string errorOf(const json& object) {
  auto view = ServiceView::fromJson(object);
  EXPECT_FALSE(view.isOk());
  return view.isOk() ? "" : view.status().message();
}

TEST(ServiceViewTest, ReadsEveryFieldOfADualStackLoadBalancer) {
  auto view = ServiceView::parse(R"({
    "kind": "Service", "apiVersion": "v1",
    "metadata": {"name": "web", "namespace": "shop"},
    "spec": {
      "type": "LoadBalancer",
      "clusterIP": "10.43.0.10", "clusterIPs": ["10.43.0.10", "fd00::a"],
      "ipFamilies": ["IPv4", "IPv6"],
      "ports": [
        {"name": "http", "protocol": "TCP", "port": 80, "targetPort": "web", "nodePort": 30080,
         "appProtocol": "http"},
        {"name": "dns", "protocol": "UDP", "port": 53, "targetPort": 5353, "nodePort": 30053}
      ],
      "selector": {"app": "web"},
      "externalIPs": ["192.0.2.7"],
      "loadBalancerSourceRanges": [" 10.0.0.0/8 ", "2001:db8::/32"],
      "sessionAffinity": "ClientIP",
      "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 60}},
      "externalTrafficPolicy": "Local",
      "internalTrafficPolicy": "Local",
      "healthCheckNodePort": 31000,
      "publishNotReadyAddresses": true,
      "trafficDistribution": "PreferClose"
    },
    "status": {"loadBalancer": {"ingress": [
      {"ip": "192.0.2.100"}, {"hostname": "lb.example.com", "ipMode": "Proxy"}]}}
  })");
  ASSERT_TRUE(view.isOk()) << view.status().message();
  const ServiceView& s = *view;
  EXPECT_EQ(s.ns, "shop");
  EXPECT_EQ(s.name, "web");
  EXPECT_EQ(s.type, ServiceType::kLoadBalancer);
  EXPECT_EQ(s.clusterIps, (std::vector<IpAddress>{ip("10.43.0.10"), ip("fd00::a")}));
  EXPECT_FALSE(s.headless);
  EXPECT_EQ(s.ipFamilies, (std::vector<IpFamily>{IpFamily::kIPv4, IpFamily::kIPv6}));
  ASSERT_EQ(s.ports.size(), 2u);
  EXPECT_EQ(s.ports[0].name, "http");
  EXPECT_EQ(s.ports[0].protocol, Protocol::kTCP);
  EXPECT_EQ(s.ports[0].port, 80);
  EXPECT_TRUE(s.ports[0].targetPort.isNamed());
  EXPECT_EQ(s.ports[0].targetPort.name, "web");
  EXPECT_EQ(s.ports[0].nodePort, 30080);
  EXPECT_EQ(s.ports[0].appProtocol, "http");
  EXPECT_EQ(s.ports[1].protocol, Protocol::kUDP);
  EXPECT_EQ(s.ports[1].targetPort.number, 5353);
  EXPECT_EQ(s.selector, (std::map<std::string, std::string>{{"app", "web"}}));
  EXPECT_EQ(s.externalIps, std::vector<IpAddress>{ip("192.0.2.7")});
  ASSERT_EQ(s.loadBalancerSourceRanges.size(), 2u);
  EXPECT_EQ(s.loadBalancerSourceRanges[0].toString(), "10.0.0.0/8");
  EXPECT_EQ(s.loadBalancerSourceRanges[1].toString(), "2001:db8::/32");
  EXPECT_EQ(s.sessionAffinity, SessionAffinity::kClientIP);
  EXPECT_EQ(s.sessionAffinityTimeoutSeconds, 60);
  EXPECT_EQ(s.externalTrafficPolicy, TrafficPolicy::kLocal);
  EXPECT_EQ(s.internalTrafficPolicy, TrafficPolicy::kLocal);
  EXPECT_EQ(s.healthCheckNodePort, 31000);
  EXPECT_TRUE(s.publishNotReadyAddresses);
  EXPECT_EQ(s.trafficDistribution, "PreferClose");
  ASSERT_EQ(s.loadBalancerIngress.size(), 2u);
  EXPECT_EQ(s.loadBalancerIngress[0].ip, ip("192.0.2.100"));
  EXPECT_FALSE(s.loadBalancerIngress[0].ipModeProxy);
  EXPECT_FALSE(s.loadBalancerIngress[1].ip.has_value());
  EXPECT_EQ(s.loadBalancerIngress[1].hostname, "lb.example.com");
  EXPECT_TRUE(s.loadBalancerIngress[1].ipModeProxy);
}

TEST(ServiceViewTest, AppliesKubernetesDefaultsToSparseObjects) {
  json object = baseService();
  object["spec"]["sessionAffinity"] = "ClientIP";
  auto view = ServiceView::fromJson(object);
  ASSERT_TRUE(view.isOk()) << view.status().message();
  EXPECT_EQ(view->type, ServiceType::kClusterIP);
  EXPECT_EQ(view->clusterIps, std::vector<IpAddress>{ip("10.43.0.10")}) << "clusterIP alone is read";
  EXPECT_EQ(view->ipFamilies, std::vector<IpFamily>{IpFamily::kIPv4}) << "derived from the address";
  EXPECT_EQ(view->ports[0].protocol, Protocol::kTCP);
  EXPECT_EQ(view->ports[0].targetPort.number, 80) << "targetPort defaults to port";
  EXPECT_FALSE(view->ports[0].targetPort.isNamed());
  EXPECT_EQ(view->sessionAffinityTimeoutSeconds, 10800);
  EXPECT_EQ(view->externalTrafficPolicy, TrafficPolicy::kCluster);
  EXPECT_EQ(view->internalTrafficPolicy, TrafficPolicy::kCluster);
  EXPECT_TRUE(view->selector.empty());
}

TEST(ServiceViewTest, HeadlessAndExternalName) {
  json headless = baseService();
  headless["spec"]["clusterIP"] = "None";
  headless["spec"]["clusterIPs"] = {"None"};
  auto h = ServiceView::fromJson(headless);
  ASSERT_TRUE(h.isOk()) << h.status().message();
  EXPECT_TRUE(h->headless);
  EXPECT_TRUE(h->clusterIps.empty());

  auto e = ServiceView::parse(R"({"metadata": {"name": "db", "namespace": "shop"},
    "spec": {"type": "ExternalName", "externalName": "db.example.com"}})");
  ASSERT_TRUE(e.isOk()) << e.status().message();
  EXPECT_EQ(e->type, ServiceType::kExternalName);
  EXPECT_EQ(e->externalName, "db.example.com");
  EXPECT_TRUE(e->clusterIps.empty());
  EXPECT_FALSE(e->headless);
}

TEST(ServiceViewTest, AcceptsLeadingZerosAsKubernetesDoes) {
  json object = baseService();
  object["spec"]["clusterIP"] = "010.043.000.010";
  auto view = ServiceView::fromJson(object);
  ASSERT_TRUE(view.isOk()) << view.status().message();
  EXPECT_EQ(view->clusterIps[0], ip("10.43.0.10"));
}

TEST(ServiceViewTest, RejectsMalformedObjectsNamingTheField) {
  EXPECT_EQ(ServiceView::parse("{not json").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ServiceView::parse("[1]").status().code(), StatusCode::kInvalidArgument);

  json noName = baseService();
  noName["metadata"].erase("name");
  EXPECT_NE(errorOf(noName).find("metadata.name: required"), std::string::npos);

  json noNamespace = baseService();
  noNamespace["metadata"].erase("namespace");
  EXPECT_NE(errorOf(noNamespace).find("metadata.namespace"), std::string::npos);

  json badIp = baseService();
  badIp["spec"]["clusterIPs"] = {"10.43.0.10", "not-an-ip"};
  EXPECT_EQ(errorOf(badIp), "Service shop/web: spec.clusterIPs[1]: \"not-an-ip\" is not an IP address");

  json stringPort = baseService();
  stringPort["spec"]["ports"][0]["port"] = "80";
  EXPECT_EQ(errorOf(stringPort), "Service shop/web: spec.ports[0].port: must be an integer, not string");

  json bigPort = baseService();
  bigPort["spec"]["ports"][0]["port"] = 70000;
  EXPECT_NE(errorOf(bigPort).find("spec.ports[0].port: must be between 1 and 65535"), std::string::npos);

  json fraction = baseService();
  fraction["spec"]["ports"][0]["nodePort"] = 30000.5;
  EXPECT_NE(errorOf(fraction).find("spec.ports[0].nodePort"), std::string::npos);

  json badType = baseService();
  badType["spec"]["type"] = "Magic";
  EXPECT_NE(errorOf(badType).find("spec.type: unsupported type"), std::string::npos);

  json badProtocol = baseService();
  badProtocol["spec"]["ports"][0]["protocol"] = "ICMP";
  EXPECT_NE(errorOf(badProtocol).find("spec.ports[0].protocol"), std::string::npos);

  json portsNotArray = baseService();
  portsNotArray["spec"]["ports"] = {{"port", 80}};
  EXPECT_NE(errorOf(portsNotArray).find("spec.ports: must be an array"), std::string::npos);

  json specNotObject = baseService();
  specNotObject["spec"] = "x";
  EXPECT_NE(errorOf(specNotObject).find("spec: must be an object"), std::string::npos);

  json badRange = baseService();
  badRange["spec"]["loadBalancerSourceRanges"] = {"10.0.0.0/33"};
  EXPECT_NE(errorOf(badRange).find("spec.loadBalancerSourceRanges[0]"), std::string::npos);

  json badSelector = baseService();
  badSelector["spec"]["selector"] = {{"app", 1}};
  EXPECT_NE(errorOf(badSelector).find("spec.selector[app]: must be a string"), std::string::npos);

  json mixed = baseService();
  mixed["spec"]["clusterIPs"] = {"None", "10.43.0.1"};
  EXPECT_NE(errorOf(mixed).find("spec.clusterIPs"), std::string::npos);
}

TEST(ServiceViewTest, NullFieldsReadAsAbsent) {
  json object = baseService();
  object["spec"]["selector"] = nullptr;
  object["spec"]["externalIPs"] = nullptr;
  object["status"] = nullptr;
  auto view = ServiceView::fromJson(object);
  ASSERT_TRUE(view.isOk()) << view.status().message();
  EXPECT_TRUE(view->selector.empty());
  EXPECT_TRUE(view->externalIps.empty());
}

}  // namespace
}  // namespace edgeway::api
