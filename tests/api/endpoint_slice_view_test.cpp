#include "api/endpoint_slice_view.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace edgeway::api {
namespace {

using json = nlohmann::json;

json slice() {
  return json::parse(R"({
    "kind": "EndpointSlice", "apiVersion": "discovery.k8s.io/v1",
    "metadata": {"name": "web-abc", "namespace": "shop",
                 "labels": {"kubernetes.io/service-name": "web",
                            "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}},
    "addressType": "IPv4",
    "endpoints": [
      {"addresses": ["10.42.0.5"], "conditions": {"ready": true, "serving": true, "terminating": false},
       "hostname": "web-0", "nodeName": "node-1", "zone": "z1",
       "targetRef": {"kind": "Pod", "namespace": "shop", "name": "web-0"},
       "hints": {"forZones": [{"name": "z1"}]}},
      {"addresses": ["10.42.0.6"], "conditions": {"ready": false, "serving": true, "terminating": true}},
      {"addresses": ["10.42.0.7"]}
    ],
    "ports": [{"name": "http", "protocol": "TCP", "port": 8080, "appProtocol": "http"}, {"name": "all"}]
  })");
}

TEST(EndpointSliceViewTest, ReadsEndpointsConditionsAndPorts) {
  auto view = EndpointSliceView::fromJson(slice());
  ASSERT_TRUE(view.isOk()) << view.status().message();
  EXPECT_EQ(view->ns, "shop");
  EXPECT_EQ(view->name, "web-abc");
  EXPECT_EQ(view->serviceName, "web");
  EXPECT_EQ(view->addressType, IpFamily::kIPv4);
  ASSERT_EQ(view->endpoints.size(), 3u);

  const Endpoint& first = view->endpoints[0];
  EXPECT_EQ(first.addresses, std::vector<IpAddress>{*IpAddress::parse("10.42.0.5")});
  EXPECT_TRUE(first.ready);
  EXPECT_TRUE(first.serving);
  EXPECT_FALSE(first.terminating);
  EXPECT_EQ(first.hostname, "web-0");
  EXPECT_EQ(first.nodeName, "node-1");
  EXPECT_EQ(first.zone, "z1");
  ASSERT_TRUE(first.targetRef.has_value());
  EXPECT_EQ(first.targetRef->kind, "Pod");
  EXPECT_EQ(first.targetRef->ns, "shop");
  EXPECT_EQ(first.targetRef->name, "web-0");
  EXPECT_EQ(first.hintZones, std::vector<std::string>{"z1"});

  EXPECT_FALSE(view->endpoints[1].ready);
  EXPECT_TRUE(view->endpoints[1].serving);
  EXPECT_TRUE(view->endpoints[1].terminating);
  // Unset conditions read as kube-proxy reads them.
  EXPECT_TRUE(view->endpoints[2].ready);
  EXPECT_TRUE(view->endpoints[2].serving);
  EXPECT_FALSE(view->endpoints[2].terminating);
  EXPECT_FALSE(view->endpoints[2].targetRef.has_value());

  ASSERT_EQ(view->ports.size(), 2u);
  EXPECT_EQ(view->ports[0].name, "http");
  EXPECT_EQ(view->ports[0].port, 8080);
  EXPECT_EQ(view->ports[0].appProtocol, "http");
  EXPECT_EQ(view->ports[1].port, 0) << "an unset port means all ports";
}

TEST(EndpointSliceViewTest, ReadsIpv6AndUnlabelledSlices) {
  auto view = EndpointSliceView::parse(R"({"metadata": {"name": "manual", "namespace": "shop"},
    "addressType": "IPv6", "endpoints": [{"addresses": ["fd00::5"]}]})");
  ASSERT_TRUE(view.isOk()) << view.status().message();
  EXPECT_EQ(view->addressType, IpFamily::kIPv6);
  EXPECT_EQ(view->serviceName, "");
  EXPECT_TRUE(view->ports.empty());
}

TEST(EndpointSliceViewTest, RejectsBadAddressesPortsAndTypes) {
  auto errorOf = [](const json& object) {
    auto view = EndpointSliceView::fromJson(object);
    return view.isOk() ? std::string() : view.status().message();
  };
  json badIp = slice();
  badIp["endpoints"][1]["addresses"][0] = "10.42.0.300";
  EXPECT_NE(errorOf(badIp).find("endpoints[1].addresses[0]"), std::string::npos);

  json wrongFamily = slice();
  wrongFamily["endpoints"][0]["addresses"][0] = "fd00::1";
  EXPECT_NE(errorOf(wrongFamily).find("does not match the slice's addressType"), std::string::npos);

  json noAddresses = slice();
  noAddresses["endpoints"][0]["addresses"] = json::array();
  EXPECT_NE(errorOf(noAddresses).find("endpoints[0].addresses: required"), std::string::npos);

  json badPort = slice();
  badPort["ports"][0]["port"] = 0;
  EXPECT_NE(errorOf(badPort).find("ports[0].port"), std::string::npos);

  json fqdn = slice();
  fqdn["addressType"] = "FQDN";
  EXPECT_NE(errorOf(fqdn).find("unsupported address type \"FQDN\""), std::string::npos);

  json noType = slice();
  noType.erase("addressType");
  EXPECT_NE(errorOf(noType).find("addressType: required"), std::string::npos);

  json badCondition = slice();
  badCondition["endpoints"][0]["conditions"]["ready"] = "yes";
  EXPECT_NE(errorOf(badCondition).find("conditions.ready: must be a boolean"), std::string::npos);
}

}  // namespace
}  // namespace edgeway::api
