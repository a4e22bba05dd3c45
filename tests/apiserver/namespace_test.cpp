// Namespaces: the bootstrap set, admission of new content, and termination.

#include <thread>

#include "tests/apiserver/api_test_support.h"

namespace edgeway::apiserver::testing {
namespace {

bool eventually(const std::function<bool()>& condition) {
  for (int i = 0; i < 500; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

TEST(NamespaceTest, BootstrapCreatesSystemNamespacesAndTheKubernetesService) {
  ApiHarness h;
  for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    Reply r = h.get(std::string("/api/v1/namespaces/") + ns);
    ASSERT_EQ(r.status, 200) << ns;
    EXPECT_EQ(r.obj()["status"]["phase"], "Active");
  }
  Reply svc = h.get(std::string(kServices) + "/kubernetes");
  ASSERT_EQ(svc.status, 200);
  json k = svc.obj();
  EXPECT_EQ(k["spec"]["clusterIP"], "10.43.0.1");
  EXPECT_EQ(k["spec"]["type"], "ClusterIP");
  EXPECT_FALSE(k["spec"].contains("selector"));
  EXPECT_EQ(k["metadata"]["labels"]["component"], "apiserver");
  EXPECT_EQ(k["metadata"]["labels"]["provider"], "kubernetes");
  EXPECT_EQ(k["spec"]["ports"][0]["name"], "https");
  EXPECT_EQ(k["spec"]["ports"][0]["port"], 443);
  EXPECT_EQ(k["spec"]["ports"][0]["protocol"], "TCP");
  std::string address = h.server().localAddress();
  EXPECT_EQ(k["spec"]["ports"][0]["targetPort"], std::stoi(address.substr(address.rfind(':') + 1)));
}

TEST(NamespaceTest, BootstrapIsIdempotentOnTheSameStore) {
  FakeStore store;
  ApiServerOptions options = ApiHarness::defaultOptions();
  options.listen = "127.0.0.1:0";
  store::Revision first;
  {
    ApiHarness h(&store, options);
    first = store.currentRevision();
  }
  {
    // Another port: only the kubernetes Service's targetPort changes.
    ApiHarness h(&store, options);
    EXPECT_LE(store.currentRevision(), first + 1);
    EXPECT_EQ(h.get("/api/v1/namespaces").obj()["items"].size(), 4u);
  }
}

TEST(NamespaceTest, CreatingInAMissingNamespaceIsNotFound) {
  ApiHarness h;
  Reply r = h.post("/api/v1/namespaces/nope/services", service("web"));
  ASSERT_EQ(r.status, 404);
  EXPECT_EQ(r.obj()["message"], "namespaces \"nope\" not found");
}

TEST(NamespaceTest, SystemNamespacesCannotBeDeleted) {
  ApiHarness h;
  Reply r = h.del("/api/v1/namespaces/kube-system");
  ASSERT_EQ(r.status, 403);
  EXPECT_EQ(r.obj()["reason"], "Forbidden");
  EXPECT_EQ(r.obj()["message"], "namespaces \"kube-system\" is forbidden: this namespace may not be deleted");
}

TEST(NamespaceTest, DeletionTerminatesEmptiesAndRemovesTheNamespace) {
  ApiHarness h;
  ASSERT_EQ(h.post("/api/v1/namespaces", {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "team"}}}}).status, 201);
  json held = service("held");
  held["metadata"]["finalizers"] = {"example.com/hold"};
  ASSERT_EQ(h.post("/api/v1/namespaces/team/services", service("web")).status, 201);
  ASSERT_EQ(h.post("/api/v1/namespaces/team/services", held).status, 201);

  Reply r = h.del("/api/v1/namespaces/team");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.obj()["status"]["phase"], "Terminating");
  EXPECT_TRUE(r.obj()["metadata"].contains("deletionTimestamp"));

  // New content is refused while it terminates.
  Reply refused = h.post("/api/v1/namespaces/team/services", service("late"));
  ASSERT_EQ(refused.status, 403);
  EXPECT_EQ(refused.obj()["message"],
            "services \"late\" is forbidden: unable to create new content in namespace team because it is being terminated");

  // Content goes; the finalizer holds one object and with it the namespace.
  EXPECT_TRUE(eventually([&] { return h.get("/api/v1/namespaces/team/services/web").status == 404; }));
  Reply still = h.get("/api/v1/namespaces/team/services/held");
  ASSERT_EQ(still.status, 200);
  EXPECT_TRUE(still.obj()["metadata"].contains("deletionTimestamp"));
  EXPECT_EQ(h.get("/api/v1/namespaces/team").status, 200);

  ASSERT_EQ(h.patch("/api/v1/namespaces/team/services/held", "application/merge-patch+json",
                    {{"metadata", {{"finalizers", nullptr}}}}).status, 200);
  EXPECT_TRUE(eventually([&] { return h.get("/api/v1/namespaces/team").status == 404; }));
  EXPECT_TRUE(h.get("/api/v1/namespaces/team/services").obj()["items"].empty());
}

TEST(NamespaceTest, DeletingANamespaceEndsWithADeletedWatchEvent) {
  ApiHarness h;
  ASSERT_EQ(h.post("/api/v1/namespaces", {{"metadata", {{"name", "gone"}}}}).status, 201);
  Reply w = h.get("/api/v1/namespaces?watch=true&fieldSelector=metadata.name%3Dgone&resourceVersion=0");
  ASSERT_TRUE(w.stream);
  ASSERT_EQ(h.del("/api/v1/namespaces/gone").status, 200);
  auto events = w.stream->events(3);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0]["type"], "ADDED");
  EXPECT_EQ(events[1]["type"], "MODIFIED");
  EXPECT_EQ(events[2]["type"], "DELETED");
  w.stream->disconnect();
}

}  // namespace
}  // namespace edgeway::apiserver::testing
