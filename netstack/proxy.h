#pragma once
// ServiceProxy: the nftables service proxy as one component for cmd/main.cpp.
//
//   auto proxy = netstack::ServiceProxy::create(clusterState, options);   // Result<unique_ptr>
//   if (!proxy.isOk()) ... (no nftables / no CAP_NET_ADMIN: a plain-words Status)
//   (*proxy)->start();            // subscribes to the cache, starts the sync thread
//   ... /readyz: (*proxy)->hasSynced()
//   (*proxy)->stop();             // joins the thread; deletes the tables unless keepTablesOnExit
//
// Threads: one sync thread of its own. The cache callback only stores the newest Snapshot
// pointer (and merges what it changed) and wakes the thread, so snapshots that arrive
// during a sync are coalesced into the next one; snapshots that change no Service or
// EndpointSlice are skipped. Each sync updates a RuleTracker with the Services the changes
// name and sends what that changed (rule_tracker.h, nft_syncer.h). Snapshots before the
// cache has synced are ignored: nothing is programmed until the first synced Snapshot (the
// first sync replaces our tables atomically, removing whatever a previous run left). A
// failed sync is retried (as a full replacement) after `retryInterval`; a full resync runs
// every `resyncPeriod`. stats() and hasSynced() are safe from any thread.
//
// After each successful sync, on the same thread (failures are logged, never fatal):
// * LoadBalancer announcement (ProxyOptions::announceLoadBalancers): every ingress IP of
//   the Services of type LoadBalancer without a loadBalancerClass (ours) is put on the
//   `edgeway-lb` interface by a LoadBalancerAnnouncer (ARP / proxy NDP), addresses of the
//   node itself excepted. The announcer is created with enableIpv6Forwarding: proxy NDP
//   needs forwarding on the uplink, and a node that forwards to Service endpoints has it on
//   anyway. stop() removes the interface unless keepTablesOnExit.
// * healthCheckNodePort (ProxyOptions::io set): a HealthCheckServer serves each
//   externalTrafficPolicy Local Service's healthCheckNodePort with the number of ready
//   endpoints on this node (the larger of the two families).
// * UDP conntrack: flows made stale since the last successful sync (an endpoint that left a
//   UDP entry, or an entry that got its first endpoint; RuleTracker::takeStaleUdpFlows) are
//   deleted through a ConntrackCleaner. As in kube-proxy, the first sync counts every UDP
//   entry with endpoints as new, so flows a previous run left on them are cleared.
//   Only the create() that opens netlink sockets builds the cleaner and the announcer.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/ip.h"
#include "base/status.h"
#include "cache/cluster_state.h"
#include "netstack/address_announcer.h"
#include "netstack/conntrack_cleaner.h"
#include "netstack/health_check_server.h"
#include "netstack/nft_backend.h"
#include "netstack/nft_syncer.h"
#include "netstack/rule_model.h"
#include "netstack/rule_tracker.h"

namespace boost::asio {
class io_context;
}

namespace edgeway::netstack {

struct ProxyOptions {
  std::string nodeName;
  // Node addresses (NodePorts are served on these). Called on the sync thread before each
  // model build, so a function can follow address changes; a fixed list works too.
  std::function<std::vector<IpAddress>()> nodeAddresses;
  std::vector<Cidr> clusterCidrs;   // --cluster-cidr
  std::vector<Cidr> serviceCidrs;   // --service-cidr: traffic to unallocated ClusterIPs is dropped
  std::vector<Cidr> nodePortCidrs;  // --nodeport-addresses; empty: NodePorts on every node address
  bool masqueradeAll = false;
  bool keepTablesOnExit = false;
  std::chrono::seconds resyncPeriod{3600};
  std::chrono::milliseconds retryInterval{1000};
  // Announce LoadBalancer ingress addresses on the node's links (--lb-pool given).
  bool announceLoadBalancers = false;
  // Where healthCheckNodePort listeners run; null: no health server. Must outlive the proxy.
  boost::asio::io_context* io = nullptr;

  static std::function<std::vector<IpAddress>()> fixed(std::vector<IpAddress> addresses) {
    return [a = std::move(addresses)] { return a; };
  }
};

struct ProxyStats {
  uint64_t syncs = 0;          // successful syncs that sent a batch or found nothing to do
  uint64_t fullSyncs = 0;      // of which full replacements
  uint64_t failures = 0;       // failed syncs
  uint64_t skipped = 0;        // snapshots that changed no Service or EndpointSlice (no sync)
  double lastSyncSeconds = 0;  // model build + diff + commit of the last sync
  uint64_t lastElements = 0;   // elements in the last programmed model
  std::string lastError;       // empty after a successful sync
};

class ServiceProxy {
 public:
  // Opens the netfilter netlink socket (fails in plain words without nftables or
  // CAP_NET_ADMIN). `state` must outlive the proxy.
  static Result<std::unique_ptr<ServiceProxy>> create(cache::ClusterState& state, ProxyOptions options);
  // With a given backend (tests).
  static std::unique_ptr<ServiceProxy> create(cache::ClusterState& state, ProxyOptions options,
                                              std::unique_ptr<NftBackend> backend);
  ~ServiceProxy();

  ServiceProxy(const ServiceProxy&) = delete;
  ServiceProxy& operator=(const ServiceProxy&) = delete;

  void start();
  // Stops the thread; then deletes the tables unless keepTablesOnExit. Idempotent.
  Status stop();

  // True once a model built from a synced Snapshot has been programmed.
  bool hasSynced() const { return synced_.load(); }
  ProxyStats stats() const;
  // Asks for a full replacement at the next sync (and triggers one).
  void requestFullSync();

 private:
  ServiceProxy(cache::ClusterState& state, ProxyOptions options, std::unique_ptr<NftBackend> backend);
  void run();
  // false: failed. `changes`: what changed since the last snapshot synced (null: anything).
  bool syncOnce(const std::shared_ptr<const cache::Snapshot>& snapshot, const cache::Changes* changes);
  // The work after a successful nftables sync (announcer, health server, conntrack).
  void afterSync(const cache::Snapshot& snapshot, const NodeInfo& node);
  void clearUdpFlows(const std::vector<StaleUdpFlows>& flows);

  cache::ClusterState& state_;
  const ProxyOptions options_;
  std::unique_ptr<NftBackend> backend_;
  NftSyncer syncer_;     // sync thread only
  RuleTracker tracker_;  // sync thread only
  // Sync thread only (and stop(), after the thread ended). Each may be null.
  std::unique_ptr<LoadBalancerAnnouncer> announcer_;
  std::unique_ptr<HealthCheckServer> health_;
  std::unique_ptr<ConntrackCleaner> conntrack_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::shared_ptr<const cache::Snapshot> pending_;  // newest unsynced Snapshot (mu_)
  std::optional<cache::Changes> pendingChanges_;    // since the last taken one; unset: unknown (mu_)
  bool seenSynced_ = false;                         // a synced Snapshot was taken (mu_)
  std::shared_ptr<const cache::Snapshot> last_;     // last one synced (sync thread)
  bool stopping_ = false;                           // mu_
  bool fullRequested_ = false;                      // mu_
  ProxyStats stats_;                                // mu_

  std::atomic<bool> synced_{false};
  bool started_ = false;
  bool stopped_ = false;
  cache::ClusterState::SubscriptionId subscription_ = 0;
  std::thread thread_;
};

}  // namespace edgeway::netstack
