// EndpointSliceController against a real API server, SqliteStore and cluster-state cache:
// everything is written and read through the REST handler, as kubectl would.

#include "apiserver/controllers/endpoint_slice_controller.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "tests/apiserver/controller_test_support.h"

namespace edgeway::apiserver::testing {
namespace {

using controllers::EndpointSliceController;

constexpr const char* kPods = "/api/v1/namespaces/default/pods";
constexpr const char* kSlices = "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices";
constexpr const char* kEndpoints = "/api/v1/namespaces/default/endpoints";

json selectorService(const std::string& name,
                     json ports = json::array({{{"port", 80}, {"targetPort", 8080}}})) {
  return {{"apiVersion", "v1"},
          {"kind", "Service"},
          {"metadata", {{"name", name}, {"labels", {{"team", "blue"}}}}},
          {"spec", {{"selector", {{"app", name}}}, {"ports", ports}}}};
}

class EndpointSliceControllerTest : public ::testing::Test {
 protected:
  void SetUp() override { startController(); }
  void TearDown() override { stopController(); }

  void startController() {
    controller_ =
        EndpointSliceController::create(env_.state(), env_.registry(), env_.api().server().catalog());
    ASSERT_NE(controller_, nullptr);
    controller_->start();
  }
  void stopController() {
    if (controller_) controller_->stop();
    controller_.reset();
  }
  // A restart of the whole server on the same database.
  void restart() {
    stopController();
    env_.close();
    env_.open();
    startController();
  }

  ApiHarness& api() { return env_.api(); }

  void createService(const json& svc) {
    auto r = api().post(kServices, svc);
    ASSERT_EQ(r.status, 201) << r.body;
  }
  // A Pod as a runtime hook writes it: created, then its status set through /status.
  void createPod(const std::string& name, const std::string& app, const std::string& ip, bool ready,
                 json extraSpec = json::object(), json finalizers = json()) {
    json pod = {{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata", {{"name", name}, {"labels", {{"app", app}}}}},
                {"spec", {{"containers", json::array({{{"name", "c"}, {"image", "x"}}})}}}};
    for (auto& [k, v] : extraSpec.items()) pod["spec"][k] = v;
    if (!finalizers.is_null()) pod["metadata"]["finalizers"] = finalizers;
    auto r = api().post(kPods, pod);
    ASSERT_EQ(r.status, 201) << r.body;
    if (!ip.empty()) setPodStatus(name, ip, ready);
  }
  void setPodStatus(const std::string& name, const std::string& ip, bool ready) {
    json status = {
        {"status",
         {{"phase", "Running"},
          {"podIP", ip},
          {"podIPs", json::array({{{"ip", ip}}})},
          {"conditions", json::array({{{"type", "Ready"}, {"status", ready ? "True" : "False"}}})}}}};
    auto r = api().patch(std::string(kPods) + "/" + name + "/status", "application/merge-patch+json", status);
    ASSERT_EQ(r.status, 200) << r.body;
  }

  std::vector<json> slicesOf(const std::string& service) {
    auto r = api().get(std::string(kSlices) + "?labelSelector=kubernetes.io%2Fservice-name%3D" + service);
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) return {};
    json list = r.obj();
    return list["items"].get<std::vector<json>>();
  }
  std::vector<json> managedSlicesOf(const std::string& service, const std::string& manager) {
    std::vector<json> out;
    for (auto& s : slicesOf(service)) {
      if (s["metadata"]["labels"].value("endpointslice.kubernetes.io/managed-by", "") == manager)
        out.push_back(s);
    }
    return out;
  }
  std::vector<json> controllerSlicesOf(const std::string& service) {
    return managedSlicesOf(service, "endpointslice-controller.k8s.io");
  }
  // Every endpoint of the controller's slices for `service`, by Pod name.
  std::map<std::string, json> endpointsByPod(const std::string& service) {
    std::map<std::string, json> out;
    for (auto& s : controllerSlicesOf(service)) {
      for (auto& e : s["endpoints"]) out[e["targetRef"]["name"].get<std::string>()] = e;
    }
    return out;
  }
  json endpointsObject(const std::string& name) {
    auto r = api().get(std::string(kEndpoints) + "/" + name);
    return r.status == 200 ? r.obj() : json();
  }

