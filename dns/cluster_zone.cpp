#include "dns/cluster_zone.h"

#include <algorithm>
#include <cassert>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "dns/src/zone_index.h"
#include "dns/src/zone_names.h"

namespace edgeway::dns {
namespace {

using cache::NamespacedName;
using zone_detail::Index;
using zone_detail::NameEntry;
using zone_detail::Node;
using zone_detail::Owner;
using zone_detail::Part;
using zone_detail::PtrTarget;
using zone_detail::RecordSet;
using zone_detail::ReverseEntry;

constexpr const char* kSchemaVersion = "1.1.0";
// The SOA timers CoreDNS's kubernetes plugin serves; only `minimum` (our TTL) matters to
// clients, as the negative-caching TTL.
constexpr uint32_t kSoaRefresh = 7200;
constexpr uint32_t kSoaRetry = 1800;
constexpr uint32_t kSoaExpire = 86400;

const char* protocolLabel(api::Protocol protocol) {
  switch (protocol) {
    case api::Protocol::kTCP:
      return "_tcp";
    case api::Protocol::kUDP:
      return "_udp";
    case api::Protocol::kSCTP:
      return "_sctp";
  }
  return "_tcp";
}

std::string lower(std::string_view s) {
  std::string out;
  zone_detail::lowerInto(s, out);
  return out;
}

// Orders the rdata of one RRset so duplicates (the same address in two slices, the same
// SRV target from both address families) sort together. Only the kinds a zone holds.
bool rdataLess(const Rdata& a, const Rdata& b) {
  if (a.index() != b.index()) return a.index() < b.index();
  if (const auto* ip = std::get_if<IpAddress>(&a)) return *ip < std::get<IpAddress>(b);
  if (const auto* n = std::get_if<NameData>(&a)) return n->name < std::get<NameData>(b).name;
  if (const auto* s = std::get_if<SrvData>(&a)) {
    const auto& t = std::get<SrvData>(b);
    return std::tie(s->port, s->target, s->priority) < std::tie(t.port, t.target, t.priority);
  }
  return false;  // one of a kind (SOA, TXT)
}

bool rdataEqual(const Rdata& a, const Rdata& b) { return !rdataLess(a, b) && !rdataLess(b, a); }

void sortUnique(std::vector<Rdata>& data) {
  std::sort(data.begin(), data.end(), rdataLess);
  data.erase(std::unique(data.begin(), data.end(), rdataEqual), data.end());
}

// Every field, SRV weights included: whether an answer would differ.
auto fieldsOf(const IpAddress& d) { return std::tie(d); }
auto fieldsOf(const NameData& d) { return std::tie(d.name); }
auto fieldsOf(const SoaData& d) {
  return std::tie(d.mname, d.rname, d.serial, d.refresh, d.retry, d.expire, d.minimum);
}
auto fieldsOf(const SrvData& d) { return std::tie(d.priority, d.weight, d.port, d.target); }
auto fieldsOf(const MxData& d) { return std::tie(d.preference, d.exchange); }
auto fieldsOf(const TxtData& d) { return std::tie(d.strings); }
auto fieldsOf(const RawData& d) { return std::tie(d.bytes); }

bool sameRdata(const Rdata& a, const Rdata& b) {
  if (a.index() != b.index()) return false;
  return std::visit(
      [&](const auto& x) { return fieldsOf(x) == fieldsOf(std::get<std::decay_t<decltype(x)>>(b)); }, a);
}

bool sameNode(const Node& a, const Node& b) {
  if (a.sets.size() != b.sets.size() || a.additional.size() != b.additional.size()) return false;
  for (size_t i = 0; i < a.sets.size(); ++i) {
    const auto& x = a.sets[i].data;
    const auto& y = b.sets[i].data;
    if (a.sets[i].type != b.sets[i].type || x.size() != y.size()) return false;
    for (size_t j = 0; j < x.size(); ++j) {
      if (!sameRdata(x[j], y[j])) return false;
    }
  }
  for (size_t i = 0; i < a.additional.size(); ++i) {
    const Record& x = a.additional[i];
    const Record& y = b.additional[i];
    if (x.name != y.name || x.type != y.type || x.ttl != y.ttl || !sameRdata(x.data, y.data)) return false;
  }
  return true;
}

size_t recordsIn(const Node& node) {
  size_t n = 0;
  for (const auto& set : node.sets) n += set.data.size();
  return n;
}

Type addressType(const IpAddress& ip) { return ip.isV4() ? Type::kA : Type::kAAAA; }

// The SRV weights and additional records of a node whose sets are final. RFC 2782
// weights, as CoreDNS gives them: the records of one name share 100 (floor(100 / n)
// each). `addresses(name)` gives the node of an SRV target, or null.
template <typename Lookup>
void finishSrv(Node& n, uint32_t ttl, Lookup&& addresses) {
  RecordSet* srv = nullptr;
  for (auto& set : n.sets)
    if (set.type == Type::kSRV) srv = &set;
  if (!srv) return;
  const auto weight = static_cast<uint16_t>(100 / srv->data.size());
  for (auto& data : srv->data) std::get<SrvData>(data).weight = weight;
  // The A/AAAA records of each distinct target, for the additional section.
  std::vector<const std::string*> targets;
  targets.reserve(srv->data.size());
  for (const auto& data : srv->data) targets.push_back(&std::get<SrvData>(data).target);
  std::sort(targets.begin(), targets.end(), [](auto* a, auto* b) { return *a < *b; });
  targets.erase(std::unique(targets.begin(), targets.end(), [](auto* a, auto* b) { return *a == *b; }),
                targets.end());
  n.additional.clear();
  for (const std::string* target : targets) {
    const Node* t = addresses(*target);
    if (!t) continue;
    for (Type type : {Type::kA, Type::kAAAA}) {
      const RecordSet* set = t->find(type);
      if (!set) continue;
      for (const auto& data : set->data) n.additional.push_back(Record{*target, type, kClassIn, ttl, data});
    }
  }
}

// ---- What one object gives the zone ----------------------------------------------------

// The names, records and PTR targets one object gives the zone, made from the object (and,
// for a headless Service, its slices) as one snapshot holds them. The zone is the union of
// the fragments of every object; comparing the fragments of one object in two snapshots
// says whether the zone changes at all.
struct Fragment {
  std::map<std::string, Node> records;  // names with records, each node finished
  // Names that must exist for it, records or not: the ancestors of its names up to
  // `svc.<zone>` or `pod.<zone>` (which always exist), and its namespace's node(s).
  std::vector<std::string> holds;                         // sorted, unique
  std::vector<std::pair<std::string, std::string>> ptrs;  // (reverse name, target), sorted, unique
  bool podPtrs = false;  // a Pod's: answered only for addresses no Service or endpoint claims

