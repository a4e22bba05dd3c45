#include "dns/cluster_zone.h"

#include <algorithm>
#include <tuple>
#include <unordered_set>
#include <utility>

#include "dns/src/zone_index.h"
#include "dns/src/zone_names.h"

namespace edgeway::dns {
namespace {

using zone_detail::Index;
using zone_detail::Node;
using zone_detail::RecordSet;

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
// SRV target from both address families) sort together. Only the kinds build() produces.
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

Type addressType(const IpAddress& ip) { return ip.isV4() ? Type::kA : Type::kAAAA; }

class ZoneBuilder {
 public:
  ZoneBuilder(Index& index, const cache::Snapshot& snapshot) : x_(index), snapshot_(snapshot) {}

  void build() {
    addApex();
    // CoreDNS answers NODATA for these two whatever the cluster holds.
    node("svc" + x_.dotDomain);
    node("pod" + x_.dotDomain);
    addNamespaces();
    for (const auto& service : snapshot_.services()) addService(*service);
    if (x_.podRecords) addPods();
    finish();
  }

 private:
  // The node for `name` (lower-case, in the zone), created with its ancestors up to the
  // apex, which thereby exist as empty non-terminals.
  Node& node(const std::string& name) {
    auto [it, inserted] = x_.names.try_emplace(name);
    if (inserted) {
      std::string_view rest = name;
      for (;;) {
        auto dot = rest.find('.');
        if (dot == std::string_view::npos) break;
        rest.remove_prefix(dot + 1);
        if (rest.size() < x_.domain.size()) break;
        // An existing ancestor already has all of its own ancestors.
        if (!x_.names.try_emplace(std::string(rest)).second) break;
      }
    }
    return it->second;
  }

  void add(const std::string& name, Type type, Rdata data) {
    node(name).get(type).data.push_back(std::move(data));
  }

  void addPtr(const IpAddress& ip, const std::string& target) {
    x_.reverse[zone_detail::reverseName(ip)].push_back(NameData{target});
  }

  void addApex() {
    const std::string& apex = x_.domain;
    SoaData soa{"ns.dns" + x_.dotDomain,
                "hostmaster" + x_.dotDomain,
                static_cast<uint32_t>(snapshot_.revision()),
                kSoaRefresh,
                kSoaRetry,
                kSoaExpire,
                x_.ttl};
    x_.soa = Record{apex, Type::kSOA, kClassIn, x_.ttl, soa};
    Node& n = x_.names[apex];
    n.get(Type::kSOA).data.push_back(soa);
    n.get(Type::kNS).data.push_back(NameData{"ns.dns" + x_.dotDomain});
    add("dns-version" + x_.dotDomain, Type::kTXT, TxtData{{kSchemaVersion}});
  }

  // The snapshot holds no Namespace objects: a namespace is known when something lives in
  // it, which is what `<ns>.svc.<zone>` (and `<ns>.pod.<zone>`) answering NODATA rather
  // than NXDOMAIN rests on.
  void addNamespaces() {
    std::unordered_set<std::string_view> seen;
    auto known = [&](std::string_view ns) {
      if (ns.empty() || !seen.insert(ns).second) return;
      std::string lns = lower(ns);
      node(lns + ".svc" + x_.dotDomain);
      if (x_.podRecords) node(lns + ".pod" + x_.dotDomain);
    };
    for (const auto& s : snapshot_.services()) known(s->ns);
    for (const auto& s : snapshot_.endpointSlices()) known(s->ns);
    for (const auto& p : snapshot_.pods()) known(p->ns);
  }

  void addService(const api::ServiceView& service) {
    const std::string base = lower(service.name) + "." + lower(service.ns) + ".svc" + x_.dotDomain;
    if (service.type == api::ServiceType::kExternalName) {
      addExternalName(service, base);
    } else if (service.headless) {
      addHeadless(service, base);
    } else {
      addClusterIp(service, base);
    }
  }

  // A CNAME to the external name. As in CoreDNS, an externalName that is an IP address
  // (which Service validation lets through) gives no record.
  void addExternalName(const api::ServiceView& service, const std::string& base) {
    std::string_view target = service.externalName;
    if (!target.empty() && target.back() == '.') target.remove_suffix(1);
    if (target.empty() || IpAddress::parse(target).isOk()) return;
    add(base, Type::kCNAME, NameData{std::string(target)});
  }

  void addClusterIp(const api::ServiceView& service, const std::string& base) {
    if (service.clusterIps.empty()) return;  // not allocated yet: nothing to answer
    for (const auto& ip : service.clusterIps) {
      add(base, addressType(ip), ip);
      addPtr(ip, base);
    }
    for (const auto& port : service.ports) {
      SrvData srv{0, 0, static_cast<uint16_t>(port.port), base};
      // A CoreDNS extension kept for compatibility: an SRV query for the Service name
      // itself lists every port, named or not.
      add(base, Type::kSRV, srv);
      if (!port.name.empty())
        add("_" + lower(port.name) + "." + protocolLabel(port.protocol) + "." + base, Type::kSRV, srv);
    }
  }

