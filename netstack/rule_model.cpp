#include "netstack/rule_model.h"

#include <algorithm>
#include <cassert>
#include <map>
#include <set>
#include <tuple>

#include "cache/snapshot.h"
#include "netstack/src/service_port_info.h"

namespace edgeway::netstack {

FieldType fieldTypeOf(Expr e) {
  switch (e) {
    case Expr::kSrcAddr:
    case Expr::kDstAddr:
    case Expr::kCtOrigDstAddr:
      return FieldType::kAddr;
    case Expr::kL4Proto:
      return FieldType::kProto;
    case Expr::kDstPort:
    case Expr::kCtOrigDstPort:
      return FieldType::kPort;
    case Expr::kRandomSlot:
      return FieldType::kSlot;
  }
  return FieldType::kAddr;
}

Value Value::address(const IpAddress& a) {
  Value v;
  v.kind = Kind::kAddr;
  v.addr = a;
  return v;
}
Value Value::prefix(const Cidr& c) {
  Value v;
  v.kind = Kind::kCidr;
  v.cidr = c;
  return v;
}
Value Value::protocol(api::Protocol p) {
  Value v;
  v.kind = Kind::kProto;
  v.proto = p;
  return v;
}
Value Value::port(int p) {
  Value v;
  v.kind = Kind::kPort;
  v.low = v.high = static_cast<uint32_t>(p);
  return v;
}
Value Value::slots(uint32_t first, uint32_t last) {
  Value v;
  v.kind = Kind::kSlotRange;
  v.low = first;
  v.high = last;
  return v;
}

// Order: kind, address (a prefix's network), prefix length, protocol, low, high. Written
// out field by field: the model's sorts and the syncer's diff compare ~10^5 elements.
bool operator==(const Value& a, const Value& b) {
  if (a.kind != b.kind || a.proto != b.proto || a.low != b.low || a.high != b.high) return false;
  if (a.kind == Value::Kind::kCidr)
    return a.cidr.prefixLength() == b.cidr.prefixLength() && a.cidr.network() == b.cidr.network();
  return a.addr == b.addr;
}
bool operator<(const Value& a, const Value& b) {
  if (a.kind != b.kind) return a.kind < b.kind;
  const bool cidr = a.kind == Value::Kind::kCidr;
  const IpAddress& x = cidr ? a.cidr.network() : a.addr;
  const IpAddress& y = cidr ? b.cidr.network() : b.addr;
  if (x != y) return x < y;
  if (cidr && a.cidr.prefixLength() != b.cidr.prefixLength()) return a.cidr.prefixLength() < b.cidr.prefixLength();
  if (a.proto != b.proto) return a.proto < b.proto;
  if (a.low != b.low) return a.low < b.low;
  return a.high < b.high;
}

const NamedSet* Table::findSet(const std::string& n) const {
  for (const auto& s : sets)
    if (s.name == n) return &s;
  return nullptr;
}
const Chain* Table::findChain(const std::string& n) const {
  for (const auto& c : chains)
    if (c.name == n) return &c;
  return nullptr;
}
size_t Table::ruleCount() const {
  size_t n = 0;
  for (const auto& c : chains) n += c.rules.size();
  return n;
}
size_t Table::elementCount() const {
  size_t n = 0;
  for (const auto& s : sets) n += s.elements.size();
  return n;
}
const Table* RuleModel::table(IpFamily family) const {
  for (const auto& t : tables)
    if (t.family == family) return &t;
  return nullptr;
}

namespace {

using detail::EndpointAddr;
using detail::ServicePortInfo;

// Set and chain names: part of the contract with the syncer and docs/nftables.md.
constexpr const char* kPodCidrs = "pod-cidrs";
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

// --- small rule constructors --------------------------------------------------------

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
NamedSet map(std::string name, Key key, Key data, std::string comment, bool interval = false) {
  NamedSet s = set(std::move(name), std::move(key), std::move(comment), interval);
  s.data = std::move(data);
  return s;
}

// --- the per-family builder ------------------------------------------------------------

std::vector<Value> entryKey(const IpAddress& ip, api::Protocol proto, int port) {
  return {Value::address(ip), Value::protocol(proto), Value::port(port)};
}

class TableBuilder {
 public:
  TableBuilder(IpFamily family, const NodeInfo& node, std::vector<ModelWarning>& warnings)
      : family_(family), node_(node), warnings_(warnings) {
    for (const auto& c : node.clusterCidrs)
      if (c.family() == family) podCidrs_.push_back(c);
    for (const auto& a : node.addresses)
      if (a.family() == family && !a.isLoopback() && !a.isUnspecified()) nodeAddresses_.push_back(a);
    std::sort(nodeAddresses_.begin(), nodeAddresses_.end());
    nodeAddresses_.erase(std::unique(nodeAddresses_.begin(), nodeAddresses_.end()), nodeAddresses_.end());
  }

