// The LoadBalancer IPAM: LbPool bookkeeping, then the controller against a real API server
// and cache over SQLite, observed through the API as a client would.

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "apiserver/controllers/lb_pool.h"
#include "apiserver/controllers/load_balancer_ipam_controller.h"
#include "tests/apiserver/controller_test_support.h"

namespace edgeway::apiserver::controllers {
namespace {

using testing::ControllerEnv;
using testing::eventually;
using testing::json;
using testing::kServices;

Cidr cidr(const char* text) { return *Cidr::parse(text); }
IpAddress ip(const char* text) { return *IpAddress::parse(text); }

TEST(LbPoolTest, ParsesCidrsAndRangesOfBothFamilies) {
  auto r = AddressRange::parse("192.0.2.0/30");
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(r->toString(), "192.0.2.0-192.0.2.3");
  r = AddressRange::parse("fd00::10-fd00::1:0");
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(r->toString(), "fd00::10-fd00::1:0");
  r = AddressRange::parse("fd00::/120");
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(r->last.toString(), "fd00::ff");
}

TEST(LbPoolTest, RejectsBadRangesAndOverlaps) {
  EXPECT_FALSE(AddressRange::parse("192.0.2.9-192.0.2.1").isOk());
  EXPECT_FALSE(AddressRange::parse("192.0.2.1-fd00::1").isOk());
  EXPECT_FALSE(AddressRange::parse("192.0.2.1").isOk());
  EXPECT_FALSE(AddressRange::parse("192.0.2.0/33").isOk());
  EXPECT_FALSE(LbPool::create({"nonsense"}, {}).isOk());
  auto overlap = LbPool::create({"10.43.255.0/24"}, {cidr("10.43.0.0/16")});
  ASSERT_FALSE(overlap.isOk());
  EXPECT_NE(overlap.status().message().find("service CIDR"), std::string::npos);
  EXPECT_FALSE(LbPool::create({"fd43::1-fd43::9"}, {cidr("10.43.0.0/16"), cidr("fd43::/112")}).isOk());
  EXPECT_FALSE(LbPool::create({"192.0.2.0/28", "192.0.2.15-192.0.2.20"}, {}).isOk());
  EXPECT_TRUE(
      LbPool::create({"192.0.2.0/28", "192.0.2.16-192.0.2.20", "fd00::/64"}, {cidr("10.43.0.0/16")}).isOk());
}

TEST(LbPoolTest, AllocatesLowestFreeAcrossRangesAndReuses) {
  auto pool =
      LbPool::create({"192.0.2.254-192.0.3.0", "198.51.100.7-198.51.100.7", "fd00::ffff-fd00::1:0"}, {});
  ASSERT_TRUE(pool.isOk());
  EXPECT_EQ(pool->allocateNext(IpFamily::kIPv4), ip("192.0.2.254"));
  EXPECT_TRUE(pool->reserve(ip("192.0.2.255")));
  EXPECT_FALSE(pool->reserve(ip("192.0.2.255")));  // taken
  EXPECT_FALSE(pool->reserve(ip("192.0.2.1")));    // outside
  EXPECT_EQ(pool->allocateNext(IpFamily::kIPv4), ip("192.0.3.0"));
  EXPECT_EQ(pool->allocateNext(IpFamily::kIPv4), ip("198.51.100.7"));
  EXPECT_EQ(pool->allocateNext(IpFamily::kIPv4), std::nullopt);
  pool->release(ip("192.0.2.255"));
  EXPECT_EQ(pool->allocateNext(IpFamily::kIPv4), ip("192.0.2.255"));
  EXPECT_EQ(pool->allocateNext(IpFamily::kIPv6), ip("fd00::ffff"));
  EXPECT_EQ(pool->allocateNext(IpFamily::kIPv6), ip("fd00::1:0"));
  EXPECT_EQ(pool->allocateNext(IpFamily::kIPv6), std::nullopt);
}

json lbService(const std::string& name) {
  json svc = testing::service(name);
  svc["spec"]["type"] = "LoadBalancer";
  return svc;
}

class LbIpamTest : public ::testing::Test {
 protected:
  void TearDown() override { controller_.reset(); }

