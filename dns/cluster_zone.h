#pragma once
// ClusterZone: the cluster's DNS records (Kubernetes DNS-Based Service Discovery, schema
// 1.1.0), projected from one cache::Snapshot and indexed for lookup, so that answering a
// query is one lower-casing and one hash lookup. Built on every Snapshot change (linear in
// Services + endpoints + Pods), immutable once built, shared as
// std::shared_ptr<const ClusterZone> and swapped atomically by the server.
//
// resolve() (dns/resolver.h) is the only reader of the indexes; they are private so that
// their layout can change without touching the server.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

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
