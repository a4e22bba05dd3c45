#include "api/pod_view.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace edgeway::api {
namespace {

using json = nlohmann::json;

json pod() {
  return json::parse(R"({
    "kind": "Pod", "apiVersion": "v1",
    "metadata": {"name": "web-0", "namespace": "shop", "labels": {"app": "web"}},
    "spec": {
      "nodeName": "node-1", "hostname": "web-0", "subdomain": "web-hl",
      "containers": [{"name": "app", "ports": [{"name": "http", "containerPort": 8080},
                                               {"name": "dns", "containerPort": 53, "protocol": "UDP"}]}],
      "initContainers": [{"name": "init", "ports": [{"name": "ignored", "containerPort": 1}]},
                         {"name": "proxy", "restartPolicy": "Always",
                          "ports": [{"name": "admin", "containerPort": 9901}]}]
    },
    "status": {
      "phase": "Running", "podIP": "10.42.0.5",
      "podIPs": [{"ip": "10.42.0.5"}, {"ip": "fd00:42::5"}],
      "conditions": [{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"}]
    }
  })");
}

TEST(PodViewTest, ReadsAddressesReadinessAndPorts) {
  auto view = PodView::fromJson(pod());
  ASSERT_TRUE(view.isOk()) << view.status().message();
  EXPECT_EQ(view->ns, "shop");
  EXPECT_EQ(view->name, "web-0");
  EXPECT_EQ(view->labels.at("app"), "web");
  EXPECT_EQ(view->podIps,
            (std::vector<IpAddress>{*IpAddress::parse("10.42.0.5"), *IpAddress::parse("fd00:42::5")}));
  EXPECT_EQ(view->nodeName, "node-1");
  EXPECT_EQ(view->hostname, "web-0");
  EXPECT_EQ(view->subdomain, "web-hl");
  EXPECT_EQ(view->phase, "Running");
  EXPECT_TRUE(view->ready);
  EXPECT_FALSE(view->deleting);
  ASSERT_EQ(view->containerPorts.size(), 3u) << "containers and sidecars, not plain init containers";
  EXPECT_EQ(view->containerPorts[0].name, "http");
  EXPECT_EQ(view->containerPorts[0].containerPort, 8080);
  EXPECT_EQ(view->containerPorts[1].protocol, Protocol::kUDP);
  EXPECT_EQ(view->containerPorts[2].name, "admin");
}

TEST(PodViewTest, NotReadyTerminatingAndSingleStack) {
  json object = pod();
  object["status"]["conditions"][1]["status"] = "False";
  object["metadata"]["deletionTimestamp"] = "2024-05-01T12:00:00Z";
  object["status"].erase("podIPs");
  auto view = PodView::fromJson(object);
  ASSERT_TRUE(view.isOk()) << view.status().message();
  EXPECT_FALSE(view->ready);
  EXPECT_TRUE(view->deleting);
  EXPECT_EQ(view->podIps, std::vector<IpAddress>{*IpAddress::parse("10.42.0.5")}) << "podIP alone is read";

  json pending = pod();
  pending.erase("status");
  auto p = PodView::fromJson(pending);
  ASSERT_TRUE(p.isOk()) << p.status().message();
  EXPECT_TRUE(p->podIps.empty());
  EXPECT_FALSE(p->ready);
}

TEST(PodViewTest, RejectsInvalidIpsAndPorts) {
  json badIp = pod();
  badIp["status"]["podIPs"][1]["ip"] = "fd00::zz";
  auto a = PodView::fromJson(badIp);
  ASSERT_FALSE(a.isOk());
  EXPECT_NE(a.status().message().find("status.podIPs[1].ip"), std::string::npos) << a.status().message();

  json badPort = pod();
  badPort["spec"]["containers"][0]["ports"][0]["containerPort"] = -1;
  auto b = PodView::fromJson(badPort);
  ASSERT_FALSE(b.isOk());
  EXPECT_NE(b.status().message().find("spec.containers[0].ports[0].containerPort"), std::string::npos);

  json badLabels = pod();
  badLabels["metadata"]["labels"] = json::array();
  EXPECT_FALSE(PodView::fromJson(badLabels).isOk());
}

}  // namespace
}  // namespace edgeway::api
