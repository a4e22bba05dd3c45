#pragma once
// What one published Snapshot changed relative to the one before it: per kind, the names of
// the objects added, updated or deleted, sorted and without duplicates. A consumer looks
// each name up in the new snapshot; absent means deleted. The first synced snapshot lists
// every object.

#include <array>
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
  size_t size() const {
    size_t n = 0;
    for (const auto& names : byKind) n += names.size();
    return n;
  }
};

}  // namespace edgeway::cache