  ControllerEnv env_;
  std::unique_ptr<EndpointSliceController> controller_;
};

TEST_F(EndpointSliceControllerTest, ReadyAndNotReadyPods) {
  createPod("a", "web", "10.42.0.1", true);
  createPod("b", "web", "10.42.0.2", false);
  createPod("no-ip", "web", "", false);
  createPod("other", "db", "10.42.0.9", true);
  createService(selectorService("web"));
  json svc = api().get(std::string(kServices) + "/web").obj();

  ASSERT_TRUE(eventually([&] { return endpointsByPod("web").size() == 2; }));
  auto slices = controllerSlicesOf("web");
  ASSERT_EQ(slices.size(), 1u);
  const json& slice = slices[0];
  EXPECT_EQ(slice["addressType"], "IPv4");
  EXPECT_EQ(slice["metadata"]["generateName"], "web-");
  EXPECT_EQ(slice["metadata"]["labels"]["kubernetes.io/service-name"], "web");
  EXPECT_EQ(slice["metadata"]["labels"]["team"], "blue");  // the Service's labels carry over
  ASSERT_EQ(slice["metadata"]["ownerReferences"].size(), 1u);
  EXPECT_EQ(slice["metadata"]["ownerReferences"][0]["kind"], "Service");
  EXPECT_EQ(slice["metadata"]["ownerReferences"][0]["uid"], svc["metadata"]["uid"]);
  EXPECT_EQ(slice["ports"], json::parse(R"([{"name":"","port":8080,"protocol":"TCP"}])"));

  auto eps = endpointsByPod("web");
  EXPECT_EQ(eps["a"]["addresses"], json::array({"10.42.0.1"}));
  EXPECT_EQ(eps["a"]["conditions"], json::parse(R"({"ready":true,"serving":true,"terminating":false})"));
  EXPECT_EQ(eps["b"]["conditions"], json::parse(R"({"ready":false,"serving":false,"terminating":false})"));
  json pod = api().get(std::string(kPods) + "/a").obj();
  EXPECT_EQ(eps["a"]["targetRef"]["uid"], pod["metadata"]["uid"]);
  EXPECT_EQ(eps["a"]["targetRef"]["kind"], "Pod");

  // core/v1 Endpoints in step.
  ASSERT_TRUE(eventually([&] { return !endpointsObject("web").is_null(); }));
  json ep = endpointsObject("web");
  ASSERT_EQ(ep["subsets"].size(), 1u);
  EXPECT_EQ(ep["subsets"][0]["addresses"].size(), 1u);
  EXPECT_EQ(ep["subsets"][0]["addresses"][0]["ip"], "10.42.0.1");
  EXPECT_EQ(ep["subsets"][0]["notReadyAddresses"][0]["ip"], "10.42.0.2");
  EXPECT_EQ(ep["subsets"][0]["ports"][0]["port"], 8080);
  EXPECT_EQ(ep["metadata"]["labels"]["endpointslice.kubernetes.io/skip-mirror"], "true");

  // Flipping readiness updates the same slice in place.
  std::string sliceName = slice["metadata"]["name"];
  setPodStatus("b", "10.42.0.2", true);
  ASSERT_TRUE(eventually([&] { return endpointsByPod("web")["b"]["conditions"]["ready"] == true; }));
  ASSERT_EQ(controllerSlicesOf("web").size(), 1u);
  EXPECT_EQ(controllerSlicesOf("web")[0]["metadata"]["name"], sliceName);
  ASSERT_TRUE(eventually([&] { return endpointsObject("web")["subsets"][0]["addresses"].size() == 2; }));
}

TEST_F(EndpointSliceControllerTest, PublishNotReadyAddressesMakesEveryEndpointReady) {
  json svc = selectorService("web");
  svc["spec"]["publishNotReadyAddresses"] = true;
  createService(svc);
  createPod("b", "web", "10.42.0.2", false);
  ASSERT_TRUE(eventually([&] { return endpointsByPod("web").size() == 1; }));
  EXPECT_EQ(endpointsByPod("web")["b"]["conditions"]["ready"], true);
}

TEST_F(EndpointSliceControllerTest, NamedTargetPortResolvesPerPod) {
  json ports = json::parse(R"([{"name":"web","port":80,"targetPort":"http"},
                               {"name":"metrics","port":9100,"targetPort":9100}])");
  createService(selectorService("web", ports));
  json named = {
      {"containers",
       json::parse(R"([{"name":"c","image":"x","ports":[{"name":"http","containerPort":9376}]}])")}};
  createPod("named", "web", "10.42.0.1", true, named);
  createPod("plain", "web", "10.42.0.2", true);

