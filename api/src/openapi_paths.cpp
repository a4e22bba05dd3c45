// The REST operations of one resource, in the shape kube-apiserver publishes: kubectl reads
// the GVK and the fieldValidation parameter of the PATCH operation, explain finds the kind
// through the GVK of the collection or item operations.
#include <cctype>

#include "api/src/openapi_build.h"

namespace edgeway::api::openapi {
namespace {

using nlohmann::json;

const char* const kStatus = "io.k8s.apimachinery.pkg.apis.meta.v1.Status";
const char* const kDeleteOptions = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions";
const char* const kPatch = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch";

json query(const char* name, const char* type, const char* description) {
  return {{"name", name}, {"in", "query"}, {"description", description}, {"schema", {{"type", type}}}};
}

json pathParam(const char* name, const std::string& description) {
  return {{"name", name},
          {"in", "path"},
          {"required", true},
          {"description", description},
          {"schema", {{"type", "string"}}}};
}

// Query parameters, grouped the way the operations use them.
json writeParams(bool patch) {
  json p = json::array({
      query("dryRun", "string", "When All, the request is validated and answered but not persisted."),
      query("fieldManager", "string", "Name of the actor making the change, recorded in managedFields."),
      query("fieldValidation", "string", "Handling of unknown or duplicate fields: Ignore, Warn or Strict."),
  });
  if (patch) {
    p.push_back(query("force", "boolean", "For apply patches: take over fields owned by other managers."));
  }
  return p;
}

json listParams() {
  return json::array({
      query("allowWatchBookmarks", "boolean", "Ask for BOOKMARK events in a watch."),
      query("continue", "string", "Token from a previous limited list, to fetch the next page."),
      query("fieldSelector", "string", "Only objects whose fields match, e.g. metadata.name=web."),
      query("labelSelector", "string", "Only objects whose labels match, e.g. app=web."),
      query("limit", "integer", "Largest number of objects to return."),
      query("resourceVersion", "string", "Version the list or watch starts from."),
      query("resourceVersionMatch", "string",
            "How resourceVersion applies to a list: Exact or NotOlderThan."),
      query("sendInitialEvents", "boolean", "Start a watch with the current objects as ADDED events."),
      query("timeoutSeconds", "integer", "Ends the call after this many seconds."),
      query("watch", "boolean", "Stream changes instead of returning a list."),
  });
}

json deleteParams() {
  return json::array({
      query("dryRun", "string", "When All, the deletion is validated but not performed."),
      query("gracePeriodSeconds", "integer", "Seconds to wait before deleting; 0 deletes at once."),
      query("ignoreStoreReadErrorWithClusterBreakingPotential", "boolean",
            "Delete objects whose stored form cannot be read; dangerous."),
      query("orphanDependents", "boolean", "Deprecated: use propagationPolicy."),
      query("propagationPolicy", "string", "How dependents are collected: Orphan, Background or Foreground."),
  });
}

json jsonContent(const std::string& schemaName) {
  return {{"application/json", {{"schema", {{"$ref", refTo(schemaName)}}}}}};
}

json response(const char* description, const std::string& schemaName) {
  return {{"description", description}, {"content", jsonContent(schemaName)}};
}

// Everything an operation of one resource has in common.
struct OperationContext {
  std::string idSuffix;  // "CoreV1NamespacedService"
  std::string tag;       // "core_v1"
  json gvk;
};

json operation(const OperationContext& c, const std::string& action, const std::string& verb,
               const std::string& description, json params) {
  json op = {{"tags", json::array({c.tag})},
             {"description", description},
             {"operationId", verb + c.idSuffix},
             {"x-kubernetes-action", action},
             {"x-kubernetes-group-version-kind", c.gvk},
             {"responses", {{"401", {{"description", "Unauthorized"}}}}}};
  if (!params.empty()) op["parameters"] = std::move(params);
  return op;
}

// "networking.k8s.io" -> "Networking", "" -> "Core": the group part of operation ids.
std::string groupWord(const std::string& group) {
  if (group.empty()) return "Core";
  std::string g = group;
  const std::string suffix = ".k8s.io";
  if (g.size() > suffix.size() && g.compare(g.size() - suffix.size(), suffix.size(), suffix) == 0) {
    g.resize(g.size() - suffix.size());
  }
  std::string out;
  bool upper = true;
  for (char ch : g) {
    if (ch == '.' || ch == '-') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(ch))) : ch;
    upper = false;
  }
  return out;
}

