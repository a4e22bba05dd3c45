#pragma once
// The state the DNS server shares with its UDP workers, its TCP sessions and the forwarded
// queries still in flight. Held by shared_ptr so that a forwarder answer arriving after
// the server stopped still finds valid counters and handler.

#include <atomic>
#include <memory>
#include <vector>

#include "dns/cluster_zone.h"
#include "dns/dns_metrics.h"
#include "dns/forwarder.h"
#include "dns/src/server_query_handler.h"

namespace edgeway::dns::server_detail {

struct ServerState {
  ServerState(QueryHandler handler, Forwarder* forwarder, size_t udpWorkers,
              std::shared_ptr<const ClusterZone> initialZone)
      : handler(std::move(handler)),
        forwarder(forwarder),
        workerCounters(std::make_unique<ServerCounters[]>(udpWorkers)),
        workers(udpWorkers),
        zone_(std::move(initialZone)) {}

  // The current zone. std::atomic_load on a shared_ptr takes one of libstdc++'s internal
  // spinlocks, so UDP workers do not call this per query: they keep their own copy and
  // reload it only when `zoneGeneration` moves (one relaxed-cost acquire load per batch).
  std::shared_ptr<const ClusterZone> zone() const { return std::atomic_load(&zone_); }
  void setZone(std::shared_ptr<const ClusterZone> zone) {
    std::atomic_store(&zone_, std::move(zone));
    zoneGeneration.fetch_add(1, std::memory_order_release);
  }

  DnsMetricsSnapshot metrics() const {
    DnsMetricsSnapshot out;
    for (size_t i = 0; i < workers; ++i) workerCounters[i].addTo(out);
    tcpCounters.addTo(out);
    forwardedCounters.addTo(out);
    return out;
  }

  const QueryHandler handler;
  // Not owned; null when the server has none (non-cluster names then get SERVFAIL).
  // Used only while the server runs; DnsServer's owner keeps it alive that long.
  Forwarder* const forwarder;
  std::unique_ptr<ServerCounters[]> workerCounters;  // one per UDP worker
  const size_t workers;
  ServerCounters tcpCounters;        // TCP sessions (io_context threads)
  ServerCounters forwardedCounters;  // answers to forwarded UDP queries (io_context threads)
  std::atomic<uint64_t> zoneGeneration{0};

 private:
  std::shared_ptr<const ClusterZone> zone_;  // std::atomic_load / std::atomic_store only
};

}  // namespace edgeway::dns::server_detail