  bool givesRecords() const { return !records.empty() || !ptrs.empty(); }
};

bool sameFragment(const Fragment& a, const Fragment& b) {
  if (a.holds != b.holds || a.ptrs != b.ptrs || a.podPtrs != b.podPtrs) return false;
  if (a.records.size() != b.records.size()) return false;
  for (auto x = a.records.begin(), y = b.records.begin(); x != a.records.end(); ++x, ++y) {
    if (x->first != y->first || !sameNode(x->second, y->second)) return false;
  }
  return true;
}

// Makes the fragments of the objects of one snapshot, for the zone `x` describes (its
// domain, TTL and pod records).
class FragmentMaker {
 public:
  FragmentMaker(const Index& x, const cache::Snapshot& snapshot)
      : x_(x), snapshot_(snapshot), svcName_("svc" + x.dotDomain), podName_("pod" + x.dotDomain) {}

  // The names that exist whatever the cluster holds.
  Fragment fixed() const {
    Fragment f;
    f.records["dns-version" + x_.dotDomain].get(Type::kTXT).data.push_back(TxtData{{kSchemaVersion}});
    // CoreDNS answers NODATA for these two whatever the cluster holds.
    f.holds = {svcName_, podName_};
    return finish(std::move(f));
  }

  Fragment service(const api::ServiceView& service) const {
    Fragment f;
    holdNamespace(service.ns, f);
    const std::string base = lower(service.name) + "." + lower(service.ns) + ".svc" + x_.dotDomain;
    if (service.type == api::ServiceType::kExternalName) {
      addExternalName(service, base, f);
    } else if (service.headless) {
      addHeadless(service, base, f);
    } else {
      addClusterIp(service, base, f);
    }
    return finish(std::move(f));
  }