  ASSERT_TRUE(eventually([&] { return endpointsByPod("web").size() == 2; }));
  auto slices = controllerSlicesOf("web");
  ASSERT_EQ(slices.size(), 2u);  // one per resolved port set
  for (auto& s : slices) {
    std::string pod = s["endpoints"][0]["targetRef"]["name"];
    std::set<int> got;
    for (auto& p : s["ports"]) got.insert(p["port"].get<int>());
    if (pod == "named") {
      EXPECT_EQ(got, (std::set<int>{9376, 9100}));
    } else {
      EXPECT_EQ(got, (std::set<int>{9100}));  // "http" does not resolve on this Pod
    }
  }
}

TEST_F(EndpointSliceControllerTest, HeadlessServiceHostnames) {
  json svc = selectorService("db");
  svc["spec"]["clusterIP"] = "None";
  createService(svc);
  createPod("db-0", "db", "10.42.0.1", true, {{"hostname", "db-0"}, {"subdomain", "db"}});
  createPod("db-x", "db", "10.42.0.2", true, {{"hostname", "db-x"}, {"subdomain", "other"}});
  ASSERT_TRUE(eventually([&] { return endpointsByPod("db").size() == 2; }));
  auto eps = endpointsByPod("db");
  EXPECT_EQ(eps["db-0"].value("hostname", ""), "db-0");
  EXPECT_FALSE(eps["db-x"].contains("hostname"));
  EXPECT_TRUE(controllerSlicesOf("db")[0]["metadata"]["labels"].contains("service.kubernetes.io/headless"));
  // Endpoints carry the hostname too (what DNS for db-0.db reads on older tools).
  ASSERT_TRUE(eventually([&] {
    json ep = endpointsObject("db");
    if (ep.is_null() || ep["subsets"].empty()) return false;
    for (const auto& a : ep["subsets"][0]["addresses"]) {
      if (a["ip"] == "10.42.0.1") return a.value("hostname", "") == "db-0";
    }
    return false;
  }));
}

TEST_F(EndpointSliceControllerTest, SelectorlessServiceSlicesUntouchedAndEndpointsMirrored) {
  json svc = selectorService("ext");
  svc["spec"].erase("selector");
  createService(svc);
  json userSlice = json::parse(R"({"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice",
      "metadata":{"name":"ext-manual","labels":{"kubernetes.io/service-name":"ext",
                  "endpointslice.kubernetes.io/managed-by":"someone"}},
      "addressType":"IPv4","endpoints":[{"addresses":["192.0.2.1"]}],"ports":[{"port":80}]})");
  auto created = api().post(kSlices, userSlice);
  ASSERT_EQ(created.status, 201) << created.body;
  std::string rv = created.obj()["metadata"]["resourceVersion"];

  json endpoints = json::parse(R"({"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"ext"},
      "subsets":[{"addresses":[{"ip":"192.0.2.10"},{"ip":"2001:db8::10"}],
                  "notReadyAddresses":[{"ip":"192.0.2.11"}],
                  "ports":[{"name":"http","port":8080}]}]})");
  ASSERT_EQ(api().post(kEndpoints, endpoints).status, 201);

  auto mirrored = [&] { return managedSlicesOf("ext", "endpointslicemirroring-controller.k8s.io"); };
  ASSERT_TRUE(eventually([&] { return mirrored().size() == 2; }));  // IPv4 and IPv6
  json epObj = endpointsObject("ext");
  for (auto& s : mirrored()) {
    EXPECT_EQ(s["metadata"]["ownerReferences"][0]["kind"], "Endpoints");
    EXPECT_EQ(s["metadata"]["ownerReferences"][0]["uid"], epObj["metadata"]["uid"]);
    EXPECT_EQ(s["ports"], json::parse(R"([{"name":"http","port":8080,"protocol":"TCP"}])"));
    if (s["addressType"] == "IPv4") {
      ASSERT_EQ(s["endpoints"].size(), 2u);
      for (auto& e : s["endpoints"]) {
        EXPECT_EQ(e["conditions"]["ready"], e["addresses"][0] == "192.0.2.10");
      }
    } else {
      ASSERT_EQ(s["endpoints"].size(), 1u);
      EXPECT_EQ(s["endpoints"][0]["addresses"][0], "2001:db8::10");
    }
  }
  // Neither controller touched the user's slice, nor wrote Endpoints of its own.
  EXPECT_TRUE(controllerSlicesOf("ext").empty());
  EXPECT_EQ(api().get(std::string(kSlices) + "/ext-manual").obj()["metadata"]["resourceVersion"], rv);
  EXPECT_FALSE(endpointsObject("ext")["metadata"].contains("labels"));

  // Deleting the Endpoints removes the mirror, still not the user's slice.
  ASSERT_EQ(api().del(std::string(kEndpoints) + "/ext").status, 200);
  ASSERT_TRUE(eventually([&] { return mirrored().empty(); }));
  EXPECT_EQ(api().get(std::string(kSlices) + "/ext-manual").obj()["metadata"]["resourceVersion"], rv);
}

TEST_F(EndpointSliceControllerTest, ManyPodsSplitIntoSlicesOfAtMostHundred) {
  createService(selectorService("big"));
  for (int i = 0; i < 250; ++i) {
    createPod("p" + std::to_string(i), "big",
              "10.42." + std::to_string(i / 200) + "." + std::to_string(i % 200 + 1), true);
  }
  ASSERT_TRUE(eventually([&] { return endpointsByPod("big").size() == 250; }));
  auto slices = controllerSlicesOf("big");
  size_t total = 0;
  for (auto& s : slices) {
    EXPECT_LE(s["endpoints"].size(), 100u);
    total += s["endpoints"].size();
  }
  EXPECT_EQ(slices.size(), 3u);
  EXPECT_EQ(total, 250u);  // no endpoint in two slices
}

