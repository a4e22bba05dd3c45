#pragma once
// DnsServer: DNS over UDP and TCP on every --dns-listen address, answering cluster names
// from the current ClusterZone and handing every other name to the Forwarder.
//
// UDP is the fast path: `udpThreads` worker threads, each with its own SO_REUSEPORT socket
// per listen address, reading and writing in recvmmsg/sendmmsg batches and answering
// cluster names inline; the zone is swapped atomically (setZone) and read without a lock.
// Each worker keeps the encoded answers it gave to cluster names, keyed by the query's
// bytes, and copies them for repeated queries, patching the ID (dns/src/server_answer_cache.h).
// An ExternalName CNAME pointing outside the zone is chased through the Forwarder.
// TCP (RFC 7766) runs on the io_context. What is answered how (FORMERR, REFUSED, EDNS,
// truncation) is in dns/src/server_query_handler.h.
//
// Access control: cluster names are answered for everyone; forwarded names only for
// clients in `allowedSources` (REFUSED otherwise), so the server is never an open
// resolver. The list is taken as given: include loopback, the node's addresses and the
// cluster CIDRs (DnsServiceOptions does).

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "base/ip.h"
#include "base/status.h"
#include "dns/cluster_zone.h"
#include "dns/dns_metrics.h"
#include "dns/forwarder.h"
#include "dns/resolv_conf.h"

namespace boost::asio {
class io_context;
}

namespace edgeway::dns {

namespace server_detail {
struct ServerState;
class TcpListener;
class TcpSessions;
class UdpWorker;
}  // namespace server_detail

struct DnsServerOptions {
  std::vector<SocketAddress> listen;  // port 0: an ephemeral port (the same for UDP and TCP)
  std::vector<Cidr> allowedSources;   // who may have non-cluster names resolved
  size_t udpThreads = 1;
  uint16_t maxUdpPayload = kDefaultEdnsUdpSize;  // our answers' limit, and what our OPT advertises
  size_t maxTcpConnections = 256;
  std::chrono::milliseconds tcpIdleTimeout{10000};
  size_t maxTcpPipeline = 32;  // queries read ahead of their answers on one connection
  // Encoded cluster answers each UDP worker keeps for repeated queries (0: none); see
  // dns/src/server_answer_cache.h.
  size_t udpAnswerCacheEntries = 16384;
};

class DnsServer {
 public:
  // `forwarder` may be null (non-cluster names then get SERVFAIL); otherwise it must
  // outlive the server. `zone` is what is served until the first setZone().
  DnsServer(boost::asio::io_context& io, Forwarder* forwarder, DnsServerOptions options,
            std::shared_ptr<const ClusterZone> zone);
  ~DnsServer();  // stop()s

  DnsServer(const DnsServer&) = delete;
  DnsServer& operator=(const DnsServer&) = delete;

  // Binds every address (UDP and TCP) and starts serving. On failure nothing stays bound
  // and the Status says which address failed and why ("dns: listen 127.0.0.1:53: Address
  // already in use"). Call once.
  Status start();
  // Stops the UDP workers (joined before this returns) and closes the TCP listeners and
  // connections (on the io_context). Answers still owed by the forwarder are dropped.
  // Idempotent.
  void stop();

  // Publishes a new zone; queries read after this returns use it. Any thread.
  void setZone(std::shared_ptr<const ClusterZone> zone);
  std::shared_ptr<const ClusterZone> zone() const;

  // The bound addresses, in the order of options.listen (ports resolved); empty before start().
  std::vector<SocketAddress> udpAddresses() const;
  std::vector<SocketAddress> tcpAddresses() const;

  // Server counters only (DnsService adds the forwarder's).
  DnsMetricsSnapshot metrics() const;

 private:
  Status bindAll();

  boost::asio::io_context& io_;
  const DnsServerOptions options_;
  const std::shared_ptr<server_detail::ServerState> state_;
  const std::shared_ptr<server_detail::TcpSessions> sessions_;
  std::vector<std::shared_ptr<server_detail::TcpListener>> listeners_;
  std::vector<std::unique_ptr<server_detail::UdpWorker>> workers_;
  std::vector<SocketAddress> udpBound_;
  std::vector<SocketAddress> tcpBound_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace edgeway::dns
