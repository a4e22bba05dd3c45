#include "netstack/proxy.h"

#include <algorithm>
#include <set>

#include "base/log.h"
#include "cache/snapshot.h"

namespace edgeway::netstack {

Result<std::unique_ptr<ServiceProxy>> ServiceProxy::create(cache::ClusterState& state, ProxyOptions options) {
  auto backend = openNetlinkBackend();
  if (!backend.isOk()) return backend.status();
  const bool announce = options.announceLoadBalancers;
  auto proxy = create(state, std::move(options), std::move(*backend));
  // Created here, on the caller's thread: their sockets stay in its network namespace.
  if (auto cleaner = ConntrackCleaner::create(); cleaner.isOk()) {
    proxy->conntrack_ = std::move(*cleaner);
  } else {
    log::warn("service proxy: UDP conntrack entries of removed endpoints are not cleared: ",
              cleaner.status().message());
  }
  if (announce) {
    AnnouncerOptions ao;
    ao.enableIpv6Forwarding = true;
    if (auto announcer = LoadBalancerAnnouncer::create(ao); announcer.isOk()) {
      proxy->announcer_ = std::move(*announcer);
    } else {
      log::warn("service proxy: LoadBalancer addresses are not announced: ", announcer.status().message());
    }
  }
  return proxy;
}

std::unique_ptr<ServiceProxy> ServiceProxy::create(cache::ClusterState& state, ProxyOptions options,
                                                   std::unique_ptr<NftBackend> backend) {
  return std::unique_ptr<ServiceProxy>(new ServiceProxy(state, std::move(options), std::move(backend)));
}

ServiceProxy::ServiceProxy(cache::ClusterState& state, ProxyOptions options,
                           std::unique_ptr<NftBackend> backend)
    : state_(state),
      options_(std::move(options)),
      backend_(std::move(backend)),
      syncer_(*backend_,
              NftSyncerOptions{options_.resyncPeriod, [] { return std::chrono::steady_clock::now(); }}) {
  if (options_.io) health_ = std::make_unique<HealthCheckServer>(*options_.io);
}

ServiceProxy::~ServiceProxy() { (void)stop(); }

void ServiceProxy::start() {
  if (started_) return;
  started_ = true;
  subscription_ = state_.subscribe(
      [this](const std::shared_ptr<const cache::Snapshot>& snapshot, const cache::Changes& changes) {
        if (!snapshot->synced()) return;
        const bool relevant =
            !changes.of(cache::Kind::kService).empty() || !changes.of(cache::Kind::kEndpointSlice).empty();
        std::lock_guard<std::mutex> lock(mu_);
        // Pods, Endpoints, Events...: nothing the rules are made of. (The first synced
        // snapshot is always taken, so that an empty cluster gets its tables too.)
        if (!relevant && seenSynced_) {
          stats_.skipped++;
          return;
        }
        seenSynced_ = true;
        if (!pending_)
          pendingChanges_ = changes;
        else if (pendingChanges_)
          pendingChanges_->merge(changes);
        pending_ = snapshot;
        wake_.notify_one();
      });
  // Subscribe first, then read current(): a snapshot may be seen twice, never missed. The
  // first sync rebuilds everything, so what current() changed does not matter.
  auto current = state_.current();
  if (current->synced()) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!pending_) {
      pending_ = current;
      pendingChanges_.reset();
      seenSynced_ = true;
    }
  }
  thread_ = std::thread([this] { run(); });
}

