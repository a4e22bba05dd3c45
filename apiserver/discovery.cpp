#include "apiserver/discovery.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "apiserver/src/access_review.h"

namespace edgeway::apiserver {

using nlohmann::json;

namespace {

const std::vector<std::string> kVerbs = {"create", "delete", "deletecollection", "get",
                                         "list",   "patch",  "update",           "watch"};
const std::vector<std::string> kStatusVerbs = {"get", "patch", "update"};
const std::vector<std::string> kCreateOnly = {"create"};

// Everything discovery lists: the catalog's stored resources, then the create-only
// authorization reviews, which the catalog does not hold because nothing stores them.
std::vector<const ResourceInfo*> served(const ResourceCatalog& catalog) {
  std::vector<const ResourceInfo*> out;
  for (const auto& r : catalog.all()) out.push_back(r.get());
  for (const ResourceInfo* r : reviewResources()) out.push_back(r);
  return out;
}

const std::vector<std::string>& verbsOf(const ResourceInfo& r) {
  for (const ResourceInfo* review : reviewResources()) {
    if (review == &r) return kCreateOnly;
  }
  return kVerbs;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Splits on `sep`, trimming each piece.
std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    size_t at = s.find(sep);
    out.push_back(trim(s.substr(0, at)));
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + 1);
  }
}

// Named groups with their versions, in catalog order.
std::vector<std::pair<std::string, std::vector<std::string>>> namedGroups(const ResourceCatalog& catalog) {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  for (const ResourceInfo* r : served(catalog)) {
    if (r->group.empty()) continue;
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& g) { return g.first == r->group; });
    if (it == out.end()) it = out.insert(out.end(), {r->group, {}});
    if (std::find(it->second.begin(), it->second.end(), r->version) == it->second.end()) {
      it->second.push_back(r->version);
    }
  }
  return out;
}

json groupVersionRef(const std::string& group, const std::string& version) {
  return {{"groupVersion", group + "/" + version}, {"version", version}};
}

json kindRef(const ResourceInfo& r) { return {{"group", r.group}, {"version", r.version}, {"kind", r.kind}}; }

json legacyResource(const ResourceInfo& r) {
  json entry = {{"name", r.resource},
                {"singularName", r.singular},
                {"namespaced", r.namespaced},
                {"kind", r.kind},
                {"verbs", verbsOf(r)}};
  if (!r.shortNames.empty()) entry["shortNames"] = r.shortNames;
  if (!r.categories.empty()) entry["categories"] = r.categories;
  return entry;
}

json legacyStatus(const ResourceInfo& r) {
  return {{"name", r.resource + "/status"},
          {"singularName", ""},
          {"namespaced", r.namespaced},
          {"kind", r.kind},
          {"verbs", kStatusVerbs}};
}

json aggregatedResource(const ResourceInfo& r) {
  json entry = {{"resource", r.resource},
                {"responseKind", kindRef(r)},
                {"scope", r.namespaced ? "Namespaced" : "Cluster"},
                {"singularResource", r.singular},
                {"verbs", verbsOf(r)}};
  if (!r.shortNames.empty()) entry["shortNames"] = r.shortNames;
  if (!r.categories.empty()) entry["categories"] = r.categories;
  if (r.hasStatus) {
    entry["subresources"] =
        json::array({{{"subresource", "status"}, {"responseKind", kindRef(r)}, {"verbs", kStatusVerbs}}});
  }
  return entry;
}

// One APIGroupDiscovery: the group's versions, each with its resources.
json groupDiscovery(const ResourceCatalog& catalog, const std::string& group,
                    const std::vector<std::string>& versions) {
  json versionList = json::array();
  for (const auto& version : versions) {
    json resources = json::array();
    for (const ResourceInfo* r : served(catalog)) {
      if (r->group == group && r->version == version) resources.push_back(aggregatedResource(*r));
    }
    versionList.push_back(
        {{"version", version}, {"resources", std::move(resources)}, {"freshness", "Current"}});
  }
  return {{"metadata", {{"name", group}}}, {"versions", std::move(versionList)}};
}

}  // namespace

bool acceptsAggregatedDiscovery(std::string_view accept) {
  for (std::string_view range : split(accept, ',')) {
    std::vector<std::string_view> parts = split(range, ';');
    if (lower(parts[0]) != "application/json") continue;
    std::map<std::string, std::string> params;
    for (size_t i = 1; i < parts.size(); ++i) {
      size_t eq = parts[i].find('=');
      if (eq == std::string_view::npos) continue;
      params[lower(trim(parts[i].substr(0, eq)))] = std::string(trim(parts[i].substr(eq + 1)));
    }
    if (params["g"] == "apidiscovery.k8s.io" && params["v"] == "v2" &&
        params["as"] == "APIGroupDiscoveryList") {
      return true;
    }
  }
  return false;
}

json apiVersions(std::string_view serverAddress) {
  return {{"kind", "APIVersions"},
          {"versions", json::array({"v1"})},
          {"serverAddressByClientCIDRs",
           json::array({{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", std::string(serverAddress)}}})}};
}

json apiGroupList(const ResourceCatalog& catalog) {
  json groups = json::array();
  for (const auto& [group, versions] : namedGroups(catalog)) {
    json versionRefs = json::array();
    for (const auto& v : versions) versionRefs.push_back(groupVersionRef(group, v));
    groups.push_back({{"name", group},
                      {"versions", std::move(versionRefs)},
                      {"preferredVersion", groupVersionRef(group, versions[0])}});
  }
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", std::move(groups)}};
}

json apiResourceList(const ResourceCatalog& catalog, std::string_view group, std::string_view version) {
  json resources = json::array();
  for (const ResourceInfo* r : served(catalog)) {
    if (r->group != group || r->version != version) continue;
    resources.push_back(legacyResource(*r));
    if (r->hasStatus) resources.push_back(legacyStatus(*r));
  }
  if (resources.empty()) return nullptr;
  std::string groupVersion =
      group.empty() ? std::string(version) : std::string(group) + "/" + std::string(version);
  return {{"kind", "APIResourceList"},
          {"apiVersion", "v1"},
          {"groupVersion", groupVersion},
          {"resources", std::move(resources)}};
}

std::vector<std::pair<std::string, std::string>> servedGroupVersions(const ResourceCatalog& catalog) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const ResourceInfo* r : served(catalog)) {
    std::pair<std::string, std::string> gv{r->group, r->version};
    if (std::find(out.begin(), out.end(), gv) == out.end()) out.push_back(std::move(gv));
  }
  return out;
}

json aggregatedDiscovery(const ResourceCatalog& catalog, bool legacyCore) {
  json items = json::array();
  if (legacyCore) {
    std::vector<std::string> versions;
    for (const auto& r : catalog.all()) {
      if (r->group.empty() && std::find(versions.begin(), versions.end(), r->version) == versions.end()) {
        versions.push_back(r->version);
      }
    }
    if (!versions.empty()) items.push_back(groupDiscovery(catalog, "", versions));
  } else {
    for (const auto& [group, versions] : namedGroups(catalog)) {
      items.push_back(groupDiscovery(catalog, group, versions));
    }
  }
  return {{"kind", "APIGroupDiscoveryList"},
          {"apiVersion", "apidiscovery.k8s.io/v2"},
          {"metadata", json::object()},
          {"items", std::move(items)}};
}

}  // namespace edgeway::apiserver
