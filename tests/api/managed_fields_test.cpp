#include "api/managed_fields.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "api/patch_test_support.h"
#include "api/schema.h"

namespace edgeway::api {
namespace {

using json = nlohmann::json;

const char* const kT1 = "2024-05-01T10:00:00Z";
const char* const kT2 = "2024-05-01T11:00:00Z";
const char* const kT3 = "2024-05-01T12:00:00Z";

// kubectl-wire.md 8: what `kubectl apply --server-side` sends.
const json kApplied = json::parse(R"({"apiVersion":"v1","kind":"Service",
  "metadata":{"labels":{"app":"web"},"name":"web","namespace":"default"},
  "spec":{"ports":[{"name":"http","port":80,"targetPort":8080}],"selector":{"app":"web"}}})");

const json& entries(const json& object) { return object["metadata"]["managedFields"]; }

const json* entry(const json& object, const std::string& manager, const std::string& operation) {
  if (!object.contains("metadata") || !object["metadata"].contains("managedFields")) return nullptr;
  for (const auto& e : entries(object)) {
    if (e["manager"] == manager && e["operation"] == operation) return &e;
  }
  return nullptr;
}

class ManagedFieldsTest : public ::testing::Test {
 protected:
  ApplyResult apply(const json& live, const json& config, const std::string& manager, bool force = false,
                    const TypeDef* type = nullptr, const char* now = kT2) {
    auto r = serverSideApply(live, config, type ? *type : s.service, manager, force, now);
    EXPECT_TRUE(r.isOk()) << r.status().message();
    return r.isOk() ? *r : ApplyResult{};
  }
  json applied(const json& live, const json& config, const std::string& manager, bool force = false,
               const TypeDef* type = nullptr) {
    ApplyResult r = apply(live, config, manager, force, type);
    EXPECT_FALSE(r.refused()) << applyConflictMessage(r.conflicts);
    return r.object;
  }
  // A create through an ordinary write, as client-side apply does it (after defaulting).
  json created(json object, const std::string& manager, const char* now = kT1) {
    recordUpdate(object, json(), s.service, manager, "v1", now);
    return object;
  }

  testing::TestSchema s;
  const json csaObject = json::parse(R"({"apiVersion":"v1","kind":"Service",
    "metadata":{"name":"web","namespace":"default","uid":"u-1","resourceVersion":"5",
                "creationTimestamp":"2024-05-01T10:00:00Z",
                "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}\n"},
                "labels":{"app":"web"}},
    "spec":{"ports":[{"name":"http","port":80,"protocol":"TCP","targetPort":8080}],
            "selector":{"app":"web"},"type":"ClusterIP","sessionAffinity":"None","clusterIP":"10.43.0.10"},
    "status":{"phase":"x"}})");
};

TEST_F(ManagedFieldsTest, ApplyCreatesTheObjectAndRecordsTheAppliedFields) {
  json out = applied(json(), kApplied, "kubectl");
  json expected = kApplied;
  expected["metadata"]["managedFields"] = json::parse(R"([{"manager":"kubectl","operation":"Apply",
    "apiVersion":"v1","time":"2024-05-01T11:00:00Z","fieldsType":"FieldsV1","fieldsV1":{
      "f:metadata":{"f:labels":{"f:app":{}}},
      "f:spec":{"f:ports":{"k:{\"port\":80,\"protocol\":\"TCP\"}":{".":{},"f:name":{},"f:port":{},"f:targetPort":{}}},
                "f:selector":{}}}}])");
  EXPECT_EQ(out, expected);
}

