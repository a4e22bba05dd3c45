#include "apiserver/resources.h"

#include "apiserver/src/strategies.h"
#include "apiserver/src/tables.h"

namespace edgeway::apiserver {

ResourceCatalog::ResourceCatalog(std::vector<std::unique_ptr<ResourceInfo>> resources)
    : resources_(std::move(resources)) {}

const ResourceInfo* ResourceCatalog::find(std::string_view group, std::string_view version,
                                          std::string_view resource) const {
  for (const auto& r : resources_) {
    if (r->group == group && r->version == version && r->resource == resource) return r.get();
  }
  return nullptr;
}

const ResourceInfo* ResourceCatalog::findKind(std::string_view group, std::string_view version,
                                              std::string_view kind) const {
  for (const auto& r : resources_) {
    if (r->group == group && r->version == version && r->kind == kind) return r.get();
  }
  return nullptr;
}

namespace {

struct Spec {
  const char* group;
  const char* resource;
  const char* singular;
  const char* kind;
  bool namespaced;
  std::vector<std::string> shortNames;
  std::vector<std::string> categories;
  bool hasStatus;
  std::vector<std::string> fieldSelectors;
};

std::unique_ptr<ResourceInfo> make(Spec spec, std::unique_ptr<Strategy> strategy, TableConvertor table) {
  auto info = std::make_unique<ResourceInfo>();
  info->group = spec.group;
  info->version = "v1";
  info->resource = spec.resource;
  info->singular = spec.singular;
  info->kind = spec.kind;
  info->namespaced = spec.namespaced;
  info->shortNames = std::move(spec.shortNames);
  info->categories = std::move(spec.categories);
  info->hasStatus = spec.hasStatus;
  info->fieldSelectors = std::move(spec.fieldSelectors);
  info->strategy = std::move(strategy);
  info->table = std::move(table);
  return info;
}

}  // namespace

ResourceCatalog buildCatalog(std::unique_ptr<Strategy> serviceStrategy) {
  // Order matters only for discovery output: core first, then the named groups in the order
  // /apis lists them.
  std::vector<std::unique_ptr<ResourceInfo>> all;
  all.push_back(make({"", "namespaces", "namespace", "Namespace", false, {"ns"}, {}, true, {"status.phase"}},
                     makeNamespaceStrategy(), tables::namespaceTable()));
  all.push_back(make({"", "services", "service", "Service", true, {"svc"}, {"all"}, true, {}},
                     std::move(serviceStrategy), tables::serviceTable()));
  all.push_back(make({"", "endpoints", "endpoints", "Endpoints", true, {"ep"}, {}, false, {}},
                     makeEndpointsStrategy(), tables::endpointsTable()));
  all.push_back(make({"",
                      "pods",
                      "pod",
                      "Pod",
                      true,
                      {"po"},
                      {"all"},
                      true,
                      {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                       "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"}},
                     makePodStrategy(), tables::podTable()));
  all.push_back(make({"", "nodes", "node", "Node", false, {"no"}, {}, true, {"spec.unschedulable"}},
                     makeNodeStrategy(), tables::nodeTable()));
  all.push_back(make({"", "secrets", "secret", "Secret", true, {}, {}, false, {"type"}}, makeSecretStrategy(),
                     tables::secretTable()));
  // "source" selects on source.component in kube; the rest are the fields' own paths.
  all.push_back(make({"",
                      "events",
                      "event",
                      "Event",
                      true,
                      {"ev"},
                      {},
                      false,
                      {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
                       "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
                       "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"}},
                     makeEventStrategy(), tables::eventTable()));
  all.push_back(
      make({"discovery.k8s.io", "endpointslices", "endpointslice", "EndpointSlice", true, {}, {}, false, {}},
           makeEndpointSliceStrategy(), tables::endpointSliceTable()));
  all.push_back(make({"networking.k8s.io", "ingresses", "ingress", "Ingress", true, {"ing"}, {}, true, {}},
                     makeIngressStrategy(), tables::ingressTable()));
  all.push_back(
      make({"networking.k8s.io", "ingressclasses", "ingressclass", "IngressClass", false, {}, {}, false, {}},
           makeIngressClassStrategy(), tables::ingressClassTable()));
  return ResourceCatalog(std::move(all));
}

}  // namespace edgeway::apiserver
