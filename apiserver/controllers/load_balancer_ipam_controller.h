#pragma once
// LoadBalancerIpamController: gives every Service of type LoadBalancer that has no
// spec.loadBalancerClass an external address per IP family, written to
// status.loadBalancer.ingress through the Registry's /status path (as a cloud controller
// would: validation, resourceVersion and watch apply to it like any client's write).
//
// With pools (--lb-pool) it allocates: the addresses asked for by the annotation
// edgeway.io/load-balancer-ips (comma list) or spec.loadBalancerIP, else the lowest free one
// of each of the Service's families that has a pool. It releases them when the Service is
// deleted, changes type or asks for others. Its pool state is rebuilt from the stored
// statuses on the first synced snapshot, before anything is allocated, so a restart never
// hands an address out twice. When it cannot serve a Service (pool exhausted, requested
// address taken or outside the pools) it says so: a Warning Event "AllocationFailed" and
// the status condition edgeway.io/AddressAllocated=False, and retries when addresses are
// released.
//
// Without pools it behaves like k3s's ServiceLB: the InternalIP and ExternalIP addresses of
// this server's Node (of the Service's families) are the ingress addresses.
//
// It reads Services and Nodes from the cluster-state cache only, and keeps all its state
// on its own thread.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <set>
#include <string>
#include <vector>

#include "apiserver/controllers/event_recorder.h"
#include "apiserver/controllers/lb_pool.h"
#include "apiserver/controllers/serial_executor.h"
#include "base/ip.h"
#include "base/status.h"
#include "cache/cluster_state.h"

namespace edgeway::apiserver {

class Registry;
struct ResourceInfo;

namespace controllers {

struct LoadBalancerIpamOptions {
  std::vector<std::string> pools;  // --lb-pool RANGEs; empty: the node's addresses
  std::vector<Cidr> serviceCidrs;  // pools may not overlap these
  std::string nodeName;            // whose addresses serve when there is no pool
  // Wait before retrying a status write that failed for a reason other than a newer object.
  std::chrono::milliseconds retryDelay{1000};
};

class LoadBalancerIpamController {
 public:
  // Fails (kInvalidArgument) on a bad or overlapping pool range. `registry` and `state`
  // must outlive the controller.
  static Result<std::unique_ptr<LoadBalancerIpamController>> create(Registry& registry,
                                                                    cache::ClusterState& state,
                                                                    LoadBalancerIpamOptions options);
  ~LoadBalancerIpamController();
  LoadBalancerIpamController(const LoadBalancerIpamController&) = delete;
  LoadBalancerIpamController& operator=(const LoadBalancerIpamController&) = delete;

  // Subscribes to the cache and acts from its first synced snapshot on. Call once.
  void start();
  // Unsubscribes and joins its thread; writes in flight finish without it. Idempotent.
  void stop();

  static constexpr const char* kComponent = "edgeway-lb-ipam";
  static constexpr const char* kRequestedIpsAnnotation = "edgeway.io/load-balancer-ips";
  static constexpr const char* kConditionType = "edgeway.io/AddressAllocated";

 private:
  struct Desired;

  LoadBalancerIpamController(Registry& registry, cache::ClusterState& state, LoadBalancerIpamOptions options,
                             LbPool pool);

  void onSnapshot(const std::shared_ptr<const cache::Snapshot>& snapshot, const cache::Changes& changes);
  void rebuild(const cache::Snapshot& snapshot);
  void reconcilePending();
  void reconcile(const std::string& key);
  Desired desiredFromPool(const std::string& key, const api::ServiceView& svc);
  Desired desiredFromNode(const api::ServiceView& svc) const;
  void releaseAll(const std::string& key);
  void writeStatus(const std::string& key, const api::ServiceView& svc, const Desired& desired);
  void clearStatus(const std::string& key, const api::ServiceView& svc);
  void patchStatus(const std::string& key, const api::ServiceView& svc, nlohmann::json patch,
                   std::string written);

  Registry& registry_;
  cache::ClusterState& state_;
  const LoadBalancerIpamOptions options_;
  const ResourceInfo* services_;
  EventRecorder events_;

  // Everything below: executor thread only.
  LbPool pool_;
  std::map<std::string, std::vector<IpAddress>> assigned_;  // "ns/name" -> pool addresses held
  std::map<IpAddress, std::string> owner_;                  // pool address -> "ns/name"
  bool rebuilt_ = false;
  std::shared_ptr<const cache::Snapshot> latest_;
  std::set<std::string> pending_;                   // Services to reconcile
  std::set<std::string> waiting_;                   // Services that could not be served; retried on release
  std::set<std::string> inFlight_;                  // a status write is on its way
  std::map<std::string, int64_t> writtenRevision_;  // our last write; act once the cache has it
  std::map<std::string, std::string> written_;      // what that write said (ingress + condition)
  std::map<std::string, std::string> lastFailure_;  // the failure last reported as an Event

  cache::ClusterState::SubscriptionId subscription_ = 0;
  bool started_ = false;
  // Shared with the completions of registry writes, which may arrive after this object is
  // gone: they post to a stopped executor, which drops the task (and its `this`).
  std::shared_ptr<SerialExecutor> executor_ = std::make_shared<SerialExecutor>();
};

}  // namespace controllers
}  // namespace edgeway::apiserver