  // Endpoints are published when ready, or whatever their conditions when the Service
  // says publishNotReadyAddresses (the EndpointSlice controller then marks them ready
  // anyway; honouring the flag here also covers slices managed by others). `serving` is
  // not looked at: a terminating endpoint is not ready, and DNS is not the place to keep
  // sending new clients to a Pod that is going away (CoreDNS reads `ready` alone too).
  void addHeadless(const api::ServiceView& service, const std::string& base) {
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
          add(base, type, ip);
          add(host, type, ip);
          addPtr(ip, host);
          for (const auto& port : slice->ports) {
            if (port.port <= 0) continue;  // "all ports": no number to publish
            SrvData srv{0, 0, static_cast<uint16_t>(port.port), host};
            add(base, Type::kSRV, srv);
            if (!port.name.empty())
              add("_" + lower(port.name) + "." + protocolLabel(port.protocol) + "." + base, Type::kSRV, srv);
          }
        }
      }
    }
  }

  // a-b-c-d.<ns>.pod.<zone> for each IP of each Pod ("pods verified": only addresses Pods
  // have). Pods that have finished no longer own their IPs. A PTR for a Pod IP is added
  // only when no Service or endpoint name already claims the address.
  void addPods() {
    for (const auto& pod : snapshot_.pods()) {
      if (pod->phase == "Succeeded" || pod->phase == "Failed") continue;
      const std::string suffix = "." + lower(pod->ns) + ".pod" + x_.dotDomain;
      for (const auto& ip : pod->podIps) {
        std::string name = zone_detail::dashedLabel(ip) + suffix;
        add(name, addressType(ip), ip);
        podPtrs_.emplace_back(ip, std::move(name));
      }
    }
  }

  void finish() {
    // Decide every Pod PTR before adding any, so that Pods sharing an address (host
    // network) all get theirs.
    std::vector<std::pair<std::string, std::string>> podPtrs;
    for (auto& [ip, name] : podPtrs_) {
      std::string reverse = zone_detail::reverseName(ip);
      if (x_.reverse.count(reverse) == 0) podPtrs.emplace_back(std::move(reverse), std::move(name));
    }
    for (auto& [reverse, name] : podPtrs) x_.reverse[reverse].push_back(NameData{std::move(name)});

    size_t count = 0;
    for (auto& [name, n] : x_.names) {
      for (auto& set : n.sets) {
        sortUnique(set.data);
        count += set.data.size();
      }
    }
    for (auto& [name, targets] : x_.reverse) {
      sortUnique(targets);
      count += targets.size();
    }
    // SRV weights and additional records need the final sets. RFC 2782 weights, as
    // CoreDNS gives them: the records of one name share 100 (floor(100 / n) each).
    for (auto& [name, n] : x_.names) {
      RecordSet* srv = nullptr;
      for (auto& set : n.sets)
        if (set.type == Type::kSRV) srv = &set;
      if (!srv) continue;
      const auto weight = static_cast<uint16_t>(100 / srv->data.size());
      for (auto& data : srv->data) std::get<SrvData>(data).weight = weight;
      addTargets(n, *srv);
    }
    x_.recordCount = count;
  }

  // The A/AAAA records of each distinct SRV target, for the additional section.
  void addTargets(Node& n, const RecordSet& srv) {
    std::vector<const std::string*> targets;
    targets.reserve(srv.data.size());
    for (const auto& data : srv.data) targets.push_back(&std::get<SrvData>(data).target);
    std::sort(targets.begin(), targets.end(), [](auto* a, auto* b) { return *a < *b; });
    targets.erase(std::unique(targets.begin(), targets.end(), [](auto* a, auto* b) { return *a == *b; }),
                  targets.end());
    for (const std::string* target : targets) {
      auto it = x_.names.find(*target);
      if (it == x_.names.end()) continue;
      for (Type type : {Type::kA, Type::kAAAA}) {
        const RecordSet* set = it->second.find(type);
        if (!set) continue;
        for (const auto& data : set->data)
          n.additional.push_back(Record{*target, type, kClassIn, x_.ttl, data});
      }
    }
  }

  Index& x_;
  const cache::Snapshot& snapshot_;
  std::vector<std::pair<IpAddress, std::string>> podPtrs_;
};

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
  index->synced = snapshot.synced();
  index->revision = snapshot.revision();
  // Roughly four names per Service (itself, an SRV name and its `_proto` parent, the
  // namespace), one per endpoint and one per Pod IP: reserving avoids most rehashing.
  size_t endpoints = 0;
  for (const auto& slice : snapshot.endpointSlices()) endpoints += slice->endpoints.size();
  const size_t pods = options.podRecords ? snapshot.pods().size() : 0;
  index->names.reserve(4 * snapshot.services().size() + endpoints + pods + 16);
  index->reverse.reserve(snapshot.services().size() + endpoints + pods);
  ZoneBuilder(*index, snapshot).build();
  return std::shared_ptr<const ClusterZone>(new ClusterZone(std::move(index)));
}

bool ClusterZone::synced() const { return index_->synced; }
const std::string& ClusterZone::domain() const { return index_->domain; }
uint32_t ClusterZone::ttl() const { return index_->ttl; }
bool ClusterZone::podRecords() const { return index_->podRecords; }
int64_t ClusterZone::revision() const { return index_->revision; }
size_t ClusterZone::recordCount() const { return index_->recordCount; }

}  // namespace edgeway::dns