  void startController(std::vector<std::string> pools, std::string nodeName = "edge1") {
    LoadBalancerIpamOptions options;
    options.pools = std::move(pools);
    options.serviceCidrs = {cidr("10.43.0.0/16")};
    options.nodeName = std::move(nodeName);
    options.retryDelay = std::chrono::milliseconds(50);
    auto created = LoadBalancerIpamController::create(env_.registry(), env_.state(), options);
    ASSERT_TRUE(created.isOk()) << created.status().message();
    controller_ = std::move(created).value();
    controller_->start();
  }

  void create(const json& svc) {
    auto reply = env_.api().post(kServices, svc);
    ASSERT_EQ(reply.status, 201) << reply.body;
  }

  json get(const std::string& name) { return env_.api().get(std::string(kServices) + "/" + name).obj(); }

  // The ingress IPs, comma-joined ("" when none).
  std::string ingress(const std::string& name) {
    json svc = get(name);
    std::string out;
    for (const json& in : svc["status"]["loadBalancer"].value("ingress", json::array())) {
      out += (out.empty() ? "" : ",") + in.value("ip", std::string());
    }
    return out;
  }

  bool becomes(const std::string& name, const std::string& want) {
    return eventually([&] { return ingress(name) == want; });
  }

  json condition(const std::string& name) {
    for (const json& c : get(name)["status"].value("conditions", json::array())) {
      if (c["type"] == LoadBalancerIpamController::kConditionType) return c;
    }
    return nullptr;
  }

  std::vector<json> failureEvents(const std::string& service) {
    json list = env_.api().get("/api/v1/namespaces/default/events").obj();
    std::vector<json> out;
    for (const json& e : list["items"]) {
      if (e["involvedObject"]["name"] == service && e["reason"] == "AllocationFailed") out.push_back(e);
    }
    return out;
  }

