#pragma once
// The fixed part of a table -- set declarations, chains and rules, no elements -- as a
// function of the few facts it depends on. RuleTracker rebuilds it only when one of them
// changes (rule_tracker.h); docs/nftables.md shows every rule.

#include <cstdint>
#include <set>
#include <string>

#include "netstack/rule_model.h"

namespace edgeway::netstack::detail {

// Set names: part of the contract with the syncer, the tracer and docs/nftables.md.
inline constexpr const char* kPodCidrs = "pod-cidrs";
inline constexpr const char* kServiceCidrs = "service-cidrs";
inline constexpr const char* kClusterIps = "cluster-ips";
inline constexpr const char* kClusterIpEntries = "cluster-ip-entries";
inline constexpr const char* kMasqEntries = "masquerade-entries";
inline constexpr const char* kLocalPolicyEntries = "local-policy-entries";
inline constexpr const char* kNoEndpointReject = "no-endpoint-reject";
inline constexpr const char* kNoEndpointDrop = "no-endpoint-drop";
inline constexpr const char* kNoLocalEndpointDrop = "no-local-endpoint-drop";
inline constexpr const char* kFirewallEntries = "firewall-entries";
inline constexpr const char* kFirewallAllow = "firewall-allow";
inline constexpr const char* kHairpin = "hairpin-endpoints";
inline constexpr const char* kServiceEndpoints = "service-endpoints";
inline constexpr const char* kClusterEndpoints = "cluster-endpoints";

std::string affinitySetName(uint32_t timeout);      // the dynamic client . entry -> endpoint map
std::string affinityEntriesName(uint32_t timeout);  // the entries with that affinity timeout

struct SkeletonFacts {
  IpFamily family = IpFamily::kIPv4;
  bool havePods = false;          // --cluster-cidr has a range of the family
  bool haveServiceCidrs = false;  // --service-cidr has a range of the family
  bool masqueradeAll = false;
  std::set<uint32_t> serviceTiers, clusterTiers;  // endpoint counts with a DNAT rule per map
  std::set<uint32_t> affinityTimeouts;            // in use
};

Table skeletonTable(const SkeletonFacts& facts);

}  // namespace edgeway::netstack::detail
