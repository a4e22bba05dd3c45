#pragma once
// EndpointGroup: the endpoints that belong in EndpointSlices of one address type and one
// port list -- what the endpointslice and mirroring controllers compute from their sources
// (Pods behind a Service; a user's core/v1 Endpoints) before slices are assigned.
//
// Endpoints are slice-format JSON ({addresses, conditions, hostname, nodeName, targetRef}),
// keyed by endpointKey() so that an endpoint can be found again in an existing slice.

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/pod_view.h"
#include "api/service_view.h"

namespace edgeway::apiserver::controllers {

struct EndpointGroup {
  std::string addressType;                          // "IPv4" or "IPv6"
  nlohmann::json ports = nlohmann::json::array();   // slice ports, every field explicit
  std::map<std::string, nlohmann::json> endpoints;  // by endpointKey()
};

// The identity of an endpoint inside its group: the Pod it points to, else its first
// address (two hostNetwork Pods share an address but never a name).
std::string endpointKey(const nlohmann::json& endpoint);

// The groups of `service`'s endpoints from the `pods` of its namespace that match its
// selector and have addresses. A Pod whose named targetPort does not resolve is left out
// of that port only, so it lands in the group of the ports it does have.
std::vector<EndpointGroup> groupsForService(const api::ServiceView& service,
                                            const std::vector<const api::PodView*>& pods);

// core/v1 Endpoints `subsets` for `service` from the same Pods: addresses of the Service's
// primary family, ready ones in `addresses`, others in `notReadyAddresses`, grouped by
// the ports each address resolved; sorted so that equal inputs give equal JSON.
nlohmann::json endpointsSubsetsForService(const api::ServiceView& service,
                                          const std::vector<const api::PodView*>& pods);

// Kubernetes caps an Endpoints object at 1000 addresses (EndpointSlices carry the rest).
constexpr size_t kMaxEndpointsAddresses = 1000;
constexpr const char* kOverCapacityAnnotation = "endpoints.kubernetes.io/over-capacity";

// Cuts `subsets` down to `max` addresses as kube's endpoints controller does: not-ready
// addresses go first; when the ready ones alone exceed `max`, only ready ones are kept.
// Each subset keeps a share proportional to its size (rounded up, the last ones getting
// what is left). False when nothing had to go.
bool truncateEndpointSubsets(nlohmann::json& subsets, size_t max = kMaxEndpointsAddresses);

// The groups mirrored from a user-written core/v1 Endpoints object: one per subset and
// address family. Addresses that do not parse are skipped.
std::vector<EndpointGroup> groupsFromEndpoints(const nlohmann::json& endpoints);

// True when every selector term is among `labels` (an empty selector matches nothing:
// a Service without one has no Pods).
bool selectorMatches(const std::map<std::string, std::string>& selector,
                     const std::map<std::string, std::string>& labels);

}  // namespace edgeway::apiserver::controllers