  void add(const ServicePortInfo& sp) {
    uint32_t affinityTimeout = 0;
    if (sp.service->sessionAffinity == api::SessionAffinity::kClientIP) {
      affinityTimeout = sp.service->sessionAffinityTimeoutSeconds > 0
                            ? static_cast<uint32_t>(sp.service->sessionAffinityTimeoutSeconds)
                            : 10800u;
    }
    for (const auto& ip : sp.clusterIps) addInternal(sp, ip, affinityTimeout);
    for (const auto& ip : sp.externalIps) addExternal(sp, ip, sp.port, affinityTimeout, false);
    for (const auto& ip : sp.loadBalancerIps) addExternal(sp, ip, sp.port, affinityTimeout, true);
    if (sp.nodePort > 0)
      for (const auto& ip : nodeAddresses_) addExternal(sp, ip, sp.nodePort, affinityTimeout, false);
  }

  Table build() {
    Table t;
    t.family = family_;
    t.name = "edgeway";
    addSets(t);
    addChains(t);
    for (auto& s : t.sets) {
      std::sort(s.elements.begin(), s.elements.end());
      s.elements.erase(std::unique(s.elements.begin(), s.elements.end()), s.elements.end());
    }
    return t;
  }

 private:
  // Claims an entry (address . proto . port) for a service port; false (and a warning)
  // when another one already has it.
  bool claim(const ServicePortInfo& sp, const IpAddress& ip, int port) {
    auto key = std::make_tuple(ip, sp.protocol, port);
    auto [it, inserted] = owners_.emplace(key, sp.id);
    if (!inserted && it->second != sp.id) {
      warnings_.push_back({sp.service->ns + "/" + sp.service->name,
                           ip.toString() + " " + api::protocolName(sp.protocol) + "/" + std::to_string(port) +
                               " is already used by " + it->second});
      return false;
    }
    return inserted;
  }

  // One element per endpoint, keyed entry . slotOffset(N) + i (see kMaxEndpoints), and the
  // endpoint count N recorded so the map gets a DNAT rule for N.
  void addEndpoints(std::vector<Element>& into, const std::vector<Value>& key,
                    const std::vector<EndpointAddr>& endpoints, const std::string& comment) {
    const uint32_t n = static_cast<uint32_t>(std::min<size_t>(endpoints.size(), kMaxEndpoints));
    if (n == 0) return;
    (&into == &serviceEndpoints_ ? serviceTiers_ : clusterTiers_).insert(n);
    for (uint32_t i = 0; i < n; ++i) {
      Element e;
      e.key = key;
      e.key.push_back(Value::slots(slotOffset(n) + i, slotOffset(n) + i));
      e.data = {Value::address(endpoints[i].ip), Value::port(endpoints[i].port)};
      e.comment = comment;
      into.push_back(std::move(e));
      hairpin_.push_back(Element{{Value::address(endpoints[i].ip), Value::address(endpoints[i].ip)}, {}, {}});
    }
  }

  void addAffinity(uint32_t timeout, const std::vector<Value>& key, const std::string& comment) {
    if (timeout == 0) return;
    affinityEntries_[timeout].push_back(Element{key, {}, comment});
  }

  void addInternal(const ServicePortInfo& sp, const IpAddress& ip, uint32_t affinityTimeout) {
    clusterIps_.push_back(Element{{Value::address(ip)}, {}, {}});
    if (!claim(sp, ip, sp.port)) return;
    auto key = entryKey(ip, sp.protocol, sp.port);
    clusterIpEntries_.push_back(Element{key, {}, sp.id});
    bool localPolicy = sp.service->internalTrafficPolicy == api::TrafficPolicy::kLocal;
    const auto& endpoints = localPolicy ? sp.localEndpoints : sp.clusterEndpoints;
    if (sp.clusterEndpoints.empty()) {
      noEndpointReject_.push_back(Element{key, {}, sp.id});
    } else if (endpoints.empty()) {
      noEndpointDrop_.push_back(Element{key, {}, sp.id});
    } else {
      addEndpoints(serviceEndpoints_, key, endpoints, sp.id);
      addAffinity(affinityTimeout, key, sp.id);
    }
  }