  // The snapshot holds no Namespace objects: a namespace is known when something lives in
  // it, which is what `<ns>.svc.<zone>` (and `<ns>.pod.<zone>`) answering NODATA rather
  // than NXDOMAIN rests on. A slice gives nothing else.
  Fragment slice(const api::EndpointSliceView& slice) const {
    Fragment f;
    f.holds = namespaceHolds(slice.ns);
    return f;
  }

  // The names an object in namespace `ns` holds, sorted.
  std::vector<std::string> namespaceHolds(std::string_view ns) const {
    Fragment f;
    holdNamespace(ns, f);
    std::sort(f.holds.begin(), f.holds.end());
    return std::move(f.holds);
  }

  // a-b-c-d.<ns>.pod.<zone> for each IP of the Pod ("pods verified": only addresses Pods
  // have), with pod records on. Pods that have finished no longer own their IPs.
  Fragment pod(const api::PodView& pod) const {
    Fragment f;
    holdNamespace(pod.ns, f);
    if (x_.podRecords && pod.phase != "Succeeded" && pod.phase != "Failed") {
      const std::string suffix = "." + lower(pod.ns) + ".pod" + x_.dotDomain;
      for (const auto& ip : pod.podIps) {
        std::string name = zone_detail::dashedLabel(ip) + suffix;
        f.records[name].get(addressType(ip)).data.push_back(ip);
        f.ptrs.emplace_back(zone_detail::reverseName(ip), std::move(name));
      }
      f.podPtrs = true;
    }
    return finish(std::move(f));
  }

 private:
  void holdNamespace(std::string_view ns, Fragment& f) const {
    if (ns.empty()) return;
    const std::string lns = lower(ns);
    f.holds.push_back(lns + ".svc" + x_.dotDomain);
    if (x_.podRecords) f.holds.push_back(lns + ".pod" + x_.dotDomain);
  }

  static void add(Fragment& f, const std::string& name, Type type, Rdata data) {
    f.records[name].get(type).data.push_back(std::move(data));
  }

  // A CNAME to the external name. As in CoreDNS, an externalName that is an IP address
  // (which Service validation lets through) gives no record.
  static void addExternalName(const api::ServiceView& service, const std::string& base, Fragment& f) {
    std::string_view target = service.externalName;
    if (!target.empty() && target.back() == '.') target.remove_suffix(1);
    if (target.empty() || IpAddress::parse(target).isOk()) return;
    add(f, base, Type::kCNAME, NameData{std::string(target)});
  }

  static void addClusterIp(const api::ServiceView& service, const std::string& base, Fragment& f) {
    if (service.clusterIps.empty()) return;  // not allocated yet: nothing to answer
    for (const auto& ip : service.clusterIps) {
      add(f, base, addressType(ip), ip);
      f.ptrs.emplace_back(zone_detail::reverseName(ip), base);
    }
    for (const auto& port : service.ports) {
      SrvData srv{0, 0, static_cast<uint16_t>(port.port), base};
      // A CoreDNS extension kept for compatibility: an SRV query for the Service name
      // itself lists every port, named or not.
      add(f, base, Type::kSRV, srv);
      if (!port.name.empty())
        add(f, "_" + lower(port.name) + "." + protocolLabel(port.protocol) + "." + base, Type::kSRV, srv);
    }
  }

  // Endpoints are published when ready, or whatever their conditions when the Service
  // says publishNotReadyAddresses (the EndpointSlice controller then marks them ready
  // anyway; honouring the flag here also covers slices managed by others). `serving` is
  // not looked at: a terminating endpoint is not ready, and DNS is not the place to keep
  // sending new clients to a Pod that is going away (CoreDNS reads `ready` alone too).
  void addHeadless(const api::ServiceView& service, const std::string& base, Fragment& f) const {
    for (const auto& slice : snapshot_.endpointSlicesOf(service.ns, service.name)) {
      for (const auto& endpoint : slice->endpoints) {
        if (!endpoint.ready && !service.publishNotReadyAddresses) continue;
        for (const auto& ip : endpoint.addresses) {
          // The endpoint's hostname, else (spec: "a unique, system-assigned identifier")
          // the dashed address, as CoreDNS does.
          std::string host =
              (endpoint.hostname.empty() ? zone_detail::dashedLabel(ip) : lower(endpoint.hostname)) + "." +
              base;
          const Type type = addressType(ip);
          add(f, base, type, ip);
          add(f, host, type, ip);
          f.ptrs.emplace_back(zone_detail::reverseName(ip), host);
          for (const auto& port : slice->ports) {
            if (port.port <= 0) continue;  // "all ports": no number to publish
            SrvData srv{0, 0, static_cast<uint16_t>(port.port), host};
            add(f, base, Type::kSRV, srv);
            if (!port.name.empty())
              add(f, "_" + lower(port.name) + "." + protocolLabel(port.protocol) + "." + base, Type::kSRV,
                  srv);
          }
        }
      }
    }
  }

