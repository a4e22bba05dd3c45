#pragma once
// NftSyncer: keeps the kernel in the state of the latest RuleModel, one transaction per
// sync.
//
// It mirrors what it last programmed successfully. On a new model it sends only the
// difference, in ONE batch:
//   * set and map elements added and removed (the common case: a Service or an endpoint
//     changed; the chains and rules stay as they are, so the kernel has no table to
//     re-validate);
//   * when the fixed structure changed (a new sessionAffinity timeout adds a map, a set
//     and rules; masquerade-all changes a rule), only the affected objects: the chains
//     whose rules changed are flushed and refilled, sets whose declaration changed are
//     recreated with their elements, new/removed sets and chains added/deleted;
//   * affinity entries (filled by the packet path) that point at an endpoint no longer
//     serving their entry are deleted in the same batch as the endpoint.
// A full atomic replacement (add + delete + create each table, in one batch) is sent on the
// first sync (which also removes whatever a previous run left), after any failed sync,
// when asked (requestFullSync) and every `fullResyncPeriod`.
//
// Two ways in. sync(RuleTracker&) is the proxy's: the tracker recorded which elements its
// last update added and removed, so a one-Service change costs the same at 10 Services as
// at 10,000 -- no element is compared or copied beyond the change, and the mirror is the
// tracker's skeleton (no elements). sync(RuleModel) diffs two whole models (tests, bench,
// debugging); it keeps the whole model as its mirror. Switching between the two costs a
// full replacement.
//
// Not thread-safe: one owner (the proxy's sync thread) calls it.

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <vector>

#include "base/status.h"
#include "netstack/nft_backend.h"
#include "netstack/nft_encoder.h"
#include "netstack/rule_model.h"
#include "netstack/rule_tracker.h"

namespace edgeway::netstack {

struct NftSyncerOptions {
  std::chrono::seconds fullResyncPeriod{3600};  // 0: never (only first sync/errors/requests)
  std::function<std::chrono::steady_clock::time_point()> clock = [] { return std::chrono::steady_clock::now(); };
};

struct SyncReport {
  bool full = false;         // a full replacement was sent
  bool sent = false;         // a batch was committed (false: nothing to do)
  size_t operations = 0;     // ops in the batch
  size_t elementsAdded = 0;  // incremental syncs: elements added / removed
  size_t elementsRemoved = 0;
  size_t affinityRemoved = 0;   // stale affinity entries deleted
  size_t structureChanges = 0;  // sets and chains added, recreated, flushed or deleted
  size_t totalElements = 0;     // elements in the model
};

class NftSyncer {
 public:
  // The kernel's entries of a dynamic (affinity) map of a table.
  using AffinityLister = std::function<std::vector<Element>(const Table&, const NamedSet&)>;

  NftSyncer(NftBackend& backend, NftSyncerOptions options = {});

  // Makes the kernel hold the tracker's state, sending the changes it recorded since the
  // last sync (takeChanges). A full replacement drops them (clearChanges).
  Result<SyncReport> sync(RuleTracker& tracker);

  // Makes the kernel hold `desired`. On error nothing is assumed about the kernel: the
  // next sync is a full replacement.
  Result<SyncReport> sync(const RuleModel& desired);
  // The same, keeping `desired` as the mirror without copying it (10,000 Services hold
  // ~90,000 elements: the copy costs more than the kernel commit of one change).
  Result<SyncReport> sync(RuleModel&& desired);

  // The next sync replaces the tables wholesale.
  void requestFullSync() { mirror_.elements = Mirror::Elements::kNone; }
  bool fullSyncPending() const;

  // Deletes the tables this syncer manages (those of the last model, or `ip edgeway` and
  // `ip6 edgeway` before any). Missing tables are not an error.
  Status deleteTables();

  // What was last programmed successfully (empty before the first sync or after an error);
  // without elements after sync(RuleTracker&).
  const std::vector<Table>& programmed() const { return mirror_.tables; }

  // The batch an incremental sync from `from` to `to` would send (no kernel involved).
  // `affinity` supplies the kernel's affinity entries per dynamic map (may be empty).
  static NftBatch diff(const std::vector<Table>& from, const std::vector<Table>& to,
                       const AffinityLister& affinity, SyncReport& report);
  static NftBatch fullReplace(const std::vector<Table>& to);

 private:
  struct Mirror {
    enum class Elements { kNone, kModel, kTracker };  // kNone: the kernel state is unknown
    Elements elements = Elements::kNone;
    std::vector<Table> tables;  // the whole model (kModel) or the tracker's skeleton (kTracker)
  };

  Result<SyncReport> syncModel(const std::vector<Table>& desired, std::vector<Table>* adopt);
  NftBatch fullBatch(const std::vector<Table>& desired) const;
  // Commits a non-empty batch; on error forgets the mirror (the next sync is full).
  Status commit(const NftBatch& batch, SyncReport& report);
  void adoptMirror(Mirror::Elements elements, bool full);
  AffinityLister kernelAffinity();

  NftBackend& backend_;
  NftSyncerOptions options_;
  Mirror mirror_;
  std::optional<std::chrono::steady_clock::time_point> lastFull_;
  std::vector<std::pair<IpFamily, std::string>> managed_;  // tables of the last model
};

}  // namespace edgeway::netstack
