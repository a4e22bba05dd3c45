#include "cache/snapshot_builder.h"

#include <utility>

namespace edgeway::cache {
namespace {

detail::NameKey keyOf(const NamespacedName& n) { return detail::NameKey(n.ns, n.name); }

// Removes the object named `name` from a by-name index; returns it (null when absent).
template <typename Builder>
auto take(Builder& index, const NamespacedName& name) -> std::decay_t<decltype(*index.find(keyOf(name)))> {
  const auto* found = index.find(keyOf(name));
  if (found == nullptr) return nullptr;
  auto object = *found;  // keep it alive past erase
  index.erase(object);
  return object;
}

}  // namespace

SnapshotBuilder::SnapshotBuilder(const Snapshot& base)
    : services_(base.services_),
      servicesByClusterIp_(base.servicesByClusterIp_),
      endpointSlices_(base.endpointSlices_),
      slicesByService_(base.slicesByService_),
      endpointsByIp_(base.endpointsByIp_),
      pods_(base.pods_),
      podsByIp_(base.podsByIp_),
      podsByLabel_(base.podsByLabel_),
      nodes_(base.nodes_),
      ingresses_(base.ingresses_),
      ingressClasses_(base.ingressClasses_),
      secrets_(base.secrets_) {}

void SnapshotBuilder::unindex(const ServicePtr& service) {
  for (const IpAddress& ip : service->clusterIps) servicesByClusterIp_.erase(ServiceByIp{ip, service});
}

void SnapshotBuilder::unindex(const EndpointSlicePtr& slice) {
  if (!slice->serviceName.empty()) slicesByService_.erase(slice);
  for (uint32_t i = 0; i < slice->endpoints.size(); ++i) {
    for (const IpAddress& ip : slice->endpoints[i].addresses)
      endpointsByIp_.erase(EndpointByIp{ip, slice, i});
  }
}

void SnapshotBuilder::unindex(const PodPtr& pod) {
  for (const IpAddress& ip : pod->podIps) podsByIp_.erase(PodByIp{ip, pod});
  for (const auto& [key, value] : pod->labels) podsByLabel_.erase(PodByLabel{key, value, pod});
}

void SnapshotBuilder::put(ServicePtr service) {
  if (const ServicePtr* old = services_.find(detail::nameKey(*service))) unindex(ServicePtr(*old));
  for (const IpAddress& ip : service->clusterIps) servicesByClusterIp_.put(ServiceByIp{ip, service});
  services_.put(std::move(service));
}

void SnapshotBuilder::put(EndpointSlicePtr slice) {
  if (const EndpointSlicePtr* old = endpointSlices_.find(detail::nameKey(*slice)))
    unindex(EndpointSlicePtr(*old));
  if (!slice->serviceName.empty()) slicesByService_.put(slice);
  for (uint32_t i = 0; i < slice->endpoints.size(); ++i) {
    for (const IpAddress& ip : slice->endpoints[i].addresses) endpointsByIp_.put(EndpointByIp{ip, slice, i});
  }
  endpointSlices_.put(std::move(slice));
}

void SnapshotBuilder::put(PodPtr pod) {
  if (const PodPtr* old = pods_.find(detail::nameKey(*pod))) unindex(PodPtr(*old));
  for (const IpAddress& ip : pod->podIps) podsByIp_.put(PodByIp{ip, pod});
  for (const auto& [key, value] : pod->labels) podsByLabel_.put(PodByLabel{key, value, pod});
  pods_.put(std::move(pod));
}

void SnapshotBuilder::put(NodePtr node) { nodes_.put(std::move(node)); }
void SnapshotBuilder::put(IngressPtr ingress) { ingresses_.put(std::move(ingress)); }
void SnapshotBuilder::put(IngressClassPtr ingressClass) { ingressClasses_.put(std::move(ingressClass)); }
void SnapshotBuilder::put(SecretPtr secret) { secrets_.put(std::move(secret)); }

bool SnapshotBuilder::remove(Kind kind, const NamespacedName& name) {
  switch (kind) {
    case Kind::kService:
      if (ServicePtr old = take(services_, name)) {
        unindex(old);
        return true;
      }
      return false;
    case Kind::kEndpointSlice:
      if (EndpointSlicePtr old = take(endpointSlices_, name)) {
        unindex(old);
        return true;
      }
      return false;
    case Kind::kPod:
      if (PodPtr old = take(pods_, name)) {
        unindex(old);
        return true;
      }
      return false;
    case Kind::kNode:
      return take(nodes_, name) != nullptr;
    case Kind::kIngress:
      return take(ingresses_, name) != nullptr;
    case Kind::kIngressClass:
      return take(ingressClasses_, name) != nullptr;
    case Kind::kSecret:
      return take(secrets_, name) != nullptr;
  }
  return false;
}

std::shared_ptr<const Snapshot> SnapshotBuilder::build(int64_t revision, bool synced) {
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->revision_ = revision;
  snapshot->synced_ = synced;
  snapshot->services_ = services_.build();
  snapshot->servicesByClusterIp_ = servicesByClusterIp_.build();
  snapshot->endpointSlices_ = endpointSlices_.build();
  snapshot->slicesByService_ = slicesByService_.build();
  snapshot->endpointsByIp_ = endpointsByIp_.build();
  snapshot->pods_ = pods_.build();
  snapshot->podsByIp_ = podsByIp_.build();
  snapshot->podsByLabel_ = podsByLabel_.build();
  snapshot->nodes_ = nodes_.build();
  snapshot->ingresses_ = ingresses_.build();
  snapshot->ingressClasses_ = ingressClasses_.build();
  snapshot->secrets_ = secrets_.build();
  return snapshot;
}

}  // namespace edgeway::cache
