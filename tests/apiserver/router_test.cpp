// Routing: request paths, version, health, discovery and OpenAPI answers.

#include "apiserver/src/request_info.h"
#include "tests/apiserver/api_test_support.h"

namespace edgeway::apiserver::testing {
namespace {

TEST(RequestInfoTest, DecodesResourcePaths) {
  auto ri = parseRequestInfo("GET", "/api/v1/namespaces/default/services/web/status", false);
  ASSERT_TRUE(ri);
  EXPECT_EQ(ri->group, "");
  EXPECT_EQ(ri->version, "v1");
  EXPECT_EQ(ri->ns, "default");
  EXPECT_EQ(ri->resource, "services");
  EXPECT_EQ(ri->name, "web");
  EXPECT_EQ(ri->subresource, "status");
  EXPECT_EQ(ri->verb, "get");

  ri = parseRequestInfo("GET", "/apis/networking.k8s.io/v1/ingressclasses", true);
  ASSERT_TRUE(ri);
  EXPECT_EQ(ri->group, "networking.k8s.io");
  EXPECT_EQ(ri->resource, "ingressclasses");
  EXPECT_EQ(ri->verb, "watch");

  ri = parseRequestInfo("DELETE", "/api/v1/namespaces/team", false);
  ASSERT_TRUE(ri);
  EXPECT_EQ(ri->resource, "namespaces");
  EXPECT_EQ(ri->name, "team");
  EXPECT_EQ(ri->ns, "");
  EXPECT_EQ(ri->verb, "delete");

  ri = parseRequestInfo("PUT", "/api/v1/namespaces/team/finalize", false);
  ASSERT_TRUE(ri);
  EXPECT_EQ(ri->name, "team");
  EXPECT_EQ(ri->subresource, "finalize");

  ri = parseRequestInfo("GET", "/api/v1/watch/namespaces/default/services", false);
  ASSERT_TRUE(ri);
  EXPECT_TRUE(ri->legacyWatchPrefix);
  EXPECT_EQ(ri->verb, "watch");

  EXPECT_EQ(parseRequestInfo("DELETE", "/api/v1/namespaces/default/services", false)->verb, "deletecollection");
  EXPECT_EQ(parseRequestInfo("GET", "/api/v1/namespaces/default/services/we%2Fb", false)->name, "we/b");
  EXPECT_FALSE(parseRequestInfo("GET", "/api/v1", false));
  EXPECT_FALSE(parseRequestInfo("GET", "/healthz", false));
  EXPECT_FALSE(parseRequestInfo("GET", "/api/v1/namespaces/default/services/web/status/extra", false));
}

TEST(RouterTest, VersionReportsMinor32) {
  ApiHarness h;
  Reply r = h.get("/version?timeout=5s");
  ASSERT_EQ(r.status, 200);
  json v = r.obj();
  EXPECT_EQ(v["major"], "1");
  EXPECT_EQ(v["minor"], "32");
  EXPECT_EQ(v["gitVersion"].get<std::string>().rfind("v1.32.0-edgeway.", 0), 0u);
}

TEST(RouterTest, HealthEndpoints) {
  ApiHarness h;
  for (const char* path : {"/healthz", "/livez", "/readyz"}) {
    Reply r = h.get(path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.body, "ok");
  }
  bool storeReady = false;
  h.server().addReadinessCheck("store", [&] { return storeReady; });
  Reply failing = h.get("/readyz");
  EXPECT_EQ(failing.status, 500);
  EXPECT_NE(failing.body.find("[-]store failed"), std::string::npos) << failing.body;
  EXPECT_EQ(h.get("/livez").status, 200);  // liveness ignores readiness checks
  EXPECT_EQ(h.get("/readyz?exclude=store").status, 200);
  storeReady = true;
  Reply verbose = h.get("/readyz?verbose");
  EXPECT_EQ(verbose.status, 200);
  EXPECT_NE(verbose.body.find("[+]store ok"), std::string::npos);
  EXPECT_NE(verbose.body.find("readyz check passed"), std::string::npos);
  EXPECT_EQ(h.get("/readyz/store").body, "ok");
  h.server().stop();
  EXPECT_EQ(h.get("/readyz").status, 500);  // shutting down
}

TEST(RouterTest, DiscoveryLegacyAndAggregated) {
  ApiHarness h;
  const char* aggregatedAccept =
      "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;"
      "v=v2beta1;as=APIGroupDiscoveryList,application/json";
  Reply api = h.get("/api", {{"Accept", aggregatedAccept}});
  ASSERT_EQ(api.status, 200);
  EXPECT_EQ(api.header("Content-Type"), "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
  EXPECT_EQ(api.obj()["kind"], "APIGroupDiscoveryList");
  Reply apis = h.get("/apis", {{"Accept", aggregatedAccept}});
  EXPECT_EQ(apis.header("Content-Type"), "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");

  Reply legacy = h.get("/api");
  ASSERT_EQ(legacy.status, 200);
  EXPECT_EQ(legacy.header("Content-Type"), "application/json");
  EXPECT_EQ(legacy.obj()["kind"], "APIVersions");
  EXPECT_EQ(h.get("/apis").obj()["kind"], "APIGroupList");
  json v1 = h.get("/api/v1").obj();
  EXPECT_EQ(v1["kind"], "APIResourceList");
  EXPECT_EQ(h.get("/apis/networking.k8s.io/v1").obj()["groupVersion"], "networking.k8s.io/v1");
  json group = h.get("/apis/networking.k8s.io").obj();
  EXPECT_EQ(group["kind"], "APIGroup");
  EXPECT_EQ(group["name"], "networking.k8s.io");
  EXPECT_EQ(h.get("/apis/apps/v1").status, 404);
}

TEST(RouterTest, OpenApiV3WithHashesAndEtags) {
  ApiHarness h;
  Reply root = h.get("/openapi/v3");
  ASSERT_EQ(root.status, 200);
  std::string url = root.obj()["paths"]["api/v1"]["serverRelativeURL"];
  ASSERT_NE(url.find("?hash="), std::string::npos);
  Reply doc = h.get(url);
  ASSERT_EQ(doc.status, 200);
  EXPECT_EQ(doc.header("Content-Type"), "application/json");
  EXPECT_EQ(doc.header("Cache-Control"), "public, immutable");
  std::string etag = doc.header("ETag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(etag, "\"" + url.substr(url.find("?hash=") + 6) + "\"");
  Reply cached = h.get("/openapi/v3/api/v1", {{"If-None-Match", etag}, {"Accept", "application/json"}});
  EXPECT_EQ(cached.status, 304);
  EXPECT_TRUE(cached.body.empty());
  Reply stale = h.get("/openapi/v3/api/v1?hash=0000");
  EXPECT_EQ(stale.status, 301);
  EXPECT_EQ(stale.header("Location"), url);
  EXPECT_EQ(h.get("/openapi/v3/apis/apps/v1").status, 404);
  EXPECT_EQ(h.get("/openapi/v2", {{"Accept", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"}}).status, 404);
}

TEST(RouterTest, UnknownPathsAreNotFoundStatuses) {
  ApiHarness h;
  for (const char* path : {"/", "/nothing", "/apis/nothing/v1/things", "/api/v2/pods"}) {
    Reply r = h.get(path);
    ASSERT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.obj()["kind"], "Status");
    EXPECT_EQ(r.obj()["reason"], "NotFound");
    EXPECT_EQ(r.obj()["message"], "the server could not find the requested resource");
  }
}

}  // namespace
}  // namespace edgeway::apiserver::testing
