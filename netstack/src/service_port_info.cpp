#include "netstack/src/service_port_info.h"

#include <algorithm>

#include "cache/snapshot.h"

namespace edgeway::netstack::detail {
namespace {

template <typename T>
void sortUnique(std::vector<T>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

std::vector<IpAddress> ofFamily(const std::vector<IpAddress>& ips, IpFamily family) {
  std::vector<IpAddress> out;
  for (const auto& ip : ips)
    if (ip.family() == family) out.push_back(ip);
  return out;
}

// The slice port serving `sp`: same name and protocol (kube-proxy matches by name).
const api::EndpointPort* matchingPort(const api::EndpointSliceView& slice, const api::ServicePort& sp) {
  for (const auto& p : slice.ports)
    if (p.name == sp.name && p.protocol == sp.protocol && p.port > 0) return &p;
  return nullptr;
}

void categorize(const cache::Snapshot& snapshot, const NodeInfo& node, IpFamily family,
                const api::ServicePort& sp, ServicePortInfo& info) {
  std::vector<EndpointAddr> ready, terminating, readyLocal, terminatingLocal;
  for (const auto& slice : snapshot.endpointSlicesOf(info.service->ns, info.service->name)) {
    if (slice->addressType != family) continue;
    const api::EndpointPort* port = matchingPort(*slice, sp);
    if (!port) continue;
    for (const auto& ep : slice->endpoints) {
      if (ep.addresses.empty()) continue;
      // Kubernetes uses the first address only.
      EndpointAddr addr{ep.addresses.front(), port->port};
      if (addr.ip.family() != family) continue;
      bool local = !node.name.empty() && ep.nodeName == node.name;
      if (ep.ready) {
        ready.push_back(addr);
        if (local) readyLocal.push_back(addr);
      } else if (ep.serving && ep.terminating) {
        terminating.push_back(addr);
        if (local) terminatingLocal.push_back(addr);
      }
    }
  }
  for (auto* v : {&ready, &terminating, &readyLocal, &terminatingLocal}) sortUnique(*v);
  info.clusterEndpoints = !ready.empty() ? ready : terminating;
  info.localEndpoints = !readyLocal.empty() ? readyLocal : terminatingLocal;
}

}  // namespace

void collectServicePorts(const cache::Snapshot& snapshot, const NodeInfo& node, IpFamily family,
                         const api::ServiceView& svc, std::vector<ServicePortInfo>& out) {
  if (svc.type == api::ServiceType::kExternalName || svc.headless) return;
  std::vector<IpAddress> clusterIps = ofFamily(svc.clusterIps, family);
  if (clusterIps.empty()) return;
  std::vector<IpAddress> lbIps;
  if (svc.type == api::ServiceType::kLoadBalancer) {
    // ipMode Proxy: the load balancer rewrites the destination itself, so traffic to its
    // address must leave the node rather than be short-circuited here (as kube-proxy).
    for (const auto& ing : svc.loadBalancerIngress)
      if (ing.ip && ing.ip->family() == family && !ing.ipModeProxy) lbIps.push_back(*ing.ip);
  }
  std::vector<Cidr> ranges;
  for (const auto& c : svc.loadBalancerSourceRanges)
    if (c.family() == family) ranges.push_back(c);
  bool hasNodePorts = svc.type == api::ServiceType::kNodePort || svc.type == api::ServiceType::kLoadBalancer;

  for (const auto& sp : svc.ports) {
    ServicePortInfo info;
    info.service = &svc;
    info.id = svc.ns + "/" + svc.name + ":" + (sp.name.empty() ? std::to_string(sp.port) : sp.name);
    info.protocol = sp.protocol;
    info.port = sp.port;
    info.nodePort = hasNodePorts ? sp.nodePort : 0;
    info.clusterIps = clusterIps;
    info.externalIps = ofFamily(svc.externalIps, family);
    info.loadBalancerIps = lbIps;
    info.sourceRanges = ranges;
    sortUnique(info.externalIps);
    sortUnique(info.loadBalancerIps);
    categorize(snapshot, node, family, sp, info);
    out.push_back(std::move(info));
  }
}

}  // namespace edgeway::netstack::detail
