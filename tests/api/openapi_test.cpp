#include "api/openapi.h"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace edgeway::api {
namespace {

using nlohmann::json;

std::vector<OpenApiResource> servedResources() {
  return {
      {"", "v1", "services", "Service", true, true},
      {"", "v1", "endpoints", "Endpoints", true, false},
      {"", "v1", "namespaces", "Namespace", false, true},
      {"", "v1", "pods", "Pod", true, true},
      {"", "v1", "nodes", "Node", false, true},
      {"", "v1", "secrets", "Secret", true, false},
      {"", "v1", "events", "Event", true, false},
      {"discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true, false},
      {"networking.k8s.io", "v1", "ingresses", "Ingress", true, true},
      {"networking.k8s.io", "v1", "ingressclasses", "IngressClass", false, false},
  };
}

const OpenApiV3& served() {
  static const OpenApiV3 docs = [] {
    Result<OpenApiV3> r = OpenApiV3::create(servedResources());
    EXPECT_TRUE(r.isOk()) << r.status().toString();
    return std::move(r).value();
  }();
  return docs;
}

json documentJson(std::string_view gvPath) {
  const std::string* body = served().document(gvPath);
  EXPECT_NE(body, nullptr) << gvPath;
  return body == nullptr ? json() : json::parse(*body);
}

const json& schemaNamed(const json& doc, const std::string& name) {
  return doc["components"]["schemas"][name];
}

// Resolves {"$ref"} and single-element {"allOf":[…]} the way kubectl explain does.
const json& resolve(const json& doc, const json& schema) {
  if (schema.contains("$ref")) {
    const std::string ref = schema["$ref"];
    const std::string prefix = "#/components/schemas/";
    EXPECT_EQ(ref.rfind(prefix, 0), 0u);
    return resolve(doc, doc["components"]["schemas"][ref.substr(prefix.size())]);
  }
  if (schema.contains("allOf") && schema["allOf"].size() == 1) return resolve(doc, schema["allOf"][0]);
  if (schema.contains("items")) return resolve(doc, schema["items"]);
  return schema;
}

TEST(OpenApiTest, RootLinksEveryGroupVersionWithItsHash) {
  const json root = json::parse(served().root());
  ASSERT_EQ(root["paths"].size(), 3u);
  for (const char* gv : {"api/v1", "apis/discovery.k8s.io/v1", "apis/networking.k8s.io/v1"}) {
    const std::string hash(served().hash(gv));
    EXPECT_GE(hash.size(), 16u);
    EXPECT_EQ(hash.find_first_not_of("0123456789ABCDEF"), std::string::npos) << hash;
    EXPECT_EQ(root["paths"][gv]["serverRelativeURL"], "/openapi/v3/" + std::string(gv) + "?hash=" + hash);
  }
  EXPECT_EQ(served().document("apis/apps/v1"), nullptr);
  EXPECT_EQ(served().hash("apis/apps/v1"), "");
  EXPECT_EQ(served().document("/api/v1"), served().document("api/v1"));
}

TEST(OpenApiTest, DocumentsAreOpenApi3) {
  for (const char* gv : {"api/v1", "apis/discovery.k8s.io/v1", "apis/networking.k8s.io/v1"}) {
    const json doc = documentJson(gv);
    EXPECT_EQ(doc["openapi"], "3.0.0");
    EXPECT_EQ(doc["info"]["title"], "Kubernetes");
    EXPECT_EQ(doc["info"]["version"], "v1.32.0");
  }
}

TEST(OpenApiTest, PatchOperationCarriesWhatKubectlLooksFor) {
  const json doc = documentJson("api/v1");
  const json& patch = doc["paths"]["/api/v1/namespaces/{namespace}/services/{name}"]["patch"];
  EXPECT_EQ(patch["x-kubernetes-group-version-kind"],
            json::parse(R"({"group":"","version":"v1","kind":"Service"})"));
  EXPECT_EQ(patch["x-kubernetes-action"], "patch");
  EXPECT_EQ(patch["operationId"], "patchCoreV1NamespacedService");
  std::set<std::string> params;
  for (const json& p : patch["parameters"]) params.insert(p["name"].get<std::string>());
  EXPECT_EQ(params, (std::set<std::string>{"dryRun", "fieldManager", "fieldValidation", "force"}));
  for (const char* type : {"application/json-patch+json", "application/merge-patch+json",
                           "application/strategic-merge-patch+json", "application/apply-patch+yaml"}) {
    EXPECT_EQ(patch["requestBody"]["content"][type]["schema"]["$ref"],
              "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch")
        << type;
  }
  EXPECT_EQ(patch["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/io.k8s.api.core.v1.Service");
  EXPECT_EQ(schemaNamed(doc, "io.k8s.apimachinery.pkg.apis.meta.v1.Patch")["type"], "object");

  const json net = documentJson("apis/networking.k8s.io/v1");
  const json& ingPatch =
      net["paths"]["/apis/networking.k8s.io/v1/namespaces/{namespace}/ingresses/{name}"]["patch"];
  EXPECT_EQ(ingPatch["x-kubernetes-group-version-kind"]["group"], "networking.k8s.io");
  EXPECT_EQ(ingPatch["operationId"], "patchNetworkingV1NamespacedIngress");
}

TEST(OpenApiTest, PathsFollowScopeAndSubresources) {
  const json doc = documentJson("api/v1");
  const json& paths = doc["paths"];
  EXPECT_EQ(paths["/api/v1/namespaces/{namespace}/services"]["get"]["x-kubernetes-action"], "list");
  EXPECT_EQ(paths["/api/v1/namespaces/{namespace}/services"]["post"]["x-kubernetes-action"], "post");
  EXPECT_EQ(paths["/api/v1/namespaces/{namespace}/services"]["delete"]["x-kubernetes-action"],
            "deletecollection");
  EXPECT_EQ(paths["/api/v1/services"]["get"]["operationId"], "listCoreV1ServiceForAllNamespaces");
  EXPECT_TRUE(paths.contains("/api/v1/namespaces/{namespace}/services/{name}/status"));
  EXPECT_FALSE(paths.contains("/api/v1/namespaces/{namespace}/secrets/{name}/status"));
  // Cluster-scoped: no namespace segment, no all-namespaces list.
  EXPECT_EQ(paths["/api/v1/namespaces/{name}"]["get"]["operationId"], "readCoreV1Namespace");
  EXPECT_EQ(paths["/api/v1/nodes/{name}/status"]["patch"]["operationId"], "patchCoreV1NodeStatus");
  EXPECT_EQ(paths["/api/v1/namespaces/{namespace}/services"]["get"]["responses"]["200"]["content"]
                 ["application/json"]["schema"]["$ref"],
            "#/components/schemas/io.k8s.api.core.v1.ServiceList");
  // The item path's get/put/patch/delete all name the kind.
  for (const char* verb : {"get", "put", "patch", "delete"}) {
    EXPECT_EQ(paths["/api/v1/nodes/{name}"][verb]["x-kubernetes-group-version-kind"]["kind"], "Node") << verb;
  }
}

TEST(OpenApiTest, SchemasCarryKubernetesExtensions) {
  const json doc = documentJson("api/v1");
  const json& service = schemaNamed(doc, "io.k8s.api.core.v1.Service");
  EXPECT_EQ(service["x-kubernetes-group-version-kind"],
            json::parse(R"([{"group":"","version":"v1","kind":"Service"}])"));
  EXPECT_EQ(schemaNamed(doc, "io.k8s.api.core.v1.ServiceList")["x-kubernetes-group-version-kind"][0]["kind"],
            "ServiceList");

  const json& ports = schemaNamed(doc, "io.k8s.api.core.v1.ServiceSpec")["properties"]["ports"];
  EXPECT_EQ(ports["type"], "array");
  EXPECT_EQ(ports["x-kubernetes-patch-strategy"], "merge");
  EXPECT_EQ(ports["x-kubernetes-patch-merge-key"], "port");
  EXPECT_EQ(ports["x-kubernetes-list-type"], "map");
  EXPECT_EQ(ports["x-kubernetes-list-map-keys"], json::parse(R"(["port","protocol"])"));
  EXPECT_EQ(ports["items"]["$ref"], "#/components/schemas/io.k8s.api.core.v1.ServicePort");

  const json& port = schemaNamed(doc, "io.k8s.api.core.v1.ServicePort");
  EXPECT_EQ(port["required"], json::parse(R"(["port"])"));
  EXPECT_EQ(port["properties"]["port"]["format"], "int32");
  EXPECT_EQ(port["properties"]["protocol"]["enum"], json::parse(R"(["SCTP","TCP","UDP"])"));
  const json& target = resolve(doc, port["properties"]["targetPort"]);
  EXPECT_EQ(target["format"], "int-or-string");
  EXPECT_EQ(target["x-kubernetes-int-or-string"], true);

  const json& meta = schemaNamed(doc, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")["properties"];
  EXPECT_EQ(resolve(doc, meta["creationTimestamp"])["format"], "date-time");
  EXPECT_EQ(meta["labels"]["additionalProperties"]["type"], "string");
  const json& fieldsV1 =
      schemaNamed(doc, "io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry")["properties"]["fieldsV1"];
  EXPECT_EQ(fieldsV1["x-kubernetes-preserve-unknown-fields"], true);
  const json& data = schemaNamed(doc, "io.k8s.api.core.v1.Secret")["properties"]["data"];
  EXPECT_EQ(data["additionalProperties"]["format"], "byte");
  EXPECT_EQ(resolve(doc, schemaNamed(doc, "io.k8s.api.core.v1.NodeStatus")["properties"]["capacity"]
                                                                          ["additionalProperties"])["type"],
            "string");
  for (const char* meta : {"Status", "DeleteOptions", "ListMeta", "Patch"}) {
    EXPECT_TRUE(
        doc["components"]["schemas"].contains(std::string("io.k8s.apimachinery.pkg.apis.meta.v1.") + meta));
  }
}

TEST(OpenApiTest, EveryRefResolvesInItsOwnDocument) {
  for (const char* gv : {"api/v1", "apis/discovery.k8s.io/v1", "apis/networking.k8s.io/v1"}) {
    const json doc = documentJson(gv);
    const json& schemas = doc["components"]["schemas"];
    int refs = 0;
    std::function<void(const json&)> walk = [&](const json& node) {
      if (node.is_object()) {
        for (auto it = node.begin(); it != node.end(); ++it) {
          if (it.key() == "$ref") {
            ++refs;
            const std::string ref = it.value();
            const std::string prefix = "#/components/schemas/";
            ASSERT_EQ(ref.rfind(prefix, 0), 0u) << ref;
            EXPECT_TRUE(schemas.contains(ref.substr(prefix.size()))) << gv << ": " << ref;
          } else {
            walk(it.value());
          }
        }
      } else if (node.is_array()) {
        for (const json& item : node) walk(item);
      }
    };
    walk(doc);
    EXPECT_GT(refs, 20) << gv;
  }
}

// Walks a field path the way `kubectl explain <resource>.<path>` does: find the GVK on the
// resource's operations, the schema carrying that GVK, then follow properties.
const json* explain(const json& doc, const std::string& itemPath, const std::vector<std::string>& fieldPath) {
  const json& gvk = doc["paths"][itemPath]["get"]["x-kubernetes-group-version-kind"];
  const json* schema = nullptr;
  for (const auto& [name, s] : doc["components"]["schemas"].items()) {
    const json& gvks = s.value("x-kubernetes-group-version-kind", json::array());
    for (const json& g : gvks) {
      if (g == gvk) schema = &s;
    }
  }
  if (schema == nullptr) return nullptr;
  for (const std::string& field : fieldPath) {
    const json& resolved = resolve(doc, *schema);
    if (!resolved.contains("properties") || !resolved["properties"].contains(field)) return nullptr;
    schema = &resolved["properties"][field];
  }
  return schema;
}

TEST(OpenApiTest, ExplainCanWalkIntoNestedFields) {
  const json core = documentJson("api/v1");
  const json* targetPort =
      explain(core, "/api/v1/namespaces/{namespace}/services/{name}", {"spec", "ports", "targetPort"});
  ASSERT_NE(targetPort, nullptr);
  EXPECT_FALSE((*targetPort)["description"].get<std::string>().empty());

  const json net = documentJson("apis/networking.k8s.io/v1");
  const json* pathType = explain(net, "/apis/networking.k8s.io/v1/namespaces/{namespace}/ingresses/{name}",
                                 {"spec", "rules", "http", "paths", "pathType"});
  ASSERT_NE(pathType, nullptr);
  EXPECT_EQ((*pathType)["enum"], json::parse(R"(["Exact","ImplementationSpecific","Prefix"])"));
  EXPECT_NE(explain(net, "/apis/networking.k8s.io/v1/ingressclasses/{name}", {"spec", "controller"}),
            nullptr);

  const json disc = documentJson("apis/discovery.k8s.io/v1");
  EXPECT_NE(explain(disc, "/apis/discovery.k8s.io/v1/namespaces/{namespace}/endpointslices/{name}",
                    {"endpoints", "conditions", "ready"}),
            nullptr);
}

TEST(OpenApiTest, HashChangesWithContent) {
  Result<OpenApiV3> a = OpenApiV3::create({{"", "v1", "services", "Service", true, true}});
  Result<OpenApiV3> b = OpenApiV3::create({{"", "v1", "services", "Service", true, false}});
  Result<OpenApiV3> c = OpenApiV3::create({{"", "v1", "services", "Service", true, true}});
  ASSERT_TRUE(a.isOk() && b.isOk() && c.isOk());
  EXPECT_NE(a->hash("api/v1"), b->hash("api/v1"));
  EXPECT_EQ(a->hash("api/v1"), c->hash("api/v1"));  // deterministic
  EXPECT_NE(a->root(), b->root());
  EXPECT_EQ(a->document("apis/networking.k8s.io/v1"), nullptr);
}

TEST(OpenApiTest, UnknownKindIsAnError) {
  Result<OpenApiV3> r = OpenApiV3::create({{"apps", "v1", "deployments", "Deployment", true, true}});
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace edgeway::api