  // Sorts, removes duplicates and derives what depends on the final sets; SRV targets are
  // always names of the same fragment (the Service's own name or its endpoints').
  Fragment finish(Fragment f) const {
    for (auto& [name, n] : f.records) {
      for (auto& set : n.sets) sortUnique(set.data);
      holdAncestors(name, f.holds);
    }
    for (auto& [name, n] : f.records) {
      finishSrv(n, x_.ttl, [&](const std::string& target) -> const Node* {
        auto it = f.records.find(target);
        return it == f.records.end() ? nullptr : &it->second;
      });
    }
    std::sort(f.holds.begin(), f.holds.end());
    f.holds.erase(std::unique(f.holds.begin(), f.holds.end()), f.holds.end());
    std::sort(f.ptrs.begin(), f.ptrs.end());
    f.ptrs.erase(std::unique(f.ptrs.begin(), f.ptrs.end()), f.ptrs.end());
    return f;
  }

  // A name's ancestors exist as empty non-terminals (unless they have records).
  void holdAncestors(std::string_view name, std::vector<std::string>& holds) const {
    for (;;) {
      auto dot = name.find('.');
      if (dot == std::string_view::npos) return;
      name.remove_prefix(dot + 1);
      // The apex, `svc.<zone>` and `pod.<zone>` always exist.
      if (name.size() <= x_.domain.size() || name == svcName_ || name == podName_) return;
      holds.emplace_back(name);
    }
  }

  const Index& x_;
  const cache::Snapshot& snapshot_;
  const std::string svcName_;  // svc.<zone>
  const std::string podName_;  // pod.<zone>
};

// ---- Putting fragments together -------------------------------------------------------

// "s/<ns>/<name>" and the like: who gave a record.
std::string ownerKey(char kind, std::string_view ns, std::string_view name) {
  std::string key;
  key.reserve(ns.size() + name.size() + 3);
  key.append(1, kind).append(1, '/').append(ns).append(1, '/').append(name);
  return key;
}

// The records of a name several objects give records to, merged.
Node merge(const std::vector<Part>& parts, uint32_t ttl) {
  Node node;
  for (const Part& part : parts) {
    for (const RecordSet& set : part.node->sets) {
      auto& data = node.get(set.type).data;
      data.insert(data.end(), set.data.begin(), set.data.end());
    }
  }
  for (auto& set : node.sets) sortUnique(set.data);
  // SRV targets are the parts' own names; their additional records are theirs.
  finishSrv(node, ttl, [](const std::string&) -> const Node* { return nullptr; });
  for (const Part& part : parts) {
    node.additional.insert(node.additional.end(), part.node->additional.begin(), part.node->additional.end());
  }
  auto less = [](const Record& a, const Record& b) {
    if (a.name != b.name) return a.name < b.name;
    if (a.type != b.type) return a.type < b.type;
    return rdataLess(a.data, b.data);
  };
  std::sort(node.additional.begin(), node.additional.end(), less);
  node.additional.erase(
      std::unique(node.additional.begin(), node.additional.end(),
                  [&](const Record& a, const Record& b) { return !less(a, b) && !less(b, a); }),
      node.additional.end());
  return node;
}

// The PTR records answered for a reverse name: the Services' and endpoints' targets, or
// the Pods' when there are none (so that Pods sharing an address all get theirs).
std::vector<Rdata> ptrsOf(const std::vector<PtrTarget>& targets) {
  const bool fromServices =
      std::any_of(targets.begin(), targets.end(), [](const PtrTarget& t) { return !t.fromPod; });
  std::vector<Rdata> out;
  for (const PtrTarget& t : targets) {
    if (t.fromPod != fromServices) out.push_back(NameData{t.target});
  }
  sortUnique(out);
  return out;
}

// The entries of a zone being edited: those of `base` that fragments touch, copied on
// first touch, then written back as a new version of its tables. With no base, every
// entry is new and the tables are made at once.
class ZoneEdit {
 public:
  explicit ZoneEdit(const Index* base) : base_(base) {}

