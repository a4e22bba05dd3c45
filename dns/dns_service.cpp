#include "dns/dns_service.h"

#include <algorithm>
#include <cassert>

#include "base/cpus.h"
#include "base/log.h"

namespace edgeway::dns {

std::vector<Cidr> DnsServiceOptions::loopbackSources() {
  return {Cidr(IpAddress::v4(0x7f000000), 8), Cidr(*IpAddress::parse("::1"), 128)};
}

namespace {

std::string join(const std::vector<SocketAddress>& addresses) {
  std::string out;
  for (const auto& a : addresses) out += (out.empty() ? "" : ", ") + a.toString();
  return out;
}

}  // namespace

Result<std::unique_ptr<DnsService>> DnsService::create(boost::asio::io_context& io,
                                                       cache::ClusterState& state,
                                                       DnsServiceOptions options) {
  std::vector<SocketAddress> listen;
  for (const std::string& text : options.listen) {
    auto address = parseSocketAddress(text);
    if (!address) return invalidArgument("dns: --dns-listen: " + address.status().message());
    listen.push_back(*address);
  }
  if (listen.empty()) return invalidArgument("dns: no listen address");

  std::vector<SocketAddress> upstreams;
  if (!options.upstreams.empty()) {
    for (const std::string& text : options.upstreams) {
      auto address = parseSocketAddress(text, kDnsPort);
      if (!address) return invalidArgument("dns: --dns-upstream: " + address.status().message());
      upstreams.push_back(*address);
    }
  } else {
    auto fromFile = readResolvConf(options.resolvConfPath);
    if (!fromFile) {
      log::warn(fromFile.status().message(), "; names outside the cluster will get SERVFAIL");
    } else {
      upstreams = withoutOwnAddresses(*fromFile, listen);
      if (upstreams.empty()) {
        log::warn("dns: no usable nameserver in ", options.resolvConfPath,
                  " (edgeway's own addresses are skipped); names outside the cluster will get SERVFAIL");
      }
    }
  }
  if (!upstreams.empty()) log::info("dns: forwarding to ", join(upstreams));

  ForwarderOptions forwarderOptions;
  forwarderOptions.upstreams = std::move(upstreams);
  forwarderOptions.upstreamTimeout = options.upstreamTimeout;
  forwarderOptions.queryTimeout = options.queryTimeout;
  forwarderOptions.cacheEntries = options.cacheEntries;
  auto forwarder = Forwarder::create(io, std::move(forwarderOptions));
  if (!forwarder) return forwarder.status();

  DnsServerOptions serverOptions;
  serverOptions.listen = std::move(listen);
  serverOptions.allowedSources = std::move(options.allowedSources);
  serverOptions.udpThreads =
      options.udpThreads != 0 ? options.udpThreads : std::clamp<size_t>(usableCpus(), 1, 4);
  // Until the cache syncs: an empty, unsynced zone, for which cluster names get SERVFAIL.
  auto initialZone = ClusterZone::build(cache::Snapshot(), options.zone);
  auto server =
      std::make_unique<DnsServer>(io, forwarder->get(), std::move(serverOptions), std::move(initialZone));
  return std::unique_ptr<DnsService>(
      new DnsService(state, std::move(options.zone), std::move(*forwarder), std::move(server)));
}

DnsService::DnsService(cache::ClusterState& state, ClusterZoneOptions zoneOptions,
                       std::unique_ptr<Forwarder> forwarder, std::unique_ptr<DnsServer> server)
    : state_(state),
      zoneOptions_(std::move(zoneOptions)),
      forwarder_(std::move(forwarder)),
      server_(std::move(server)) {}

DnsService::~DnsService() { stop(); }

Status DnsService::start() {
  assert(!started_);
  started_ = true;
  if (Status s = server_->start(); !s) return s;
  thread_ = std::thread([this] { run(); });
  // Subscribe first, then read current(): a snapshot may be seen twice, never missed.
  subscription_ = state_.subscribe([this](const std::shared_ptr<const cache::Snapshot>& snapshot,
                                          const cache::Changes& changes) { offer(snapshot, &changes); });
  offer(state_.current(), nullptr);
  return Status::ok();
}

// On the cache thread (and once on start()'s): only hands the snapshot over. The zone
// thread makes the zone of whatever is newest when it gets to it.
void DnsService::offer(const std::shared_ptr<const cache::Snapshot>& snapshot,
                       const cache::Changes* changes) {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    const Version version = versionOf(*snapshot);
    // start()'s read of current() may lose the race with the first callbacks, or see a
    // snapshot a callback hands over too; the thread then starts from the callback's.
    if (version < offered_ || lastOffered_.lock() == snapshot) return;
    const bool syncChanged = version.first != offered_.first;
    offered_ = version;
    lastOffered_ = snapshot;
    const bool pods = changes && !changes->of(cache::Kind::kPod).empty();
    const bool answers = !changes || syncChanged || !changes->of(cache::Kind::kService).empty() ||
                         !changes->of(cache::Kind::kEndpointSlice).empty() ||
                         (zoneOptions_.podRecords && pods);
    // Without pod records a Pod only makes its namespace's name exist: its changes are kept
    // for the next zone rather than waking the thread for each readiness flip. Node
    // heartbeats, Ingresses and Secrets are nothing to DNS; their snapshots only replace
    // a pending one.
    if (!pending_) {
      if (!answers && !pods) return;
      pending_.emplace();
    }
    pending_->snapshot = snapshot;
    if (changes) pending_->changes.merge(*changes);
    pending_->rebuild = pending_->rebuild || !changes;
    pending_->wake = pending_->wake || answers || pending_->changes.size() > kMaxQuietChanges;
    wake = pending_->wake;
  }
  if (wake) wake_.notify_one();
}

void DnsService::run() {
  for (;;) {
    Pending next;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [&] { return stopping_ || (pending_ && pending_->wake); });
      if (stopping_) return;
      next = std::move(*pending_);
      pending_.reset();
    }
    std::shared_ptr<const ClusterZone> zone;
    if (!zone_ || next.rebuild) {
      zone = ClusterZone::build(*next.snapshot, zoneOptions_);
    } else {
      // offer() hands snapshots over in order, each with every change since the last.
      assert(versionOf(*next.snapshot) >= versionOf(*zoneSnapshot_));
      zone = ClusterZone::update(zone_, *zoneSnapshot_, *next.snapshot, next.changes);
    }
    zoneSnapshot_ = std::move(next.snapshot);
    if (zone == zone_) continue;  // no answer changed
    zone_ = std::move(zone);
    server_->setZone(zone_);
  }
}

void DnsService::stop() {
  if (stopped_) return;
  stopped_ = true;
  // After this no callback runs, so nothing is offered once the thread is told to stop.
  if (subscription_) state_.unsubscribe(*subscription_);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    pending_.reset();
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  server_->stop();
  forwarder_->stop();
}

std::vector<uint16_t> DnsService::localUdpPorts() const {
  std::vector<uint16_t> out;
  for (const auto& a : server_->udpAddresses()) out.push_back(a.port);
  return out;
}

std::vector<uint16_t> DnsService::localTcpPorts() const {
  std::vector<uint16_t> out;
  for (const auto& a : server_->tcpAddresses()) out.push_back(a.port);
  return out;
}

DnsMetricsSnapshot DnsService::metrics() const {
  DnsMetricsSnapshot out = server_->metrics();
  forwarder_->addMetricsTo(out);
  return out;
}

}  // namespace edgeway::dns
