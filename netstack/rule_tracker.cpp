#include "netstack/rule_tracker.h"

#include <algorithm>
#include <iterator>
#include <optional>
#include <set>
#include <tuple>

#include "cache/changes.h"
#include "cache/namespaced_name.h"
#include "cache/snapshot.h"
#include "netstack/src/service_port_info.h"

namespace edgeway::netstack {

const SetChanges* ElementChanges::find(IpFamily family, const std::string& set) const {
  auto it = sets.find({family, set});
  return it == sets.end() ? nullptr : &it->second;
}

namespace {

using detail::EndpointAddr;
using detail::ServicePortInfo;

// Set and chain names: part of the contract with the syncer and docs/nftables.md.
constexpr const char* kPodCidrs = "pod-cidrs";
constexpr const char* kServiceCidrs = "service-cidrs";
constexpr const char* kClusterIps = "cluster-ips";
constexpr const char* kClusterIpEntries = "cluster-ip-entries";
constexpr const char* kMasqEntries = "masquerade-entries";
constexpr const char* kLocalPolicyEntries = "local-policy-entries";
constexpr const char* kNoEndpointReject = "no-endpoint-reject";
constexpr const char* kNoEndpointDrop = "no-endpoint-drop";
constexpr const char* kNoLocalEndpointDrop = "no-local-endpoint-drop";
constexpr const char* kFirewallEntries = "firewall-entries";
constexpr const char* kFirewallAllow = "firewall-allow";
constexpr const char* kHairpin = "hairpin-endpoints";
constexpr const char* kServiceEndpoints = "service-endpoints";
constexpr const char* kClusterEndpoints = "cluster-endpoints";

constexpr const char* kMarkForMasquerade = "mark-for-masquerade";
constexpr const char* kRejectChain = "reject-chain";

const api::Protocol kProtocols[] = {api::Protocol::kTCP, api::Protocol::kUDP, api::Protocol::kSCTP};

const Key kEntryKey = {Expr::kDstAddr, Expr::kL4Proto, Expr::kDstPort};
const Key kSlotKey = {Expr::kDstAddr, Expr::kL4Proto, Expr::kDstPort, Expr::kRandomSlot};
const Key kEndpointData = {Expr::kDstAddr, Expr::kDstPort};
const Key kAffinityKey = {Expr::kSrcAddr, Expr::kDstAddr, Expr::kL4Proto, Expr::kDstPort};
const Key kAffinityRecordKey = {Expr::kSrcAddr, Expr::kCtOrigDstAddr, Expr::kL4Proto, Expr::kCtOrigDstPort};
const Key kOrigEntryKey = {Expr::kCtOrigDstAddr, Expr::kL4Proto, Expr::kCtOrigDstPort};

std::string affinitySetName(uint32_t timeout) { return "affinity-" + std::to_string(timeout); }
std::string affinityEntriesName(uint32_t timeout) { return "affinity-entries-" + std::to_string(timeout); }

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

  friend bool operator<(SetRef a, SetRef b) { return std::tie(a.kind, a.timeout) < std::tie(b.kind, b.timeout); }
  friend bool operator==(SetRef a, SetRef b) { return a.kind == b.kind && a.timeout == b.timeout; }
};

std::string setName(SetRef r) {
  switch (r.kind) {
    case SetKind::kClusterIpEntries: return kClusterIpEntries;
    case SetKind::kMasqEntries: return kMasqEntries;
    case SetKind::kLocalPolicyEntries: return kLocalPolicyEntries;
    case SetKind::kNoEndpointReject: return kNoEndpointReject;
    case SetKind::kNoEndpointDrop: return kNoEndpointDrop;
    case SetKind::kNoLocalEndpointDrop: return kNoLocalEndpointDrop;
    case SetKind::kFirewallEntries: return kFirewallEntries;
    case SetKind::kFirewallAllow: return kFirewallAllow;
    case SetKind::kServiceEndpoints: return kServiceEndpoints;
    case SetKind::kClusterEndpoints: return kClusterEndpoints;
    case SetKind::kAffinityEntries: return affinityEntriesName(r.timeout);
    case SetKind::kHairpin: return kHairpin;
    case SetKind::kClusterIps: return kClusterIps;
    case SetKind::kPodCidrs: return kPodCidrs;
    case SetKind::kServiceCidrs: return kServiceCidrs;
  }
  return {};
}

bool isEndpointMap(SetRef r) { return r.kind == SetKind::kServiceEndpoints || r.kind == SetKind::kClusterEndpoints; }

struct EntryKey {
  IpAddress addr;
  api::Protocol proto = api::Protocol::kTCP;
  int port = 0;

