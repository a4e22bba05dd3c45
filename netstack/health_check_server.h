#pragma once
// HealthCheckServer: kube-proxy's service health server for externalTrafficPolicy: Local.
// One HTTP listener per healthCheckNodePort, on every node address, answering any request
// with the Service's name and its number of endpoints on this node: 200 when there is at
// least one (and the proxy is healthy), 503 otherwise, so an external load balancer sends
// traffic only to nodes that can serve it without a second hop. The body and headers are
// kube-proxy's (see netstack/src/health_response.h).
//
// Listeners run on the io_context passed in (any number of threads may run it); each
// listener and each connection has its own strand. A connection gets one response and is
// closed: the request head is read with a size limit and a deadline, never a body.
//
// sync() and setProxyHealthy() are called from one thread (the proxy's syncer); request
// handlers read the current values atomically, never under a lock. Closing a listener is
// posted to its strand, so its port is free shortly after sync() returns, not during it.
// The io_context must outlive this object.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/ip.h"
#include "base/status.h"

namespace boost::asio {
class io_context;
}

namespace edgeway::netstack {

struct ServiceHealth {
  std::string ns;
  std::string name;
  int localEndpoints = 0;
};

struct HealthCheckServerOptions {
  // Where each port listens; empty: every address of the node (one dual-stack socket on
  // "::", or 0.0.0.0 where IPv6 is disabled), as kube-proxy does by default.
  std::vector<IpAddress> bindAddresses;
  std::chrono::milliseconds readTimeout{10000};  // for the whole request head
  size_t maxRequestHead = 8192;                  // bytes; a longer head closes the connection
};

class HealthCheckServer {
 public:
  explicit HealthCheckServer(boost::asio::io_context& io,
                             HealthCheckServerOptions options = HealthCheckServerOptions());
  ~HealthCheckServer();  // closes every listener
  HealthCheckServer(const HealthCheckServer&) = delete;
  HealthCheckServer& operator=(const HealthCheckServer&) = delete;

  // Makes the served set equal `services` (healthCheckNodePort -> Service and its local
  // endpoint count): opens listeners for new ports, closes those no longer wanted and
  // updates the counts of the rest. A port that cannot be opened (in use, no permission)
  // is reported in the returned Status -- the others are still served -- and is retried
  // by the next sync().
  Status sync(const std::map<uint16_t, ServiceHealth>& services);

  // kube-proxy's serviceProxyHealthy: false makes every port answer 503.
  void setProxyHealthy(bool healthy);

  // The ports being served, ascending.
  std::vector<uint16_t> ports() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace edgeway::netstack
