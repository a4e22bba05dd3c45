#include "netstack/rule_tracker.h"

#include <algorithm>
#include <iterator>
#include <optional>
#include <set>
#include <tuple>

#include "cache/changes.h"
#include "cache/namespaced_name.h"
#include "cache/snapshot.h"
#include "netstack/src/rule_skeleton.h"
#include "netstack/src/service_claims.h"
#include "netstack/src/service_port_info.h"

namespace edgeway::netstack {

const SetChanges* ElementChanges::find(IpFamily family, const std::string& set) const {
  auto it = sets.find({family, set});
  return it == sets.end() ? nullptr : &it->second;
}

using detail::Claim;
using detail::EntryKey;
using detail::ServicePortInfo;
using detail::SetKind;
using detail::SetRef;
using detail::SkeletonFacts;

namespace {

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
    std::map<EntryKey, std::vector<Claim*>> claims;   // by priority; front() is programmed
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

  static void tier(Family& f, std::map<uint32_t, uint32_t>& counts, uint32_t n, bool up,
                   uint32_t predeclared) {
    if (n == 0) return;
    bool edge = up ? countUp(counts, n) : countDown(counts, n);
    if (edge && n > predeclared) f.structureChanged = true;
  }

  // A claim becomes (active) or stops being (!active) the programmed one of its entry.
  static void setActive(Family& f, const Claim& c, bool active) {
    for (const auto& [ref, e] : c.elements) {
      if (ref.kind == SetKind::kHairpin && !(active ? countUp(f.hairpin, e) : countDown(f.hairpin, e)))
        continue;
      record(f, ref, e, active);
    }
    tier(f, f.serviceTiers, c.serviceTier, active, kPredeclaredTiers);
    tier(f, f.clusterTiers, c.clusterTier, active, 1);
    tier(f, f.affinityTimeouts, c.affinityTimeout, active, 0);
  }

  void addClaim(Family& f, Claim* c) {
    noteUdp(f, c->entry);
    auto& list = f.claims[c->entry];
    auto pos = std::upper_bound(list.begin(), list.end(), c,
                                [](const Claim* a, const Claim* b) { return a->before(*b); });
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

  // Once per lost claim and winner: when the winner's Service is recomputed, the loser is
  // promoted and demoted again, which is no news. (Same id: one port met one entry twice.)
  void warn(Claim& lost, const Claim& owner) {
    if (lost.id == owner.id || lost.warnedAbout == owner.id) return;
    lost.warnedAbout = owner.id;
    warnings.push_back({lost.ns + "/" + lost.name, lostClaimMessage(lost, owner)});
  }

  static void shareClusterIp(Family& f, const IpAddress& ip, bool add) {
    Element e{{Value::address(ip)}, {}, {}};
    if (add ? countUp(f.clusterIps, e) : countDown(f.clusterIps, e))
      record(f, SetRef{SetKind::kClusterIps}, e, add);
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
      for (const auto& sp : ports) buildClaims(sp, f.node.addresses, rules.claims[i]);
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
    for (const auto& e : cidrElements(f.node.podCidrs))
      State::record(f, SetRef{SetKind::kPodCidrs}, e, false);
    for (const auto& e : cidrElements(f.node.serviceCidrs))
      State::record(f, SetRef{SetKind::kServiceCidrs}, e, false);
    f.node = std::move(facts);
    for (const auto& e : cidrElements(f.node.podCidrs)) State::record(f, SetRef{SetKind::kPodCidrs}, e, true);
    for (const auto& e : cidrElements(f.node.serviceCidrs))
      State::record(f, SetRef{SetKind::kServiceCidrs}, e, true);
  }
  s.sliceOwners.clear();
  for (const auto& slice : snapshot.endpointSlices())
    s.sliceOwners[{slice->ns, slice->name}] = {slice->ns, slice->serviceName};
  for (const auto& svc : snapshot.services()) s.addService(snapshot, svc);
  for (auto& f : s.families) f.recording = true;
  rebuildSkeleton();
}

void RuleTracker::update(const cache::Snapshot& snapshot, const NodeInfo& node,
                         const cache::Changes& changes) {
  State& s = *state_;
  std::vector<IpAddress> addresses = node.addresses;
  std::sort(addresses.begin(), addresses.end());
  bool sameNode = s.built && s.nodeName == node.name && s.masqueradeAll == node.masqueradeAll &&
                  addresses == s.localAddresses;
  for (int i = 0; i < 2 && sameNode; ++i)
    sameNode = nodeFacts(node, s.families[i].family) == s.families[i].node;
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
    skeleton_.push_back(detail::skeletonTable(facts));
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
    std::sort(lost.begin(), lost.end(),
              [](const auto& a, const auto& b) { return a.first->before(*b.first); });
    for (const auto& [c, owner] : lost)
      model.warnings.push_back({c->ns + "/" + c->name, lostClaimMessage(*c, *owner)});
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

bool RuleTracker::serves(IpFamily family, const std::vector<Value>& entry,
                         const std::vector<Value>& endpoint) const {
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
      auto now =
          State::udpEndpointsOf(State::owner(f, EntryKey{entry.first, api::Protocol::kUDP, entry.second}));
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