  void addExternal(const ServicePortInfo& sp, const IpAddress& ip, int port, uint32_t affinityTimeout,
                   bool loadBalancer) {
    if (!claim(sp, ip, port)) return;
    auto key = entryKey(ip, sp.protocol, port);
    if (loadBalancer && !sp.sourceRanges.empty()) {
      firewallEntries_.push_back(Element{key, {}, sp.id});
      for (const auto& range : sp.sourceRanges) {
        Element e{key, {}, sp.id};
        e.key.push_back(Value::prefix(range));
        firewallAllow_.push_back(std::move(e));
      }
    }
    if (sp.clusterEndpoints.empty()) {
      noEndpointReject_.push_back(Element{key, {}, sp.id});
      return;
    }
    if (sp.service->externalTrafficPolicy == api::TrafficPolicy::kCluster) {
      masqEntries_.push_back(Element{key, {}, sp.id});
      addEndpoints(serviceEndpoints_, key, sp.clusterEndpoints, sp.id);
    } else {
      localPolicyEntries_.push_back(Element{key, {}, sp.id});
      addEndpoints(clusterEndpoints_, key, sp.clusterEndpoints, sp.id);
      if (sp.localEndpoints.empty())
        noLocalEndpointDrop_.push_back(Element{key, {}, sp.id});
      else
        addEndpoints(serviceEndpoints_, key, sp.localEndpoints, sp.id);
    }
    addAffinity(affinityTimeout, key, sp.id);
  }

  void addSets(Table& t) {
    auto withElements = [](NamedSet s, std::vector<Element>& elements) {
      s.elements = std::move(elements);  // the builder is used once: move, not copy
      return s;
    };
    std::vector<Element> pods;
    for (const auto& c : podCidrs_) pods.push_back(Element{{Value::prefix(c)}, {}, {}});
    t.sets.push_back(
        withElements(set(kPodCidrs, {Expr::kSrcAddr}, "pod addresses (--cluster-cidr)", true), pods));
    t.sets.push_back(withElements(set(kClusterIps, {Expr::kDstAddr}, "every ClusterIP"), clusterIps_));
    t.sets.push_back(
        withElements(set(kClusterIpEntries, kEntryKey, "ClusterIP . protocol . port"), clusterIpEntries_));
    t.sets.push_back(withElements(
        set(kMasqEntries, kEntryKey, "external entries of eTP Cluster services: always masqueraded"),
        masqEntries_));
    t.sets.push_back(withElements(
        set(kLocalPolicyEntries, kEntryKey, "external entries of eTP Local services"), localPolicyEntries_));
    t.sets.push_back(withElements(set(kNoEndpointReject, kEntryKey, "entries without endpoints: rejected"),
                                  noEndpointReject_));
    t.sets.push_back(withElements(
        set(kNoEndpointDrop, kEntryKey, "iTP Local ClusterIP entries without local endpoints: dropped"),
        noEndpointDrop_));
    t.sets.push_back(withElements(set(kNoLocalEndpointDrop, kEntryKey,
                                      "eTP Local entries without local endpoints: external traffic dropped"),
                                  noLocalEndpointDrop_));
    t.sets.push_back(withElements(set(kFirewallEntries, kEntryKey, "LoadBalancer entries with source ranges"),
                                  firewallEntries_));
    Key allowKey = kEntryKey;
    allowKey.push_back(Expr::kSrcAddr);
    t.sets.push_back(withElements(
        set(kFirewallAllow, allowKey, "entry . allowed source range (loadBalancerSourceRanges)", true),
        firewallAllow_));
    t.sets.push_back(withElements(set(kHairpin, {Expr::kSrcAddr, Expr::kDstAddr},
                                      "endpoint . itself: a DNATed connection back to its source"),
                                  hairpin_));
    t.sets.push_back(
        withElements(map(kServiceEndpoints, kSlotKey, kEndpointData,
                         "entry . random slot -> endpoint, per the entry's traffic policy"),
                     serviceEndpoints_));
    t.sets.push_back(withElements(
        map(kClusterEndpoints, kSlotKey, kEndpointData,
            "eTP Local entries: entry . random slot -> any endpoint (pod and node traffic)"),
        clusterEndpoints_));
    for (auto& [timeout, elements] : affinityEntries_) {
      t.sets.push_back(
          withElements(set(affinityEntriesName(timeout), kEntryKey,
                           "entries with sessionAffinity ClientIP, timeout " + std::to_string(timeout) + "s"),
                       elements));
      NamedSet aff = map(affinitySetName(timeout), kAffinityKey, kEndpointData,
                         "client . entry -> endpoint, filled by the packet path");
      aff.dynamic = true;
      aff.timeoutSeconds = timeout;
      aff.size = 65535;
      t.sets.push_back(std::move(aff));
    }
  }