std::string capitalized(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

void addItemOperations(const OperationContext& c, const std::string& kind, const std::string& what,
                       const std::string& subresource, json& item) {
  json put = operation(c, "put", "replace", "Replace " + what + ".", writeParams(false));
  put["requestBody"] = {{"required", true}, {"content", jsonContent(kind)}};
  put["responses"]["200"] = response("OK", kind);
  put["responses"]["201"] = response("Created", kind);

  json patch = operation(c, "patch", "patch", "Partially update " + what + ".", writeParams(true));
  json patchContent = json::object();
  for (const char* type : {"application/json-patch+json", "application/merge-patch+json",
                           "application/strategic-merge-patch+json", "application/apply-patch+yaml"}) {
    patchContent[type] = {{"schema", {{"$ref", refTo(kPatch)}}}};
  }
  patch["requestBody"] = {{"required", true}, {"content", std::move(patchContent)}};
  patch["responses"]["200"] = response("OK", kind);
  patch["responses"]["201"] = response("Created", kind);

  json get = operation(c, "get", "read", "Read " + what + ".", json::array());
  get["responses"]["200"] = response("OK", kind);

  item["get"] = std::move(get);
  item["put"] = std::move(put);
  item["patch"] = std::move(patch);
  if (subresource.empty()) {
    json del = operation(c, "delete", "delete", "Delete " + what + ".", deleteParams());
    del["requestBody"] = {{"content", jsonContent(kDeleteOptions)}};
    del["responses"]["200"] = response("OK", kStatus);
    del["responses"]["202"] = response("Accepted", kStatus);
    item["delete"] = std::move(del);
  }
}

}  // namespace

void addPaths(const OpenApiResource& r, const TypeDef& kind, const TypeDef& list, json& paths) {
  const std::string prefix = r.group.empty() ? "/api/" + r.version : "/apis/" + r.group + "/" + r.version;
  const std::string scope = r.namespaced ? "Namespaced" : "";
  std::string tag = r.group.empty() ? "core" : groupWord(r.group);
  for (char& ch : tag) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  const json gvk = {{"group", r.group}, {"kind", r.kind}, {"version", r.version}};
  const OperationContext c{groupWord(r.group) + capitalized(r.version) + scope + r.kind,
                           tag + "_" + r.version, gvk};

  const json pretty = query("pretty", "string", "When true, the JSON answer is indented.");
  const json nsParam = pathParam("namespace", "Namespace of the objects.");
  const json nameParam = pathParam("name", "Name of the " + r.kind + ".");
  const std::string base = prefix + (r.namespaced ? "/namespaces/{namespace}/" : "/") + r.resource;

  json collection = {{"parameters", r.namespaced ? json::array({nsParam, pretty}) : json::array({pretty})}};
  json listOp = operation(c, "list", "list", "List or watch " + r.resource + ".", listParams());
  listOp["responses"]["200"] = response("OK", list.name);
  json post = operation(c, "post", "create", "Create a " + r.kind + ".", writeParams(false));
  post["requestBody"] = {{"required", true}, {"content", jsonContent(kind.name)}};
  post["responses"]["200"] = response("OK", kind.name);
  post["responses"]["201"] = response("Created", kind.name);
  post["responses"]["202"] = response("Accepted", kind.name);
  json params = listParams();
  for (json& p : deleteParams()) params.push_back(std::move(p));
  json deleteCollection = operation(c, "deletecollection", "deleteCollection",
                                    "Delete a collection of " + r.resource + ".", std::move(params));
  // Operation ids put "Collection" before the scope: deleteCoreV1CollectionNamespacedService.
  deleteCollection["operationId"] =
      "delete" + groupWord(r.group) + capitalized(r.version) + "Collection" + scope + r.kind;
  deleteCollection["requestBody"] = {{"content", jsonContent(kDeleteOptions)}};
  deleteCollection["responses"]["200"] = response("OK", kStatus);
  collection["get"] = std::move(listOp);
  collection["post"] = std::move(post);
  collection["delete"] = std::move(deleteCollection);
  paths[base] = std::move(collection);

  const json itemParams =
      r.namespaced ? json::array({nameParam, nsParam, pretty}) : json::array({nameParam, pretty});
  json item = {{"parameters", itemParams}};
  addItemOperations(c, kind.name, "the " + r.kind, "", item);
  paths[base + "/{name}"] = std::move(item);

  if (r.hasStatus) {
    OperationContext sc = c;
    sc.idSuffix += "Status";
    json status = {{"parameters", itemParams}};
    addItemOperations(sc, kind.name, "the status of the " + r.kind, "status", status);
    paths[base + "/{name}/status"] = std::move(status);
  }

  if (r.namespaced) {
    OperationContext ac = c;
    ac.idSuffix = groupWord(r.group) + capitalized(r.version) + r.kind + "ForAllNamespaces";
    json all = {{"parameters", json::array({pretty})}};
    json op =
        operation(ac, "list", "list", "List or watch " + r.resource + " in every namespace.", listParams());
    op["responses"]["200"] = response("OK", list.name);
    all["get"] = std::move(op);
    paths[prefix + "/" + r.resource] = std::move(all);
  }
}

}  // namespace edgeway::api::openapi