  bool empty() const { return names_.empty() && reverse_.empty(); }

  // Takes away what the object `kind`/`ns`/`name` gave: `f`, as made when it was added.
  void remove(char kind, std::string_view ns, std::string_view name, const Fragment& f) {
    const std::string owner = f.givesRecords() ? ownerKey(kind, ns, name) : std::string();
    auto ownedBy = [&](const auto& p) { return *p.owner == owner; };
    for (const auto& [at, node] : f.records) {
      auto& parts = entry(at).parts;
      parts.erase(std::remove_if(parts.begin(), parts.end(), ownedBy), parts.end());
    }
    for (const std::string& at : f.holds) {
      NameEntry& e = entry(at);
      assert(e.holders > 0);
      --e.holders;
    }
    for (const auto& [at, target] : f.ptrs) {
      auto& targets = reverse(at).targets;
      targets.erase(std::remove_if(targets.begin(), targets.end(), ownedBy), targets.end());
    }
  }

  void add(char kind, std::string_view ns, std::string_view name, Fragment&& f) {
    Owner owner;
    if (f.givesRecords()) owner = std::make_shared<const std::string>(ownerKey(kind, ns, name));
    for (auto& [at, node] : f.records) {
      entry(at).parts.push_back(Part{owner, std::make_shared<Node>(std::move(node))});
    }
    holdAll(f.holds, 1);
    for (auto& [at, target] : f.ptrs)
      reverse(at).targets.push_back(PtrTarget{owner, std::move(target), f.podPtrs});
  }

  // `count` more objects hold each of `names`.
  void holdAll(const std::vector<std::string>& names, uint32_t count) {
    for (const std::string& at : names) entry(at).holders += count;
  }

  // Writes the edited entries into `x`, whose tables and record count are still base's
  // (empty without a base).
  void writeTo(Index& x, uint32_t ttl) {
    size_t count = x.recordCount - removed_;
    std::vector<std::shared_ptr<const NameEntry>> newNames;
    std::vector<std::shared_ptr<const ReverseEntry>> newReverse;
    zone_detail::NameTable<NameEntry>::Builder names(x.names);
    zone_detail::NameTable<ReverseEntry>::Builder reverse(x.reverse);
    // In the order first touched: a Service's names end up next to each other in memory,
    // as its records already are.
    for (auto* touched : namesOrder_) {
      const std::string& name = touched->first;
      NameEntry& e = touched->second;
      std::sort(e.parts.begin(), e.parts.end(),
                [](const Part& a, const Part& b) { return *a.owner < *b.owner; });
      if (e.parts.empty() && e.holders == 0) {
        names.erase(name);
        continue;
      }
      if (e.parts.size() == 1) {
        // The only part's records become the entry's own (see Part). A node held nowhere
        // else is moved (every part's node is made as a non-const Node).
        Part& only = e.parts.front();
        if (only.node.use_count() == 1) {
          e.node = std::move(const_cast<Node&>(*only.node));
        } else {
          e.node = *only.node;
        }
        only.node.reset();
      } else {
        e.node = e.parts.empty() ? Node{} : merge(e.parts, ttl);
      }
      count += recordsIn(e.node);
      auto entry = std::make_shared<const NameEntry>(std::move(e));
      if (base_) {
        names.put(std::move(entry));
      } else {
        newNames.push_back(std::move(entry));
      }
    }
    for (auto* touched : reverseOrder_) {
      const std::string& name = touched->first;
      ReverseEntry& e = touched->second;
      std::sort(e.targets.begin(), e.targets.end(), [](const PtrTarget& a, const PtrTarget& b) {
        return std::tie(*a.owner, a.target) < std::tie(*b.owner, b.target);
      });
      e.ptr = ptrsOf(e.targets);
      if (e.targets.empty()) {
        reverse.erase(name);
        continue;
      }
      count += e.ptr.size();
      auto entry = std::make_shared<const ReverseEntry>(std::move(e));
      if (base_) {
        reverse.put(std::move(entry));
      } else {
        newReverse.push_back(std::move(entry));
      }
    }
    if (base_) {
      x.names = names.build();
      x.reverse = reverse.build();
    } else {
      x.names = zone_detail::NameTable<NameEntry>::fromEntries(std::move(newNames));
      x.reverse = zone_detail::NameTable<ReverseEntry>::fromEntries(std::move(newReverse));
    }
    x.recordCount = count;
    namesOrder_.clear();
    reverseOrder_.clear();
    names_.clear();
    reverse_.clear();
  }

