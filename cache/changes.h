#pragma once
// What one published Snapshot changed relative to the one before it: per kind, the names of
// the objects added, updated or deleted, sorted and without duplicates. A consumer looks
// each name up in the new snapshot; absent means deleted. The first synced snapshot lists
// every object.

#include <algorithm>
#include <array>
#include <iterator>
#include <vector>

#include "cache/kind.h"
#include "cache/namespaced_name.h"

namespace edgeway::cache {

struct Changes {
  std::array<std::vector<NamespacedName>, kKindCount> byKind;

  const std::vector<NamespacedName>& of(Kind kind) const { return byKind[kindIndex(kind)]; }
  bool empty() const {
    for (const auto& names : byKind) {
      if (!names.empty()) return false;
    }
    return true;
  }
  // Adds what a later snapshot changed: the result is what changed from the snapshot
  // before this one to that later one. For consumers that fall behind and coalesce.
  void merge(const Changes& later) {
    for (size_t k = 0; k < byKind.size(); ++k) {
      if (later.byKind[k].empty()) continue;
      std::vector<NamespacedName> both;
      both.reserve(byKind[k].size() + later.byKind[k].size());
      std::set_union(byKind[k].begin(), byKind[k].end(), later.byKind[k].begin(), later.byKind[k].end(),
                     std::back_inserter(both));
      byKind[k] = std::move(both);
    }
  }
  size_t size() const {
    size_t n = 0;
    for (const auto& names : byKind) n += names.size();
    return n;
  }
};

}  // namespace edgeway::cache
