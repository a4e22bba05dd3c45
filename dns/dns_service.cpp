#include "dns/dns_service.h"

#include <algorithm>

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
  // Subscribe first, then read current(): a snapshot may be seen twice, never missed.
  subscription_ = state_.subscribe(
      [this](const std::shared_ptr<const cache::Snapshot>& snapshot, const cache::Changes& changes) {
        const bool relevant = !changes.of(cache::Kind::kService).empty() ||
                              !changes.of(cache::Kind::kEndpointSlice).empty() ||
                              (zoneOptions_.podRecords && !changes.of(cache::Kind::kPod).empty());
        bool syncChanged;
        {
          std::lock_guard lock(publishMu_);
          syncChanged = snapshot->synced() != published_.first;
        }
        if (relevant || syncChanged) publish(*snapshot);
      });
  publish(*state_.current());
  return Status::ok();
}

void DnsService::publish(const cache::Snapshot& snapshot) {
  // Built outside the lock; the cache thread and start() may both get here, and the older
  // snapshot must not replace the newer one.
  auto zone = ClusterZone::build(snapshot, zoneOptions_);
  std::lock_guard lock(publishMu_);
  const std::pair<bool, int64_t> key{snapshot.synced(), snapshot.revision()};
  if (key < published_) return;
  published_ = key;
  server_->setZone(std::move(zone));
}

void DnsService::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (subscription_) state_.unsubscribe(*subscription_);
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
