#pragma once
// What one Service port puts in the sets, grouped by entry (address . protocol . port):
// a Claim holds every element that entry adds to any set. RuleTracker keeps the claims of
// each Service and programs the first claim of each entry (rule_tracker.h).

#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "netstack/rule_model.h"
#include "netstack/src/service_port_info.h"

namespace edgeway::netstack::detail {

// The sets that carry Service facts; a claim's elements name theirs by SetRef.
enum class SetKind : uint8_t {
  kClusterIpEntries,
  kMasqEntries,
  kLocalPolicyEntries,
  kNoEndpointReject,
  kNoEndpointDrop,
  kNoLocalEndpointDrop,
  kFirewallEntries,
  kFirewallAllow,
  kServiceEndpoints,
  kClusterEndpoints,
  kAffinityEntries,  // one set per timeout
  kHairpin,          // shared: reference-counted
  kClusterIps,       // shared: reference-counted
  kPodCidrs,         // node facts
  kServiceCidrs,     // node facts
};

struct SetRef {
  SetKind kind = SetKind::kClusterIpEntries;
  uint32_t timeout = 0;  // kAffinityEntries

  friend bool operator<(SetRef a, SetRef b) {
    return std::tie(a.kind, a.timeout) < std::tie(b.kind, b.timeout);
  }
  friend bool operator==(SetRef a, SetRef b) { return a.kind == b.kind && a.timeout == b.timeout; }
};

std::string setName(SetRef r);
bool isEndpointMap(SetRef r);

struct EntryKey {
  IpAddress addr;
  api::Protocol proto = api::Protocol::kTCP;
  int port = 0;

  friend bool operator<(const EntryKey& a, const EntryKey& b) {
    return std::tie(a.addr, a.proto, a.port) < std::tie(b.addr, b.proto, b.port);
  }
  std::vector<Value> values() const {
    return {Value::address(addr), Value::protocol(proto), Value::port(port)};
  }
};

// One Service port's use of one entry, with every element that entry puts in the sets.
// Only the first claim of an entry (by namespace, name, then order within the Service)
// is programmed: it is "active".
struct Claim {
  EntryKey entry;
  std::string ns, name;
  uint32_t order = 0;
  std::string id;  // "namespace/name:port", the elements' comment
  std::vector<std::pair<SetRef, Element>> elements;
  uint32_t serviceTier = 0;      // endpoint count in service-endpoints (0: none)
  uint32_t clusterTier = 0;      // endpoint count in cluster-endpoints (0: none)
  uint32_t affinityTimeout = 0;  // 0: no affinity
  std::string warnedAbout;       // the winner this claim's loss was last reported against

  bool before(const Claim& o) const { return std::tie(ns, name, order) < std::tie(o.ns, o.name, o.order); }
  void add(SetRef set, std::vector<Value> key, std::vector<Value> data = {}, bool comment = true) {
    elements.emplace_back(set, Element{std::move(key), std::move(data), comment ? id : std::string()});
  }
};

// The claims of one Service port, appended to `out` in the order a whole build meets them
// (ClusterIPs, externalIPs, LoadBalancer IPs, then `nodeAddresses` for the NodePort);
// Claim::order continues from out.size().
void buildClaims(const ServicePortInfo& sp, const std::vector<IpAddress>& nodeAddresses,
                 std::vector<std::unique_ptr<Claim>>& out);

// "203.0.113.7 TCP/80 is already used by a/one:http"
std::string lostClaimMessage(const Claim& lost, const Claim& owner);

}  // namespace edgeway::netstack::detail