  ControllerEnv env_;
  std::unique_ptr<LoadBalancerIpamController> controller_;
};

TEST_F(LbIpamTest, AllocatesNextFreeAsVipAndReleasesOnDelete) {
  startController({"192.0.2.10-192.0.2.11"});
  create(lbService("a"));
  ASSERT_TRUE(becomes("a", "192.0.2.10"));
  json in = get("a")["status"]["loadBalancer"]["ingress"][0];
  EXPECT_EQ(in["ipMode"], "VIP");
  json cond = condition("a");
  EXPECT_EQ(cond["status"], "True");
  create(lbService("b"));
  ASSERT_TRUE(becomes("b", "192.0.2.11"));

  ASSERT_EQ(env_.api().del(std::string(kServices) + "/a").status, 200);
  create(lbService("c"));
  EXPECT_TRUE(becomes("c", "192.0.2.10"));
  EXPECT_EQ(ingress("b"), "192.0.2.11");
}

TEST_F(LbIpamTest, HonoursSpecLoadBalancerIpAndAnnotation) {
  startController({"192.0.2.10-192.0.2.20"});
  json bySpec = lbService("by-spec");
  bySpec["spec"]["loadBalancerIP"] = "192.0.2.15";
  create(bySpec);
  json byAnnotation = lbService("by-annotation");
  byAnnotation["metadata"]["annotations"] = {{"edgeway.io/load-balancer-ips", "192.0.2.18"}};
  create(byAnnotation);
  EXPECT_TRUE(becomes("by-spec", "192.0.2.15"));
  EXPECT_TRUE(becomes("by-annotation", "192.0.2.18"));
  // The next free skips neither requested address's neighbours nor hands those out.
  create(lbService("free"));
  EXPECT_TRUE(becomes("free", "192.0.2.10"));
}

TEST_F(LbIpamTest, ExhaustionIsReportedAndRetriedWhenAnAddressFrees) {
  startController({"192.0.2.10/32"});
  create(lbService("a"));
  ASSERT_TRUE(becomes("a", "192.0.2.10"));
  create(lbService("b"));
  ASSERT_TRUE(eventually([&] { return condition("b").is_object() && condition("b")["status"] == "False"; }));
  EXPECT_EQ(condition("b")["reason"], "AllocationFailed");
  EXPECT_EQ(ingress("b"), "");
  ASSERT_TRUE(eventually([&] { return failureEvents("b").size() == 1; }));
  json event = failureEvents("b")[0];
  EXPECT_EQ(event["type"], "Warning");
  EXPECT_EQ(event["involvedObject"]["kind"], "Service");
  // kubectl describe finds a Service's Events by its uid.
  EXPECT_EQ(event["involvedObject"]["uid"], get("b")["metadata"]["uid"]);
  EXPECT_EQ(event["source"]["component"], "edgeway-lb-ipam");
  EXPECT_NE(event["message"].get<std::string>().find("no free IPv4 address"), std::string::npos);

  ASSERT_EQ(env_.api().del(std::string(kServices) + "/a").status, 200);
  EXPECT_TRUE(becomes("b", "192.0.2.10"));
  EXPECT_TRUE(eventually([&] { return condition("b")["status"] == "True"; }));
  EXPECT_EQ(failureEvents("b").size(), 1u);  // one event per failure, not one per retry
}

TEST_F(LbIpamTest, UnavailableRequestedAddressIsReported) {
  startController({"192.0.2.10-192.0.2.11"});
  json outside = lbService("outside");
  outside["spec"]["loadBalancerIP"] = "198.51.100.1";
  create(outside);
  ASSERT_TRUE(eventually([&] { return failureEvents("outside").size() == 1; }));
  EXPECT_NE(failureEvents("outside")[0]["message"].get<std::string>().find("not in any load balancer pool"),
            std::string::npos);

  create(lbService("holder"));
  ASSERT_TRUE(becomes("holder", "192.0.2.10"));
  json taken = lbService("taken");
  taken["metadata"]["annotations"] = {{"edgeway.io/load-balancer-ips", "192.0.2.10"}};
  create(taken);
  ASSERT_TRUE(eventually([&] { return failureEvents("taken").size() == 1; }));
  EXPECT_NE(failureEvents("taken")[0]["message"].get<std::string>().find("already assigned"),
            std::string::npos);
  EXPECT_EQ(ingress("taken"), "");
}

TEST_F(LbIpamTest, TypeChangeReleasesTheAddress) {
  startController({"192.0.2.10/32"});
  create(lbService("a"));
  ASSERT_TRUE(becomes("a", "192.0.2.10"));
  auto reply = env_.api().patch(std::string(kServices) + "/a", "application/merge-patch+json",
                                {{"spec", {{"type", "ClusterIP"}}}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_TRUE(becomes("a", ""));
  create(lbService("b"));
  EXPECT_TRUE(becomes("b", "192.0.2.10"));
}

TEST_F(LbIpamTest, OtherWritersConditionsSurviveOursComingAndGoing) {
  startController({"192.0.2.10/32"});
  create(lbService("a"));
  ASSERT_TRUE(becomes("a", "192.0.2.10"));
  json theirs = {{"type", "example.com/Healthy"}, {"status", "True"}, {"reason", "Probed"}, {"message", ""},
                 {"lastTransitionTime", "2026-01-01T00:00:00Z"}};
  auto reply = env_.api().patch(std::string(kServices) + "/a/status", "application/strategic-merge-patch+json",
                                {{"status", {{"conditions", json::array({theirs})}}}});
  ASSERT_EQ(reply.status, 200) << reply.body;

  // Exhaustion rewrites our condition only.
  create(lbService("b"));
  auto typesOf = [&](const std::string& name) {
    std::set<std::string> types;
    for (const json& c : get(name)["status"].value("conditions", json::array())) types.insert(c.value("type", ""));
    return types;
  };
  ASSERT_TRUE(eventually([&] { return condition("b").is_object(); }));
  EXPECT_EQ(typesOf("a"), (std::set<std::string>{"example.com/Healthy", LoadBalancerIpamController::kConditionType}));

  // Leaving LoadBalancer removes our condition and the ingress, not theirs.
  reply = env_.api().patch(std::string(kServices) + "/a", "application/merge-patch+json",
                           {{"spec", {{"type", "ClusterIP"}}}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  ASSERT_TRUE(becomes("a", ""));
  EXPECT_TRUE(eventually([&] { return typesOf("a") == std::set<std::string>{"example.com/Healthy"}; }));
}

TEST_F(LbIpamTest, ForeignLoadBalancerClassIsLeftAlone) {
  startController({"192.0.2.10-192.0.2.11"});
  json foreign = lbService("foreign");
  foreign["spec"]["loadBalancerClass"] = "example.com/other-lb";
  create(foreign);
  create(lbService("mine"));
  // Snapshots are handled in revision order: once the Service created later has its
  // address, the foreign one has been seen (and has taken none: mine2 gets the first).
  ASSERT_TRUE(becomes("mine", "192.0.2.10"));
  ASSERT_EQ(env_.api().del(std::string(kServices) + "/mine").status, 200);
  create(lbService("mine2"));
  ASSERT_TRUE(becomes("mine2", "192.0.2.10"));
  EXPECT_EQ(ingress("foreign"), "");
  EXPECT_TRUE(condition("foreign").is_null());
}

TEST_F(LbIpamTest, WithoutPoolsTheNodeAddressesServe) {
  json node = {{"apiVersion", "v1"},
               {"kind", "Node"},
               {"metadata", {{"name", "edge1"}}},
               {"status",
                {{"addresses", json::array({{{"type", "InternalIP"}, {"address", "10.0.0.5"}},
                                            {{"type", "Hostname"}, {"address", "edge1"}},
                                            {{"type", "ExternalIP"}, {"address", "203.0.113.7"}},
                                            {{"type", "InternalIP"}, {"address", "fd00::5"}}})}}}};
  ASSERT_EQ(env_.api().post("/api/v1/nodes", node).status, 201);
  startController({});
  create(lbService("a"));
  // The IPv4 Service gets the node's IPv4 addresses only.
  EXPECT_TRUE(becomes("a", "10.0.0.5,203.0.113.7"));

  // A change of the node's addresses follows.
  json status = {
      {"status", {{"addresses", json::array({{{"type", "InternalIP"}, {"address", "10.0.0.6"}}})}}}};
  auto reply = env_.api().patch("/api/v1/nodes/edge1/status", "application/merge-patch+json", status);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_TRUE(becomes("a", "10.0.0.6"));
}

TEST_F(LbIpamTest, WithoutPoolsAndWithoutTheNodeItIsReported) {
  startController({}, "absent-node");
  create(lbService("a"));
  ASSERT_TRUE(eventually([&] { return failureEvents("a").size() == 1; }));
  EXPECT_TRUE(eventually([&] { return condition("a").is_object() && condition("a")["status"] == "False"; }));
  EXPECT_EQ(ingress("a"), "");
}

TEST_F(LbIpamTest, RestartKeepsAssignments) {
  startController({"192.0.2.10-192.0.2.12"});
  create(lbService("a"));
  ASSERT_TRUE(becomes("a", "192.0.2.10"));
  create(lbService("b"));
  ASSERT_TRUE(becomes("b", "192.0.2.11"));
  ASSERT_EQ(env_.api().del(std::string(kServices) + "/a").status, 200);
  create(lbService("c"));
  ASSERT_TRUE(becomes("c", "192.0.2.10"));

  controller_.reset();
  env_.close();
  env_.open();
  startController({"192.0.2.10-192.0.2.12"});
  create(lbService("d"));
  // Rebuilt from the stored statuses: .10 and .11 are taken, so d gets .12.
  EXPECT_TRUE(becomes("d", "192.0.2.12"));
  EXPECT_EQ(ingress("b"), "192.0.2.11");
  EXPECT_EQ(ingress("c"), "192.0.2.10");
}

TEST_F(LbIpamTest, RestartRewritesNothingUnchanged) {
  startController({}, "gw");  // no pool: the node's address (the Node is written below)
  json node = {{"apiVersion", "v1"},
               {"kind", "Node"},
               {"metadata", {{"name", "gw"}}},
               {"status", {{"addresses", json::array({{{"type", "InternalIP"}, {"address", "198.51.100.7"}}})}}}};
  ASSERT_EQ(env_.api().post("/api/v1/nodes", node).status, 201);
  create(lbService("a"));
  ASSERT_TRUE(becomes("a", "198.51.100.7"));
  ASSERT_TRUE(eventually([&] { return condition("a").is_object(); }));
  const json before = get("a");

  // A restart in a later second: the condition's transition time would differ if the
  // controller wrote again, and so would the resourceVersion clients compare.
  controller_.reset();
  env_.close();
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  env_.open();
  startController({}, "gw");
  create(lbService("probe"));  // handled after "a", so "a" has been looked at
  ASSERT_TRUE(becomes("probe", "198.51.100.7"));
  EXPECT_EQ(get("a")["metadata"]["resourceVersion"], before["metadata"]["resourceVersion"]);
  EXPECT_EQ(condition("a")["lastTransitionTime"], before["status"]["conditions"][0]["lastTransitionTime"]);
}

}  // namespace
}  // namespace edgeway::apiserver::controllers