Status ServiceProxy::stop() {
  if (!started_ || stopped_) return Status::ok();
  stopped_ = true;
  state_.unsubscribe(subscription_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
  health_.reset();  // closes the healthCheckNodePort listeners
  if (options_.keepTablesOnExit) return Status::ok();
  if (announcer_) {
    if (Status s = announcer_->removeAll(); !s.isOk())
      log::warn("service proxy: removing the LoadBalancer addresses: ", s.message());
  }
  Status s = syncer_.deleteTables();
  if (!s.isOk()) log::warn("service proxy: removing the nftables tables: ", s.message());
  return s;
}

ProxyStats ServiceProxy::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void ServiceProxy::requestFullSync() {
  std::lock_guard<std::mutex> lock(mu_);
  fullRequested_ = true;
  wake_.notify_one();
}

void ServiceProxy::run() {
  using Clock = std::chrono::steady_clock;
  bool failed = false;
  Clock::time_point nextResync = Clock::time_point::max();  // set by the first full sync
  for (;;) {
    std::shared_ptr<const cache::Snapshot> snapshot;
    std::optional<cache::Changes> changes;
    {
      std::unique_lock<std::mutex> lock(mu_);
      auto deadline = failed ? Clock::now() + options_.retryInterval : nextResync;
      wake_.wait_until(lock, deadline, [&] { return stopping_ || pending_ || fullRequested_; });
      if (stopping_) return;
      if (fullRequested_) {
        fullRequested_ = false;
        syncer_.requestFullSync();
      }
      snapshot = std::move(pending_);
      pending_.reset();
      changes = std::move(pendingChanges_);
      pendingChanges_.reset();
    }
    if (!snapshot) {  // a retry, the periodic resync or a requested full sync
      snapshot = last_;
      changes.emplace();  // nothing new: the tracker is up to date with last_
    }
    if (!snapshot) continue;  // the cache has not synced: never program before it
    bool full = syncer_.fullSyncPending();
    failed = !syncOnce(snapshot, changes ? &*changes : nullptr);
    if (!failed && full && options_.resyncPeriod.count() > 0)
      nextResync = Clock::now() + options_.resyncPeriod;
  }
}

bool ServiceProxy::syncOnce(const std::shared_ptr<const cache::Snapshot>& snapshot,
                            const cache::Changes* changes) {
  const auto start = std::chrono::steady_clock::now();
  NodeInfo node;
  node.name = options_.nodeName;
  if (options_.nodeAddresses) node.addresses = options_.nodeAddresses();
  node.clusterCidrs = options_.clusterCidrs;
  node.serviceCidrs = options_.serviceCidrs;
  node.nodePortCidrs = options_.nodePortCidrs;
  node.masqueradeAll = options_.masqueradeAll;
  if (changes)
    tracker_.update(*snapshot, node, *changes);
  else
    tracker_.updateAll(*snapshot, node);
  const auto built = std::chrono::steady_clock::now();
  for (const auto& w : tracker_.takeWarnings()) log::warn("service proxy: ", w.service, ": ", w.message);
  auto report = syncer_.sync(tracker_);
  const auto end = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(end - start).count();
  last_ = snapshot;
  // kube-proxy's serviceProxyHealthy: load balancers probing healthCheckNodePorts stop
  // sending here while the rules may be wrong.
  if (health_) health_->setProxyHealthy(report.isOk());
  if (report.isOk()) afterSync(*snapshot, node);
  std::lock_guard<std::mutex> lock(mu_);
  stats_.lastSyncSeconds = seconds;
  if (!report.isOk()) {
    stats_.failures++;
    stats_.lastError = report.status().message();
    log::error("service proxy: sync failed (a full replacement follows): ", report.status().message());
    return false;
  }
  stats_.syncs++;
  if (report->full) stats_.fullSyncs++;
  stats_.lastElements = report->totalElements;
  stats_.lastError.clear();
  synced_ = true;
  log::debug("service proxy: ", report->full ? "full" : "incremental", " sync of revision ",
             snapshot->revision(), " in ", seconds * 1000, " ms (tracker ",
             std::chrono::duration<double, std::milli>(built - start).count(), " ms): ", report->operations,
             " ops, +", report->elementsAdded, "/-", report->elementsRemoved, " elements, ",
             report->affinityRemoved, " stale affinity entries, ", report->structureChanges,
             " structure changes, ", report->totalElements, " elements in all");
  return true;
}

namespace {

bool isNodeAddress(const NodeInfo& node, const IpAddress& ip) {
  return std::find(node.addresses.begin(), node.addresses.end(), ip) != node.addresses.end();
}

// Ready endpoints on this node (the larger count of the two families), as kube-proxy's
// health server counts them: terminating endpoints do not count.
int readyLocalEndpoints(const cache::Snapshot& snapshot, const api::ServiceView& svc,
                        const std::string& nodeName) {
  std::set<IpAddress> perFamily[2];
  for (const auto& slice : snapshot.endpointSlicesOf(svc.ns, svc.name)) {
    for (const auto& ep : slice->endpoints) {
      if (ep.addresses.empty() || !ep.ready || nodeName.empty() || ep.nodeName != nodeName) continue;
      const IpAddress& ip = ep.addresses.front();
      perFamily[ip.family() == IpFamily::kIPv4 ? 0 : 1].insert(ip);
    }
  }
  return static_cast<int>(std::max(perFamily[0].size(), perFamily[1].size()));
}

}  // namespace

void ServiceProxy::afterSync(const cache::Snapshot& snapshot, const NodeInfo& node) {
  if (announcer_) {
    std::vector<IpAddress> wanted;
    for (const auto& svc : snapshot.services()) {
      if (svc->type != api::ServiceType::kLoadBalancer || !svc->loadBalancerClass.empty()) continue;
      if (svc->headless || svc->clusterIps.empty()) continue;
      for (const auto& ing : svc->loadBalancerIngress)
        if (ing.ip && !isNodeAddress(node, *ing.ip)) wanted.push_back(*ing.ip);
    }
    std::sort(wanted.begin(), wanted.end());
    wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
    if (Status s = announcer_->sync(wanted); !s.isOk())
      log::warn("service proxy: announcing LoadBalancer addresses: ", s.message());
  }
  if (health_) {
    std::map<uint16_t, ServiceHealth> services;
    for (const auto& svc : snapshot.services()) {
      if (svc->externalTrafficPolicy != api::TrafficPolicy::kLocal || svc->healthCheckNodePort <= 0 ||
          svc->healthCheckNodePort > 65535)
        continue;
      if (svc->type != api::ServiceType::kLoadBalancer && svc->type != api::ServiceType::kNodePort) continue;
      services[static_cast<uint16_t>(svc->healthCheckNodePort)] =
          ServiceHealth{svc->ns, svc->name, readyLocalEndpoints(snapshot, *svc, node.name)};
    }
    if (Status s = health_->sync(services); !s.isOk())
      log::warn("service proxy: health check node ports: ", s.message());
  }
  auto staleUdp = tracker_.takeStaleUdpFlows();  // taken even without a cleaner: it accumulates
  if (conntrack_) clearUdpFlows(staleUdp);
}

void ServiceProxy::clearUdpFlows(const std::vector<StaleUdpFlows>& flows) {
  // A few flows: one kernel-filtered dump each. Many (the first sync after a restart counts
  // every UDP entry): one dump per family, matched here.
  constexpr size_t kFilteredDumps = 4;
  if (flows.size() > kFilteredDumps) {
    std::vector<UdpFlowFilter> filters[2];
    for (const auto& f : flows) {
      UdpFlowFilter filter;
      filter.origDst = f.entry;
      filter.origDstPort = f.port;
      if (f.endpoint) {
        filter.replySrc = f.endpoint->first;
        filter.replySrcPort = f.endpoint->second;
      }
      filters[f.entry.family() == IpFamily::kIPv4 ? 0 : 1].push_back(std::move(filter));
    }
    for (IpFamily family : {IpFamily::kIPv4, IpFamily::kIPv6}) {
      auto deleted = conntrack_->deleteUdpMatchingAny(family, filters[family == IpFamily::kIPv4 ? 0 : 1]);
      if (!deleted.isOk())
        log::warn("service proxy: clearing stale UDP conntrack entries: ", deleted.status().message());
      else if (*deleted > 0)
        log::debug("service proxy: cleared ", *deleted, " stale UDP conntrack entries");
    }
    return;
  }
  for (const auto& f : flows) {
    auto deleted = f.endpoint ? conntrack_->deleteUdpForServiceEndpoint(f.entry, f.port, f.endpoint->first,
                                                                        f.endpoint->second)
                              : conntrack_->deleteUdpForServiceIp(f.entry, f.port);
    if (!deleted.isOk()) {
      log::warn("service proxy: clearing UDP conntrack entries of ", f.entry.toString(), ":", f.port, ": ",
                deleted.status().message());
    } else if (*deleted > 0) {
      log::debug("service proxy: cleared ", *deleted, " UDP conntrack entries of ", f.entry.toString(), ":",
                 f.port, f.endpoint ? " to " + f.endpoint->first.toString() : std::string());
    }
  }
}

}  // namespace edgeway::netstack
