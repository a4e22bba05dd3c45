#pragma once
// SnapshotBuilder: derives the next Snapshot from the current one. It starts by sharing
// every index of its base and copies only what the edits touch (see sharded_index.h), so
// building after a batch of k changes costs O(k * (kShards + shard size)) per index
// touched, however many objects the snapshot holds. The base snapshot never changes.
//
// Not thread-safe; the cache thread owns the one in use.

#include <cstdint>
#include <memory>

#include "cache/kind.h"
#include "cache/namespaced_name.h"
#include "cache/snapshot.h"

namespace edgeway::cache {

class SnapshotBuilder {
 public:
  explicit SnapshotBuilder(const Snapshot& base);

  // Adds an object, or replaces the one of the same kind and name (and its index
  // entries: addresses that went away stop resolving to it).
  void put(ServicePtr service);
  void put(EndpointSlicePtr slice);
  void put(PodPtr pod);
  void put(NodePtr node);
  void put(IngressPtr ingress);
  void put(IngressClassPtr ingressClass);
  void put(SecretPtr secret);

  // Removes the object with this name and its index entries; false when absent.
  bool remove(Kind kind, const NamespacedName& name);

  // The snapshot as edited so far. The builder may go on editing; later edits do not
  // change what build() returned.
  std::shared_ptr<const Snapshot> build(int64_t revision, bool synced);

 private:
  void unindex(const ServicePtr& service);
  void unindex(const EndpointSlicePtr& slice);
  void unindex(const PodPtr& pod);

  ServiceIndex::Builder services_;
  ServiceByIpIndex::Builder servicesByClusterIp_;
  EndpointSliceIndex::Builder endpointSlices_;
  SlicesByServiceIndex::Builder slicesByService_;
  EndpointByIpIndex::Builder endpointsByIp_;
  PodIndex::Builder pods_;
  PodByIpIndex::Builder podsByIp_;
  PodByLabelIndex::Builder podsByLabel_;
  NodeIndex::Builder nodes_;
  IngressIndex::Builder ingresses_;
  IngressClassIndex::Builder ingressClasses_;
  SecretIndex::Builder secrets_;
};

}  // namespace edgeway::cache