TEST_F(ManagedFieldsTest, ReapplyWithoutAPortRemovesIt) {
  json config = kApplied;
  config["spec"]["ports"].push_back({{"name", "https"}, {"port", 443}, {"targetPort", 8443}});
  config["metadata"]["labels"]["tier"] = "front";
  json live = applied(json(), config, "kubectl");
  ASSERT_EQ(live["spec"]["ports"].size(), 2u);
  live["spec"]["ports"][0]["protocol"] = "TCP";  // defaulted by the server meanwhile
  live["spec"]["ports"][1]["protocol"] = "TCP";
  live["spec"]["clusterIP"] = "10.43.0.10";

  json out = applied(live, kApplied, "kubectl");
  EXPECT_EQ(out["spec"]["ports"],
            json::parse(R"([{"name":"http","port":80,"protocol":"TCP","targetPort":8080}])"));
  EXPECT_EQ(out["metadata"]["labels"], json::parse(R"({"app":"web"})"));
  EXPECT_EQ(out["spec"]["clusterIP"], "10.43.0.10");  // never applied: untouched
  EXPECT_EQ(entries(out).size(), 1u);
  EXPECT_EQ((*entry(out, "kubectl", "Apply"))["fieldsV1"],
            (*entry(applied(json(), kApplied, "kubectl"), "kubectl", "Apply"))["fieldsV1"]);

  // Dropping the whole spec from the configuration drops the spec: the applier owned it
  // (structured-merge-diff counts a struct field as owned when anything under it is), and
  // the unowned clusterIP inside goes with it, as in kube.
  json bare = kApplied;
  bare.erase("spec");
  json gone = applied(out, bare, "kubectl");
  EXPECT_FALSE(gone.contains("spec"));
  EXPECT_EQ(gone["metadata"]["labels"], json::parse(R"({"app":"web"})"));
}

TEST_F(ManagedFieldsTest, ReapplyingTheSameConfigurationChangesNothing) {
  json live = applied(json(), kApplied, "kubectl");
  ApplyResult again = apply(live, kApplied, "kubectl", false, nullptr, kT3);
  EXPECT_EQ(again.object, live);  // not even the entry's time
}

TEST_F(ManagedFieldsTest, TwoAppliersConflictUnlessForced) {
  json mine = json::parse(R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},
                              "spec":{"replicas":1,"template":{"spec":{"containers":[{"name":"app","image":"app:1"}]}}}})");
  json live = applied(json(), mine, "alice", false, &s.deployment);
  json theirs = json::parse(R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},
                                "spec":{"replicas":3,"template":{"spec":{"containers":[{"name":"app","image":"app:2"}]}}}})");
  ApplyResult refused = apply(live, theirs, "bob", false, &s.deployment);
  ASSERT_TRUE(refused.refused());
  ASSERT_EQ(refused.conflicts.size(), 2u);
  EXPECT_EQ(refused.conflicts[0].manager, "\"alice\"");
  EXPECT_EQ(refused.conflicts[0].message(), "conflict with \"alice\"");
  EXPECT_EQ(refused.conflicts[0].field, ".spec.replicas");
  EXPECT_EQ(refused.conflicts[1].field, ".spec.template.spec.containers[name=\"app\"].image");
  EXPECT_EQ(applyConflictMessage(refused.conflicts),
            "Apply failed with 2 conflicts: conflicts with \"alice\":\n- .spec.replicas\n"
            "- .spec.template.spec.containers[name=\"app\"].image");
  EXPECT_TRUE(refused.object.is_null());

  json forced = applied(live, theirs, "bob", true, &s.deployment);
  EXPECT_EQ(forced["spec"]["replicas"], 3);
  // alice keeps what was not taken; bob owns replicas and the image.
  const json& alice = (*entry(forced, "alice", "Apply"))["fieldsV1"];
  EXPECT_FALSE(alice["f:spec"].contains("f:replicas"));
  EXPECT_TRUE(
      alice["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"app\"}"].contains("f:name"));
  EXPECT_FALSE(
      alice["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"app\"}"].contains("f:image"));
  EXPECT_TRUE((*entry(forced, "bob", "Apply"))["fieldsV1"]["f:spec"].contains("f:replicas"));

  // alice stops applying replicas: bob still owns it, so it stays.
  json aliceAgain = mine;
  aliceAgain["spec"].erase("replicas");
  aliceAgain["spec"]["template"]["spec"]["containers"][0]["image"] = "app:2";
  json after = applied(forced, aliceAgain, "alice", false, &s.deployment);
  EXPECT_EQ(after["spec"]["replicas"], 3);
}

