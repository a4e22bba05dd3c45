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

// The proxied ports of one Service in `family`, in port order, appended to `out`. None for
// ExternalName and headless Services and those without a ClusterIP of the family.
void collectServicePorts(const cache::Snapshot& snapshot, const NodeInfo& node, IpFamily family,
                         const api::ServiceView& service, std::vector<ServicePortInfo>& out);

}  // namespace edgeway::netstack::detail
