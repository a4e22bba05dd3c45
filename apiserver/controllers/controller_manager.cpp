#include "apiserver/controllers/controller_manager.h"

#include "apiserver/api_server.h"
#include "apiserver/controllers/endpoint_slice_controller.h"
#include "apiserver/controllers/load_balancer_ipam_controller.h"
#include "apiserver/controllers/node_registrar.h"
#include "base/ip.h"
#include "cache/cluster_state.h"

namespace edgeway::apiserver::controllers {

Result<std::unique_ptr<ControllerManager>> ControllerManager::create(ApiServer& api, cache::ClusterState& state,
                                                                    const ControllerManagerOptions& options) {
  std::unique_ptr<ControllerManager> manager(new ControllerManager());
  manager->api_ = &api;
  manager->state_ = &state;

  NodeRegistrarOptions nodeOptions;
  nodeOptions.nodeName = options.nodeName;
  nodeOptions.nodeIps = options.nodeIps;
  nodeOptions.clusterCidrs = options.clusterCidrs;
  auto node = NodeRegistrar::create(api.registry(), nodeOptions);
  if (!node.isOk()) return node.status();
  manager->node_ = std::move(node).value();

  LoadBalancerIpamOptions lbOptions;
  lbOptions.pools = options.lbPools;
  lbOptions.nodeName = manager->node_->nodeName();
  for (const std::string& text : options.serviceCidrs) {
    auto cidr = Cidr::parse(text);
    if (!cidr.isOk()) return invalidArgument("--service-cidr " + text + ": " + cidr.status().message());
    lbOptions.serviceCidrs.push_back(*cidr);
  }
  auto loadBalancers = LoadBalancerIpamController::create(api.registry(), state, lbOptions);
  if (!loadBalancers.isOk()) return loadBalancers.status();
  manager->loadBalancers_ = std::move(loadBalancers).value();

  manager->endpointSlices_ = EndpointSliceController::create(state, api.registry(), api.catalog());
  return manager;
}

ControllerManager::~ControllerManager() { stop(); }

void ControllerManager::start() {
  cache::ClusterState* state = state_;
  api_->addReadinessCheck("cluster-state-synced", [state] { return state->hasSynced(); });
  node_->start();
  loadBalancers_->start();
  endpointSlices_->start();
}

void ControllerManager::stop() {
  if (endpointSlices_) endpointSlices_->stop();
  if (loadBalancers_) loadBalancers_->stop();
  if (node_) node_->stop();
}

const std::string& ControllerManager::nodeName() const { return node_->nodeName(); }

}  // namespace edgeway::apiserver::controllers
