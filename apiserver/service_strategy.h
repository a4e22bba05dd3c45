#pragma once
// Services as kube-apiserver treats them: defaulting, validation with its messages, and
// ClusterIP / NodePort / healthCheckNodePort allocation that commits or reverts with the
// store write.

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "apiserver/strategy.h"
#include "base/status.h"

namespace edgeway::apiserver {

struct ServiceNetworkOptions {
  std::vector<std::string> serviceCidrs = {"10.43.0.0/16"};  // one per family; first is primary
  std::string nodePortRange = "30000-32767";
};

// Holds the ClusterIP allocator(s) (one per family) and the NodePort allocator. Thread-safe.
class ServiceAllocators {
 public:
  static Result<std::unique_ptr<ServiceAllocators>> create(const ServiceNetworkOptions& options);
  virtual ~ServiceAllocators() = default;
  // Repair pass at start-up: marks every address and port held by the stored Services.
  // Returns a warning line per conflict found (two Services holding one address).
  virtual std::vector<std::string> rebuild(const std::vector<nlohmann::json>& services) = 0;
};

std::unique_ptr<Strategy> makeServiceStrategy(ServiceAllocators& allocators);

}  // namespace edgeway::apiserver
