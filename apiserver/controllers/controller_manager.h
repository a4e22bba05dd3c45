#pragma once
// ControllerManager: the control loops edgeway server runs next to its API server, as
// kube-controller-manager, a cloud controller manager and a kubelet's node status loop do
// in a real cluster. It owns, in start order:
//   - NodeRegistrar: this server's own Node (its addresses feed the LoadBalancer fallback);
//   - LoadBalancerIpamController: status.loadBalancer.ingress of LoadBalancer Services;
//   - EndpointSliceController: EndpointSlices and Endpoints of every Service.
// They read the cluster-state cache and write through the Registry. The cache is not
// owned: the data planes read the same one.

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"

namespace edgeway::cache {
class ClusterState;
}

namespace edgeway::apiserver {

class ApiServer;

namespace controllers {

class EndpointSliceController;
class LoadBalancerIpamController;
class NodeRegistrar;

struct ControllerManagerOptions {
  std::string nodeName;                   // --node-name; empty: the host name
  std::vector<std::string> nodeIps;       // --node-ip
  std::vector<std::string> clusterCidrs;  // --cluster-cidr
  std::vector<std::string> serviceCidrs;  // --service-cidr: LB pools may not overlap them
  std::vector<std::string> lbPools;       // --lb-pool
};

class ControllerManager {
 public:
  // Fails (kInvalidArgument) on flags the controllers reject: a bad --node-ip,
  // --cluster-cidr or --lb-pool, or a pool overlapping the service CIDRs. `api` and
  // `state` must outlive it.
  static Result<std::unique_ptr<ControllerManager>> create(ApiServer& api, cache::ClusterState& state,
                                                           const ControllerManagerOptions& options);
  ~ControllerManager();
  ControllerManager(const ControllerManager&) = delete;
  ControllerManager& operator=(const ControllerManager&) = delete;

  // Starts every controller and adds a /readyz check for the cache having synced. Call once.
  void start();
  // Stops them in reverse order. Their writes complete on the API server's io threads, so
  // call this while those still run. Idempotent.
  void stop();

  const std::string& nodeName() const;

 private:
  ControllerManager() = default;

  ApiServer* api_ = nullptr;
  cache::ClusterState* state_ = nullptr;
  std::unique_ptr<NodeRegistrar> node_;
  std::unique_ptr<LoadBalancerIpamController> loadBalancers_;
  std::unique_ptr<EndpointSliceController> endpointSlices_;
};

}  // namespace controllers
}  // namespace edgeway::apiserver
