// LIST: the list shape, selectors, paging, and Table/PartialObjectMetadata answers.

#include "tests/apiserver/api_test_support.h"

namespace edgeway::apiserver::testing {
namespace {

const char* kTableAccept =
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

void seed(ApiHarness& h) {
  ASSERT_EQ(h.post(kServices, service("a", {{"tier", "front"}, {"env", "prod"}})).status, 201);
  ASSERT_EQ(h.post(kServices, service("b", {{"tier", "back"}, {"env", "prod"}})).status, 201);
  ASSERT_EQ(h.post(kServices, service("c", {{"tier", "front"}})).status, 201);
}

std::vector<std::string> names(const json& list) {
  std::vector<std::string> out;
  for (const auto& item : list["items"]) out.push_back(item["metadata"]["name"]);
  return out;
}

TEST(RegistryListTest, ListsWithKindAndTheStoreRevision) {
  ApiHarness h;
  seed(h);
  Reply r = h.get(std::string(kServices) + "?limit=500");
  ASSERT_EQ(r.status, 200) << r.body;
  json list = r.obj();
  EXPECT_EQ(list["kind"], "ServiceList");
  EXPECT_EQ(list["apiVersion"], "v1");
  EXPECT_EQ(list["metadata"]["resourceVersion"], std::to_string(h.store().currentRevision()));
  EXPECT_FALSE(list["metadata"].contains("continue"));
  EXPECT_EQ(names(list), (std::vector<std::string>{"a", "b", "c", "kubernetes"}));
  EXPECT_EQ(list["items"][0]["kind"], "Service");

  // Cluster-wide: every namespace.
  ASSERT_EQ(h.post("/api/v1/namespaces/kube-system/services", service("dns")).status, 201);
  json all = h.get("/api/v1/services").obj();
  EXPECT_EQ(all["items"].size(), 5u);
  // An empty namespace lists nothing.
  EXPECT_TRUE(h.get("/api/v1/namespaces/kube-public/services").obj()["items"].empty());
}

TEST(RegistryListTest, LabelSelectors) {
  ApiHarness h;
  seed(h);
  auto list = [&](const std::string& selector) { return names(h.get(std::string(kServices) + "?labelSelector=" + selector).obj()); };
  EXPECT_EQ(list("tier%3Dfront"), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(list("tier%21%3Dfront"), (std::vector<std::string>{"b", "kubernetes"}));
  EXPECT_EQ(list("env"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(list("%21env"), (std::vector<std::string>{"c", "kubernetes"}));
  EXPECT_EQ(list("tier+in+(back,+front),env+notin+(prod)"), (std::vector<std::string>{"c"}));
  Reply bad = h.get(std::string(kServices) + "?labelSelector=tier%3D%3D%3D");
  EXPECT_EQ(bad.status, 400);
}

TEST(RegistryListTest, FieldSelectors) {
  ApiHarness h;
  seed(h);
  EXPECT_EQ(names(h.get(std::string(kServices) + "?fieldSelector=metadata.name%3Db").obj()), std::vector<std::string>{"b"});
  EXPECT_EQ(names(h.get("/api/v1/services?fieldSelector=metadata.namespace%21%3Ddefault").obj()).size(), 0u);
  Reply r = h.get(std::string(kServices) + "?fieldSelector=spec.type%3DClusterIP");
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(r.obj()["reason"], "BadRequest");
  EXPECT_EQ(r.obj()["message"], "\"spec.type\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"");
}

TEST(RegistryListTest, LimitAndContinuePageThroughWithOneRevision) {
  ApiHarness h;
  for (int i = 0; i < 5; ++i) ASSERT_EQ(h.post(kServices, service("s" + std::to_string(i))).status, 201);
  std::vector<std::string> seen;
  std::string token;
  std::string revision;
  int pages = 0;
  do {
    std::string target = std::string(kServices) + "?limit=2" + (token.empty() ? "" : "&continue=" + token);
    json page = h.get(target).obj();
    if (revision.empty()) revision = page["metadata"]["resourceVersion"];
    EXPECT_EQ(page["metadata"]["resourceVersion"], revision);
    for (auto& n : names(page)) seen.push_back(n);
    token = page["metadata"].value("continue", "");
    ++pages;
    if (pages == 1) {
      ASSERT_EQ(h.post(kServices, service("zz-late")).status, 201);  // appears in a later page
    }
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 4);
  EXPECT_EQ(seen, (std::vector<std::string>{"kubernetes", "s0", "s1", "s2", "s3", "s4", "zz-late"}));
}

TEST(RegistryListTest, ContinueTokensExpireWithCompactionAndMustBeValid) {
  ApiHarness h;
  seed(h);
  json page = h.get(std::string(kServices) + "?limit=1").obj();
  std::string token = page["metadata"]["continue"];
  ASSERT_EQ(h.post(kServices, service("d")).status, 201);
  h.fake().compact();
  Reply r = h.get(std::string(kServices) + "?limit=1&continue=" + token);
  ASSERT_EQ(r.status, 410);
  EXPECT_EQ(r.obj()["reason"], "Expired");
  EXPECT_EQ(h.get(std::string(kServices) + "?continue=garbage!").status, 400);
}

TEST(RegistryListTest, TablesCarryColumnsRowsAndObjects) {
  ApiHarness h;
  seed(h);
  Reply r = h.get(std::string(kServices) + "?limit=500", {{"Accept", kTableAccept}});
  ASSERT_EQ(r.status, 200) << r.body;
  json t = r.obj();
  EXPECT_EQ(t["kind"], "Table");
  EXPECT_EQ(t["apiVersion"], "meta.k8s.io/v1");
  EXPECT_EQ(t["columnDefinitions"][0]["name"], "Name");
  EXPECT_EQ(t["columnDefinitions"][0]["format"], "name");
  ASSERT_EQ(t["rows"].size(), 4u);
  EXPECT_EQ(t["rows"][0]["cells"][0], "a");
  EXPECT_EQ(t["rows"][0]["cells"].size(), t["columnDefinitions"].size());
  EXPECT_EQ(t["rows"][0]["object"]["kind"], "PartialObjectMetadata");
  EXPECT_EQ(t["rows"][0]["object"]["metadata"]["labels"]["tier"], "front");
  EXPECT_FALSE(t["rows"][0]["object"].contains("spec"));
  EXPECT_EQ(t["metadata"]["resourceVersion"], std::to_string(h.store().currentRevision()));

  json full = h.get(std::string(kServices) + "?includeObject=Object", {{"Accept", kTableAccept}}).obj();
  EXPECT_EQ(full["rows"][0]["object"]["kind"], "Service");
  EXPECT_TRUE(full["rows"][0]["object"].contains("spec"));
  json none = h.get(std::string(kServices) + "?includeObject=None", {{"Accept", kTableAccept}}).obj();
  EXPECT_FALSE(none["rows"][0].contains("object"));
  EXPECT_EQ(h.get(std::string(kServices) + "?includeObject=Some", {{"Accept", kTableAccept}}).status, 400);

  // A single object as a one-row Table.
  json one = h.get(std::string(kServices) + "/a", {{"Accept", kTableAccept}}).obj();
  EXPECT_EQ(one["kind"], "Table");
  EXPECT_EQ(one["rows"].size(), 1u);
}

TEST(RegistryListTest, PartialObjectMetadataLists) {
  ApiHarness h;
  seed(h);
  json list = h.get(std::string(kServices), {{"Accept", "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"}}).obj();
  EXPECT_EQ(list["kind"], "PartialObjectMetadataList");
  EXPECT_EQ(list["items"][0]["kind"], "PartialObjectMetadata");
  EXPECT_FALSE(list["items"][0].contains("spec"));
}

TEST(RegistryListTest, UnknownResourcesAre404) {
  ApiHarness h;
  Reply r = h.get("/api/v1/namespaces/default/foos");
  ASSERT_EQ(r.status, 404);
  EXPECT_EQ(r.obj()["message"], "the server could not find the requested resource");
  EXPECT_EQ(h.get("/apis/apps/v1/deployments").status, 404);
  EXPECT_EQ(h.get("/api/v1/namespaces/default/nodes").status, 404);  // cluster-scoped kind under a namespace
  EXPECT_EQ(h.get(std::string(kServices) + "/web/scale").status, 404);
}

}  // namespace
}  // namespace edgeway::apiserver::testing
