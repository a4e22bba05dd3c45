#include "netstack/nft_syncer.h"

#include <algorithm>
#include <iterator>
#include <set>
#include <string>

#include "netstack/nft_text.h"

namespace edgeway::netstack {
namespace {

const Table* findTable(const std::vector<Table>& tables, IpFamily f, const std::string& name) {
  for (const auto& t : tables)
    if (t.family == f && t.name == name) return &t;
  return nullptr;
}

bool sameDeclaration(const NamedSet& a, const NamedSet& b) {
  return a.name == b.name && a.key == b.key && a.data == b.data && a.interval == b.interval &&
         a.dynamic == b.dynamic && a.timeoutSeconds == b.timeoutSeconds && a.size == b.size && a.comment == b.comment;
}

bool sameChainDeclaration(const Chain& a, const Chain& b) {
  return a.name == b.name && a.isBase == b.isBase && a.comment == b.comment &&
         (!a.isBase || (a.hook.type == b.hook.type && a.hook.point == b.hook.point && a.hook.priority == b.hook.priority));
}

bool sameRules(const Chain& a, const Chain& b, IpFamily f) {
  if (a.rules.size() != b.rules.size()) return false;
  for (size_t i = 0; i < a.rules.size(); ++i)
    if (renderRule(a.rules[i], f) != renderRule(b.rules[i], f)) return false;
  return true;
}

std::set<std::string> setsUsedBy(const Chain& c) {
  std::set<std::string> out;
  for (const auto& r : c.rules) {
    for (const auto& m : r.matches)
      if (const auto* l = std::get_if<MatchLookup>(&m)) out.insert(l->set);
    for (const auto& s : r.statements) {
      if (const auto* d = std::get_if<StmtDnatMap>(&s)) out.insert(d->map);
      if (const auto* u = std::get_if<StmtMapUpdate>(&s)) out.insert(u->map);
    }
  }
  return out;
}

// The table without elements: what the encoder needs to type the rules' lookups.
std::shared_ptr<const Table> skeleton(const Table& t) {
  auto s = std::make_shared<Table>();
  s->family = t.family;
  s->name = t.name;
  for (const auto& set : t.sets) {
    NamedSet d = set;
    d.elements.clear();
    s->sets.push_back(std::move(d));
  }
  return s;
}

void replaceTable(NftBatch& batch, const Table& t) { batch.replaceTable(t); }

// Elements are sorted with unique (key, data); the comment (which names the owning Service,
// and shows in `nft list`) is compared too, so an entry that changes hands is rewritten.
// One merge pass over the two sorted element lists: what `from` has and `to` lacks
// (removed) and the reverse (added) -- the two set differences, without a separate
// equality pass first.
void elementDiff(const std::vector<Element>& from, const std::vector<Element>& to, std::vector<Element>& removed,
                 std::vector<Element>& added) {
  auto a = from.begin(), b = to.begin();
  while (a != from.end() && b != to.end()) {
    // Mostly equal: one equality test, then the order only where they differ.
    int c = *a == *b ? a->comment.compare(b->comment) : (*a < *b ? -1 : 1);
    if (c < 0) {
      removed.push_back(*a++);
    } else if (c > 0) {
      added.push_back(*b++);
    } else {
      ++a;
      ++b;
    }
  }
  removed.insert(removed.end(), a, from.end());
  added.insert(added.end(), b, to.end());
}

// Endpoint maps: entry (addr . proto . port) [. slot] -> addr . port, filled by the syncer.
bool isEndpointMap(const NamedSet& s) { return s.isMap() && !s.dynamic && s.data.size() == 2 && s.key.size() >= 3; }
// Affinity maps: saddr . entry -> addr . port, filled by the packet path.
bool isAffinityMap(const NamedSet& s) { return s.isMap() && s.dynamic && s.key.size() == 4 && s.data.size() == 2; }

// Whether some endpoint map of `t` sends `entry` (addr . proto . port) to `endpoint`.
// Elements are sorted by key, so an entry's elements are contiguous: a binary search.
bool serves(const Table& t, const std::vector<Value>& entry, const std::vector<Value>& endpoint) {
  for (const auto& s : t.sets) {
    if (!isEndpointMap(s)) continue;
    auto it = std::lower_bound(s.elements.begin(), s.elements.end(), entry,
                               [](const Element& e, const std::vector<Value>& k) {
                                 return std::lexicographical_compare(e.key.begin(), e.key.begin() + 3, k.begin(), k.end());
                               });
    for (; it != s.elements.end() && std::equal(entry.begin(), entry.end(), it->key.begin()); ++it)
      if (it->data == endpoint) return true;
  }
  return false;
}

// Where an incremental sync gets its elements: the difference of two whole models, or the
// changes a RuleTracker recorded. `from` and `to` are the tables (the tracker's have no
// elements); the structure (sets, chains, rules) is always compared from them.
struct ElementSource {
  // The elements to remove from and add to a set whose declaration stayed the same.
  std::function<void(const NamedSet& from, const NamedSet& to, std::vector<Element>& removed,
                     std::vector<Element>& added)>
      diff;
  // Every element of a new or recreated set.
  std::function<std::vector<Element>(const NamedSet& to)> all;
  // The whole new table, for a replacement.
  std::function<Table()> full;
  // Whether the new state sends `entry` (address . protocol . port) to `endpoint`.
  std::function<bool(const std::vector<Value>& entry, const std::vector<Value>& endpoint)> serves;
};

void diffTable(NftBatch& batch, const Table& from, const Table& to, const ElementSource& source,
               const NftSyncer::AffinityLister& affinity, SyncReport& report) {
  const IpFamily f = to.family;
  for (const auto& c : to.chains) {
    const Chain* old = from.findChain(c.name);
    if (old && !sameChainDeclaration(*old, c)) {  // a hook moved: rare, replace the table
      Table whole = source.full();
      replaceTable(batch, whole);
      report.structureChanges++;
      report.elementsAdded += whole.elementCount();
      return;
    }
  }

  std::set<std::string> newSets, dirtySets;  // dirty: recreated or removed (references must go first)
  for (const auto& s : to.sets) {
    const NamedSet* old = from.findSet(s.name);
    if (!old)
      newSets.insert(s.name);
    else if (!sameDeclaration(*old, s))
      dirtySets.insert(s.name);
  }
  for (const auto& s : from.sets)
    if (!to.findSet(s.name)) dirtySets.insert(s.name);

  std::set<std::string> refill;  // chains present in both whose rules are rewritten
  for (const auto& c : to.chains) {
    const Chain* old = from.findChain(c.name);
    if (!old) continue;
    bool usesDirty = false;
    for (const auto& name : setsUsedBy(*old)) usesDirty = usesDirty || dirtySets.count(name);
    if (usesDirty || !sameRules(*old, c, f)) refill.insert(c.name);
  }

  // 1. Remove references, then what they referenced.
  for (const auto& c : from.chains) {
    if (refill.count(c.name) || !to.findChain(c.name)) {
      batch.flushChain(f, to.name, c);
      report.structureChanges++;
    }
  }
  for (const auto& c : from.chains)
    if (!to.findChain(c.name)) batch.deleteChain(f, to.name, c);
  for (const auto& s : from.sets) {
    if (dirtySets.count(s.name)) {
      batch.deleteSet(f, to.name, s);
      report.structureChanges++;
    }
  }
  // 2. Sets: new and recreated ones with all their elements; the others by difference.
  bool endpointRemoved = false;
  std::vector<std::pair<std::vector<Value>, std::vector<Value>>> removedPairs;  // entry, endpoint
  for (const auto& s : to.sets) {
    if (newSets.count(s.name) || dirtySets.count(s.name)) {
      auto elements = source.all(s);
      batch.addSet(f, to.name, s);
      report.structureChanges++;
      report.elementsAdded += elements.size();
      batch.addElements(f, to.name, s, std::move(elements));
      continue;
    }
    const NamedSet& old = *from.findSet(s.name);
    std::vector<Element> removed, added;
    source.diff(old, s, removed, added);
    if (removed.empty() && added.empty()) continue;
    report.elementsRemoved += removed.size();
    report.elementsAdded += added.size();
    if (!removed.empty() && isEndpointMap(s)) {
      endpointRemoved = true;
      for (const auto& e : removed) removedPairs.emplace_back(std::vector<Value>(e.key.begin(), e.key.begin() + 3), e.data);
    }
    // Deletes first: an element whose key stays but whose data changes is deleted and re-added.
    batch.deleteElements(f, to.name, s, std::move(removed));
    batch.addElements(f, to.name, s, std::move(added));
  }
  // 3. Affinity entries that point at an endpoint no longer serving their entry. The maps
  // are read from the kernel only when an (entry, endpoint) pair really went away (not when
  // an endpoint merely got other slots).
  if (endpointRemoved && affinity) {
    bool pairGone = false;
    for (const auto& [entry, endpoint] : removedPairs)
      if (!source.serves(entry, endpoint)) pairGone = true;
    for (const auto& s : to.sets) {
      if (!pairGone || !isAffinityMap(s) || newSets.count(s.name) || dirtySets.count(s.name)) continue;
      std::vector<Element> stale;
      for (auto& e : affinity(to, s)) {
        if (e.key.size() != 4 || e.data.size() != 2) continue;
        std::vector<Value> entry(e.key.begin() + 1, e.key.end());
        if (!source.serves(entry, e.data)) stale.push_back(std::move(e));
      }
      report.affinityRemoved += stale.size();
      batch.destroyElements(f, to.name, s, std::move(stale));
    }
  }
  // 4. New chains, then the rules of new and refilled chains (sets exist by now).
  std::shared_ptr<const Table> context;
  for (const auto& c : to.chains) {
    if (!from.findChain(c.name)) {
      batch.addChain(f, to.name, c);
      report.structureChanges++;
    }
  }
  for (const auto& c : to.chains) {
    if (from.findChain(c.name) && !refill.count(c.name)) continue;
    if (!context) context = skeleton(to);
    for (const auto& r : c.rules) batch.addRule(f, to.name, c, r, context);
  }
}

size_t countElements(const std::vector<Table>& tables) {
  size_t n = 0;
  for (const auto& t : tables) n += t.elementCount();
  return n;
}

ElementSource modelSource(const Table& to) {
  ElementSource source;
  source.diff = [](const NamedSet& from, const NamedSet& now, std::vector<Element>& removed,
                   std::vector<Element>& added) { elementDiff(from.elements, now.elements, removed, added); };
  source.all = [](const NamedSet& now) { return now.elements; };
  source.full = [&to] { return to; };
  source.serves = [&to](const std::vector<Value>& entry, const std::vector<Value>& endpoint) {
    return serves(to, entry, endpoint);
  };
  return source;
}

ElementSource trackerSource(const RuleTracker& tracker, IpFamily family, const ElementChanges& changes) {
  ElementSource source;
  source.diff = [&changes, family](const NamedSet&, const NamedSet& now, std::vector<Element>& removed,
                                   std::vector<Element>& added) {
    if (const SetChanges* c = changes.find(family, now.name)) {
      removed = c->removed;
      added = c->added;
    }
  };
  source.all = [&tracker, family](const NamedSet& now) { return tracker.elements(family, now.name); };
  source.full = [&tracker, family] {
    RuleModel model = tracker.model();
    return *model.table(family);
  };
  source.serves = [&tracker, family](const std::vector<Value>& entry, const std::vector<Value>& endpoint) {
    return tracker.serves(family, entry, endpoint);
  };
  return source;
}

NftBatch diffTables(const std::vector<Table>& from, const std::vector<Table>& to,
                    const std::function<ElementSource(const Table&)>& sourceOf,
                    const NftSyncer::AffinityLister& affinity, SyncReport& report) {
  NftBatch batch;
  for (const auto& t : to) {
    const Table* old = findTable(from, t.family, t.name);
    ElementSource source = sourceOf(t);
    if (!old) {
      Table whole = source.full();
      replaceTable(batch, whole);
      report.structureChanges++;
      report.elementsAdded += whole.elementCount();
    } else {
      diffTable(batch, *old, t, source, affinity, report);
    }
  }
  for (const auto& t : from)
    if (!findTable(to, t.family, t.name)) {
      batch.addTable(t.family, t.name);
      batch.deleteTable(t.family, t.name);
      report.structureChanges++;
    }
  return batch;
}

}  // namespace

NftSyncer::NftSyncer(NftBackend& backend, NftSyncerOptions options)
    : backend_(backend), options_(std::move(options)) {}

bool NftSyncer::fullSyncPending() const {
  if (mirror_.elements == Mirror::Elements::kNone || !lastFull_) return true;
  return options_.fullResyncPeriod.count() > 0 && options_.clock() - *lastFull_ >= options_.fullResyncPeriod;
}

NftBatch NftSyncer::fullReplace(const std::vector<Table>& to) {
  NftBatch batch;
  for (const auto& t : to) replaceTable(batch, t);
  return batch;
}

NftBatch NftSyncer::diff(const std::vector<Table>& from, const std::vector<Table>& to,
                         const AffinityLister& affinity, SyncReport& report) {
  return diffTables(from, to, modelSource, affinity, report);
}

NftSyncer::AffinityLister NftSyncer::kernelAffinity() {
  return [this](const Table& t, const NamedSet& s) -> std::vector<Element> {
    auto listed = backend_.listElements(t.family, t.name, s);
    return listed.isOk() ? std::move(*listed) : std::vector<Element>{};
  };
}

Result<SyncReport> NftSyncer::sync(const RuleModel& desired) { return syncModel(desired.tables, nullptr); }

Result<SyncReport> NftSyncer::sync(RuleModel&& desired) { return syncModel(desired.tables, &desired.tables); }

Result<SyncReport> NftSyncer::syncModel(const std::vector<Table>& desired, std::vector<Table>* adopt) {
  const bool full = fullSyncPending() || mirror_.elements != Mirror::Elements::kModel;
  SyncReport report;
  report.full = full;
  report.totalElements = countElements(desired);
  NftBatch batch = full ? fullBatch(desired) : diff(mirror_.tables, desired, kernelAffinity(), report);
  if (full) report.elementsAdded = report.totalElements;
  if (Status s = commit(batch, report); !s.isOk()) return s;
  if (adopt)
    mirror_.tables = std::move(*adopt);
  else
    mirror_.tables = desired;
  adoptMirror(Mirror::Elements::kModel, full);
  return report;
}

Result<SyncReport> NftSyncer::sync(RuleTracker& tracker) {
  const bool full = fullSyncPending() || mirror_.elements != Mirror::Elements::kTracker;
  SyncReport report;
  report.full = full;
  NftBatch batch;
  if (full) {
    // The tracker's recorded changes are relative to a state the kernel may not hold.
    tracker.clearChanges();
    RuleModel model = tracker.model();
    report.elementsAdded = countElements(model.tables);
    batch = fullBatch(model.tables);
  } else {
    ElementChanges changes = tracker.takeChanges();
    auto sourceOf = [&](const Table& t) { return trackerSource(tracker, t.family, changes); };
    batch = diffTables(mirror_.tables, tracker.skeleton(), sourceOf, kernelAffinity(), report);
  }
  report.totalElements = tracker.elementCount();
  if (Status s = commit(batch, report); !s.isOk()) return s;
  mirror_.tables = tracker.skeleton();
  adoptMirror(Mirror::Elements::kTracker, full);
  return report;
}

NftBatch NftSyncer::fullBatch(const std::vector<Table>& desired) const {
  NftBatch batch = fullReplace(desired);
  // Tables managed before but not wanted now (never the case with a fixed model shape).
  for (const auto& [family, name] : managed_)
    if (!findTable(desired, family, name)) {
      batch.addTable(family, name);
      batch.deleteTable(family, name);
    }
  return batch;
}

Status NftSyncer::commit(const NftBatch& batch, SyncReport& report) {
  report.operations = batch.ops.size();
  if (batch.empty()) return Status::ok();
  Status s = backend_.commit(batch);
  if (!s.isOk()) {
    mirror_ = Mirror{};
    return s;
  }
  report.sent = true;
  return s;
}

void NftSyncer::adoptMirror(Mirror::Elements elements, bool full) {
  mirror_.elements = elements;
  if (full) lastFull_ = options_.clock();
  managed_.clear();
  for (const auto& t : mirror_.tables) managed_.emplace_back(t.family, t.name);
}

Status NftSyncer::deleteTables() {
  auto managed = managed_;
  if (managed.empty()) managed = {{IpFamily::kIPv4, "edgeway"}, {IpFamily::kIPv6, "edgeway"}};
  NftBatch batch;
  for (const auto& [family, name] : managed) {
    batch.addTable(family, name);  // so that deleting a missing table is not an error
    batch.deleteTable(family, name);
  }
  Status s = backend_.commit(batch);
  mirror_ = Mirror{};
  return s;
}

}  // namespace edgeway::netstack
