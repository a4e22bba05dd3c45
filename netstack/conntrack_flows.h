#pragma once
// Which UDP conntrack entries a model change makes stale (kube-proxy's rules), as a pure
// function of two RuleModels so it can be tested without a kernel:
//
// * an (entry, endpoint) pair that served a UDP entry before and does not now: the flows
//   of that entry answered by that endpoint (ConntrackCleaner::deleteUdpForServiceEndpoint);
// * a UDP entry that had no endpoint before and has some now (or is new): every flow of
//   that entry (deleteUdpForServiceIp), so datagrams that met the reject/drop do not stay
//   stuck on an entry that has since got endpoints.
//
// "Entry" is what the model's endpoint maps are keyed by: ClusterIP, externalIP, LoadBalancer
// ingress IP or node address (NodePort) . UDP . port. An entry's endpoints are the union of
// both endpoint maps (service-endpoints and, for eTP Local, cluster-endpoints).

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "base/ip.h"
#include "netstack/rule_model.h"

namespace edgeway::netstack {

using UdpEntry = std::pair<IpAddress, uint16_t>;     // address, port
using UdpEndpoint = std::pair<IpAddress, uint16_t>;  // endpoint address, port
// Every UDP entry of a model that has at least one endpoint, with its endpoints.
using UdpEndpointIndex = std::map<UdpEntry, std::set<UdpEndpoint>>;

struct StaleUdpFlows {
  IpAddress entry;
  uint16_t port = 0;
  std::optional<UdpEndpoint> endpoint;  // unset: every flow of the entry

  friend bool operator==(const StaleUdpFlows& a, const StaleUdpFlows& b) {
    return a.entry == b.entry && a.port == b.port && a.endpoint == b.endpoint;
  }
};

UdpEndpointIndex udpEndpointIndex(const RuleModel& model);
// Ordered by entry, then the endpoint-less form before the endpoint forms.
std::vector<StaleUdpFlows> staleUdpFlows(const UdpEndpointIndex& before, const UdpEndpointIndex& after);
inline std::vector<StaleUdpFlows> staleUdpFlows(const RuleModel& before, const RuleModel& after) {
  return staleUdpFlows(udpEndpointIndex(before), udpEndpointIndex(after));
}

}  // namespace edgeway::netstack
