// DELETE and deletecollection: the answer kubectl prints, preconditions, finalizers, and
// allocations released with the object.

#include "tests/apiserver/api_test_support.h"

namespace edgeway::apiserver::testing {
namespace {

const std::string kWeb = std::string(kServices) + "/web";

TEST(RegistryDeleteTest, DeleteAnswersTheObjectAndReleasesItsAddress) {
  ApiHarness h;
  json svc = service("web");
  svc["spec"]["clusterIP"] = "10.43.5.5";
  ASSERT_EQ(h.post(kServices, svc).status, 201);
  Reply r = h.del(kWeb, {{"propagationPolicy", "Background"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.obj()["kind"], "Service");
  EXPECT_EQ(r.obj()["metadata"]["name"], "web");
  Reply gone = h.get(kWeb);
  ASSERT_EQ(gone.status, 404);
  EXPECT_EQ(gone.obj()["message"], "services \"web\" not found");
  EXPECT_EQ(h.del(kWeb).status, 404);
  json again = service("again");
  again["spec"]["clusterIP"] = "10.43.5.5";
  EXPECT_EQ(h.post(kServices, again).status, 201);
}

TEST(RegistryDeleteTest, DryRunDeleteKeepsTheObject) {
  ApiHarness h;
  ASSERT_EQ(h.post(kServices, service("web")).status, 201);
  auto rev = h.store().currentRevision();
  Reply r = h.del(kWeb, {{"dryRun", {"All"}}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(h.store().currentRevision(), rev);
  EXPECT_EQ(h.get(kWeb).status, 200);
}

TEST(RegistryDeleteTest, PreconditionsAreChecked) {
  ApiHarness h;
  json live = h.post(kServices, service("web")).obj();
  Reply uid = h.del(kWeb, {{"preconditions", {{"uid", "not-the-uid"}}}});
  ASSERT_EQ(uid.status, 409);
  EXPECT_EQ(uid.obj()["message"],
            "Operation cannot be fulfilled on services \"web\": Precondition failed: UID in precondition: "
            "not-the-uid, UID in object meta: " + live["metadata"]["uid"].get<std::string>());
  Reply rv = h.del(kWeb, {{"preconditions", {{"resourceVersion", "1"}}}});
  EXPECT_EQ(rv.status, 409);
  Reply ok = h.del(kWeb, {{"preconditions",
                           {{"uid", live["metadata"]["uid"]}, {"resourceVersion", live["metadata"]["resourceVersion"]}}}});
  EXPECT_EQ(ok.status, 200) << ok.body;
}

TEST(RegistryDeleteTest, FinalizersHoldTheObjectUntilRemoved) {
  ApiHarness h;
  json svc = service("web");
  svc["metadata"]["finalizers"] = {"example.com/hold"};
  ASSERT_EQ(h.post(kServices, svc).status, 201);
  Reply r = h.del(kWeb);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.obj()["metadata"].contains("deletionTimestamp"));
  Reply still = h.get(kWeb);
  ASSERT_EQ(still.status, 200);
  EXPECT_TRUE(still.obj()["metadata"].contains("deletionTimestamp"));
  // Deleting again changes nothing.
  auto rev = h.store().currentRevision();
  EXPECT_EQ(h.del(kWeb).status, 200);
  EXPECT_EQ(h.store().currentRevision(), rev);
  // Removing the last finalizer completes the delete.
  Reply f = h.patch(kWeb, "application/merge-patch+json", {{"metadata", {{"finalizers", nullptr}}}});
  ASSERT_EQ(f.status, 200) << f.body;
  EXPECT_EQ(h.get(kWeb).status, 404);
}

TEST(RegistryDeleteTest, DeleteCollectionHonoursSelectors) {
  ApiHarness h;
  ASSERT_EQ(h.post(kServices, service("a", {{"tier", "x"}})).status, 201);
  ASSERT_EQ(h.post(kServices, service("b", {{"tier", "x"}})).status, 201);
  ASSERT_EQ(h.post(kServices, service("c", {{"tier", "y"}})).status, 201);
  Reply r = h.del(std::string(kServices) + "?labelSelector=tier%3Dx");
  ASSERT_EQ(r.status, 200) << r.body;
  json list = r.obj();
  EXPECT_EQ(list["kind"], "ServiceList");
  ASSERT_EQ(list["items"].size(), 2u);
  EXPECT_EQ(list["items"][0]["metadata"]["name"], "a");
  EXPECT_EQ(h.get(std::string(kServices) + "/a").status, 404);
  EXPECT_EQ(h.get(std::string(kServices) + "/c").status, 200);
}

TEST(RegistryDeleteTest, MethodsThatDoNotApplyAre405) {
  ApiHarness h;
  ASSERT_EQ(h.post(kServices, service("web")).status, 201);
  Reply r = h.post(kWeb, service("web"));
  ASSERT_EQ(r.status, 405);
  EXPECT_EQ(r.obj()["reason"], "MethodNotAllowed");
  EXPECT_EQ(h.put(kServices, service("web")).status, 405);
  EXPECT_EQ(h.post("/api/v1/services", service("web")).status, 405);  // no namespace to create in
}

}  // namespace
}  // namespace edgeway::apiserver::testing
