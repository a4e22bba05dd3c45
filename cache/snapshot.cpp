#include "cache/snapshot.h"

namespace edgeway::cache {
namespace {

template <typename Index>
typename Index::const_iterator::value_type findByName(const Index& index, std::string_view ns,
                                                      std::string_view name) {
  const auto* found = index.find(detail::NameKey(ns, name));
  return found ? *found : nullptr;
}

}  // namespace

ServicePtr Snapshot::service(std::string_view ns, std::string_view name) const {
  return findByName(services_, ns, name);
}
EndpointSlicePtr Snapshot::endpointSlice(std::string_view ns, std::string_view name) const {
  return findByName(endpointSlices_, ns, name);
}
PodPtr Snapshot::pod(std::string_view ns, std::string_view name) const { return findByName(pods_, ns, name); }
NodePtr Snapshot::node(std::string_view name) const { return findByName(nodes_, {}, name); }
IngressPtr Snapshot::ingress(std::string_view ns, std::string_view name) const {
  return findByName(ingresses_, ns, name);
}
IngressClassPtr Snapshot::ingressClass(std::string_view name) const {
  return findByName(ingressClasses_, {}, name);
}
SecretPtr Snapshot::secret(std::string_view ns, std::string_view name) const {
  return findByName(secrets_, ns, name);
}

Span<ServiceByIp> Snapshot::servicesByClusterIp(const IpAddress& ip) const {
  return servicesByClusterIp_.equalRange(ip);
}
Span<EndpointSlicePtr> Snapshot::endpointSlicesOf(std::string_view ns, std::string_view service) const {
  return slicesByService_.equalRange(detail::NameKey(ns, service));
}
Span<EndpointByIp> Snapshot::endpointsByIp(const IpAddress& ip) const {
  return endpointsByIp_.equalRange(ip);
}
Span<PodByIp> Snapshot::podsByIp(const IpAddress& ip) const { return podsByIp_.equalRange(ip); }
Span<PodByLabel> Snapshot::podsWithLabel(std::string_view ns, std::string_view key, std::string_view value) const {
  return podsByLabel_.equalRange({ns, key, value});
}

}  // namespace edgeway::cache