TEST_F(EndpointSliceControllerTest, PodTerminatingThenDeleted) {
  createService(selectorService("web"));
  createPod("a", "web", "10.42.0.1", true, json::object(), json::array({"example.com/hold"}));
  createPod("b", "web", "10.42.0.2", true);
  ASSERT_TRUE(eventually([&] { return endpointsByPod("web").size() == 2; }));

  // With a finalizer the Pod only gets a deletionTimestamp: terminating, no longer ready.
  ASSERT_EQ(api().del(std::string(kPods) + "/a").status, 200);
  ASSERT_TRUE(eventually([&] { return endpointsByPod("web")["a"]["conditions"]["terminating"] == true; }));
  EXPECT_EQ(endpointsByPod("web")["a"]["conditions"],
            json::parse(R"({"ready":false,"serving":true,"terminating":true})"));
  ASSERT_TRUE(eventually([&] {
    json ep = endpointsObject("web");
    return ep["subsets"].size() == 1 && ep["subsets"][0]["addresses"].size() == 1;
  }));

  ASSERT_EQ(api().del(std::string(kPods) + "/b").status, 200);
  ASSERT_TRUE(eventually([&] { return endpointsByPod("web").size() == 1; }));
  EXPECT_EQ(endpointsByPod("web").count("b"), 0u);
}

TEST_F(EndpointSliceControllerTest, ServiceWithoutPodsHasOneEmptySlice) {
  createService(selectorService("lonely"));
  ASSERT_TRUE(eventually([&] { return controllerSlicesOf("lonely").size() == 1; }));
  EXPECT_TRUE(controllerSlicesOf("lonely")[0]["endpoints"].empty());
  createPod("a", "lonely", "10.42.0.1", true);
  ASSERT_TRUE(eventually([&] { return endpointsByPod("lonely").size() == 1; }));
  EXPECT_EQ(controllerSlicesOf("lonely").size(), 1u);
}

TEST_F(EndpointSliceControllerTest, DeletedServiceAndLostSelectorCleanUp) {
  createService(selectorService("web"));
  createService(selectorService("api"));
  createPod("a", "web", "10.42.0.1", true);
  createPod("b", "api", "10.42.0.2", true);
  ASSERT_TRUE(
      eventually([&] { return endpointsByPod("web").size() == 1 && endpointsByPod("api").size() == 1; }));
  ASSERT_TRUE(eventually([&] { return !endpointsObject("web").is_null(); }));

  ASSERT_EQ(api().del(std::string(kServices) + "/web").status, 200);
  ASSERT_TRUE(eventually([&] { return slicesOf("web").empty() && endpointsObject("web").is_null(); }));

  json patch = {{"spec", {{"selector", nullptr}}}};
  ASSERT_EQ(api().patch(std::string(kServices) + "/api", "application/merge-patch+json", patch).status, 200);
  ASSERT_TRUE(eventually([&] { return controllerSlicesOf("api").empty(); }));
}

TEST_F(EndpointSliceControllerTest, RestartConvergesWithoutDuplicatesOrWrites) {
  createService(selectorService("web"));
  createService(selectorService("gone"));
  for (int i = 0; i < 120; ++i)
    createPod("p" + std::to_string(i), "web", "10.42.1." + std::to_string(i + 1), true);
  createPod("g", "gone", "10.42.2.1", true);
  ASSERT_TRUE(
      eventually([&] { return endpointsByPod("web").size() == 120 && endpointsByPod("gone").size() == 1; }));
  std::set<std::string> before;
  for (auto& s : controllerSlicesOf("web"))
    before.insert(s["metadata"]["resourceVersion"].get<std::string>());
  ASSERT_EQ(before.size(), 2u);

  // Down while a Service is deleted; back up on the same database.
  stopController();
  ASSERT_EQ(api().del(std::string(kServices) + "/gone").status, 200);
  restart();

  ASSERT_TRUE(eventually([&] { return slicesOf("gone").empty(); }));
  ASSERT_TRUE(eventually([&] { return controller_->stats().syncs >= 3; }));  // kubernetes, web, gone
  std::set<std::string> after;
  for (auto& s : controllerSlicesOf("web")) after.insert(s["metadata"]["resourceVersion"].get<std::string>());
  EXPECT_EQ(after, before);  // the same two slices, not rewritten
  EXPECT_EQ(endpointsByPod("web").size(), 120u);
}

}  // namespace
}  // namespace edgeway::apiserver::testing
