#pragma once
// What the API server knows about each served resource: discovery facts, its strategy
// and its server-side Table columns. One catalog is built at start-up (apiserver/resources.h).

#include <ctime>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "apiserver/strategy.h"

namespace edgeway::apiserver {

struct TableColumn {
  std::string name;         // "Cluster-IP"
  std::string type;         // "string", "integer", "date"
  std::string format;       // "name" on the name column
  std::string description;
  int priority = 0;         // 1: shown only with -o wide
};

struct TableConvertor {
  std::vector<TableColumn> columns;
  // Cells of one row (a JSON array, one per column) for `obj`, with ages relative to `now`.
  std::function<nlohmann::json(const nlohmann::json& obj, std::time_t now)> cells;
};

struct ResourceInfo {
  std::string group;        // "" for core
  std::string version;      // "v1"
  std::string resource;     // "services"
  std::string singular;     // "service"
  std::string kind;         // "Service"
  bool namespaced = true;
  std::vector<std::string> shortNames;
  std::vector<std::string> categories;
  bool hasStatus = false;   // serves <resource>/status
  // Field selector keys beyond metadata.name and metadata.namespace, as dotted JSON paths
  // (e.g. "spec.nodeName", "involvedObject.kind").
  std::vector<std::string> fieldSelectors;
  std::unique_ptr<Strategy> strategy;
  TableConvertor table;

  std::string apiVersion() const { return group.empty() ? version : group + "/" + version; }
  std::string listKind() const { return kind + "List"; }
  // Prefix of store keys for this resource: "/<group or core>/<resource>/".
  std::string storePrefix() const { return "/" + (group.empty() ? std::string("core") : group) + "/" + resource + "/"; }
  ResourceRef ref(const std::string& name) const { return ResourceRef{group, resource, kind, name}; }
};

}  // namespace edgeway::apiserver
