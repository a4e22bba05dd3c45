#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "api/patch.h"
#include "api/patch_test_support.h"
#include "api/schema.h"

namespace edgeway::api {
namespace {

using json = nlohmann::json;

class StrategicMergePatchTest : public ::testing::Test {
 protected:
  json patch(const json& original, const std::string& p, const TypeDef* type = nullptr) {
    auto r = applyStrategicMergePatch(original, json::parse(p), type ? *type : s.service);
    EXPECT_TRUE(r.isOk()) << r.status().message();
    return r.isOk() ? *r : json();
  }
  std::string error(const json& original, const std::string& p, const TypeDef* type = nullptr) {
    auto r = applyStrategicMergePatch(original, json::parse(p), type ? *type : s.service);
    EXPECT_FALSE(r.isOk());
    return r.isOk() ? "" : r.status().message();
  }

  testing::TestSchema s;
  const json live = json::parse(R"({
    "apiVersion": "v1", "kind": "Service",
    "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"},
                 "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{old}\n"},
                 "finalizers": ["a.example/x", "b.example/y"]},
    "spec": {"ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}],
             "selector": {"app": "web"}, "type": "ClusterIP", "clusterIP": "10.43.0.10",
             "clusterIPs": ["10.43.0.10"], "sessionAffinity": "None"}
  })");
};

// kubectl-wire.md 7.2: the body `kubectl apply` sends when a port changes from 80 to 81.
TEST_F(StrategicMergePatchTest, ClientSideApplyUpdateBody) {
  json out = patch(live, R"({
    "metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{new}\n"},
                 "labels": {"app": "web2"}},
    "spec": {"$setElementOrder/ports": [{"port": 81}],
             "ports": [{"name": "http", "port": 81, "targetPort": 8080}, {"$patch": "delete", "port": 80}],
             "selector": {"app": "web2"}}})");
  EXPECT_EQ(out["spec"]["ports"], json::parse(R"([{"name":"http","port":81,"targetPort":8080}])"));
  EXPECT_EQ(out["spec"]["selector"], json::parse(R"({"app":"web2"})"));
  EXPECT_EQ(out["metadata"]["labels"], json::parse(R"({"app":"web2"})"));
  EXPECT_EQ(out["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"], "{new}\n");
  // Everything the patch does not mention is untouched.
  EXPECT_EQ(out["spec"]["clusterIP"], "10.43.0.10");
  EXPECT_EQ(out["metadata"]["finalizers"], live["metadata"]["finalizers"]);
}

// kubectl-wire.md 10.3: the two-way patch `kubectl edit` sends.
TEST_F(StrategicMergePatchTest, EditBodyMergesIntoTheMatchingPort) {
  json out = patch(
      live, R"({"spec":{"$setElementOrder/ports":[{"port":80}],"ports":[{"port":80,"targetPort":9090}]}})");
  EXPECT_EQ(out["spec"]["ports"],
            json::parse(R"([{"name":"http","port":80,"protocol":"TCP","targetPort":9090}])"));
}

TEST_F(StrategicMergePatchTest, NullRemovesALabel) {
  json out = patch(live, R"({"metadata":{"labels":{"app":null,"tier":"front"}}})");
  EXPECT_EQ(out["metadata"]["labels"], json::parse(R"({"tier":"front"})"));
  // A null for something absent is ignored, not stored.
  out = patch(live, R"({"metadata":{"annotations":{"nope":null}},"spec":{"nope":null}})");
  EXPECT_EQ(out, live);
}

TEST_F(StrategicMergePatchTest, FinalizersMergeAsASet) {
  json out = patch(live, R"({"metadata":{"finalizers":["c.example/z","a.example/x"]}})");
  // Patch items come in patch order; b (server only) keeps its place after a, its server predecessor.
  EXPECT_EQ(out["metadata"]["finalizers"], json::parse(R"(["c.example/z","a.example/x","b.example/y"])"));
  out = patch(live, R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["a.example/x"]}})");
  EXPECT_EQ(out["metadata"]["finalizers"], json::parse(R"(["b.example/y"])"));
  // What kubectl sends to swap one finalizer for another.
  out = patch(live, R"({"metadata":{"$setElementOrder/finalizers":["b.example/y","c.example/z"],
                                    "$deleteFromPrimitiveList/finalizers":["a.example/x"],
                                    "finalizers":["c.example/z"]}})");
  EXPECT_EQ(out["metadata"]["finalizers"], json::parse(R"(["b.example/y","c.example/z"])"));
}

TEST_F(StrategicMergePatchTest, AtomicListsAreReplaced) {
  json out = patch(live, R"({"spec":{"clusterIPs":["10.43.0.11","fd00::1"]}})");
  EXPECT_EQ(out["spec"]["clusterIPs"], json::parse(R"(["10.43.0.11","fd00::1"])"));
}

