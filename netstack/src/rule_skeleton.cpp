#include "netstack/src/rule_skeleton.h"

#include <utility>
#include <vector>

namespace edgeway::netstack::detail {

std::string affinitySetName(uint32_t timeout) { return "affinity-" + std::to_string(timeout); }
std::string affinityEntriesName(uint32_t timeout) { return "affinity-entries-" + std::to_string(timeout); }

namespace {

const api::Protocol kProtocols[] = {api::Protocol::kTCP, api::Protocol::kUDP, api::Protocol::kSCTP};

const Key kEntryKey = {Expr::kDstAddr, Expr::kL4Proto, Expr::kDstPort};
const Key kSlotKey = {Expr::kDstAddr, Expr::kL4Proto, Expr::kDstPort, Expr::kRandomSlot};
const Key kEndpointData = {Expr::kDstAddr, Expr::kDstPort};
const Key kAffinityKey = {Expr::kSrcAddr, Expr::kDstAddr, Expr::kL4Proto, Expr::kDstPort};
const Key kAffinityRecordKey = {Expr::kSrcAddr, Expr::kCtOrigDstAddr, Expr::kL4Proto, Expr::kCtOrigDstPort};
const Key kOrigEntryKey = {Expr::kCtOrigDstAddr, Expr::kL4Proto, Expr::kCtOrigDstPort};

constexpr const char* kMarkForMasquerade = "mark-for-masquerade";
constexpr const char* kRejectChain = "reject-chain";

MatchLookup in(Key key, std::string set) { return MatchLookup{std::move(key), std::move(set), false}; }
MatchLookup notIn(Key key, std::string set) { return MatchLookup{std::move(key), std::move(set), true}; }
StmtVerdict jump(std::string chain) { return StmtVerdict{StmtVerdict::Kind::kJump, std::move(chain)}; }
StmtVerdict gotoChain(std::string chain) { return StmtVerdict{StmtVerdict::Kind::kGoto, std::move(chain)}; }
StmtVerdict verdict(StmtVerdict::Kind k) { return StmtVerdict{k, {}}; }

Rule rule(std::vector<Match> matches, std::vector<Statement> statements, std::string comment = {}) {
  return Rule{std::move(matches), std::move(statements), std::move(comment)};
}

Chain baseChain(std::string name, Hook::Type type, Hook::Point point, int priority) {
  Chain c;
  c.name = std::move(name);
  c.isBase = true;
  c.hook = Hook{type, point, priority};
  return c;
}
Chain regularChain(std::string name, std::string comment) {
  Chain c;
  c.name = std::move(name);
  c.comment = std::move(comment);
  return c;
}

NamedSet set(std::string name, Key key, std::string comment, bool interval = false) {
  NamedSet s;
  s.name = std::move(name);
  s.key = std::move(key);
  s.interval = interval;
  s.comment = std::move(comment);
  return s;
}
NamedSet map(std::string name, Key key, Key data, std::string comment) {
  NamedSet s = set(std::move(name), std::move(key), std::move(comment));
  s.data = std::move(data);
  return s;
}

void addSets(Table& t, const SkeletonFacts& facts) {
  t.sets.push_back(set(kPodCidrs, {Expr::kSrcAddr}, "pod addresses (--cluster-cidr)", true));
  t.sets.push_back(set(kServiceCidrs, {Expr::kDstAddr}, "ClusterIP ranges (--service-cidr)", true));
  t.sets.push_back(set(kClusterIps, {Expr::kDstAddr}, "every ClusterIP"));
  t.sets.push_back(set(kClusterIpEntries, kEntryKey, "ClusterIP . protocol . port"));
  t.sets.push_back(
      set(kMasqEntries, kEntryKey, "external entries of eTP Cluster services: always masqueraded"));
  t.sets.push_back(set(kLocalPolicyEntries, kEntryKey, "external entries of eTP Local services"));
  t.sets.push_back(set(kNoEndpointReject, kEntryKey, "entries without endpoints: rejected"));
  t.sets.push_back(
      set(kNoEndpointDrop, kEntryKey, "iTP Local ClusterIP entries without local endpoints: dropped"));
  t.sets.push_back(set(kNoLocalEndpointDrop, kEntryKey,
                       "eTP Local entries without local endpoints: external traffic dropped"));
  t.sets.push_back(set(kFirewallEntries, kEntryKey, "LoadBalancer entries with source ranges"));
  Key allowKey = kEntryKey;
  allowKey.push_back(Expr::kSrcAddr);
  t.sets.push_back(
      set(kFirewallAllow, allowKey, "entry . allowed source range (loadBalancerSourceRanges)", true));
  t.sets.push_back(set(kHairpin, {Expr::kSrcAddr, Expr::kDstAddr},
                       "endpoint . itself: a DNATed connection back to its source"));
  t.sets.push_back(map(kServiceEndpoints, kSlotKey, kEndpointData,
                       "entry . random slot -> endpoint, per the entry's traffic policy"));
  t.sets.push_back(map(kClusterEndpoints, kSlotKey, kEndpointData,
                       "eTP Local entries: entry . random slot -> any endpoint (pod and node traffic)"));
  for (uint32_t timeout : facts.affinityTimeouts) {
    t.sets.push_back(set(affinityEntriesName(timeout), kEntryKey,
                         "entries with sessionAffinity ClientIP, timeout " + std::to_string(timeout) + "s"));
    NamedSet aff = map(affinitySetName(timeout), kAffinityKey, kEndpointData,
                       "client . entry -> endpoint, filled by the packet path");
    aff.dynamic = true;
    aff.timeoutSeconds = timeout;
    aff.size = 65535;
    t.sets.push_back(std::move(aff));
  }
}

void addChains(Table& t, const SkeletonFacts& facts) {
  using K = StmtVerdict::Kind;
  const bool havePods = facts.havePods;

  Chain filterPrerouting =
      baseChain("filter-prerouting", Hook::Type::kFilter, Hook::Point::kPrerouting, -110);
  filterPrerouting.rules.push_back(rule({MatchCtStateNew{}}, {jump("firewall-check")}));
  {
    std::vector<Match> m = {MatchCtStateNew{}, in(kEntryKey, kNoLocalEndpointDrop)};
    if (havePods) m.push_back(notIn({Expr::kSrcAddr}, kPodCidrs));
    filterPrerouting.rules.push_back(rule(m, {verdict(K::kDrop)}, "eTP Local, no local endpoint"));
  }

  Chain filterInput = baseChain("filter-input", Hook::Type::kFilter, Hook::Point::kInput, -110);
  filterInput.rules.push_back(rule({MatchCtStateNew{}}, {jump("service-endpoints-check")}));

  Chain filterForward = baseChain("filter-forward", Hook::Type::kFilter, Hook::Point::kForward, -110);
  filterForward.rules.push_back(rule({MatchCtStateNew{}}, {jump("service-endpoints-check")}));
  filterForward.rules.push_back(rule({MatchCtStateNew{}}, {jump("cluster-ips-check")}));
  filterForward.rules.push_back(rule({MatchCtStateNew{}, MatchCtStatusDnat{}}, {jump("affinity-record")}));

  Chain filterOutput = baseChain("filter-output", Hook::Type::kFilter, Hook::Point::kOutput, -110);
  filterOutput.rules.push_back(rule({MatchCtStateNew{}}, {jump("service-endpoints-check")}));
  filterOutput.rules.push_back(rule({MatchCtStateNew{}}, {jump("firewall-check")}));

  Chain filterOutputPost =
      baseChain("filter-output-post-dnat", Hook::Type::kFilter, Hook::Point::kOutput, -90);
  filterOutputPost.rules.push_back(rule({MatchCtStateNew{}}, {jump("cluster-ips-check")}));
  filterOutputPost.rules.push_back(rule({MatchCtStateNew{}, MatchCtStatusDnat{}}, {jump("affinity-record")}));

  Chain natPrerouting = baseChain("nat-prerouting", Hook::Type::kNat, Hook::Point::kPrerouting, -100);
  natPrerouting.rules.push_back(rule({}, {jump("services")}));
  Chain natOutput = baseChain("nat-output", Hook::Type::kNat, Hook::Point::kOutput, -100);
  natOutput.rules.push_back(rule({}, {jump("services")}));
  Chain natPostrouting = baseChain("nat-postrouting", Hook::Type::kNat, Hook::Point::kPostrouting, 100);
  natPostrouting.rules.push_back(rule({}, {jump("masquerading")}));

  Chain endpointsCheck = regularChain("service-endpoints-check", "entries that must not reach NAT");
  endpointsCheck.rules.push_back(rule({in(kEntryKey, kNoEndpointReject)}, {gotoChain(kRejectChain)}));
  endpointsCheck.rules.push_back(rule({in(kEntryKey, kNoEndpointDrop)}, {verdict(K::kDrop)}));

  Chain firewall = regularChain("firewall-check", "loadBalancerSourceRanges");
  {
    Key allowKey = kEntryKey;
    allowKey.push_back(Expr::kSrcAddr);
    firewall.rules.push_back(
        rule({in(kEntryKey, kFirewallEntries), notIn(allowKey, kFirewallAllow)}, {verdict(K::kDrop)}));
  }

  Chain clusterIpsCheck = regularChain("cluster-ips-check", "ClusterIP traffic that was not DNATed");
  clusterIpsCheck.rules.push_back(
      rule({in({Expr::kDstAddr}, kClusterIps)}, {gotoChain(kRejectChain)}, "port not served"));
  if (facts.haveServiceCidrs)  // as kube-proxy: never route an unallocated ClusterIP out of the node
    clusterIpsCheck.rules.push_back(
        rule({in({Expr::kDstAddr}, kServiceCidrs)}, {verdict(K::kDrop)}, "unallocated ClusterIP"));

  Chain reject = regularChain(kRejectChain, "TCP reset (not ICMP-rate-limited), else ICMP port unreachable");
  reject.rules.push_back(rule({MatchL4Proto{api::Protocol::kTCP}}, {StmtReject{true}}));
  reject.rules.push_back(rule({}, {StmtReject{false}}));

  Chain markMasq = regularChain(kMarkForMasquerade, "");
  markMasq.rules.push_back(rule({}, {StmtMarkOr{kMasqueradeMark}}));

  Chain masquerading = regularChain("masquerading", "");
  masquerading.rules.push_back(rule({MatchCtStatusDnat{}, in({Expr::kSrcAddr, Expr::kDstAddr}, kHairpin)},
                                    {StmtMasquerade{true}}, "hairpin"));
  masquerading.rules.push_back(rule({MatchMarkClear{kMasqueradeMark}}, {verdict(K::kReturn)}));
  masquerading.rules.push_back(rule({}, {StmtMarkXor{kMasqueradeMark}}));
  masquerading.rules.push_back(rule({}, {StmtMasquerade{true}}));

  // nat: masquerade marks first (a dnat statement ends the chain), then affinity, then
  // the eTP Local short-circuit, then the random choice.
  Chain services = regularChain("services", "DNAT of every Service entry");
  if (facts.masqueradeAll) {
    services.rules.push_back(rule({in(kEntryKey, kClusterIpEntries)}, {jump(kMarkForMasquerade)}));
  } else if (havePods) {
    services.rules.push_back(rule({in(kEntryKey, kClusterIpEntries), notIn({Expr::kSrcAddr}, kPodCidrs)},
                                  {jump(kMarkForMasquerade)}, "off-cluster source"));
  }
  services.rules.push_back(rule({in(kEntryKey, kMasqEntries)}, {jump(kMarkForMasquerade)}));
  services.rules.push_back(
      rule({in(kEntryKey, kLocalPolicyEntries), MatchFibSaddrLocal{}}, {jump(kMarkForMasquerade)}));
  for (uint32_t timeout : facts.affinityTimeouts) {
    for (api::Protocol p : kProtocols)
      services.rules.push_back(
          rule({MatchL4Proto{p}}, {StmtDnatMap{kAffinityKey, affinitySetName(timeout)}}));
  }
  // One DNAT rule per endpoint count N (see kPredeclaredTiers): `numgen random mod N offset
  // slotOffset(N)` only reaches the elements of N-endpoint entries; other entries miss the
  // map and fall through to the next rule.
  for (api::Protocol p : kProtocols) {
    for (uint32_t n : facts.clusterTiers) {
      if (havePods)
        services.rules.push_back(
            rule({MatchL4Proto{p}, in(kEntryKey, kLocalPolicyEntries), in({Expr::kSrcAddr}, kPodCidrs)},
                 {StmtDnatMap{kSlotKey, kClusterEndpoints, n}}));
      services.rules.push_back(
          rule({MatchL4Proto{p}, in(kEntryKey, kLocalPolicyEntries), MatchFibSaddrLocal{}},
               {StmtDnatMap{kSlotKey, kClusterEndpoints, n}}));
    }
  }
  for (api::Protocol p : kProtocols)
    for (uint32_t n : facts.serviceTiers)
      services.rules.push_back(rule({MatchL4Proto{p}}, {StmtDnatMap{kSlotKey, kServiceEndpoints, n}}));

  Chain affinityRecord = regularChain("affinity-record", "remember the endpoint a client got");
  for (uint32_t timeout : facts.affinityTimeouts) {
    for (api::Protocol p : kProtocols)
      affinityRecord.rules.push_back(
          rule({MatchL4Proto{p}, in(kOrigEntryKey, affinityEntriesName(timeout))},
               {StmtMapUpdate{affinitySetName(timeout), kAffinityRecordKey, kEndpointData, timeout}}));
  }

  for (Chain* c : {&filterPrerouting, &filterInput, &filterForward, &filterOutput, &filterOutputPost,
                   &natPrerouting, &natOutput, &natPostrouting, &endpointsCheck, &firewall, &clusterIpsCheck,
                   &affinityRecord, &services, &markMasq, &masquerading, &reject})
    t.chains.push_back(std::move(*c));
}

}  // namespace

Table skeletonTable(const SkeletonFacts& facts) {
  Table t;
  t.family = facts.family;
  t.name = "edgeway";
  addSets(t, facts);
  addChains(t, facts);
  return t;
}

}  // namespace edgeway::netstack::detail
