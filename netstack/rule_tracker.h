#pragma once
// RuleTracker: the desired RuleModel, kept up to date one Service at a time.
//
// A one-Service change at 10,000 Services must reach the kernel in milliseconds, so the
// model is not rebuilt from the whole Snapshot per change (~70 ms at that size). The
// tracker keeps, per Service, what it contributes to each named set (its "claims": one
// per entry address . protocol . port it serves, with that entry's elements), and the
// sets' contents as the union of the claims that won. update() recomputes only the
// Services a cache::Changes names (changed Services and the Services of changed
// EndpointSlices) and records the element changes that result; the syncer sends exactly
// those (NftSyncer::sync(RuleTracker&)). buildRuleModel() is a tracker fed the whole
// Snapshot, so the incremental and the whole-snapshot models cannot drift apart.
//
// Rules of the model that cross Services, kept here as they are in a whole build:
// * Two Service ports claiming one entry (e.g. the same externalIP:port): the first by
//   namespace, name and port order is programmed and the other gets a warning. When the
//   winner goes away, the next claim is programmed.
// * The hairpin and cluster-ips sets are shared (several entries add the same element):
//   reference-counted, an element goes when its last user goes.
// * The fixed rules depend on a few facts -- endpoint counts in use (one DNAT rule per
//   count; counts 1..kPredeclaredTiers always have one, so a usual change never adds a
//   rule), affinity timeouts in use, pod CIDRs, masquerade-all -- and are rebuilt
//   (skeleton()) only when one of those changes.
//
// Not thread-safe: one owner (the proxy's sync thread).

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "netstack/conntrack_flows.h"
#include "netstack/rule_model.h"

namespace edgeway::cache {
class Snapshot;
struct Changes;
}  // namespace edgeway::cache

namespace edgeway::netstack {

// Endpoint counts that always have a DNAT rule in the service-endpoints chain part.
inline constexpr uint32_t kPredeclaredTiers = 8;

// What one update changed in one set. An element removed and added back unchanged
// appears in neither list.
struct SetChanges {
  std::vector<Element> removed;
  std::vector<Element> added;
};

struct ElementChanges {
  std::map<std::pair<IpFamily, std::string>, SetChanges> sets;  // (family, set name)

  const SetChanges* find(IpFamily family, const std::string& set) const;
  bool empty() const { return sets.empty(); }
};

class RuleTracker {
 public:
  RuleTracker();
  ~RuleTracker();
  RuleTracker(const RuleTracker&) = delete;
  RuleTracker& operator=(const RuleTracker&) = delete;

  // Recomputes every Service of `snapshot` (and forgets the ones it lacks).
  void updateAll(const cache::Snapshot& snapshot, const NodeInfo& node);
  // Recomputes the Services `changes` names (a Service, or the Service of an EndpointSlice)
  // from `snapshot`; the others keep their claims. Falls back to updateAll when `node`
  // differs from the last one or nothing was built yet.
  void update(const cache::Snapshot& snapshot, const NodeInfo& node, const cache::Changes& changes);

  // The tables without elements: set declarations, chains and rules.
  const std::vector<Table>& skeleton() const { return skeleton_; }
  // The whole model (the skeleton with every element, sorted; warnings for every lost claim).
  RuleModel model() const;
  // Every element of one set of the skeleton, sorted.
  std::vector<Element> elements(IpFamily family, const std::string& set) const;
  // Whether the entry (address . protocol . port values) is sent to `endpoint`
  // (address . port values) by either endpoint map.
  bool serves(IpFamily family, const std::vector<Value>& entry, const std::vector<Value>& endpoint) const;

  // The element changes since the last take (or the last clearChanges). The first update
  // records none: a sync after it must replace the tables (NftSyncer does).
  ElementChanges takeChanges();
  // Forgets the recorded changes (after a full replacement made them moot).
  void clearChanges();
  // Claims lost since the last take, one warning each.
  std::vector<ModelWarning> takeWarnings();
  // UDP flows made stale since the last take (see conntrack_flows.h): per UDP entry, its
  // endpoints when first touched since then against its endpoints now.
  std::vector<StaleUdpFlows> takeStaleUdpFlows();

  size_t serviceCount() const;
  // Elements in the model's sets (what model() would hold), without building it.
  size_t elementCount() const;

 private:
  struct State;
  void rebuildSkeleton();

  std::unique_ptr<State> state_;
  std::vector<Table> skeleton_;
};

}  // namespace edgeway::netstack
