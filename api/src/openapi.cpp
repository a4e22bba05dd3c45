#include "api/openapi.h"

#include <nlohmann/json.hpp>

#include "api/schema.h"
#include "api/src/openapi_build.h"

namespace edgeway::api {
namespace {

using nlohmann::json;

std::string gvPathOf(const OpenApiResource& r) {
  return r.group.empty() ? "api/" + r.version : "apis/" + r.group + "/" + r.version;
}

json emptyDocument() {
  return {{"openapi", "3.0.0"},
          {"info", {{"title", "Kubernetes"}, {"version", "v1.32.0"}}},
          {"paths", json::object()},
          {"components", {{"schemas", json::object()}}}};
}

}  // namespace

Result<OpenApiV3> OpenApiV3::create(const std::vector<OpenApiResource>& resources) {
  // Build every group-version as JSON first, then keep only the serialized strings.
  std::map<std::string, json> docs;
  for (const OpenApiResource& r : resources) {
    const TypeDef* kind = findKind(r.group, r.version, r.kind);
    const TypeDef* list = findKind(r.group, r.version, r.kind + "List");
    if (kind == nullptr || list == nullptr) {
      return invalidArgument("openapi: no schema for " + r.kind + " in " + gvPathOf(r));
    }
    auto [it, inserted] = docs.try_emplace(gvPathOf(r));
    json& doc = it->second;
    if (inserted) {
      doc = emptyDocument();
      json& schemas = doc["components"]["schemas"];
      // What every operation refers to besides the kinds themselves.
      for (const char* meta : {"io.k8s.apimachinery.pkg.apis.meta.v1.Status",
                               "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions",
                               "io.k8s.apimachinery.pkg.apis.meta.v1.Patch"}) {
        openapi::addSchemas(*findType(meta), schemas);
      }
    }
    openapi::addSchemas(*kind, doc["components"]["schemas"]);
    openapi::addSchemas(*list, doc["components"]["schemas"]);
    openapi::addPaths(r, *kind, *list, doc["paths"]);
  }

  OpenApiV3 out;
  json root = {{"paths", json::object()}};
  for (auto& [path, doc] : docs) {
    Document d;
    d.body = doc.dump();
    d.hash = openapi::hashHex(d.body);
    root["paths"][path] = {{"serverRelativeURL", "/openapi/v3/" + path + "?hash=" + d.hash}};
    out.documents_.emplace(path, std::move(d));
  }
  out.root_ = root.dump();
  return out;
}

const OpenApiV3::Document* OpenApiV3::find(std::string_view gvPath) const {
  if (!gvPath.empty() && gvPath.front() == '/') gvPath.remove_prefix(1);
  auto it = documents_.find(gvPath);
  return it == documents_.end() ? nullptr : &it->second;
}

const std::string* OpenApiV3::document(std::string_view gvPath) const {
  const Document* d = find(gvPath);
  return d == nullptr ? nullptr : &d->body;
}

std::string_view OpenApiV3::hash(std::string_view gvPath) const {
  const Document* d = find(gvPath);
  return d == nullptr ? std::string_view() : std::string_view(d->hash);
}

}  // namespace edgeway::api
