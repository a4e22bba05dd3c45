#pragma once
// ClusterZone: the cluster's DNS records (Kubernetes DNS-Based Service Discovery, schema
// 1.1.0), projected from one cache::Snapshot and indexed for lookup, so that answering a
// query is one lower-casing and one hash lookup. Immutable once made, shared as
// std::shared_ptr<const ClusterZone> and swapped atomically by the server.
//
// build() makes a zone from a whole Snapshot (linear in Services + endpoints + Pods: tens
// of milliseconds at 10,000 Services). update() makes the zone of the next Snapshot from
// the previous zone, redoing only the objects that changed: each object (a Service with its
// slices, a Pod) gives the zone a fragment of names, and the zone's tables are shared
// between versions (dns/src/name_table.h), so a one-Service change costs the same at 100
// and at 10,000 Services. Both give the same records for the same Snapshot.
//
// resolve() (dns/resolver.h) is the only reader of the indexes; they are private so that
// their layout can change without touching the server.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "cache/changes.h"
#include "cache/snapshot.h"

namespace edgeway::dns {

struct ClusterZoneOptions {
  std::string domain = "cluster.local";  // canonical (no trailing dot)
  uint32_t ttl = 5;                      // answers' TTL, as CoreDNS's kubernetes plugin
  // a-b-c-d.<ns>.pod.<zone> answers (CoreDNS "pods verified"-like: only for IPs of existing
  // Pods in that namespace), and PTR for Pod IPs.
  bool podRecords = false;
};

namespace zone_detail {
struct Index;  // dns/src/zone_index.h
}

// The cluster's records, projected from one Snapshot and indexed for lookup by lower-cased
// name (and reverse name). Immutable once built; shared as shared_ptr<const ClusterZone>
// and swapped atomically by the server.
class ClusterZone {
 public:
  static std::shared_ptr<const ClusterZone> build(const cache::Snapshot& snapshot,
                                                  const ClusterZoneOptions& options);
  // The zone of `after`, made from `previous`, the zone of `before` (built or updated from
  // it, with its options), by redoing only the objects `changes` names: every Service,
  // EndpointSlice and Pod that differs between the two snapshots must be named (naming
  // more is harmless; cache::Changes merged over the snapshots in between qualifies).
  // Returns `previous` itself when no answer would change (its revision and SOA serial then
  // stay those of an older snapshot). Rebuilds when most of the cluster changed.
  static std::shared_ptr<const ClusterZone> update(const std::shared_ptr<const ClusterZone>& previous,
                                                   const cache::Snapshot& before,
                                                   const cache::Snapshot& after,
                                                   const cache::Changes& changes);

  ~ClusterZone();
  ClusterZone(const ClusterZone&) = delete;
  ClusterZone& operator=(const ClusterZone&) = delete;

  bool synced() const;  // the snapshot's synced()
  const std::string& domain() const;
  uint32_t ttl() const;
  bool podRecords() const;
  int64_t revision() const;    // the snapshot's revision (also the SOA serial)
  size_t recordCount() const;  // for logs/metrics: resource records held, all names

  // The private index resolve() reads (dns/src/zone_index.h).
  const zone_detail::Index& index() const { return *index_; }

 private:
  explicit ClusterZone(std::unique_ptr<zone_detail::Index> index);

  std::unique_ptr<zone_detail::Index> index_;
};

}  // namespace edgeway::dns