TEST_F(StrategicMergePatchTest, ContainersMergeByName) {
  json deploy = json::parse(R"({"spec":{"replicas":1,"template":{"spec":{"containers":[
      {"name":"app","image":"app:1","command":["run"],"env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]},
      {"name":"sidecar","image":"proxy:1"}]}}}})");
  json out = patch(deploy, R"({"spec":{"template":{"spec":{"containers":[
      {"name":"app","image":"app:2","command":["serve"],"env":[{"name":"B","value":"3"},{"name":"C","value":"4"}]},
      {"name":"new","image":"new:1"}]}}}})",
                   &s.deployment);
  const json& c = out["spec"]["template"]["spec"]["containers"];
  ASSERT_EQ(c.size(), 3u);
  // apimachinery order: patch items first where the server has no opinion (new has no old
  // position, so sidecar is not placed before it).
  EXPECT_EQ(c[0]["name"], "app");
  EXPECT_EQ(c[0]["image"], "app:2");
  EXPECT_EQ(c[0]["command"], json::parse(R"(["serve"])"));  // atomic list: replaced
  EXPECT_EQ(c[0]["env"],
            json::parse(R"([{"name":"A","value":"1"},{"name":"B","value":"3"},{"name":"C","value":"4"}])"));
  EXPECT_EQ(c[1], json::parse(R"({"name":"new","image":"new:1"})"));
  EXPECT_EQ(c[2], json::parse(R"({"name":"sidecar","image":"proxy:1"})"));
}

TEST_F(StrategicMergePatchTest, SetElementOrderReordersAndKeepsServerOnlyItems) {
  json svc = live;
  svc["spec"]["ports"] = json::parse(R"([{"port":1},{"port":2},{"port":3},{"port":4}])");
  json out = patch(svc, R"({"spec":{"$setElementOrder/ports":[{"port":4},{"port":2}],
                                    "ports":[{"port":4,"name":"d"}]}})");
  // 4 then 2, as ordered; 1 and 3 (not mentioned) each go before the first ordered item that
  // followed them on the server: 1 and 3 both came before 4.
  EXPECT_EQ(out["spec"]["ports"], json::parse(R"([{"port":1},{"port":3},{"port":4,"name":"d"},{"port":2}])"));
  // Without $setElementOrder the patch list is the order; an item new to the server has no
  // old position, so server-only items never go before it.
  out = patch(svc, R"({"spec":{"ports":[{"port":9},{"port":2,"name":"b"}]}})");
  EXPECT_EQ(out["spec"]["ports"],
            json::parse(R"([{"port":9},{"port":1},{"port":2,"name":"b"},{"port":3},{"port":4}])"));
  EXPECT_NE(error(svc, R"({"spec":{"$setElementOrder/ports":[{"port":2},{"port":4}],
                                 "ports":[{"port":4},{"port":2}]}})")
                .find("does not match"),
            std::string::npos);
}

TEST_F(StrategicMergePatchTest, PatchDirectivesOnListsAndMaps) {
  json out = patch(live, R"({"spec":{"ports":[{"port":9,"name":"only"},{"$patch":"replace"}]}})");
  EXPECT_EQ(out["spec"]["ports"], json::parse(R"([{"port":9,"name":"only"}])"));
  out = patch(live, R"({"spec":{"selector":{"$patch":"replace","tier":"x"}}})");
  EXPECT_EQ(out["spec"]["selector"], json::parse(R"({"tier":"x"})"));
  out = patch(live, R"({"metadata":{"labels":{"$patch":"delete"}}})");
  EXPECT_EQ(out["metadata"]["labels"], json::object());
  out = patch(live, R"({"metadata":{"labels":{"$patch":"merge","tier":"x"}}})");
  EXPECT_EQ(out["metadata"]["labels"], json::parse(R"({"app":"web","tier":"x"})"));
  out = patch(live, R"({"$patch":"replace","kind":"Service"})");
  EXPECT_EQ(out, json::parse(R"({"kind":"Service"})"));
  // Deleting an item that is not there is fine; deleting without the key is not.
  EXPECT_EQ(patch(live, R"({"spec":{"ports":[{"$patch":"delete","port":12}]}})"), live);
  EXPECT_NE(
      error(live, R"({"spec":{"ports":[{"$patch":"delete","name":"http"}]}})").find("merge key \"port\""),
      std::string::npos);
  EXPECT_NE(error(live, R"({"spec":{"ports":[{"$patch":"frob","port":80}]}})").find("unknown patch type"),
            std::string::npos);
  EXPECT_NE(error(live, R"({"spec":{"selector":{"$patch":"frob"}}})").find("unknown patch type"),
            std::string::npos);
}

TEST_F(StrategicMergePatchTest, RetainKeysDropsOtherFields) {
  json deploy =
      json::parse(R"({"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}})");
  json out =
      patch(deploy, R"({"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}})", &s.deployment);
  EXPECT_EQ(out["spec"]["strategy"], json::parse(R"({"type":"Recreate"})"));
  EXPECT_NE(
      error(deploy, R"({"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":{}}}})", &s.deployment)
          .find("not in $retainKeys"),
      std::string::npos);
}

