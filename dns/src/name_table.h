#pragma once
// NameTable: an immutable map from a lower-cased DNS name to a shared entry, structurally
// shared between the versions of a zone. Private to the dns module.
//
// Entries are spread over kShards shards by the hash of their name; a shard is a vector of
// (hash, entry) sorted by hash, then name. A Builder derived from a table copies, on its
// first write, the shard array and then only the shards it writes to (base/cow_shards.h,
// as cache's ShardedIndex); every other shard stays shared with the table it came from. So redoing the names of one Service in a zone
// of 10,000 (~100,000 names) copies a few shards of ~200 pointers, not the zone, and the
// old version frees only what it does not share. A lookup is one hash, a binary search
// over the shard's inline hashes and one name comparison.
//
// Entry must have a `std::string name` member; it is the key.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "base/cow_shards.h"

namespace edgeway::dns::zone_detail {

template <typename Entry>
class NameTable {
 public:
  static constexpr size_t kShards = 512;
  using EntryPtr = std::shared_ptr<const Entry>;

 private:
  struct Slot {
    uint64_t hash;
    EntryPtr entry;
  };
  using Shard = std::vector<Slot>;
  using Shards = typename CowShards<Shard, kShards>::Shards;

 public:
  // Null when absent.
  const Entry* find(std::string_view name) const { return findIn(shards_.get(), name); }
  size_t size() const { return size_; }

  // Calls f(const Entry&) for every entry, in no particular order.
  template <typename F>
  void forEach(F&& f) const {
    if (!shards_) return;
    for (const auto& shard : *shards_) {
      if (!shard) continue;
      for (const Slot& slot : *shard) f(*slot.entry);
    }
  }

  // A table of `entries`, whose names are unique, made at once (a sort per shard instead
  // of an insertion per entry).
  static NameTable fromEntries(std::vector<EntryPtr> entries) {
    auto shards = std::make_shared<Shards>();
    std::array<Shard*, kShards> owned{};
    for (EntryPtr& entry : entries) {
      const uint64_t h = hashOf(entry->name);
      const size_t i = shardOf(h);
      if (owned[i] == nullptr) {
        auto shard = std::make_shared<Shard>();
        owned[i] = shard.get();
        (*shards)[i] = std::move(shard);
      }
      owned[i]->push_back(Slot{h, std::move(entry)});
    }
    for (Shard* shard : owned) {
      if (shard)
        std::sort(shard->begin(), shard->end(), [](const Slot& a, const Slot& b) { return before(a, b); });
    }
    NameTable out;
    out.size_ = entries.size();
    if (out.size_ > 0) out.shards_ = std::move(shards);
    return out;
  }

  // Edits a copy of a table; the table it started from never changes.
  class Builder {
   public:
    Builder() = default;
    explicit Builder(const NameTable& base) : cow_(base.shards_), size_(base.size_) {}

    const Entry* find(std::string_view name) const { return findIn(cow_.shards(), name); }

    // Inserts `entry`, or replaces the entry of the same name.
    void put(EntryPtr entry) {
      const uint64_t h = hashOf(entry->name);
      Shard& shard = cow_.mutableShard(shardOf(h));
      auto at = lowerBound(shard, h, entry->name);
      if (at != shard.end() && at->hash == h && at->entry->name == entry->name) {
        at->entry = std::move(entry);
      } else {
        shard.insert(at, Slot{h, std::move(entry)});
        ++size_;
      }
    }

    // Removes the entry of this name; false when there is none.
    bool erase(std::string_view name) {
      const uint64_t h = hashOf(name);
      const size_t i = shardOf(h);
      const Shard* current = cow_.shard(i);
      if (!current) return false;
      auto found = lowerBound(*current, h, name);
      if (found == current->end() || found->hash != h || found->entry->name != name) return false;
      cow_.eraseAt(i, static_cast<size_t>(found - current->begin()));
      --size_;
      return true;
    }

    // The table as edited so far. Later edits copy again, so the result never changes.
    NameTable build() {
      NameTable out;
      auto shards = cow_.freeze();
      if (size_ > 0) out.shards_ = std::move(shards);
      out.size_ = size_;
      return out;
    }

   private:
    CowShards<Shard, kShards> cow_;
    size_t size_ = 0;
  };

 private:
  static uint64_t hashOf(std::string_view name) { return std::hash<std::string_view>{}(name); }
  static size_t shardOf(uint64_t h) { return h & (kShards - 1); }
  static bool before(const Slot& a, const Slot& b) {
    return a.hash != b.hash ? a.hash < b.hash : a.entry->name < b.entry->name;
  }

  // Works on const and mutable shards alike.
  template <typename S>
  static auto lowerBound(S& shard, uint64_t h, std::string_view name) {
    return std::lower_bound(shard.begin(), shard.end(), h, [&](const Slot& s, uint64_t hash) {
      return s.hash != hash ? s.hash < hash : std::string_view(s.entry->name) < name;
    });
  }

  static const Entry* findIn(const Shards* shards, std::string_view name) {
    if (shards == nullptr) return nullptr;
    const uint64_t h = hashOf(name);
    const auto& shard = (*shards)[shardOf(h)];
    if (!shard) return nullptr;
    auto it = lowerBound(*shard, h, name);
    if (it == shard->end() || it->hash != h || it->entry->name != name) return nullptr;
    return it->entry.get();
  }

  static_assert((kShards & (kShards - 1)) == 0, "kShards must be a power of two");

  std::shared_ptr<const Shards> shards_;
  size_t size_ = 0;
};

}  // namespace edgeway::dns::zone_detail
