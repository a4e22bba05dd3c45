// How the EndpointSliceController finds what a change concerns without looking at the
// whole cluster: the Services a Pod change concerns (an index of Services by selector),
// and a Service's slices (by name prefix and from the cache, not by listing the namespace).

#include <gtest/gtest.h>

#include <set>

#include "apiserver/controllers/endpoint_slice_controller.h"
#include "tests/apiserver/controller_test_support.h"

namespace edgeway::apiserver::testing {
namespace {

using controllers::EndpointSliceController;

constexpr const char* kPods = "/api/v1/namespaces/default/pods";
constexpr const char* kSlices = "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices";

class EndpointSliceLookupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    controller_ =
        EndpointSliceController::create(env_.state(), env_.registry(), env_.api().server().catalog());
    ASSERT_NE(controller_, nullptr);
    controller_->start();
  }
  void TearDown() override {
    if (controller_) controller_->stop();
  }

  ApiHarness& api() { return env_.api(); }

  void createService(const std::string& name, json selector) {
    json svc = {{"apiVersion", "v1"},
                {"kind", "Service"},
                {"metadata", {{"name", name}}},
                {"spec", {{"selector", selector}, {"ports", json::array({{{"port", 80}}})}}}};
    auto r = api().post(kServices, svc);
    ASSERT_EQ(r.status, 201) << r.body;
  }
  void createPod(const std::string& name, json labels, const std::string& ip) {
    json pod = {{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata", {{"name", name}, {"labels", labels}}},
                {"spec", {{"containers", json::array({{{"name", "c"}, {"image", "x"}}})}}}};
    auto r = api().post(kPods, pod);
    ASSERT_EQ(r.status, 201) << r.body;
    json status = {{"status",
                    {{"phase", "Running"},
                     {"podIP", ip},
                     {"podIPs", json::array({{{"ip", ip}}})},
                     {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})}}}};
    r = api().patch(std::string(kPods) + "/" + name + "/status", "application/merge-patch+json", status);
    ASSERT_EQ(r.status, 200) << r.body;
  }
  void patch(const std::string& target, const json& body) {
    auto r = api().patch(target, "application/merge-patch+json", body);
    ASSERT_EQ(r.status, 200) << r.body;
  }

  std::vector<json> slicesOf(const std::string& service) {
    auto r = api().get(std::string(kSlices) + "?labelSelector=kubernetes.io%2Fservice-name%3D" + service);
    if (r.status != 200) return {};
    return r.obj()["items"].get<std::vector<json>>();
  }
  // The Pods behind the controller's slices of `service`.
  std::set<std::string> podsOf(const std::string& service) {
    std::set<std::string> out;
    for (auto& s : slicesOf(service)) {
      if (s["metadata"]["labels"].value("endpointslice.kubernetes.io/managed-by", "") !=
          "endpointslice-controller.k8s.io")
        continue;
      for (auto& e : s["endpoints"]) {
        // An endpoint without a Pod (the legacy slice's) by its address.
        out.insert(e.contains("targetRef") ? e["targetRef"]["name"].get<std::string>()
                                           : e["addresses"][0].get<std::string>());
      }
    }
    return out;
  }

  ControllerEnv env_;
  std::unique_ptr<EndpointSliceController> controller_;
};

// A selector of several pairs, Pods relabelled into and out of it, and the selector itself
// changed: the Services a Pod change concerns are found through their selector's first pair
// ("app" here), and the index follows Service changes.
TEST_F(EndpointSliceLookupTest, PodsFollowMultiPairSelectorsAndSelectorChanges) {
  createService("front", {{"app", "web"}, {"tier", "front"}});
  createService("back", {{"app", "web"}, {"tier", "back"}});
  createPod("a", {{"app", "web"}, {"tier", "front"}}, "10.42.0.1");
  createPod("b", {{"app", "web"}, {"tier", "back"}}, "10.42.0.2");
  ASSERT_TRUE(eventually([&] { return podsOf("front") == std::set<std::string>{"a"}; }));
  ASSERT_TRUE(eventually([&] { return podsOf("back") == std::set<std::string>{"b"}; }));

  // b moves to the front tier: both Services it concerns (before and after) are synced.
  patch(std::string(kPods) + "/b", {{"metadata", {{"labels", {{"tier", "front"}}}}}});
  EXPECT_TRUE(eventually([&] { return podsOf("front") == std::set<std::string>{"a", "b"}; }));
  EXPECT_TRUE(eventually([&] { return podsOf("back").empty(); }));

  // back's selector changes to a pair no Pod has yet, then a Pod gets it: the Service is
  // found under its new first pair, not its old one.
  patch(std::string(kServices) + "/back",
        {{"spec", {{"selector", {{"app", nullptr}, {"tier", nullptr}, {"role", "db"}}}}}});
  createPod("c", {{"role", "db"}}, "10.42.0.3");
  EXPECT_TRUE(eventually([&] { return podsOf("back") == std::set<std::string>{"c"}; }));
  patch(std::string(kPods) + "/a", {{"metadata", {{"labels", {{"role", "db"}}}}}});
  EXPECT_TRUE(eventually([&] { return podsOf("back") == std::set<std::string>{"a", "c"}; }));
  // a still has app=web, tier=front.
  EXPECT_TRUE(eventually([&] { return podsOf("front") == std::set<std::string>{"a", "b"}; }));
}

// A slice labelled as the controller's but not named as it names them (a restored backup,
// another controller's) is found through the cache: the Service ends with one slice, not
// that one and a new one.
TEST_F(EndpointSliceLookupTest, ManagedSlicesNamedOtherwiseAreFound) {
  controller_->stop();  // until the slice is there: it would clean it up, or race it
  createService("web", {{"app", "web"}});
  json foreign = {{"apiVersion", "discovery.k8s.io/v1"},
                  {"kind", "EndpointSlice"},
                  {"metadata",
                   {{"name", "legacy-slice"},
                    {"labels",
                     {{"kubernetes.io/service-name", "web"},
                      {"endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io"}}}}},
                  {"addressType", "IPv4"},
                  {"endpoints", json::array({{{"addresses", {"10.42.0.99"}}}})},
                  {"ports", json::array()}};
  auto r = api().post(kSlices, foreign);
  ASSERT_EQ(r.status, 201) << r.body;
  createPod("a", {{"app", "web"}}, "10.42.0.1");
  ASSERT_TRUE(eventually([&] {
    auto snapshot = env_.state().current();
    return snapshot->endpointSlice("default", "legacy-slice") != nullptr &&
           snapshot->pod("default", "a") != nullptr;
  }));
  controller_ = EndpointSliceController::create(env_.state(), env_.registry(), env_.api().server().catalog());
  controller_->start();
  EXPECT_TRUE(eventually([&] { return podsOf("web") == std::set<std::string>{"a"}; }));
  EXPECT_EQ(slicesOf("web").size(), 1u);
}

}  // namespace
}  // namespace edgeway::apiserver::testing