TEST_F(StrategicMergePatchTest, UntypedFieldsMergeLikeMergePatch) {
  json deploy = json::parse(R"({"spec":{"extra":{"a":{"x":1,"y":2},"list":[1,2]},"unknown":{"k":1}}})");
  json out = patch(deploy, R"({"spec":{"extra":{"a":{"y":null,"z":3},"list":[3]},"unknown":{"j":2}}})",
                   &s.deployment);
  EXPECT_EQ(out["spec"]["extra"], json::parse(R"({"a":{"x":1,"z":3},"list":[3]})"));
  EXPECT_EQ(out["spec"]["unknown"], json::parse(R"({"j":2,"k":1})"));
}

TEST_F(StrategicMergePatchTest, NewValuesLoseTheirNullsAndDirectives) {
  json out = patch(json::object(), R"({"metadata":{"labels":{"a":"1","b":null}},
                                      "spec":{"ports":[{"port":80,"name":null},{"$patch":"delete","port":81}]}})");
  EXPECT_EQ(out, json::parse(R"({"metadata":{"labels":{"a":"1"}},"spec":{"ports":[{"port":80}]}})"));
}

TEST_F(StrategicMergePatchTest, MalformedPatches) {
  EXPECT_NE(error(live, "[1]").find("JSON object"), std::string::npos);
  EXPECT_NE(error(live, R"({"spec":{"$frob":1}})").find("directive"), std::string::npos);
  EXPECT_NE(error(live, R"({"spec":{"$setElementOrder/ports":{}}})").find("setElementOrder"),
            std::string::npos);
  EXPECT_NE(error(live, R"({"spec":{"ports":[{"name":"x"}]}})").find("merge key"), std::string::npos);
  EXPECT_NE(error(live, R"({"spec":{"ports":[[1]]}})").find("lists of lists"), std::string::npos);
  EXPECT_NE(error(live, R"({"metadata":{"finalizers":["a",{"b":1}]}})").find("not identical"),
            std::string::npos);
  EXPECT_NE(error(live, R"({"metadata":{"$retainKeys":"name"}})").find("$retainKeys"), std::string::npos);
  EXPECT_NE(error(live, R"({"metadata":{"$deleteFromPrimitiveList/finalizers":"a"}})")
                .find("deleteFromPrimitiveList"),
            std::string::npos);
  // Shape changes replace rather than fail.
  EXPECT_EQ(patch(live, R"({"spec":{"ports":"none"}})")["spec"]["ports"], "none");

  json deep = json::object();
  for (int i = 0; i < 1000; ++i) deep = json{{"spec", std::move(deep)}};
  EXPECT_NE(error(live, deep.dump()).find("deeper than"), std::string::npos);
}

// Whatever the input, every patch format answers with a value or a Status.
TEST_F(StrategicMergePatchTest, RandomInputsNeverCrash) {
  std::mt19937 rng(20240501);
  for (int i = 0; i < 3000; ++i) {
    const json doc = testing::randomJson(rng, 5);
    const json p = testing::randomJson(rng, 5);
    (void)applyStrategicMergePatch(doc, p, i % 2 ? s.service : s.deployment);
    (void)applyMergePatch(doc, p);
    json ops = json::array();
    for (int k = 0; k < 3; ++k) {
      ops.push_back(
          {{"op", std::vector<const char*>{"add", "remove", "replace", "move", "copy", "test"}[rng() % 6]},
           {"path", std::vector<const char*>{"", "/spec", "/spec/ports/0", "/spec/-", "/x/~1"}[rng() % 5]},
           {"from", std::vector<const char*>{"", "/spec", "/metadata/labels"}[rng() % 3]},
           {"value", testing::randomJson(rng, 2)}});
    }
    (void)applyJsonPatch(doc, ops);
  }
}

// The served Service schema drives the same §7.2 body.
TEST(StrategicMergePatchServedSchema, ServicePortsMergeOnPort) {
  const TypeDef* service = findKind("", "v1", "Service");
  ASSERT_NE(service, nullptr);
  json live =
      json::parse(R"({"apiVersion":"v1","kind":"Service","metadata":{"name":"web","labels":{"app":"web"},
      "finalizers":["x"]},"spec":{"ports":[{"name":"http","port":80,"protocol":"TCP","targetPort":8080}],
      "selector":{"app":"web"}}})");
  auto out = applyStrategicMergePatch(live, json::parse(R"({
      "metadata":{"labels":{"app":"web2"},"finalizers":["y"]},
      "spec":{"$setElementOrder/ports":[{"port":81}],
              "ports":[{"name":"http","port":81,"targetPort":8080},{"$patch":"delete","port":80}],
              "selector":{"app":"web2"}}})"),
                                      *service);
  ASSERT_TRUE(out.isOk()) << out.status().message();
  EXPECT_EQ((*out)["spec"]["ports"], json::parse(R"([{"name":"http","port":81,"targetPort":8080}])"));
  EXPECT_EQ((*out)["metadata"]["finalizers"], json::parse(R"(["y","x"])"));
}

}  // namespace
}  // namespace edgeway::api