  friend bool operator<(const EntryKey& a, const EntryKey& b) {
    return std::tie(a.addr, a.proto, a.port) < std::tie(b.addr, b.proto, b.port);
  }
  std::vector<Value> values() const { return {Value::address(addr), Value::protocol(proto), Value::port(port)}; }
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

  bool before(const Claim& o) const { return std::tie(ns, name, order) < std::tie(o.ns, o.name, o.order); }
  void add(SetRef set, std::vector<Value> key, std::vector<Value> data = {}, bool comment = true) {
    elements.emplace_back(set, Element{std::move(key), std::move(data), comment ? id : std::string()});
  }
};

struct ServiceRules {
  cache::ServicePtr service;  // keeps the view the claims were built from alive
  std::vector<std::unique_ptr<Claim>> claims[2];
  std::vector<IpAddress> clusterIps[2];
};

int familyIndex(IpFamily f) { return f == IpFamily::kIPv4 ? 0 : 1; }

// Counts users of a value; reports whether the value appeared or disappeared.
template <typename K>
bool countUp(std::map<K, uint32_t>& counts, const K& k) {
  return counts[k]++ == 0;
}
template <typename K>
bool countDown(std::map<K, uint32_t>& counts, const K& k) {
  auto it = counts.find(k);
  if (it == counts.end()) return false;
  if (--it->second > 0) return false;
  counts.erase(it);
  return true;
}

// --- skeleton: the set declarations, chains and rules -------------------------------------

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

// What the fixed part of a table depends on.
struct SkeletonFacts {
  IpFamily family = IpFamily::kIPv4;
  bool havePods = false;
  bool haveServiceCidrs = false;
  bool masqueradeAll = false;
  std::set<uint32_t> serviceTiers, clusterTiers, affinityTimeouts;
};

void addSets(Table& t, const SkeletonFacts& facts) {
  t.sets.push_back(set(kPodCidrs, {Expr::kSrcAddr}, "pod addresses (--cluster-cidr)", true));
  t.sets.push_back(set(kServiceCidrs, {Expr::kDstAddr}, "ClusterIP ranges (--service-cidr)", true));
  t.sets.push_back(set(kClusterIps, {Expr::kDstAddr}, "every ClusterIP"));
  t.sets.push_back(set(kClusterIpEntries, kEntryKey, "ClusterIP . protocol . port"));
  t.sets.push_back(set(kMasqEntries, kEntryKey, "external entries of eTP Cluster services: always masqueraded"));
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

  Chain filterPrerouting = baseChain("filter-prerouting", Hook::Type::kFilter, Hook::Point::kPrerouting, -110);
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

  Chain filterOutputPost = baseChain("filter-output-post-dnat", Hook::Type::kFilter, Hook::Point::kOutput, -90);
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
      services.rules.push_back(rule({MatchL4Proto{p}}, {StmtDnatMap{kAffinityKey, affinitySetName(timeout)}}));
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
      services.rules.push_back(rule({MatchL4Proto{p}, in(kEntryKey, kLocalPolicyEntries), MatchFibSaddrLocal{}},
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

Table skeletonTable(const SkeletonFacts& facts) {
  Table t;
  t.family = facts.family;
  t.name = "edgeway";
  addSets(t, facts);
  addChains(t, facts);
  return t;
}

// --- claims: the elements of one Service port ---------------------------------------------

// Builds the claims of one Service port, in the order a whole build meets them:
// ClusterIPs, externalIPs, LoadBalancer IPs, then the node addresses (NodePort).
class ClaimBuilder {
 public:
  ClaimBuilder(const std::vector<IpAddress>& nodeAddresses, std::vector<std::unique_ptr<Claim>>& out)
      : nodeAddresses_(nodeAddresses), out_(out) {}

  void add(const ServicePortInfo& sp) {
    uint32_t affinityTimeout = 0;
    if (sp.service->sessionAffinity == api::SessionAffinity::kClientIP) {
      affinityTimeout = sp.service->sessionAffinityTimeoutSeconds > 0
                            ? static_cast<uint32_t>(sp.service->sessionAffinityTimeoutSeconds)
                            : 10800u;
    }
    for (const auto& ip : sp.clusterIps) internal(sp, ip, affinityTimeout);
    for (const auto& ip : sp.externalIps) external(sp, ip, sp.port, affinityTimeout, false);
    for (const auto& ip : sp.loadBalancerIps) external(sp, ip, sp.port, affinityTimeout, true);
    if (sp.nodePort > 0)
      for (const auto& ip : nodeAddresses_) external(sp, ip, sp.nodePort, affinityTimeout, false);
  }

 private:
  Claim& claim(const ServicePortInfo& sp, const IpAddress& ip, int port) {
    auto c = std::make_unique<Claim>();
    c->entry = EntryKey{ip, sp.protocol, port};
    c->ns = sp.service->ns;
    c->name = sp.service->name;
    c->order = static_cast<uint32_t>(out_.size());
    c->id = sp.id;
    out_.push_back(std::move(c));
    return *out_.back();
  }

  static void finish(Claim& c) {
    auto& e = c.elements;
    std::sort(e.begin(), e.end(), [](const auto& a, const auto& b) {
      return a.first == b.first ? a.second < b.second : a.first < b.first;
    });
    e.erase(std::unique(e.begin(), e.end(),
                        [](const auto& a, const auto& b) { return a.first == b.first && a.second == b.second; }),
            e.end());
  }

  // One element per endpoint, keyed entry . slotOffset(N) + i (see kMaxEndpoints).
  static void endpoints(Claim& c, SetKind map, const std::vector<EndpointAddr>& endpoints) {
    const uint32_t n = static_cast<uint32_t>(std::min<size_t>(endpoints.size(), kMaxEndpoints));
    if (n == 0) return;
    (map == SetKind::kServiceEndpoints ? c.serviceTier : c.clusterTier) = n;
    const auto key = c.entry.values();
    for (uint32_t i = 0; i < n; ++i) {
      auto k = key;
      k.push_back(Value::slots(slotOffset(n) + i, slotOffset(n) + i));
      c.add(SetRef{map}, std::move(k), {Value::address(endpoints[i].ip), Value::port(endpoints[i].port)});
      c.add(SetRef{SetKind::kHairpin}, {Value::address(endpoints[i].ip), Value::address(endpoints[i].ip)}, {},
            false);
    }
  }

  static void affinity(Claim& c, uint32_t timeout) {
    if (timeout == 0) return;
    c.affinityTimeout = timeout;
    c.add(SetRef{SetKind::kAffinityEntries, timeout}, c.entry.values());
  }

  void internal(const ServicePortInfo& sp, const IpAddress& ip, uint32_t affinityTimeout) {
    Claim& c = claim(sp, ip, sp.port);
    c.add(SetRef{SetKind::kClusterIpEntries}, c.entry.values());
    const bool localPolicy = sp.service->internalTrafficPolicy == api::TrafficPolicy::kLocal;
    const auto& eps = localPolicy ? sp.localEndpoints : sp.clusterEndpoints;
    if (sp.clusterEndpoints.empty()) {
      c.add(SetRef{SetKind::kNoEndpointReject}, c.entry.values());
    } else if (eps.empty()) {
      c.add(SetRef{SetKind::kNoEndpointDrop}, c.entry.values());
    } else {
      endpoints(c, SetKind::kServiceEndpoints, eps);
      affinity(c, affinityTimeout);
    }
    finish(c);
  }

  void external(const ServicePortInfo& sp, const IpAddress& ip, int port, uint32_t affinityTimeout,
                bool loadBalancer) {
    Claim& c = claim(sp, ip, port);
    if (loadBalancer && !sp.sourceRanges.empty()) {
      c.add(SetRef{SetKind::kFirewallEntries}, c.entry.values());
      for (const auto& range : sp.sourceRanges) {
        auto k = c.entry.values();
        k.push_back(Value::prefix(range));
        c.add(SetRef{SetKind::kFirewallAllow}, std::move(k));
      }
    }
    if (sp.clusterEndpoints.empty()) {
      c.add(SetRef{SetKind::kNoEndpointReject}, c.entry.values());
    } else {
      if (sp.service->externalTrafficPolicy == api::TrafficPolicy::kCluster) {
        c.add(SetRef{SetKind::kMasqEntries}, c.entry.values());
        endpoints(c, SetKind::kServiceEndpoints, sp.clusterEndpoints);
      } else {
        c.add(SetRef{SetKind::kLocalPolicyEntries}, c.entry.values());
        endpoints(c, SetKind::kClusterEndpoints, sp.clusterEndpoints);
        if (sp.localEndpoints.empty())
          c.add(SetRef{SetKind::kNoLocalEndpointDrop}, c.entry.values());
        else
          endpoints(c, SetKind::kServiceEndpoints, sp.localEndpoints);
      }
      affinity(c, affinityTimeout);
    }
    finish(c);
  }

  const std::vector<IpAddress>& nodeAddresses_;
  std::vector<std::unique_ptr<Claim>>& out_;
};

std::string lostClaimMessage(const Claim& lost, const Claim& owner) {
  return lost.entry.addr.toString() + " " + api::protocolName(lost.entry.proto) + "/" +
         std::to_string(lost.entry.port) + " is already used by " + owner.id;
}

// The node facts of one family, normalized so two NodeInfos with the same meaning compare equal.
struct NodeFacts {
  std::vector<Cidr> podCidrs;
  std::vector<Cidr> serviceCidrs;
  std::vector<IpAddress> addresses;  // NodePort addresses: sorted, no loopback/unspecified

  static bool same(const std::vector<Cidr>& a, const std::vector<Cidr>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i].network() != b[i].network() || a[i].prefixLength() != b[i].prefixLength()) return false;
    return true;
  }
  friend bool operator==(const NodeFacts& a, const NodeFacts& b) {
    return a.addresses == b.addresses && same(a.podCidrs, b.podCidrs) && same(a.serviceCidrs, b.serviceCidrs);
  }
};

bool inAny(const std::vector<Cidr>& cidrs, const IpAddress& a) {
  for (const auto& c : cidrs)
    if (c.contains(a)) return true;
  return false;
}

NodeFacts nodeFacts(const NodeInfo& node, IpFamily family) {
  NodeFacts f;
  for (const auto& c : node.clusterCidrs)
    if (c.family() == family) f.podCidrs.push_back(c);
  for (const auto& c : node.serviceCidrs)
    if (c.family() == family) f.serviceCidrs.push_back(c);
  for (const auto& a : node.addresses)
    if (a.family() == family && !a.isLoopback() && !a.isUnspecified() &&
        (node.nodePortCidrs.empty() || inAny(node.nodePortCidrs, a)))
      f.addresses.push_back(a);
  std::sort(f.addresses.begin(), f.addresses.end());
  f.addresses.erase(std::unique(f.addresses.begin(), f.addresses.end()), f.addresses.end());
  return f;
}

void sortUnique(std::vector<Element>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

// The pod-cidrs and service-cidrs sets hold node facts, not Service facts.
std::vector<Element> cidrElements(const std::vector<Cidr>& cidrs) {
  std::vector<Element> out;
  for (const auto& c : cidrs) out.push_back(Element{{Value::prefix(c)}, {}, {}});
  sortUnique(out);
  return out;
}

}  // namespace

// --- the tracker's state --------------------------------------------------------------------

struct RuleTracker::State {
  struct Family {
    IpFamily family = IpFamily::kIPv4;
    NodeFacts node;
    std::map<EntryKey, std::vector<Claim*>> claims;  // by priority; front() is programmed
    std::map<Element, uint32_t> clusterIps, hairpin;  // shared elements, reference-counted
    std::map<uint32_t, uint32_t> serviceTiers, clusterTiers, affinityTimeouts;  // users of each
    bool structureChanged = true;
    size_t elementCount = 0;  // in the programmed sets
    // Off for the first build: the kernel state it would be relative to is unknown, so the
    // first sync is a full replacement anyway (NftSyncer), and ~90,000 copies are saved.
    bool recording = true;
    std::map<SetRef, SetChanges> pending;
    std::map<UdpEntry, std::set<UdpEndpoint>> udpBefore;  // first touch since the last take
  };

  bool built = false;
  std::string nodeName;
  std::vector<IpAddress> localAddresses;  // every node address (the tracer's fib)
  bool masqueradeAll = false;
  std::map<cache::NamespacedName, ServiceRules> services;
  std::map<cache::NamespacedName, cache::NamespacedName> sliceOwners;  // slice -> its Service
  Family families[2];
  std::vector<ModelWarning> warnings;

  State() { families[1].family = IpFamily::kIPv6; }

  static std::set<UdpEndpoint> udpEndpointsOf(const Claim* c) {
    std::set<UdpEndpoint> out;
    if (!c) return out;
    for (const auto& [ref, e] : c->elements)
      if (isEndpointMap(ref)) out.emplace(e.data[0].addr, static_cast<uint16_t>(e.data[1].low));
    return out;
  }

  static const Claim* owner(const Family& f, const EntryKey& entry) {
    auto it = f.claims.find(entry);
    return it == f.claims.end() || it->second.empty() ? nullptr : it->second.front();
  }

  // Records a UDP entry's endpoints before its first change since the last take.
  static void noteUdp(Family& f, const EntryKey& entry) {
    if (entry.proto != api::Protocol::kUDP) return;
    UdpEntry key{entry.addr, static_cast<uint16_t>(entry.port)};
    if (f.udpBefore.count(key)) return;
    f.udpBefore.emplace(key, udpEndpointsOf(owner(f, entry)));
  }

  static void tier(Family& f, std::map<uint32_t, uint32_t>& counts, uint32_t n, bool up, uint32_t predeclared) {
    if (n == 0) return;
    bool edge = up ? countUp(counts, n) : countDown(counts, n);
    if (edge && n > predeclared) f.structureChanged = true;
  }

  // A claim becomes (active) or stops being (!active) the programmed one of its entry.
  static void setActive(Family& f, const Claim& c, bool active) {
    for (const auto& [ref, e] : c.elements) {
      if (ref.kind == SetKind::kHairpin && !(active ? countUp(f.hairpin, e) : countDown(f.hairpin, e))) continue;
      record(f, ref, e, active);
    }
    tier(f, f.serviceTiers, c.serviceTier, active, kPredeclaredTiers);
    tier(f, f.clusterTiers, c.clusterTier, active, 1);
    tier(f, f.affinityTimeouts, c.affinityTimeout, active, 0);
  }

  void addClaim(Family& f, Claim* c) {
    noteUdp(f, c->entry);
    auto& list = f.claims[c->entry];
    auto pos = std::upper_bound(list.begin(), list.end(), c, [](const Claim* a, const Claim* b) { return a->before(*b); });
    const bool first = pos == list.begin();
    if (first && !list.empty()) {
      setActive(f, *list.front(), false);
      warn(*list.front(), *c);
    } else if (!first) {
      warn(*c, *list.front());
    }
    list.insert(pos, c);
    if (first) setActive(f, *c, true);
  }

  void removeClaim(Family& f, Claim* c) {
    noteUdp(f, c->entry);
    auto it = f.claims.find(c->entry);
    if (it == f.claims.end()) return;
    auto& list = it->second;
    const bool wasOwner = !list.empty() && list.front() == c;
    list.erase(std::remove(list.begin(), list.end(), c), list.end());
    if (wasOwner) {
      setActive(f, *c, false);
      if (!list.empty()) setActive(f, *list.front(), true);
    }
    if (list.empty()) f.claims.erase(it);
  }

  void warn(const Claim& lost, const Claim& owner) {
    if (lost.id == owner.id) return;  // one port meeting the same entry twice
    warnings.push_back({lost.ns + "/" + lost.name, lostClaimMessage(lost, owner)});
  }

  static void shareClusterIp(Family& f, const IpAddress& ip, bool add) {
    Element e{{Value::address(ip)}, {}, {}};
    if (add ? countUp(f.clusterIps, e) : countDown(f.clusterIps, e)) record(f, SetRef{SetKind::kClusterIps}, e, add);
  }

  // An element enters (added) or leaves the programmed state.
  static void record(Family& f, SetRef ref, const Element& e, bool added) {
    if (f.recording) (added ? f.pending[ref].added : f.pending[ref].removed).push_back(e);
    added ? ++f.elementCount : --f.elementCount;
  }

  void removeService(const cache::NamespacedName& name) {
    auto it = services.find(name);
    if (it == services.end()) return;
    for (int i = 0; i < 2; ++i) {
      for (auto& c : it->second.claims[i]) removeClaim(families[i], c.get());
      for (const auto& ip : it->second.clusterIps[i]) shareClusterIp(families[i], ip, false);
    }
    services.erase(it);
  }

  void addService(const cache::Snapshot& snapshot, const cache::ServicePtr& svc) {
    ServiceRules rules;
    rules.service = svc;
    NodeInfo node;  // what collectServicePorts reads: the node name (endpoint locality)
    node.name = nodeName;
    std::vector<ServicePortInfo> ports;
    for (int i = 0; i < 2; ++i) {
      Family& f = families[i];
      ports.clear();
      detail::collectServicePorts(snapshot, node, f.family, *svc, ports);
      if (ports.empty()) continue;
      ClaimBuilder builder(f.node.addresses, rules.claims[i]);
      for (const auto& sp : ports) builder.add(sp);
      rules.clusterIps[i] = ports.front().clusterIps;
      for (const auto& ip : rules.clusterIps[i]) shareClusterIp(f, ip, true);
      for (auto& c : rules.claims[i]) addClaim(f, c.get());
    }
    services.emplace(cache::NamespacedName{svc->ns, svc->name}, std::move(rules));
  }

  void recompute(const cache::Snapshot& snapshot, const cache::NamespacedName& name) {
    removeService(name);
    if (auto svc = snapshot.service(name.ns, name.name)) addService(snapshot, svc);
  }

  // Elements of every set (shared and claimed), unsorted.
  std::map<SetRef, std::vector<Element>> collect(const Family& f, std::optional<SetRef> only) const {
    std::map<SetRef, std::vector<Element>> out;
    auto wanted = [&](SetRef r) { return !only || *only == r; };
    for (const auto& [entry, list] : f.claims) {
      for (const auto& [ref, e] : list.front()->elements)
        if (ref.kind != SetKind::kHairpin && wanted(ref)) out[ref].push_back(e);
    }
    if (wanted(SetRef{SetKind::kHairpin}))
      for (const auto& [e, n] : f.hairpin) out[SetRef{SetKind::kHairpin}].push_back(e);
    if (wanted(SetRef{SetKind::kClusterIps}))
      for (const auto& [e, n] : f.clusterIps) out[SetRef{SetKind::kClusterIps}].push_back(e);
    if (wanted(SetRef{SetKind::kPodCidrs})) out[SetRef{SetKind::kPodCidrs}] = cidrElements(f.node.podCidrs);
    if (wanted(SetRef{SetKind::kServiceCidrs}))
      out[SetRef{SetKind::kServiceCidrs}] = cidrElements(f.node.serviceCidrs);
    return out;
  }
};

// --- RuleTracker --------------------------------------------------------------------------

RuleTracker::RuleTracker() : state_(std::make_unique<State>()) { rebuildSkeleton(); }
RuleTracker::~RuleTracker() = default;

size_t RuleTracker::serviceCount() const { return state_->services.size(); }

size_t RuleTracker::elementCount() const {
  return state_->families[0].elementCount + state_->families[1].elementCount;
}

void RuleTracker::updateAll(const cache::Snapshot& snapshot, const NodeInfo& node) {
  State& s = *state_;
  // The node facts shape every claim (NodePort addresses, endpoint locality): drop all
  // claims under the old facts, then build under the new ones.
  std::vector<cache::NamespacedName> names;
  for (const auto& [name, rules] : s.services) names.push_back(name);
  for (const auto& name : names) s.removeService(name);
  for (auto& f : s.families) f.recording = s.built;
  s.built = true;
  s.nodeName = node.name;
  s.localAddresses = node.addresses;
  std::sort(s.localAddresses.begin(), s.localAddresses.end());
  if (s.masqueradeAll != node.masqueradeAll) {
    s.masqueradeAll = node.masqueradeAll;
    for (auto& f : s.families) f.structureChanged = true;
  }
  for (auto& f : s.families) {
    NodeFacts facts = nodeFacts(node, f.family);
    if (facts == f.node) continue;
    f.structureChanged = true;
    for (const auto& e : cidrElements(f.node.podCidrs)) State::record(f, SetRef{SetKind::kPodCidrs}, e, false);
    for (const auto& e : cidrElements(f.node.serviceCidrs)) State::record(f, SetRef{SetKind::kServiceCidrs}, e, false);
    f.node = std::move(facts);
    for (const auto& e : cidrElements(f.node.podCidrs)) State::record(f, SetRef{SetKind::kPodCidrs}, e, true);
    for (const auto& e : cidrElements(f.node.serviceCidrs)) State::record(f, SetRef{SetKind::kServiceCidrs}, e, true);
  }
  s.sliceOwners.clear();
  for (const auto& slice : snapshot.endpointSlices())
    s.sliceOwners[{slice->ns, slice->name}] = {slice->ns, slice->serviceName};
  for (const auto& svc : snapshot.services()) s.addService(snapshot, svc);
  for (auto& f : s.families) f.recording = true;
  rebuildSkeleton();
}

void RuleTracker::update(const cache::Snapshot& snapshot, const NodeInfo& node, const cache::Changes& changes) {
  State& s = *state_;
  std::vector<IpAddress> addresses = node.addresses;
  std::sort(addresses.begin(), addresses.end());
  bool sameNode = s.built && s.nodeName == node.name && s.masqueradeAll == node.masqueradeAll &&
                  addresses == s.localAddresses;
  for (int i = 0; i < 2 && sameNode; ++i) sameNode = nodeFacts(node, s.families[i].family) == s.families[i].node;
  if (!sameNode) return updateAll(snapshot, node);

  std::set<cache::NamespacedName> touched(changes.of(cache::Kind::kService).begin(),
                                           changes.of(cache::Kind::kService).end());
  for (const auto& name : changes.of(cache::Kind::kEndpointSlice)) {
    auto known = s.sliceOwners.find(name);
    if (known != s.sliceOwners.end()) touched.insert(known->second);
    if (auto slice = snapshot.endpointSlice(name.ns, name.name)) {
      cache::NamespacedName owner{slice->ns, slice->serviceName};
      touched.insert(owner);
      s.sliceOwners[name] = std::move(owner);
    } else if (known != s.sliceOwners.end()) {
      s.sliceOwners.erase(known);
    }
  }
  for (const auto& name : touched) s.recompute(snapshot, name);
  rebuildSkeleton();
}

void RuleTracker::rebuildSkeleton() {
  State& s = *state_;
  bool any = skeleton_.empty();
  for (const auto& f : s.families) any = any || f.structureChanged;
  if (!any) return;
  skeleton_.clear();
  for (auto& f : s.families) {
    SkeletonFacts facts;
    facts.family = f.family;
    facts.havePods = !f.node.podCidrs.empty();
    facts.haveServiceCidrs = !f.node.serviceCidrs.empty();
    facts.masqueradeAll = s.masqueradeAll;
    for (uint32_t n = 1; n <= kPredeclaredTiers; ++n) facts.serviceTiers.insert(n);
    for (const auto& [n, users] : f.serviceTiers) facts.serviceTiers.insert(n);
    facts.clusterTiers.insert(1);
    for (const auto& [n, users] : f.clusterTiers) facts.clusterTiers.insert(n);
    for (const auto& [t, users] : f.affinityTimeouts) facts.affinityTimeouts.insert(t);
    skeleton_.push_back(skeletonTable(facts));
    f.structureChanged = false;
  }
}

RuleModel RuleTracker::model() const {
  const State& s = *state_;
  RuleModel model;
  for (size_t i = 0; i < skeleton_.size(); ++i) {
    Table t = skeleton_[i];
    const State::Family& f = s.families[i];
    std::map<std::string, std::vector<Element>> byName;
    for (auto& [ref, elements] : s.collect(f, std::nullopt)) byName[setName(ref)] = std::move(elements);
    for (auto& set : t.sets) {
      auto it = byName.find(set.name);
      if (it == byName.end()) continue;
      set.elements = std::move(it->second);
      sortUnique(set.elements);
    }
    model.tables.push_back(std::move(t));
    // Every lost claim, in claim order.
    std::vector<std::pair<const Claim*, const Claim*>> lost;
    for (const auto& [entry, list] : f.claims)
      for (size_t k = 1; k < list.size(); ++k)
        if (list[k]->id != list.front()->id) lost.emplace_back(list[k], list.front());
    std::sort(lost.begin(), lost.end(), [](const auto& a, const auto& b) { return a.first->before(*b.first); });
    for (const auto& [c, owner] : lost) model.warnings.push_back({c->ns + "/" + c->name, lostClaimMessage(*c, *owner)});
  }
  model.localAddresses = s.localAddresses;
  return model;
}

std::vector<Element> RuleTracker::elements(IpFamily family, const std::string& set) const {
  const State::Family& f = state_->families[familyIndex(family)];
  std::optional<SetRef> ref;
  // The name -> SetRef inverse, for the few sets a structure change recreates.
  for (int k = 0; k <= static_cast<int>(SetKind::kServiceCidrs) && !ref; ++k) {
    SetRef r{static_cast<SetKind>(k)};
    if (r.kind == SetKind::kAffinityEntries) {
      for (const auto& [t, users] : f.affinityTimeouts)
        if (setName(SetRef{r.kind, t}) == set) ref = SetRef{r.kind, t};
    } else if (setName(r) == set) {
      ref = r;
    }
  }
  if (!ref) return {};
  auto collected = state_->collect(f, ref);
  auto out = std::move(collected[*ref]);
  sortUnique(out);
  return out;
}

bool RuleTracker::serves(IpFamily family, const std::vector<Value>& entry, const std::vector<Value>& endpoint) const {
  if (entry.size() != 3 || endpoint.size() != 2) return false;
  const State::Family& f = state_->families[familyIndex(family)];
  const Claim* c = State::owner(f, EntryKey{entry[0].addr, entry[1].proto, static_cast<int>(entry[2].low)});
  if (!c) return false;
  for (const auto& [ref, e] : c->elements)
    if (isEndpointMap(ref) && e.data == endpoint) return true;
  return false;
}

ElementChanges RuleTracker::takeChanges() {
  ElementChanges out;
  for (auto& f : state_->families) {
    for (auto& [ref, ch] : f.pending) {
      // Net the two lists: an element removed and added back unchanged (comment included)
      // is neither; the kernel never needs to hear of it.
      auto less = [](const Element& a, const Element& b) { return a == b ? a.comment < b.comment : a < b; };
      std::sort(ch.removed.begin(), ch.removed.end(), less);
      std::sort(ch.added.begin(), ch.added.end(), less);
      SetChanges net;
      std::set_difference(ch.removed.begin(), ch.removed.end(), ch.added.begin(), ch.added.end(),
                          std::back_inserter(net.removed), less);
      std::set_difference(ch.added.begin(), ch.added.end(), ch.removed.begin(), ch.removed.end(),
                          std::back_inserter(net.added), less);
      if (!net.removed.empty() || !net.added.empty()) out.sets[{f.family, setName(ref)}] = std::move(net);
    }
    f.pending.clear();
  }
  return out;
}

void RuleTracker::clearChanges() {
  for (auto& f : state_->families) f.pending.clear();
}

std::vector<ModelWarning> RuleTracker::takeWarnings() { return std::exchange(state_->warnings, {}); }

std::vector<StaleUdpFlows> RuleTracker::takeStaleUdpFlows() {
  UdpEndpointIndex before, after;
  for (auto& f : state_->families) {
    for (auto& [entry, endpoints] : f.udpBefore) {
      auto now = State::udpEndpointsOf(State::owner(f, EntryKey{entry.first, api::Protocol::kUDP, entry.second}));
      if (!endpoints.empty()) before[entry] = std::move(endpoints);
      if (!now.empty()) after[entry] = std::move(now);
    }
    f.udpBefore.clear();
  }
  return staleUdpFlows(before, after);
}

RuleModel buildRuleModel(const cache::Snapshot& snapshot, const NodeInfo& node) {
  RuleTracker tracker;
  tracker.updateAll(snapshot, node);
  return tracker.model();
}

}  // namespace edgeway::netstack
