#include "api/node_view.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace edgeway::api {
namespace {

using json = nlohmann::json;

json node() {
  return json::parse(R"({
    "kind": "Node", "apiVersion": "v1",
    "metadata": {"name": "node-1", "labels": {"topology.kubernetes.io/zone": "z1"}},
    "spec": {"podCIDR": "10.42.0.0/24", "podCIDRs": ["10.42.0.0/24", "fd00:42::/64"], "unschedulable": true},
    "status": {
      "addresses": [{"type": "InternalIP", "address": "192.168.1.10"},
                    {"type": "InternalIP", "address": "fd00:1::10"},
                    {"type": "ExternalIP", "address": "203.0.113.4"},
                    {"type": "Hostname", "address": "gw-1"}],
      "conditions": [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": "True"}]
    }
  })");
}

TEST(NodeViewTest, ReadsAddressesCidrsAndConditions) {
  auto view = NodeView::fromJson(node());
  ASSERT_TRUE(view.isOk()) << view.status().message();
  EXPECT_EQ(view->name, "node-1");
  EXPECT_EQ(view->labels.at("topology.kubernetes.io/zone"), "z1");
  ASSERT_EQ(view->addresses.size(), 4u);
  EXPECT_EQ(view->addresses[3].type, "Hostname");
  EXPECT_EQ(view->addresses[3].address, "gw-1");
  EXPECT_FALSE(view->addresses[3].ip.has_value());
  EXPECT_EQ(view->ipsOfType("InternalIP"),
            (std::vector<IpAddress>{*IpAddress::parse("192.168.1.10"), *IpAddress::parse("fd00:1::10")}));
  EXPECT_EQ(view->ipsOfType("ExternalIP"), std::vector<IpAddress>{*IpAddress::parse("203.0.113.4")});
  ASSERT_EQ(view->podCidrs.size(), 2u);
  EXPECT_EQ(view->podCidrs[1].toString(), "fd00:42::/64");
  EXPECT_TRUE(view->ready);
  EXPECT_TRUE(view->unschedulable);
}

TEST(NodeViewTest, SingleCidrAndNotReady) {
  json object = node();
  object["spec"].erase("podCIDRs");
  object["status"]["conditions"][1]["status"] = "Unknown";
  auto view = NodeView::fromJson(object);
  ASSERT_TRUE(view.isOk()) << view.status().message();
  ASSERT_EQ(view->podCidrs.size(), 1u);
  EXPECT_EQ(view->podCidrs[0].toString(), "10.42.0.0/24");
  EXPECT_FALSE(view->ready);
}

TEST(NodeViewTest, RejectsAnIpAddressThatDoesNotParse) {
  json object = node();
  object["status"]["addresses"][0]["address"] = "gw-1.local";
  auto view = NodeView::fromJson(object);
  ASSERT_FALSE(view.isOk());
  EXPECT_EQ(view.status().message(),
            "Node node-1: status.addresses[0].address: \"gw-1.local\" is not an IP address");
}

}  // namespace
}  // namespace edgeway::api