  void reserve(size_t names, size_t reverse) {
    names_.reserve(names);
    namesOrder_.reserve(names);
    reverse_.reserve(reverse);
    reverseOrder_.reserve(reverse);
  }

 private:
  NameEntry& entry(const std::string& name) {
    auto [it, inserted] = names_.try_emplace(name);
    if (inserted) {
      namesOrder_.push_back(&*it);
      const NameEntry* old = base_ ? base_->names.find(name) : nullptr;
      if (old) {
        NameEntry& e = it->second;
        e.name = old->name;
        e.parts = old->parts;
        e.holders = old->holders;
        removed_ += recordsIn(old->node);
        // A sole part's records are the entry's: give the part its own copy to edit with.
        if (e.parts.size() == 1) e.parts.front().node = std::make_shared<Node>(old->node);
      } else {
        it->second.name = name;
      }
    }
    return it->second;
  }

  ReverseEntry& reverse(const std::string& name) {
    auto [it, inserted] = reverse_.try_emplace(name);
    if (inserted) {
      reverseOrder_.push_back(&*it);
      const ReverseEntry* old = base_ ? base_->reverse.find(name) : nullptr;
      if (old) {
        it->second = *old;
        removed_ += old->ptr.size();
      } else {
        it->second.name = name;
      }
    }
    return it->second;
  }

