#pragma once
// SlicePlan: the writes that turn the EndpointSlices a controller manages for one Service
// into the desired groups -- a pure function, so the assignment of endpoints to slices is
// tested without a server.
//
// Assignment keeps churn low the way kube's reconciler does: an endpoint still wanted stays
// in the slice that holds it, new endpoints fill slices with room before new slices are
// made, slices no longer needed are reused for other endpoints of their address type
// before being deleted, and a slice whose content is already right is not written.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "apiserver/controllers/endpoint_group.h"

namespace edgeway::apiserver::controllers {

// What every managed slice of the Service carries besides its endpoints and ports.
struct SliceTemplate {
  std::string ns;
  std::string generateName;                          // "<service>-"
  nlohmann::json labels = nlohmann::json::object();  // exactly these
  nlohmann::json ownerReferences = nlohmann::json::array();
  // With no endpoints at all, one empty slice of this type stands for the Service (as in
  // Kubernetes, so that consumers can tell "no endpoints" from "not processed yet").
  std::string placeholderAddressType = "IPv4";
};

struct SlicePlan {
  std::vector<nlohmann::json> creates;  // complete objects with metadata.generateName
  std::vector<nlohmann::json> updates;  // stored objects with new content (resourceVersion kept)
  std::vector<std::string> deletes;     // slice names

  bool empty() const { return creates.empty() && updates.empty() && deletes.empty(); }
};

inline constexpr size_t kMaxEndpointsPerSlice = 100;

// `existing`: the stored slices this controller manages for the Service.
SlicePlan planSlices(std::vector<EndpointGroup> desired, const std::vector<nlohmann::json>& existing,
                     const SliceTemplate& tmpl, size_t maxPerSlice = kMaxEndpointsPerSlice);

}  // namespace edgeway::apiserver::controllers
