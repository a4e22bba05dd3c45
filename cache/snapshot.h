#pragma once
// Snapshot: the cluster state every data plane reads -- an immutable, indexed set of typed
// views, shared as std::shared_ptr<const Snapshot>. The seam between the control plane
// and the consumers: DNS, the service proxy and the ingress read only this, whether the
// cache is fed by the local store or by a remote API server.
//
// A Snapshot never changes once published, so readers need no lock: load the pointer
// (ClusterState::current()) and read as long as you hold it. Objects are shared between
// consecutive snapshots: an object that did not change is the same pointer in both, so
// consumers may compare pointers to skip unchanged objects. See docs/cache.md.
//
// The lookups return Spans and references into the snapshot; they stay valid while the
// snapshot is held.

#include <cstdint>
#include <memory>
#include <string_view>
#include <tuple>

#include "api/endpoint_slice_view.h"
#include "api/ingress_class_view.h"
#include "api/ingress_view.h"
#include "api/node_view.h"
#include "api/pod_view.h"
#include "api/secret_view.h"
#include "api/service_view.h"
#include "base/ip.h"
#include "cache/sharded_index.h"

namespace edgeway::cache {

using ServicePtr = std::shared_ptr<const api::ServiceView>;
using EndpointSlicePtr = std::shared_ptr<const api::EndpointSliceView>;
using PodPtr = std::shared_ptr<const api::PodView>;
using NodePtr = std::shared_ptr<const api::NodeView>;
using IngressPtr = std::shared_ptr<const api::IngressView>;
using IngressClassPtr = std::shared_ptr<const api::IngressClassView>;
using SecretPtr = std::shared_ptr<const api::SecretView>;

// A Service by one of its cluster IPs (every family).
struct ServiceByIp {
  IpAddress ip;
  ServicePtr service;
};

// A Pod by one of its IPs. Several Pods may share one (hostNetwork Pods use the node's).
struct PodByIp {
  IpAddress ip;
  PodPtr pod;
};

// A Pod by one of its labels: what a Service's selector finds its Pods with. The strings
// point into the Pod's labels, which live as long as `pod`.
struct PodByLabel {
  std::string_view key;
  std::string_view value;
  PodPtr pod;
};

// An endpoint by one of its addresses: the slice and the endpoint's index in it. The same
// IP is usually in several slices (a Pod behind several Services).
struct EndpointByIp {
  IpAddress ip;
  EndpointSlicePtr slice;
  uint32_t index = 0;

  const api::Endpoint& endpoint() const { return slice->endpoints[index]; }
};

namespace detail {

using NameKey = std::tuple<std::string_view, std::string_view>;  // (namespace, name)

// (namespace, name) of a view; cluster-scoped kinds have no namespace.
template <typename View>
NameKey nameKey(const View& v) {
  return {v.ns, v.name};
}
inline NameKey nameKey(const api::NodeView& v) { return {std::string_view(), v.name}; }
inline NameKey nameKey(const api::IngressClassView& v) { return {std::string_view(), v.name}; }

inline uint64_t hashName(const NameKey& k) {
  return hashFinish(hashAppend(hashAppend(kHashSeed, std::get<0>(k)), std::get<1>(k)));
}

// Objects by (namespace, name).
template <typename Ptr>
struct ByNameTraits {
  using Group = NameKey;
  static Group group(const Ptr& p) { return nameKey(*p); }
  static Group key(const Ptr& p) { return nameKey(*p); }
  static uint64_t hash(const Group& g) { return hashName(g); }
};

// Slices grouped by (namespace, service name), each keyed by its own name.
struct SlicesByServiceTraits {
  using Group = NameKey;
  static Group group(const EndpointSlicePtr& s) { return {s->ns, s->serviceName}; }
  static auto key(const EndpointSlicePtr& s) {
    return std::tuple<std::string_view, std::string_view, std::string_view>(s->ns, s->serviceName, s->name);
  }
  static uint64_t hash(const Group& g) { return hashName(g); }
};

inline uint64_t hashIp(const IpAddress& ip) { return hashFinish(hashAppend(kHashSeed, ip)); }

struct ServiceByIpTraits {
  using Group = IpAddress;
  static const Group& group(const ServiceByIp& e) { return e.ip; }
  static auto key(const ServiceByIp& e) {
    return std::tuple<const IpAddress&, std::string_view, std::string_view>(e.ip, e.service->ns,
                                                                            e.service->name);
  }
  static uint64_t hash(const Group& ip) { return hashIp(ip); }
};

struct PodByIpTraits {
  using Group = IpAddress;
  static const Group& group(const PodByIp& e) { return e.ip; }
  static auto key(const PodByIp& e) {
    return std::tuple<const IpAddress&, std::string_view, std::string_view>(e.ip, e.pod->ns, e.pod->name);
  }
  static uint64_t hash(const Group& ip) { return hashIp(ip); }
};

struct EndpointByIpTraits {
  using Group = IpAddress;
  static const Group& group(const EndpointByIp& e) { return e.ip; }
  static auto key(const EndpointByIp& e) {
    return std::tuple<const IpAddress&, std::string_view, std::string_view, uint32_t>(e.ip, e.slice->ns,
                                                                                      e.slice->name, e.index);
  }
  static uint64_t hash(const Group& ip) { return hashIp(ip); }
};

// Pods grouped by (namespace, label key, label value), each keyed by its name.
struct PodByLabelTraits {
  using Group = std::tuple<std::string_view, std::string_view, std::string_view>;
  static Group group(const PodByLabel& e) { return {e.pod->ns, e.key, e.value}; }
  static auto key(const PodByLabel& e) {
    return std::tuple<std::string_view, std::string_view, std::string_view, std::string_view>(e.pod->ns, e.key,
                                                                                              e.value, e.pod->name);
  }
  static uint64_t hash(const Group& g) {
    return hashFinish(hashAppend(hashAppend(hashAppend(kHashSeed, std::get<0>(g)), std::get<1>(g)), std::get<2>(g)));
  }
};

}  // namespace detail

using ServiceIndex = ShardedIndex<ServicePtr, detail::ByNameTraits<ServicePtr>>;
using EndpointSliceIndex = ShardedIndex<EndpointSlicePtr, detail::ByNameTraits<EndpointSlicePtr>>;
using PodIndex = ShardedIndex<PodPtr, detail::ByNameTraits<PodPtr>>;
using NodeIndex = ShardedIndex<NodePtr, detail::ByNameTraits<NodePtr>>;
using IngressIndex = ShardedIndex<IngressPtr, detail::ByNameTraits<IngressPtr>>;
using IngressClassIndex = ShardedIndex<IngressClassPtr, detail::ByNameTraits<IngressClassPtr>>;
using SecretIndex = ShardedIndex<SecretPtr, detail::ByNameTraits<SecretPtr>>;
using ServiceByIpIndex = ShardedIndex<ServiceByIp, detail::ServiceByIpTraits>;
using SlicesByServiceIndex = ShardedIndex<EndpointSlicePtr, detail::SlicesByServiceTraits>;
using EndpointByIpIndex = ShardedIndex<EndpointByIp, detail::EndpointByIpTraits>;
using PodByIpIndex = ShardedIndex<PodByIp, detail::PodByIpTraits>;
using PodByLabelIndex = ShardedIndex<PodByLabel, detail::PodByLabelTraits>;

class Snapshot {
 public:
  // Empty, revision 0 and not synced: what ClusterState::current() returns before the
  // first list.
  Snapshot() = default;

