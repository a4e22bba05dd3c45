#include "netstack/src/service_claims.h"

#include <algorithm>

#include "netstack/src/rule_skeleton.h"

namespace edgeway::netstack::detail {

std::string setName(SetRef r) {
  switch (r.kind) {
    case SetKind::kClusterIpEntries:
      return kClusterIpEntries;
    case SetKind::kMasqEntries:
      return kMasqEntries;
    case SetKind::kLocalPolicyEntries:
      return kLocalPolicyEntries;
    case SetKind::kNoEndpointReject:
      return kNoEndpointReject;
    case SetKind::kNoEndpointDrop:
      return kNoEndpointDrop;
    case SetKind::kNoLocalEndpointDrop:
      return kNoLocalEndpointDrop;
    case SetKind::kFirewallEntries:
      return kFirewallEntries;
    case SetKind::kFirewallAllow:
      return kFirewallAllow;
    case SetKind::kServiceEndpoints:
      return kServiceEndpoints;
    case SetKind::kClusterEndpoints:
      return kClusterEndpoints;
    case SetKind::kAffinityEntries:
      return affinityEntriesName(r.timeout);
    case SetKind::kHairpin:
      return kHairpin;
    case SetKind::kClusterIps:
      return kClusterIps;
    case SetKind::kPodCidrs:
      return kPodCidrs;
    case SetKind::kServiceCidrs:
      return kServiceCidrs;
  }
  return {};
}

bool isEndpointMap(SetRef r) {
  return r.kind == SetKind::kServiceEndpoints || r.kind == SetKind::kClusterEndpoints;
}

namespace {

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
    e.erase(
        std::unique(e.begin(), e.end(),
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

}  // namespace

void buildClaims(const ServicePortInfo& sp, const std::vector<IpAddress>& nodeAddresses,
                 std::vector<std::unique_ptr<Claim>>& out) {
  ClaimBuilder(nodeAddresses, out).add(sp);
}

std::string lostClaimMessage(const Claim& lost, const Claim& owner) {
  return lost.entry.addr.toString() + " " + api::protocolName(lost.entry.proto) + "/" +
         std::to_string(lost.entry.port) + " is already used by " + owner.id;
}

// The node facts of one family, normalized so two NodeInfos with the same meaning compare equal.

}  // namespace edgeway::netstack::detail
