#pragma once
// Services as kube-apiserver treats them: defaulting, validation with its messages, and
// ClusterIP / NodePort / healthCheckNodePort allocation that commits or reverts with the
// store write.

#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "apiserver/strategy.h"
#include "base/ip.h"
#include "base/status.h"

namespace edgeway::apiserver {

class ClusterIpAllocator;
class NodePortAllocator;

struct ServiceNetworkOptions {
  std::vector<std::string> serviceCidrs = {"10.43.0.0/16"};  // one per family; first is primary
  std::string nodePortRange = "30000-32767";
};

// Holds the ClusterIP allocator(s) (one per family) and the NodePort allocator. Thread-safe.
class ServiceAllocators {
 public:
  // Fails (kInvalidArgument) on an unparsable CIDR or range, more than two CIDRs, two CIDRs
  // of one family, or a CIDR too large to track (more than 20 host bits).
  static Result<std::unique_ptr<ServiceAllocators>> create(const ServiceNetworkOptions& options);
  ~ServiceAllocators();

  // Repair pass at start-up, before requests are served: forgets every allocation, then marks
  // every address and port held by the stored Services. Returns a warning line per problem found: two
  // Services holding one address or port, or a value outside the configured ranges.
  std::vector<std::string> rebuild(const std::vector<nlohmann::json>& services);
  // The same, with the Services handed over one at a time: `forEach` calls its argument once
  // per stored Service, so start-up never holds every Service parsed at once.
  using ServiceVisitor = std::function<void(const nlohmann::json&)>;
  std::vector<std::string> rebuild(const std::function<void(const ServiceVisitor&)>& forEach);

  IpFamily primaryFamily() const;
  bool dualStack() const { return secondary_ != nullptr; }
  // The allocator for `family`, or nullptr when the cluster has no service CIDR of it.
  ClusterIpAllocator* clusterIps(IpFamily family) const;
  NodePortAllocator& nodePorts() const { return *nodePorts_; }

 private:
  ServiceAllocators() = default;

  std::unique_ptr<ClusterIpAllocator> primary_;
  std::unique_ptr<ClusterIpAllocator> secondary_;
  std::unique_ptr<NodePortAllocator> nodePorts_;
};

std::unique_ptr<Strategy> makeServiceStrategy(ServiceAllocators& allocators);

}  // namespace edgeway::apiserver