  // The store revision this snapshot reflects: the highest revision of any list or event
  // applied. Each kind is at least as new as its own last list or event (kinds are
  // watched separately, so one kind may be a few revisions ahead of another).
  int64_t revision() const { return revision_; }
  // True once every kind has been listed. Before that the snapshot is partial and
  // consumers must not act on absences (DNS answers SERVFAIL, the proxy programs nothing).
  bool synced() const { return synced_; }

  // Null when absent.
  ServicePtr service(std::string_view ns, std::string_view name) const;
  EndpointSlicePtr endpointSlice(std::string_view ns, std::string_view name) const;
  PodPtr pod(std::string_view ns, std::string_view name) const;
  NodePtr node(std::string_view name) const;
  IngressPtr ingress(std::string_view ns, std::string_view name) const;
  IngressClassPtr ingressClass(std::string_view name) const;
  SecretPtr secret(std::string_view ns, std::string_view name) const;

  // Services with `ip` among their clusterIPs (one, unless the store is inconsistent).
  Span<ServiceByIp> servicesByClusterIp(const IpAddress& ip) const;
  // The slices labelled kubernetes.io/service-name=`service` in `ns`, by slice name.
  Span<EndpointSlicePtr> endpointSlicesOf(std::string_view ns, std::string_view service) const;
  // Every endpoint, of any slice, with `ip` among its addresses.
  Span<EndpointByIp> endpointsByIp(const IpAddress& ip) const;
  Span<PodByIp> podsByIp(const IpAddress& ip) const;
  // The Pods in `ns` labelled `key`=`value`, by name. A selector's Pods are among those of
  // any one of its pairs, so a Service looks at a handful of Pods, not all of them.
  Span<PodByLabel> podsWithLabel(std::string_view ns, std::string_view key, std::string_view value) const;

  // Whole indexes, for iteration (range-for over the pointers) and size().
  const ServiceIndex& services() const { return services_; }
  const EndpointSliceIndex& endpointSlices() const { return endpointSlices_; }
  const PodIndex& pods() const { return pods_; }
  const NodeIndex& nodes() const { return nodes_; }
  const IngressIndex& ingresses() const { return ingresses_; }
  const IngressClassIndex& ingressClasses() const { return ingressClasses_; }
  const SecretIndex& secrets() const { return secrets_; }

 private:
  friend class SnapshotBuilder;

  int64_t revision_ = 0;
  bool synced_ = false;

  ServiceIndex services_;
  ServiceByIpIndex servicesByClusterIp_;
  EndpointSliceIndex endpointSlices_;
  SlicesByServiceIndex slicesByService_;
  EndpointByIpIndex endpointsByIp_;
  PodIndex pods_;
  PodByIpIndex podsByIp_;
  PodByLabelIndex podsByLabel_;
  NodeIndex nodes_;
  IngressIndex ingresses_;
  IngressClassIndex ingressClasses_;
  SecretIndex secrets_;
};

}  // namespace edgeway::cache