TEST_F(ManagedFieldsTest, SameValueMeansSharedOwnershipNotConflict) {
  json live = applied(json(), kApplied, "one");
  json shared = applied(live, kApplied, "two");
  ASSERT_NE(entry(shared, "two", "Apply"), nullptr);
  // one drops the selector; two still applies it, so it stays.
  json config = kApplied;
  config["spec"].erase("selector");
  json out = applied(shared, config, "one");
  EXPECT_EQ(out["spec"]["selector"], json::parse(R"({"app":"web"})"));
}

TEST_F(ManagedFieldsTest, UpdateRecordsChangedFieldsLikeKube) {
  json obj = created(csaObject, "kubectl-client-side-apply");
  EXPECT_EQ(entries(obj), json::parse(R"([{"manager":"kubectl-client-side-apply","operation":"Update",
    "apiVersion":"v1","time":"2024-05-01T10:00:00Z","fieldsType":"FieldsV1","fieldsV1":{
      "f:metadata":{"f:annotations":{".":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}},
                    "f:labels":{".":{},"f:app":{}}},
      "f:spec":{"f:clusterIP":{},"f:ports":{".":{},"k:{\"port\":80,\"protocol\":\"TCP\"}":{".":{},"f:name":{},"f:port":{},
                "f:protocol":{},"f:targetPort":{}}},"f:selector":{},"f:sessionAffinity":{},"f:type":{}}}}])"));

  // kubectl label: the label moves to kubectl-label; removing a field takes it from everyone.
  json labelled = obj;
  labelled["metadata"]["labels"]["app"] = "web2";
  labelled["spec"].erase("sessionAffinity");
  labelled["metadata"].erase("managedFields");  // clients normally send none back: kept from live
  recordUpdate(labelled, obj, s.service, "kubectl-label", "v1", kT2);
  const json* csa = entry(labelled, "kubectl-client-side-apply", "Update");
  const json* label = entry(labelled, "kubectl-label", "Update");
  ASSERT_NE(csa, nullptr);
  ASSERT_NE(label, nullptr);
  EXPECT_EQ((*label)["fieldsV1"], json::parse(R"({"f:metadata":{"f:labels":{"f:app":{}}}})"));
  EXPECT_EQ((*label)["time"], kT2);
  EXPECT_FALSE((*csa)["fieldsV1"]["f:metadata"]["f:labels"].contains("f:app"));
  EXPECT_FALSE((*csa)["fieldsV1"]["f:spec"].contains("f:sessionAffinity"));
  EXPECT_EQ(entries(labelled)[0]["manager"], "kubectl-client-side-apply");  // sorted by time

  // A write that changes nothing leaves ownership (and times) alone.
  json same = labelled;
  recordUpdate(same, labelled, s.service, "someone", "v1", kT3);
  EXPECT_EQ(same, labelled);
}

TEST_F(ManagedFieldsTest, UpdateHonoursManagedFieldsSentByTheClient) {
  json obj = created(csaObject, "kubectl-client-side-apply");
  // [{}] clears them (and this write changes nothing else, so none remain).
  json cleared = obj;
  cleared["metadata"]["managedFields"] = json::parse("[{}]");
  recordUpdate(cleared, obj, s.service, "kubectl-patch", "v1", kT2);
  EXPECT_FALSE(cleared["metadata"].contains("managedFields"));
  // [] is not a reset: the stored entries stay.
  json empty = obj;
  empty["metadata"]["managedFields"] = json::array();
  recordUpdate(empty, obj, s.service, "kubectl-patch", "v1", kT2);
  EXPECT_EQ(entries(empty), entries(obj));
  // A replacement list is taken as sent (keys re-encoded canonically).
  json replaced = obj;
  replaced["metadata"]["managedFields"] = json::parse(R"([{"manager":"kubectl","operation":"Apply",
    "apiVersion":"v1","fieldsType":"FieldsV1",
    "fieldsV1":{"f:spec":{"f:ports":{"k:{\"protocol\": \"TCP\", \"port\": 80}":{".":{},"f:port":{}}}}}}])");
  recordUpdate(replaced, obj, s.service, "kubectl", "v1", kT2);
  ASSERT_EQ(entries(replaced).size(), 1u);
  EXPECT_TRUE(
      entries(replaced)[0]["fieldsV1"]["f:spec"]["f:ports"].contains("k:{\"port\":80,\"protocol\":\"TCP\"}"));
  // Malformed lists fall back to the stored ones.
  json bad = obj;
  bad["metadata"]["managedFields"] = json::parse(R"([{"manager":"x","operation":"Frob"}])");
  recordUpdate(bad, obj, s.service, "kubectl-patch", "v1", kT2);
  EXPECT_EQ(entries(bad), entries(obj));
}

