#pragma once
// NodeRegistrar: registers this server's own Node, as a kubelet would, and keeps it
// current. The Node is created (with its status) when missing; spec.podCIDR(s) from
// --cluster-cidr and the control-plane and hostname labels are added when absent; every
// heartbeat rewrites the status through the /status path: addresses (from --node-ip, else
// the host's non-loopback interface addresses, re-read each time so a change shows up within
// one period), the Ready condition with its heartbeat time, and nodeInfo.
//
// Writes go through the Registry like a client's; all work runs on its own thread.

#include <chrono>
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "apiserver/controllers/serial_executor.h"
#include "base/ip.h"
#include "base/status.h"

namespace edgeway::apiserver {

class Registry;
struct ResourceInfo;

namespace controllers {

struct NodeRegistrarOptions {
  std::string nodeName;                   // empty: the host name, lower-cased
  std::vector<std::string> nodeIps;       // --node-ip; empty: the host's interface addresses
  std::vector<std::string> clusterCidrs;  // --cluster-cidr: the Node's pod CIDRs
  // Each heartbeat is one durable store write (an fsync on the box's flash), so it is a
  // minute rather than a kubelet's 10 s Lease renewal; address changes show within it.
  std::chrono::milliseconds heartbeat{60000};
  // The host's addresses when no --node-ip is given; defaults to hostAddresses(). Tests
  // replace it to change addresses under the registrar.
  std::function<std::vector<IpAddress>()> interfaceAddresses;
};

class NodeRegistrar {
 public:
  // Fails (kInvalidArgument) on a --node-ip that is not an address, more than one per
  // family, or a --cluster-cidr that does not parse. `registry` must outlive it.
  static Result<std::unique_ptr<NodeRegistrar>> create(Registry& registry, NodeRegistrarOptions options);
  ~NodeRegistrar();
  NodeRegistrar(const NodeRegistrar&) = delete;
  NodeRegistrar& operator=(const NodeRegistrar&) = delete;

  // Registers at once, then heartbeats. Call once.
  void start();
  // Joins its thread after the write in progress. Idempotent.
  void stop();

  const std::string& nodeName() const { return name_; }

  // Unicast, non-loopback, non-link-local addresses of the host's interfaces that are up
  // (getifaddrs), IPv4 first, without duplicates.
  static std::vector<IpAddress> hostAddresses();

 private:
  NodeRegistrar(Registry& registry, NodeRegistrarOptions options, std::string name, std::string hostname,
                std::vector<IpAddress> fixedIps, std::vector<std::string> podCidrs);

  void beat();
  Status sync();
  std::vector<IpAddress> addresses() const;

  Registry& registry_;
  const NodeRegistrarOptions options_;
  const std::string name_;
  const std::string hostname_;
  const std::vector<IpAddress> fixedIps_;    // from --node-ip
  const std::vector<std::string> podCidrs_;  // canonical
  const ResourceInfo* nodes_;
  std::time_t readySince_ = 0;  // executor thread only
  bool started_ = false;
  SerialExecutor executor_;  // last: joined first
};

}  // namespace controllers
}  // namespace edgeway::apiserver
