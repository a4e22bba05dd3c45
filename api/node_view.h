#pragma once
// A read-only, typed view of a core/v1 Node: addresses (for NodePort and LoadBalancer
// without a pool), pod CIDRs, readiness and schedulability, labels (zone, hostname).

#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/ip.h"
#include "base/status.h"

namespace edgeway::api {

struct NodeAddress {
  std::string type;             // "InternalIP", "ExternalIP", "Hostname", "InternalDNS", ...
  std::string address;          // as stored
  std::optional<IpAddress> ip;  // set for the *IP types, whose address must parse
};

struct NodeView {
  std::string name;
  std::vector<NodeAddress> addresses;  // in status order
  std::vector<Cidr> podCidrs;          // spec.podCIDRs, else spec.podCIDR
  bool ready = false;                  // condition Ready is "True"
  bool unschedulable = false;
  std::map<std::string, std::string> labels;

  // IPs of addresses of `type` ("InternalIP"...), in status order.
  std::vector<IpAddress> ipsOfType(std::string_view type) const;

  static Result<NodeView> parse(std::string_view json);
  static Result<NodeView> fromJson(const nlohmann::json& object);
};

}  // namespace edgeway::api