TEST_F(ManagedFieldsTest, StatusIsTrackedOnlyOnStatusWrites) {
  json obj = created(csaObject, "creator");
  EXPECT_FALSE(entries(obj)[0]["fieldsV1"].contains("f:status"));
  json withStatus = obj;
  withStatus["status"]["phase"] = "y";
  recordUpdate(withStatus, obj, s.service, "controller", "v1", kT2, "status");
  const json* ctl = entry(withStatus, "controller", "Update");
  ASSERT_NE(ctl, nullptr);
  EXPECT_EQ((*ctl)["subresource"], "status");
  EXPECT_EQ((*ctl)["fieldsV1"], json::parse(R"({"f:status":{"f:phase":{}}})"));
}

TEST_F(ManagedFieldsTest, UpdateThenApplyByAnotherManagerConflicts) {
  json obj = created(csaObject, "kubectl-create");
  json config = kApplied;
  config["spec"]["type"] = "NodePort";
  ApplyResult r = apply(obj, config, "kubectl");
  ASSERT_TRUE(r.refused());
  EXPECT_EQ(applyConflictMessage(r.conflicts),
            "Apply failed with 1 conflict: conflict with \"kubectl-create\" using v1: .spec.type");
}

// kubectl-wire.md 8: client-side apply first, then `kubectl apply --server-side` with another
// targetPort. kube reports the conflict at the field inside the item, not at .spec.ports.
TEST_F(ManagedFieldsTest, ClientSideApplyThenServerSideApply) {
  json obj = created(csaObject, "kubectl-client-side-apply");
  json config = kApplied;
  config["spec"]["ports"][0]["targetPort"] = 9090;
  ApplyResult r = apply(obj, config, "kubectl");
  ASSERT_TRUE(r.refused());
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_EQ(r.conflicts[0].field, ".spec.ports[port=80,protocol=\"TCP\"].targetPort");
  EXPECT_EQ(r.conflicts[0].message(), "conflict with \"kubectl-client-side-apply\" using v1");
  EXPECT_EQ(applyConflictMessage(r.conflicts),
            "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using v1: "
            ".spec.ports[port=80,protocol=\"TCP\"].targetPort");

  // The same manifest conflicts with nothing: the values do not change.
  EXPECT_FALSE(apply(obj, kApplied, "kubectl").refused());

  // --force-conflicts: the port's targetPort moves to kubectl; the rest stays shared.
  json forced = applied(obj, config, "kubectl", true);
  EXPECT_EQ(forced["spec"]["ports"][0]["targetPort"], 9090);
  EXPECT_EQ(forced["spec"]["ports"][0]["protocol"], "TCP");
  const json& csa = (*entry(forced, "kubectl-client-side-apply", "Update"))["fieldsV1"];
  EXPECT_FALSE(csa["f:spec"]["f:ports"]["k:{\"port\":80,\"protocol\":\"TCP\"}"].contains("f:targetPort"));
  EXPECT_TRUE(csa["f:spec"]["f:ports"]["k:{\"port\":80,\"protocol\":\"TCP\"}"].contains("f:name"));
  EXPECT_EQ(entries(forced)[0]["manager"], "kubectl");  // Apply entries sort first

  // A different port number is a different item: added next to port 80, no conflict.
  json other = kApplied;
  other["spec"]["ports"][0]["port"] = 81;
  json both = applied(obj, other, "kubectl");
  EXPECT_EQ(both["spec"]["ports"].size(), 2u);
}

