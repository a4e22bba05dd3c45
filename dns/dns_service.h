#pragma once
// DnsService: edgeway's cluster DNS as cmd/main.cpp wires it -- a Forwarder for other
// names, a DnsServer on every listen address, and the ClusterZone rebuilt from the cache.
//
// The zone is rebuilt on the cache thread from each published Snapshot that changed
// Services, EndpointSlices or (with pod records) Pods -- linear in those objects, a few
// milliseconds for thousands of Services; Node heartbeats, Ingresses and Secrets do not
// cost a rebuild. Until the cache has synced the zone is an unsynced one, for which
// resolve() answers SERVFAIL to cluster names (other names are forwarded as usual).
//
// Threads: UDP workers of its own (joined by stop()); TCP and upstream I/O on the
// io_context passed in, which the caller runs.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "base/ip.h"
#include "base/status.h"
#include "cache/cluster_state.h"
#include "dns/cluster_zone.h"
#include "dns/dns_metrics.h"
#include "dns/dns_server.h"
#include "dns/forwarder.h"
#include "dns/resolv_conf.h"

namespace boost::asio {
class io_context;
}

namespace edgeway::dns {

struct DnsServiceOptions {
  std::vector<std::string> listen = {"127.0.0.1:53"};  // "HOST:PORT" (--dns-listen)
  std::vector<std::string> upstreams;                  // "HOST[:PORT]" (--dns-upstream); empty: resolv.conf's
  std::string resolvConfPath = "/etc/resolv.conf";
  // Clients whose non-cluster names are forwarded; all others get REFUSED. Taken as given:
  // main passes loopbackSources(), the node's addresses, --cluster-cidr and --dns-allow.
  std::vector<Cidr> allowedSources;
  ClusterZoneOptions zone;
  size_t udpThreads = 0;  // 0: the CPUs in the process's affinity mask, at most 4
  std::chrono::milliseconds upstreamTimeout{1000};
  std::chrono::milliseconds queryTimeout{2000};
  size_t cacheEntries = 10000;

  // 127.0.0.0/8 and ::1/128.
  static std::vector<Cidr> loopbackSources();
};

class DnsService {
 public:
  // Parses the addresses and reads resolv.conf (when no upstream is given; a missing file
  // or one without usable nameservers leaves forwarding answering SERVFAIL, with a log
  // line). Binds nothing yet.
  static Result<std::unique_ptr<DnsService>> create(boost::asio::io_context& io, cache::ClusterState& state,
                                                    DnsServiceOptions options);
  ~DnsService();  // stop()s

  DnsService(const DnsService&) = delete;
  DnsService& operator=(const DnsService&) = delete;

  // Binds every listen address and starts serving, then follows the cache. Call once.
  Status start();
  // Unsubscribes, stops the server (joining its threads) and the forwarder. Idempotent.
  void stop();

  // The bound addresses/ports (port 0 resolved), in listen order; empty before start().
  std::vector<SocketAddress> udpAddresses() const { return server_->udpAddresses(); }
  std::vector<SocketAddress> tcpAddresses() const { return server_->tcpAddresses(); }
  std::vector<uint16_t> localUdpPorts() const;
  std::vector<uint16_t> localTcpPorts() const;

  const std::vector<SocketAddress>& upstreams() const { return forwarder_->upstreams(); }
  std::shared_ptr<const ClusterZone> zone() const { return server_->zone(); }
  DnsMetricsSnapshot metrics() const;

 private:
  DnsService(cache::ClusterState& state, ClusterZoneOptions zoneOptions, std::unique_ptr<Forwarder> forwarder,
             std::unique_ptr<DnsServer> server);

  void publish(const cache::Snapshot& snapshot);

  cache::ClusterState& state_;
  const ClusterZoneOptions zoneOptions_;
  std::unique_ptr<Forwarder> forwarder_;
  std::unique_ptr<DnsServer> server_;  // declared after forwarder_: destroyed first

  std::mutex publishMu_;
  std::pair<bool, int64_t> published_{false, -1};  // (synced, revision) of the zone served
  std::optional<cache::ClusterState::SubscriptionId> subscription_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace edgeway::dns
