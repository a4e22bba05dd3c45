#pragma once
// Forwarder: answers the names that are not the cluster's by asking upstream resolvers
// (--dns-upstream, or the nameservers of /etc/resolv.conf), with an answer cache.
//
// - Cache: responses by (lower-cased name, type, class, DO bit), kept for their TTL, with
//   TTLs counted down on hits; NXDOMAIN/NODATA kept per RFC 2308 (the SOA's negative TTL,
//   capped); SERVFAIL not kept (unless servFailTtl says so); bounded, least recently used
//   evicted first.
// - Upstreams are tried in turn, starting with the last one that answered: each attempt gets
//   `upstreamTimeout`, the whole query `queryTimeout`. A timeout, a socket error or a
//   SERVFAIL/REFUSED answer moves on to the next upstream.
// - UDP first, from a fresh socket (random source port) with a random ID, checked with the
//   question on the answer (spoofing resistance, RFC 5452); a truncated answer is asked
//   again over TCP on the same upstream.
// - Identical queries in flight are coalesced into one upstream query.
// - The response handed back carries the client's ID and question (case included) and no
//   EDNS: the server adds its own OPT and picks the size for its client.
//
// Threads: forward() may be called from any thread. Upstream I/O runs on the io_context
// given to create() (any number of threads may run it; each query is on its own strand).
// The cache and the in-flight table are behind one mutex, held only for lookups.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "base/status.h"
#include "dns/dns_metrics.h"
#include "dns/message.h"
#include "dns/resolv_conf.h"

namespace boost::asio {
class io_context;
}

namespace edgeway::dns {

struct ForwarderOptions {
  std::vector<SocketAddress> upstreams;  // none: every query is answered SERVFAIL
  std::chrono::milliseconds queryTimeout{2000};
  std::chrono::milliseconds upstreamTimeout{1000};
  size_t cacheEntries = 10000;  // 0 disables the cache
  uint32_t maxTtl = 3600;
  uint32_t maxNegativeTtl = 900;
  uint32_t servFailTtl = 0;
  size_t maxInFlight = 1000;  // distinct upstream queries; beyond it queries get SERVFAIL
  // The clock the cache ages entries with; tests replace it to see TTLs count down.
  std::function<std::chrono::steady_clock::time_point()> now;
};

namespace forwarder_detail {
class Core;
}

class Forwarder {
 public:
  // Called exactly once per forward() (unless stop() abandoned the query first): with the
  // upstream's answer, a cached one, or a SERVFAIL when no upstream answered in time.
  // Runs on the thread calling forward() (cache hit, failure up front) or an io_context
  // thread; must not block.
  using Callback = std::function<void(Message response)>;

  static Result<std::unique_ptr<Forwarder>> create(boost::asio::io_context& io, ForwarderOptions options);
  ~Forwarder();  // stop()s

  Forwarder(const Forwarder&) = delete;
  Forwarder& operator=(const Forwarder&) = delete;

  // Resolves `query` (one question, as parsed from the client) upstream or from the cache.
  void forward(const Message& query, Callback done);

  // Abandons the queries in flight: their callbacks are destroyed without being called,
  // and forward() answers SERVFAIL from then on. Idempotent.
  void stop();

  const std::vector<SocketAddress>& upstreams() const;
  size_t cacheSize() const;
  // Only the forwarder fields of the snapshot are filled.
  DnsMetricsSnapshot metrics() const;
  // Adds the forwarder counters to `out` (DnsService merges them with the server's).
  void addMetricsTo(DnsMetricsSnapshot& out) const;

 private:
  explicit Forwarder(std::shared_ptr<forwarder_detail::Core> core);

  // Shared with the queries in flight, so that handlers still queued on the io_context
  // after this object is gone find valid state.
  std::shared_ptr<forwarder_detail::Core> core_;
};

}  // namespace edgeway::dns
