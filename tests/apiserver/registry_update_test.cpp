// PUT and the four PATCH types: optimistic concurrency, no-op writes, generation, and the
// errors kubectl prints.

#include "tests/apiserver/api_test_support.h"

namespace edgeway::apiserver::testing {
namespace {

const std::string kWeb = std::string(kServices) + "/web";

json created(ApiHarness& h, const json& svc = service("web")) {
  Reply r = h.post(std::string(kServices) + "?fieldManager=kubectl-create", svc);
  EXPECT_EQ(r.status, 201) << r.body;
  return r.obj();
}

TEST(RegistryUpdateTest, PutReplacesAndBumpsResourceVersionAndGeneration) {
  ApiHarness h;
  json live = created(h);
  json next = live;
  next["spec"]["ports"][0]["port"] = 81;
  Reply r = h.put(kWeb + "?fieldManager=kubectl-replace&fieldValidation=Strict", next);
  ASSERT_EQ(r.status, 200) << r.body;
  json got = r.obj();
  EXPECT_EQ(got["spec"]["ports"][0]["port"], 81);
  EXPECT_NE(got["metadata"]["resourceVersion"], live["metadata"]["resourceVersion"]);
  EXPECT_EQ(got["metadata"]["generation"], 2);
  EXPECT_EQ(got["metadata"]["uid"], live["metadata"]["uid"]);
  EXPECT_EQ(got["metadata"]["creationTimestamp"], live["metadata"]["creationTimestamp"]);
  EXPECT_EQ(got["spec"]["clusterIP"], live["spec"]["clusterIP"]);

  // Metadata-only changes keep the generation.
  json labelled = got;
  labelled["metadata"]["labels"] = {{"env", "prod"}};
  Reply l = h.put(kWeb, labelled);
  ASSERT_EQ(l.status, 200) << l.body;
  EXPECT_EQ(l.obj()["metadata"]["generation"], 2);
}

TEST(RegistryUpdateTest, StaleResourceVersionIsAConflict) {
  ApiHarness h;
  json live = created(h);
  json next = live;
  next["spec"]["ports"][0]["port"] = 81;
  ASSERT_EQ(h.put(kWeb, next).status, 200);
  Reply r = h.put(kWeb, next);  // still carries the old resourceVersion
  ASSERT_EQ(r.status, 409);
  json st = r.obj();
  EXPECT_EQ(st["reason"], "Conflict");
  EXPECT_EQ(st["message"],
            "Operation cannot be fulfilled on services \"web\": the object has been modified; please apply your "
            "changes to the latest version and try again");
}

TEST(RegistryUpdateTest, PutWithoutResourceVersionIsUnconditional) {
  ApiHarness h;
  json live = created(h);
  json next = live;
  next["metadata"].erase("resourceVersion");
  next["spec"]["ports"][0]["port"] = 82;
  // A concurrent writer slipped in between our read and our write: retried transparently.
  h.fake().failNextWrite(conflict("raced"));
  Reply r = h.put(kWeb, next);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.obj()["spec"]["ports"][0]["port"], 82);
}

TEST(RegistryUpdateTest, NoOpUpdateWritesNothing) {
  ApiHarness h;
  json live = created(h);
  auto before = h.store().currentRevision();
  Reply r = h.put(kWeb, live);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.obj()["metadata"]["resourceVersion"], live["metadata"]["resourceVersion"]);
  EXPECT_EQ(h.store().currentRevision(), before);
}

TEST(RegistryUpdateTest, NameAndNamespaceMismatchesAreBadRequests) {
  ApiHarness h;
  json live = created(h);
  json renamed = live;
  renamed["metadata"]["name"] = "other";
  Reply r = h.put(kWeb, renamed);
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(r.obj()["message"], "the name of the object (other) does not match the name on the URL (web)");
  json moved = live;
  moved["metadata"]["namespace"] = "kube-system";
  Reply m = h.put(kWeb, moved);
  ASSERT_EQ(m.status, 400);
  EXPECT_EQ(m.obj()["message"], "the namespace of the object (kube-system) does not match the namespace on the URL (default)");
}

TEST(RegistryUpdateTest, UpdateOfAMissingObjectIsNotFound) {
  ApiHarness h;
  Reply r = h.put(std::string(kServices) + "/nope", service("nope"));
  ASSERT_EQ(r.status, 404);
  EXPECT_EQ(r.obj()["message"], "services \"nope\" not found");
}

