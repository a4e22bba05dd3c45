// NodeRegistrar against a real API server over SQLite, observed through the API.

#include <gtest/gtest.h>

#include <mutex>

#include "apiserver/controllers/node_registrar.h"
#include "tests/apiserver/controller_test_support.h"

namespace edgeway::apiserver::controllers {
namespace {

using testing::ControllerEnv;
using testing::eventually;
using testing::json;

class NodeRegistrationTest : public ::testing::Test {
 protected:
  void TearDown() override { registrar_.reset(); }

  void start(NodeRegistrarOptions options) {
    auto created = NodeRegistrar::create(env_.registry(), std::move(options));
    ASSERT_TRUE(created.isOk()) << created.status().message();
    registrar_ = std::move(created).value();
    registrar_->start();
  }

  json node(const std::string& name) {
    auto reply = env_.api().get("/api/v1/nodes/" + name);
    return reply.status == 200 ? reply.obj() : json();
  }

  std::vector<std::string> addressesOf(const json& n, const std::string& type) {
    std::vector<std::string> out;
    if (!n.is_object() || !n.contains("status")) return out;
    for (const json& a : n["status"].value("addresses", json::array())) {
      if (a["type"] == type) out.push_back(a["address"]);
    }
    return out;
  }

  // What the host's interfaces hold, for registrars that read them (outlives registrar_).
  std::mutex mu;
  std::vector<IpAddress> current = {*IpAddress::parse("192.0.2.1")};
  ControllerEnv env_;
  std::unique_ptr<NodeRegistrar> registrar_;
};

TEST_F(NodeRegistrationTest, RegistersTheNodeWithAddressesConditionAndPodCidrs) {
  NodeRegistrarOptions options;
  options.nodeName = "edge1";
  options.nodeIps = {"10.0.0.5", "fd00::5"};
  options.clusterCidrs = {"10.42.0.0/16", "fd42::/56"};
  start(options);
  ASSERT_TRUE(eventually([&] { return !node("edge1").is_null(); }));
  json n = node("edge1");
  EXPECT_EQ(addressesOf(n, "InternalIP"), (std::vector<std::string>{"10.0.0.5", "fd00::5"}));
  EXPECT_EQ(addressesOf(n, "Hostname").size(), 1u);
  EXPECT_EQ(n["spec"]["podCIDRs"], json::array({"10.42.0.0/16", "fd42::/56"}));
  EXPECT_EQ(n["spec"]["podCIDR"], "10.42.0.0/16");
  EXPECT_EQ(n["metadata"]["labels"]["node-role.kubernetes.io/control-plane"], "");
  EXPECT_FALSE(n["metadata"]["labels"].value("kubernetes.io/hostname", "").empty());
  json ready = n["status"]["conditions"][0];
  EXPECT_EQ(ready["type"], "Ready");
  EXPECT_EQ(ready["status"], "True");
  EXPECT_FALSE(ready.value("lastHeartbeatTime", "").empty());
  json info = n["status"]["nodeInfo"];
  EXPECT_EQ(info["kubeletVersion"], "v1.32.0-edgeway");
  EXPECT_EQ(info["operatingSystem"], "linux");
  EXPECT_FALSE(info.value("kernelVersion", "").empty());
  EXPECT_FALSE(info.value("osImage", "").empty());
  EXPECT_FALSE(info.value("architecture", "").empty());

  // kubectl's table shows it Ready.
  auto table = env_.api().get("/api/v1/nodes", {{"Accept", "application/json;as=Table;v=v1;g=meta.k8s.io"}});
  ASSERT_EQ(table.status, 200);
  EXPECT_NE(table.body.find("\"Ready\""), std::string::npos) << table.body;
}

TEST_F(NodeRegistrationTest, HeartbeatsAndFollowsAddressChanges) {
  NodeRegistrarOptions options;
  options.nodeName = "edge1";
  options.heartbeat = std::chrono::milliseconds(20);
  options.interfaceAddresses = [this] {
    std::lock_guard<std::mutex> lock(mu);
    return current;
  };
  start(options);
  ASSERT_TRUE(eventually(
      [&] { return addressesOf(node("edge1"), "InternalIP") == std::vector<std::string>{"192.0.2.1"}; }));
  // Each heartbeat is a status write: the resourceVersion keeps moving.
  std::string rv = node("edge1")["metadata"]["resourceVersion"];
  EXPECT_TRUE(eventually([&] { return node("edge1")["metadata"].value("resourceVersion", rv) != rv; }));

  {
    std::lock_guard<std::mutex> lock(mu);
    current = {*IpAddress::parse("192.0.2.2"), *IpAddress::parse("2001:db8::2")};
  }
  EXPECT_TRUE(eventually([&] {
    return addressesOf(node("edge1"), "InternalIP") == std::vector<std::string>{"192.0.2.2", "2001:db8::2"};
  }));
  registrar_->stop();
}

TEST_F(NodeRegistrationTest, CompletesAnExistingNodeAndKeepsWhatItDoesNotOwn) {
  json existing = {{"apiVersion", "v1"},
                   {"kind", "Node"},
                   {"metadata", {{"name", "edge1"}, {"labels", {{"site", "north"}}}}}};
  ASSERT_EQ(env_.api().post("/api/v1/nodes", existing).status, 201);
  NodeRegistrarOptions options;
  options.nodeName = "edge1";
  options.nodeIps = {"10.0.0.5"};
  options.clusterCidrs = {"10.42.0.0/16"};
  start(options);
  ASSERT_TRUE(eventually([&] { return node("edge1")["spec"].contains("podCIDRs"); }));
  ASSERT_TRUE(eventually([&] { return !addressesOf(node("edge1"), "InternalIP").empty(); }));
  json n = node("edge1");
  EXPECT_EQ(n["spec"]["podCIDRs"], json::array({"10.42.0.0/16"}));
  EXPECT_EQ(n["metadata"]["labels"]["site"], "north");
  EXPECT_EQ(n["metadata"]["labels"]["node-role.kubernetes.io/control-plane"], "");
}

TEST_F(NodeRegistrationTest, RejectsBadFlags) {
  NodeRegistrarOptions badIp;
  badIp.nodeIps = {"10.0.0.300"};
  EXPECT_FALSE(NodeRegistrar::create(env_.registry(), badIp).isOk());
  NodeRegistrarOptions twoV4;
  twoV4.nodeIps = {"10.0.0.1", "10.0.0.2"};
  EXPECT_FALSE(NodeRegistrar::create(env_.registry(), twoV4).isOk());
  NodeRegistrarOptions badCidr;
  badCidr.clusterCidrs = {"10.42.0.0/99"};
  EXPECT_FALSE(NodeRegistrar::create(env_.registry(), badCidr).isOk());
}

TEST(NodeHostAddressesTest, HasNoLoopbackOrLinkLocal) {
  for (const IpAddress& ip : NodeRegistrar::hostAddresses()) {
    EXPECT_FALSE(ip.isLoopback()) << ip.toString();
    EXPECT_FALSE(ip.isLinkLocalUnicast()) << ip.toString();
  }
}

}  // namespace
}  // namespace edgeway::apiserver::controllers
