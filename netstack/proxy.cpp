#include "netstack/proxy.h"

#include "base/log.h"

namespace edgeway::netstack {

Result<std::unique_ptr<ServiceProxy>> ServiceProxy::create(cache::ClusterState& state, ProxyOptions options) {
  auto backend = openNetlinkBackend();
  if (!backend.isOk()) return backend.status();
  return create(state, std::move(options), std::move(*backend));
}

std::unique_ptr<ServiceProxy> ServiceProxy::create(cache::ClusterState& state, ProxyOptions options,
                                                   std::unique_ptr<NftBackend> backend) {
  return std::unique_ptr<ServiceProxy>(new ServiceProxy(state, std::move(options), std::move(backend)));
}

ServiceProxy::ServiceProxy(cache::ClusterState& state, ProxyOptions options, std::unique_ptr<NftBackend> backend)
    : state_(state),
      options_(std::move(options)),
      backend_(std::move(backend)),
      syncer_(*backend_, NftSyncerOptions{options_.resyncPeriod, [] { return std::chrono::steady_clock::now(); }}) {}

ServiceProxy::~ServiceProxy() { (void)stop(); }

void ServiceProxy::start() {
  if (started_) return;
  started_ = true;
  subscription_ = state_.subscribe([this](const std::shared_ptr<const cache::Snapshot>& snapshot, const cache::Changes&) {
    if (!snapshot->synced()) return;
    std::lock_guard<std::mutex> lock(mu_);
    pending_ = snapshot;
    wake_.notify_one();
  });
  // Subscribe first, then read current(): a snapshot may be seen twice, never missed.
  auto current = state_.current();
  if (current->synced()) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!pending_) pending_ = current;
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
  if (options_.keepTablesOnExit) return Status::ok();
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
    }
    if (!snapshot) snapshot = last_;  // a retry, the periodic resync or a requested full sync
    if (!snapshot) continue;          // the cache has not synced: never program before it
    bool full = syncer_.fullSyncPending();
    failed = !syncOnce(snapshot);
    if (!failed && full && options_.resyncPeriod.count() > 0) nextResync = Clock::now() + options_.resyncPeriod;
  }
}

bool ServiceProxy::syncOnce(const std::shared_ptr<const cache::Snapshot>& snapshot) {
  const auto start = std::chrono::steady_clock::now();
  NodeInfo node;
  node.name = options_.nodeName;
  if (options_.nodeAddresses) node.addresses = options_.nodeAddresses();
  node.clusterCidrs = options_.clusterCidrs;
  node.masqueradeAll = options_.masqueradeAll;
  RuleModel model = buildRuleModel(*snapshot, node);
  const auto built = std::chrono::steady_clock::now();
  for (const auto& w : model.warnings) log::warn("service proxy: ", w.service, ": ", w.message);
  auto report = syncer_.sync(std::move(model));
  const auto end = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(end - start).count();
  last_ = snapshot;
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
  log::debug("service proxy: ", report->full ? "full" : "incremental", " sync of revision ", snapshot->revision(),
             " in ", seconds * 1000, " ms (model ", std::chrono::duration<double, std::milli>(built - start).count(),
             " ms): ", report->operations, " ops, +", report->elementsAdded, "/-", report->elementsRemoved,
             " elements, ", report->affinityRemoved, " stale affinity entries, ", report->structureChanges,
             " structure changes, ", report->totalElements, " elements in all");
  return true;
}

}  // namespace edgeway::netstack