TEST(RegistryUpdateTest, ImmutableClusterIpIsInvalid) {
  ApiHarness h;
  json live = created(h);
  json next = live;
  next["spec"]["clusterIP"] = "10.43.9.9";
  next["spec"]["clusterIPs"] = {"10.43.9.9"};
  Reply r = h.put(kWeb, next);
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(r.obj()["reason"], "Invalid");
}

TEST(RegistryPatchTest, MergePatchLabelsLikeKubectlLabel) {
  ApiHarness h;
  json live = created(h);
  Reply r = h.patch(kWeb + "?fieldManager=kubectl-label", "application/merge-patch+json",
                    {{"metadata", {{"labels", {{"env", "prod"}}}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.obj()["metadata"]["labels"]["env"], "prod");
  EXPECT_EQ(r.obj()["metadata"]["generation"], 1);
  Reply removed = h.patch(kWeb, "application/merge-patch+json", {{"metadata", {{"labels", {{"env", nullptr}}}}}});
  ASSERT_EQ(removed.status, 200);
  EXPECT_FALSE(removed.obj()["metadata"].contains("labels") && removed.obj()["metadata"]["labels"].contains("env"));
}

TEST(RegistryPatchTest, JsonPatchReplacesAPort) {
  ApiHarness h;
  created(h);
  Reply r = h.patch(kWeb, "application/json-patch+json",
                    json::array({{{"op", "replace"}, {"path", "/spec/ports/0/port"}, {"value", 8081}}}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.obj()["spec"]["ports"][0]["port"], 8081);
  Reply bad = h.patch(kWeb, "application/json-patch+json",
                      json::array({{{"op", "remove"}, {"path", "/spec/nothing"}}}));
  EXPECT_EQ(bad.status, 422) << bad.body;
}

TEST(RegistryPatchTest, StrategicMergePatchMergesPortsByKey) {
  ApiHarness h;
  json svc = service("web");
  svc["spec"]["ports"] = json::array({{{"name", "http"}, {"port", 80}}, {{"name", "https"}, {"port", 443}}});
  created(h, svc);
  json patch = {{"spec",
                 {{"$setElementOrder/ports", json::array({{{"port", 80}}, {{"port", 443}}})},
                  {"ports", json::array({{{"port", 80}, {"targetPort", 9090}}})}}}};
  Reply r = h.patch(kWeb + "?fieldManager=kubectl-edit&fieldValidation=Strict",
                    "application/strategic-merge-patch+json", patch);
  ASSERT_EQ(r.status, 200) << r.body;
  json ports = r.obj()["spec"]["ports"];
  ASSERT_EQ(ports.size(), 2u);
  EXPECT_EQ(ports[0]["targetPort"], 9090);
  EXPECT_EQ(ports[1]["port"], 443);
}

TEST(RegistryPatchTest, NoOpPatchKeepsResourceVersion) {
  ApiHarness h;
  json live = created(h);
  auto before = h.store().currentRevision();
  for (const char* type : {"application/merge-patch+json", "application/strategic-merge-patch+json"}) {
    Reply r = h.patch(kWeb + "?fieldManager=kubectl-patch", type, json::object());
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.obj()["metadata"]["resourceVersion"], live["metadata"]["resourceVersion"]);
    Reply same = h.patch(kWeb + "?fieldManager=kubectl-patch", type, {{"spec", {{"selector", {{"app", "web"}}}}}});
    ASSERT_EQ(same.status, 200) << same.body;
    EXPECT_EQ(same.obj()["metadata"]["resourceVersion"], live["metadata"]["resourceVersion"]);
  }
  EXPECT_EQ(h.store().currentRevision(), before);
}

TEST(RegistryPatchTest, PatchCarryingAStaleResourceVersionConflicts) {
  ApiHarness h;
  json live = created(h);
  ASSERT_EQ(h.patch(kWeb, "application/merge-patch+json", {{"metadata", {{"labels", {{"a", "b"}}}}}}).status, 200);
  Reply r = h.patch(kWeb, "application/merge-patch+json",
                    {{"metadata", {{"resourceVersion", live["metadata"]["resourceVersion"]}, {"labels", {{"c", "d"}}}}}});
  ASSERT_EQ(r.status, 409);
  EXPECT_EQ(r.obj()["reason"], "Conflict");
}

TEST(RegistryPatchTest, StrictValidationAppliesToPatchedFields) {
  ApiHarness h;
  created(h);
  Reply r = h.patch(kWeb + "?fieldValidation=Strict", "application/merge-patch+json", {{"spec", {{"bogus", 1}}}});
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.obj()["message"], "strict decoding error: unknown field \"spec.bogus\"");
  Reply w = h.patch(kWeb, "application/merge-patch+json", {{"spec", {{"bogus", 1}}}});
  ASSERT_EQ(w.status, 200);
  EXPECT_EQ(w.all("Warning").size(), 1u);
}

TEST(RegistryPatchTest, PatchNeedsAPatchContentTypeAndAnExistingObject) {
  ApiHarness h;
  created(h);
  EXPECT_EQ(h.patch(kWeb, "application/json", json::object()).status, 415);
  Reply missing = h.patch(std::string(kServices) + "/nope", "application/merge-patch+json", json::object());
  EXPECT_EQ(missing.status, 404);
  Reply malformed = h.call("PATCH", kWeb, "{", {{"Content-Type", "application/merge-patch+json"}});
  EXPECT_EQ(malformed.status, 400);
}

TEST(RegistryPatchTest, ServerSideApplyCreatesThenUpdates) {
  ApiHarness h;
  json applied = service("web");
  applied["metadata"]["namespace"] = "default";
  std::string target = kWeb + "?fieldManager=kubectl&fieldValidation=Strict&force=false";
  Reply c = h.patch(target, "application/apply-patch+yaml", applied);
  ASSERT_EQ(c.status, 201) << c.body;
  json obj = c.obj();
  EXPECT_EQ(obj["metadata"]["managedFields"][0]["manager"], "kubectl");
  EXPECT_EQ(obj["metadata"]["managedFields"][0]["operation"], "Apply");
  EXPECT_FALSE(obj["spec"]["clusterIP"].get<std::string>().empty());

  auto rev = h.store().currentRevision();
  Reply same = h.patch(target, "application/apply-patch+yaml", applied);
  ASSERT_EQ(same.status, 200) << same.body;
  EXPECT_EQ(h.store().currentRevision(), rev);  // re-applying the same configuration is a no-op

  applied["spec"]["ports"][0]["port"] = 81;
  Reply u = h.patch(target, "application/apply-patch+yaml", applied);
  ASSERT_EQ(u.status, 200) << u.body;
  EXPECT_EQ(u.obj()["spec"]["ports"][0]["port"], 81);
}

TEST(RegistryPatchTest, ServerSideApplyNeedsAFieldManager) {
  ApiHarness h;
  Reply r = h.patch(kWeb, "application/apply-patch+yaml", service("web"));
  ASSERT_EQ(r.status, 422);
  EXPECT_EQ(r.obj()["message"],
            "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
}

TEST(RegistryPatchTest, ServerSideApplyConflictsWithOtherManagers) {
  ApiHarness h;
  created(h);  // kubectl-create owns spec.ports
  json applied = service("web");
  applied["spec"]["ports"][0]["targetPort"] = 9999;
  Reply r = h.patch(kWeb + "?fieldManager=other", "application/apply-patch+yaml", applied);
  ASSERT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.obj()["reason"], "Conflict");
  EXPECT_EQ(r.obj()["message"].get<std::string>().rfind("Apply failed with", 0), 0u) << r.body;
  Reply forced = h.patch(kWeb + "?fieldManager=other&force=true", "application/apply-patch+yaml", applied);
  ASSERT_EQ(forced.status, 200) << forced.body;
  EXPECT_EQ(forced.obj()["spec"]["ports"][0]["targetPort"], 9999);
}

TEST(RegistryPatchTest, StatusSubresourceChangesOnlyStatus) {
  ApiHarness h;
  json lb = service("web");
  lb["spec"]["type"] = "LoadBalancer";
  created(h, lb);
  json patch = {{"spec", {{"ports", json::array({{{"port", 1}}})}}},
                {"status", {{"loadBalancer", {{"ingress", json::array({{{"ip", "192.0.2.10"}}})}}}}}};
  Reply r = h.patch(kWeb + "/status", "application/merge-patch+json", patch);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.obj()["status"]["loadBalancer"]["ingress"][0]["ip"], "192.0.2.10");
  EXPECT_EQ(r.obj()["spec"]["ports"][0]["port"], 80);
  EXPECT_EQ(r.obj()["metadata"]["generation"], 1);
  Reply got = h.get(kWeb + "/status");
  EXPECT_EQ(got.status, 200);
  // And the main resource cannot change status.
  Reply main = h.patch(kWeb, "application/merge-patch+json", {{"status", {{"loadBalancer", json::object()}}}});
  ASSERT_EQ(main.status, 200);
  EXPECT_EQ(main.obj()["status"]["loadBalancer"]["ingress"][0]["ip"], "192.0.2.10");
}

}  // namespace
}  // namespace edgeway::apiserver::testing
