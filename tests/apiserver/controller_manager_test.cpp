// ControllerManager: the wiring edgeway server runs — its flags checked up front, and once
// started, the Node registered, a LoadBalancer addressed from the Node and a Service's
// slices written, with /readyz waiting for the cache.

#include "apiserver/controllers/controller_manager.h"

#include <gtest/gtest.h>

#include "tests/apiserver/controller_test_support.h"

namespace edgeway::apiserver::controllers {
namespace {

using testing::ControllerEnv;
using testing::eventually;
using testing::json;
using testing::kServices;

ControllerManagerOptions options() {
  ControllerManagerOptions o;
  o.nodeName = "gw-1";
  o.nodeIps = {"198.51.100.7"};
  o.clusterCidrs = {"10.42.0.0/16"};
  o.serviceCidrs = {"10.43.0.0/16"};
  return o;
}

TEST(ControllerManagerTest, RejectsBadFlagsBeforeStartingAnything) {
  ControllerEnv env;
  ControllerManagerOptions overlapping = options();
  overlapping.lbPools = {"10.43.200.0/24"};
  auto manager = ControllerManager::create(env.api().server(), env.state(), overlapping);
  ASSERT_FALSE(manager.isOk());
  EXPECT_NE(manager.status().message().find("service CIDR"), std::string::npos);

  ControllerManagerOptions badNodeIp = options();
  badNodeIp.nodeIps = {"not-an-ip"};
  EXPECT_FALSE(ControllerManager::create(env.api().server(), env.state(), badNodeIp).isOk());
}

TEST(ControllerManagerTest, RunsNodeLoadBalancerAndEndpointControllers) {
  ControllerEnv env;
  auto manager = ControllerManager::create(env.api().server(), env.state(), options());
  ASSERT_TRUE(manager.isOk()) << manager.status().message();
  EXPECT_EQ((*manager)->nodeName(), "gw-1");
  (*manager)->start();

  EXPECT_TRUE(eventually([&] { return env.api().get("/readyz").status == 200; }));
  EXPECT_TRUE(eventually([&] { return env.api().get("/api/v1/nodes/gw-1").status == 200; }));

  json lb = testing::service("lb");
  lb["spec"]["type"] = "LoadBalancer";
  ASSERT_EQ(env.api().post(kServices, lb).status, 201);
  EXPECT_TRUE(eventually([&] {
    json svc = env.api().get(std::string(kServices) + "/lb").obj();
    return svc.value(json::json_pointer("/status/loadBalancer/ingress/0/ip"), "") == "198.51.100.7";
  }));
  EXPECT_TRUE(eventually([&] {
    json slices = env.api().get("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices").obj();
    return slices["items"].size() == 1 &&
           slices["items"][0].value(json::json_pointer("/metadata/labels/kubernetes.io~1service-name"), "") == "lb";
  }));
  (*manager)->stop();
  (*manager)->stop();  // idempotent
}

}  // namespace
}  // namespace edgeway::apiserver::controllers
