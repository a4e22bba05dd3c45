#pragma once
// One Service port in one address family, as the rule builders need it: where traffic
// enters (entries) and which endpoints each traffic policy may pick. Computed once per
// (Service, port, family) from the Snapshot; the builders never look at API objects.

#include <string>
#include <vector>

#include "api/service_view.h"
#include "base/ip.h"
#include "netstack/rule_model.h"

namespace edgeway::cache {
class Snapshot;
}

namespace edgeway::netstack::detail {

struct EndpointAddr {
  IpAddress ip;
  int port = 0;

  friend bool operator==(const EndpointAddr& a, const EndpointAddr& b) {
    return a.ip == b.ip && a.port == b.port;
  }
  friend bool operator<(const EndpointAddr& a, const EndpointAddr& b) {
    return a.ip != b.ip ? a.ip < b.ip : a.port < b.port;
  }
};

struct ServicePortInfo {
  std::string id;  // "namespace/name:port-name" (port number when unnamed)
  const api::ServiceView* service = nullptr;
  api::Protocol protocol = api::Protocol::kTCP;
  int port = 0;
  int nodePort = 0;                        // 0: none
  std::vector<IpAddress> clusterIps;       // of the family
  std::vector<IpAddress> externalIps;      // spec.externalIPs of the family
  std::vector<IpAddress> loadBalancerIps;  // status ingress IPs of the family
  std::vector<Cidr> sourceRanges;          // loadBalancerSourceRanges of the family
  // kube-proxy's categorisation: ready endpoints, or the serving-terminating ones when
  // none is ready; "local" applies the same rule to the endpoints on this node.
  std::vector<EndpointAddr> clusterEndpoints;
  std::vector<EndpointAddr> localEndpoints;
};

// Every proxied Service port of `family`, ordered by namespace, name, then port order.
// Skips ExternalName and headless Services and those without a ClusterIP of the family.
std::vector<ServicePortInfo> collectServicePorts(const cache::Snapshot& snapshot, const NodeInfo& node,
                                                 IpFamily family);

}  // namespace edgeway::netstack::detail
