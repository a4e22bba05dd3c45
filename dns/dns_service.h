#pragma once
// DnsService: edgeway's cluster DNS as cmd/main.cpp wires it -- a Forwarder for other
// names, a DnsServer on every listen address, and the ClusterZone kept up to date from the
// cache.
//
// The zone follows the cache on a thread of its own: the cache callback only hands over
// the newest Snapshot (and what changed since the last one handed over) and wakes that
// thread, so the cache thread never waits for DNS, and snapshots published while a zone
// is being made coalesce into the next one -- the newest always wins, and a zone is never
// replaced by one from an older snapshot. The thread builds the first zone from the whole
// Snapshot, then updates it with what changed (ClusterZone::update: a one-Service change
// costs the same at 100 and 10,000 Services), and serves a new zone only when an answer
// changed: Node heartbeats, Ingresses, Secrets, endpoints of ClusterIP Services and Pod
// readiness do not cost one. Without pod records, Pod changes (which only make their
// namespace's name exist) do not wake the thread; they go into the next zone. Until the
// cache has synced the zone is an unsynced one, for which resolve() answers SERVFAIL to
// cluster names (other names are forwarded as usual).
//
// Threads: the zone thread and UDP workers of its own (joined by stop()); TCP and upstream
// I/O on the io_context passed in, which the caller runs.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
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

  // Binds every listen address and starts serving, then follows the cache: the zone of
  // the current snapshot follows shortly, built on the zone thread. Call once.
  Status start();
  // Unsubscribes, joins the zone thread (a zone being built is finished, a pending one is
  // dropped), stops the server (joining its threads) and the forwarder. Idempotent.
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

  // Snapshots are ordered by (synced, revision): a synced one is newer than any unsynced.
  using Version = std::pair<bool, int64_t>;
  static Version versionOf(const cache::Snapshot& s) { return {s.synced(), s.revision()}; }

  // `changes` since the snapshot offered before; null: start over from this one.
  void offer(const std::shared_ptr<const cache::Snapshot>& snapshot, const cache::Changes* changes);
  void run();

  cache::ClusterState& state_;
  const ClusterZoneOptions zoneOptions_;
  std::unique_ptr<Forwarder> forwarder_;
  std::unique_ptr<DnsServer> server_;  // declared after forwarder_: destroyed first

  // Handed from the cache thread (and start()) to the zone thread.
  struct Pending {
    std::shared_ptr<const cache::Snapshot> snapshot;  // the newest
    // Every change since the snapshot the zone thread took last, merged.
    cache::Changes changes;
    bool rebuild = false;  // build from `snapshot` alone
    bool wake = false;     // an answer may change: make the zone now
  };
  // Changes kept without waking the thread (Pods without pod records), at most.
  static constexpr size_t kMaxQuietChanges = 1024;
  std::mutex mu_;
  std::condition_variable wake_;
  std::optional<Pending> pending_;
  // The newest snapshot handed over so far, and which one it was.
  Version offered_{false, -1};
  std::weak_ptr<const cache::Snapshot> lastOffered_;
  bool stopping_ = false;

  // Zone thread only: the zone served (or one answering the same) and its snapshot.
  std::shared_ptr<const ClusterZone> zone_;
  std::shared_ptr<const cache::Snapshot> zoneSnapshot_;
  std::optional<cache::ClusterState::SubscriptionId> subscription_;
  std::thread thread_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace edgeway::dns