  void addChains(Table& t) {
    using K = StmtVerdict::Kind;
    const bool havePods = !podCidrs_.empty();

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
    filterOutputPost.rules.push_back(
        rule({MatchCtStateNew{}, MatchCtStatusDnat{}}, {jump("affinity-record")}));

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

    Chain reject =
        regularChain(kRejectChain, "TCP reset (not ICMP-rate-limited), else ICMP port unreachable");
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
    if (node_.masqueradeAll) {
      services.rules.push_back(rule({in(kEntryKey, kClusterIpEntries)}, {jump(kMarkForMasquerade)}));
    } else if (havePods) {
      services.rules.push_back(rule({in(kEntryKey, kClusterIpEntries), notIn({Expr::kSrcAddr}, kPodCidrs)},
                                    {jump(kMarkForMasquerade)}, "off-cluster source"));
    }
    services.rules.push_back(rule({in(kEntryKey, kMasqEntries)}, {jump(kMarkForMasquerade)}));
    services.rules.push_back(
        rule({in(kEntryKey, kLocalPolicyEntries), MatchFibSaddrLocal{}}, {jump(kMarkForMasquerade)}));
    for (const auto& entry : affinityEntries_) {
      for (api::Protocol p : kProtocols)
        services.rules.push_back(
            rule({MatchL4Proto{p}}, {StmtDnatMap{kAffinityKey, affinitySetName(entry.first)}}));
    }
    // One DNAT rule per endpoint count N in use (and always N = 1, so the table has the
    // shape the preflight checks even when empty): `numgen random mod N offset
    // slotOffset(N)` only reaches the elements of N-endpoint entries; other entries miss
    // the map and fall through to the next rule.
    for (api::Protocol p : kProtocols) {
      for (uint32_t n : clusterTiers_) {
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
      for (uint32_t n : serviceTiers_)
        services.rules.push_back(rule({MatchL4Proto{p}}, {StmtDnatMap{kSlotKey, kServiceEndpoints, n}}));

    Chain affinityRecord = regularChain("affinity-record", "remember the endpoint a client got");
    for (const auto& entry : affinityEntries_) {
      for (api::Protocol p : kProtocols)
        affinityRecord.rules.push_back(rule(
            {MatchL4Proto{p}, in(kOrigEntryKey, affinityEntriesName(entry.first))},
            {StmtMapUpdate{affinitySetName(entry.first), kAffinityRecordKey, kEndpointData, entry.first}}));
    }

    for (Chain* c : {&filterPrerouting, &filterInput, &filterForward, &filterOutput, &filterOutputPost,
                     &natPrerouting, &natOutput, &natPostrouting, &endpointsCheck, &firewall,
                     &clusterIpsCheck, &affinityRecord, &services, &markMasq, &masquerading, &reject})
      t.chains.push_back(std::move(*c));
  }

  IpFamily family_;
  const NodeInfo& node_;
  std::vector<ModelWarning>& warnings_;
  std::vector<Cidr> podCidrs_;
  std::vector<IpAddress> nodeAddresses_;
  std::map<std::tuple<IpAddress, api::Protocol, int>, std::string> owners_;

  std::vector<Element> clusterIps_, clusterIpEntries_, masqEntries_, localPolicyEntries_, noEndpointReject_,
      noEndpointDrop_, noLocalEndpointDrop_, firewallEntries_, firewallAllow_, hairpin_, serviceEndpoints_,
      clusterEndpoints_;
  std::set<uint32_t> serviceTiers_{1}, clusterTiers_{1};  // endpoint counts in each endpoint map
  std::map<uint32_t, std::vector<Element>> affinityEntries_;
};

}  // namespace

RuleModel buildRuleModel(const cache::Snapshot& snapshot, const NodeInfo& node) {
  RuleModel model;
  for (IpFamily family : {IpFamily::kIPv4, IpFamily::kIPv6}) {
    TableBuilder builder(family, node, model.warnings);
    for (const auto& sp : detail::collectServicePorts(snapshot, node, family)) builder.add(sp);
    model.tables.push_back(builder.build());
  }
  for (const auto& a : node.addresses) model.localAddresses.push_back(a);
  std::sort(model.localAddresses.begin(), model.localAddresses.end());
  return model;
}

}  // namespace edgeway::netstack