TEST_F(ManagedFieldsTest, UpdateEntriesAreCapped) {
  json obj = created(csaObject, "creator", "2024-05-01T00:00:00Z");
  for (int i = 0; i < 12; ++i) {
    json next = obj;
    next["metadata"]["labels"]["l" + std::to_string(i)] = "v";
    char now[32];
    std::snprintf(now, sizeof now, "2024-05-01T01:%02d:00Z", i);
    recordUpdate(next, obj, s.service, "writer-" + std::to_string(i), "v1", now);
    obj = next;
  }
  size_t updates = 0;
  for (const auto& e : entries(obj)) updates += e["operation"] == "Update" ? 1 : 0;
  EXPECT_EQ(updates, 10u);
  const json* ancient = entry(obj, "ancient-changes", "Update");
  ASSERT_NE(ancient, nullptr);
  // The creator and the oldest writers were folded in.
  EXPECT_TRUE((*ancient)["fieldsV1"]["f:metadata"]["f:labels"].contains("f:l0"));
  EXPECT_TRUE((*ancient)["fieldsV1"]["f:spec"].contains("f:type"));
  EXPECT_EQ(entry(obj, "creator", "Update"), nullptr);
  EXPECT_NE(entry(obj, "writer-11", "Update"), nullptr);
}

TEST_F(ManagedFieldsTest, RejectsConfigurationsThatCannotBeApplied) {
  auto fails = [&](const json& config, const std::string& needle) {
    auto r = serverSideApply(json(), config, s.service, "kubectl", false, kT1);
    ASSERT_FALSE(r.isOk());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().message();
  };
  json withManaged = kApplied;
  withManaged["metadata"]["managedFields"] = json::array();
  fails(withManaged, "metadata.managedFields must be nil");
  json noKey = kApplied;
  noKey["spec"]["ports"][0].erase("port");
  fails(noKey, "omits key field \"port\"");
  json dup = kApplied;
  dup["spec"]["ports"].push_back(dup["spec"]["ports"][0]);
  fails(dup, "duplicate entries");
  fails(json::array(), "JSON object");
  json deep = json::object();
  for (int i = 0; i < 500; ++i) deep = json{{"spec", std::move(deep)}};
  fails(deep, "deeper than");
  EXPECT_FALSE(serverSideApply(json(), kApplied, s.service, "", false, kT1).isOk());

  // Ownership is never a reason for a write to fail.
  json odd = json::parse(R"({"spec":{"ports":[{"name":"no-port"}],"selector":"x"}})");
  recordUpdate(odd, json(), s.service, "m", "v1", kT1);
  EXPECT_TRUE(odd.contains("spec"));
}

// Whatever the input, apply answers with an object, conflicts or a Status, and recordUpdate
// returns; the same holds when the results are fed back in as the live object.
TEST_F(ManagedFieldsTest, RandomInputsNeverCrash) {
  std::mt19937 rng(7);
  json live;
  for (int i = 0; i < 2000; ++i) {
    const json config = testing::randomJson(rng, 5);
    const TypeDef& type = i % 2 ? s.service : s.deployment;
    auto r = serverSideApply(live, config, type, i % 3 ? "a" : "b", i % 5 == 0, kT1);
    if (r.isOk() && !r->refused()) live = r->object;
    json next = testing::randomJson(rng, 5);
    recordUpdate(next, live, type, "u", "v1", kT2);
    if (i % 7 == 0) live = next;
  }
}

// The served Service schema: ports keyed on port+protocol, selector atomic.
TEST(ManagedFieldsServedSchema, ServiceApply) {
  const TypeDef* service = findKind("", "v1", "Service");
  ASSERT_NE(service, nullptr);
  auto r = serverSideApply(json(), kApplied, *service, "kubectl", false, kT1);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  EXPECT_EQ(r->object["metadata"]["managedFields"][0]["fieldsV1"], json::parse(R"({
      "f:metadata":{"f:labels":{"f:app":{}}},
      "f:spec":{"f:ports":{"k:{\"port\":80,\"protocol\":\"TCP\"}":{".":{},"f:name":{},"f:port":{},"f:targetPort":{}}},
                "f:selector":{}}})"));
}

}  // namespace
}  // namespace edgeway::api