  const Index* base_;
  std::unordered_map<std::string, NameEntry> names_;
  std::unordered_map<std::string, ReverseEntry> reverse_;
  std::vector<std::pair<const std::string, NameEntry>*> namesOrder_;  // names_ as first touched
  std::vector<std::pair<const std::string, ReverseEntry>*> reverseOrder_;
  size_t removed_ = 0;  // records of base's entries touched, which writeTo() counts anew
};

// The zone-wide part of an index: names, TTL, and the apex of the snapshot's revision.
void stamp(Index& x, const cache::Snapshot& snapshot) {
  x.synced = snapshot.synced();
  x.revision = snapshot.revision();
  SoaData soa{"ns.dns" + x.dotDomain,
              "hostmaster" + x.dotDomain,
              static_cast<uint32_t>(snapshot.revision()),
              kSoaRefresh,
              kSoaRetry,
              kSoaExpire,
              x.ttl};
  x.soa = Record{x.domain, Type::kSOA, kClassIn, x.ttl, soa};
  x.apex = Node{};
  x.apex.get(Type::kSOA).data.push_back(soa);
  x.apex.get(Type::kNS).data.push_back(NameData{"ns.dns" + x.dotDomain});
}

// A Service's records depend on its slices when it is headless (the endpoints' names).
bool readsSlices(const cache::ServicePtr& service) {
  return service && service->headless && service->type != api::ServiceType::kExternalName;
}

}  // namespace

ClusterZone::ClusterZone(std::unique_ptr<zone_detail::Index> index) : index_(std::move(index)) {}
ClusterZone::~ClusterZone() = default;

std::shared_ptr<const ClusterZone> ClusterZone::build(const cache::Snapshot& snapshot,
                                                      const ClusterZoneOptions& options) {
  auto index = std::make_unique<Index>();
  std::string_view domain = options.domain;
  while (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
  index->domain = lower(domain);
  index->dotDomain = "." + index->domain;
  index->ttl = options.ttl;
  index->podRecords = options.podRecords;
  stamp(*index, snapshot);
  index->recordCount = 2;  // the apex's SOA and NS

  // Roughly four names per Service (itself, an SRV name and its `_proto` parent, the
  // namespace), one per endpoint and one per Pod IP: reserving avoids most rehashing.
  size_t endpoints = 0;
  for (const auto& slice : snapshot.endpointSlices()) endpoints += slice->endpoints.size();
  const size_t pods = options.podRecords ? snapshot.pods().size() : 0;
  ZoneEdit edit(nullptr);
  edit.reserve(4 * snapshot.services().size() + endpoints + pods + 16,
               snapshot.services().size() + endpoints + pods);
  FragmentMaker make(*index, snapshot);
  edit.add('z', "", "", make.fixed());
  for (const auto& s : snapshot.services()) edit.add('s', s->ns, s->name, make.service(*s));
  // Slices, and Pods without pod records, only hold their namespace's names: counted per
  // namespace first, as there are many of them in few namespaces.
  std::unordered_map<std::string_view, uint32_t> namespaceHolders;
  for (const auto& s : snapshot.endpointSlices()) ++namespaceHolders[s->ns];
  for (const auto& p : snapshot.pods()) {
    if (options.podRecords) {
      edit.add('p', p->ns, p->name, make.pod(*p));
    } else {
      ++namespaceHolders[p->ns];
    }
  }
  for (const auto& [ns, count] : namespaceHolders) edit.holdAll(make.namespaceHolds(ns), count);
  edit.writeTo(*index, index->ttl);
  return std::shared_ptr<const ClusterZone>(new ClusterZone(std::move(index)));
}

std::shared_ptr<const ClusterZone> ClusterZone::update(const std::shared_ptr<const ClusterZone>& previous,
                                                       const cache::Snapshot& before,
                                                       const cache::Snapshot& after,
                                                       const cache::Changes& changes) {
  const Index& base = previous->index();
  // A change of a large part of the cluster (the first sync, a relist) is cheaper redone.
  const size_t objects = after.services().size() + after.endpointSlices().size() + after.pods().size();
  if (changes.size() > 64 && changes.size() > objects / 8) {
    ClusterZoneOptions options;
    options.domain = base.domain;
    options.ttl = base.ttl;
    options.podRecords = base.podRecords;
    return build(after, options);
  }

  const FragmentMaker was(base, before);
  const FragmentMaker is(base, after);
  ZoneEdit edit(&base);
  // Replaces what an object gave the zone in `before` with what it gives in `after`.
  auto redo = [&](char kind, const NamespacedName& name, const auto& old, const auto& now, auto make) {
    Fragment gone = old ? make(was, *old) : Fragment{};
    Fragment next = now ? make(is, *now) : Fragment{};
    if (sameFragment(gone, next)) return;
    edit.remove(kind, name.ns, name.name, gone);
    edit.add(kind, name.ns, name.name, std::move(next));
  };

  std::set<NamespacedName> services(changes.of(cache::Kind::kService).begin(),
                                    changes.of(cache::Kind::kService).end());
  for (const NamespacedName& n : changes.of(cache::Kind::kEndpointSlice)) {
    auto old = before.endpointSlice(n.ns, n.name);
    auto now = after.endpointSlice(n.ns, n.name);
    redo('e', n, old, now,
         [](const FragmentMaker& m, const api::EndpointSliceView& s) { return m.slice(s); });
    // A headless Service's names are its endpoints'.
    for (const auto& slice : {old, now}) {
      if (slice && !slice->serviceName.empty())
        services.insert(NamespacedName{slice->ns, slice->serviceName});
    }
  }
  for (const NamespacedName& n : services) {
    auto old = before.service(n.ns, n.name);
    auto now = after.service(n.ns, n.name);
    if (old == now && !readsSlices(now)) continue;  // the same object, whose slices do not matter
    redo('s', n, old, now, [](const FragmentMaker& m, const api::ServiceView& s) { return m.service(s); });
  }
  for (const NamespacedName& n : changes.of(cache::Kind::kPod)) {
    redo('p', n, before.pod(n.ns, n.name), after.pod(n.ns, n.name),
         [](const FragmentMaker& m, const api::PodView& p) { return m.pod(p); });
  }

  if (edit.empty() && after.synced() == base.synced) return previous;
  auto index = std::make_unique<Index>(base);
  stamp(*index, after);
  edit.writeTo(*index, index->ttl);
  return std::shared_ptr<const ClusterZone>(new ClusterZone(std::move(index)));
}

bool ClusterZone::synced() const { return index_->synced; }
const std::string& ClusterZone::domain() const { return index_->domain; }
uint32_t ClusterZone::ttl() const { return index_->ttl; }
bool ClusterZone::podRecords() const { return index_->podRecords; }
int64_t ClusterZone::revision() const { return index_->revision; }
size_t ClusterZone::recordCount() const { return index_->recordCount; }

}  // namespace edgeway::dns
