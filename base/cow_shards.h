#pragma once
// CowShards: the copy-on-write heart of the structurally shared tables (cache's
// ShardedIndex, dns's NameTable). A table is an array of N shared, immutable shards; an
// editor derived from it copies, on its first write, the array (N pointers) and then only
// the shards it writes to, so every other shard stays shared with the table it came from
// and an edit of one entry costs O(N + shard size), not O(table).
//
//   CowShards<std::vector<Slot>, 128> cow(table.shards());
//   cow.mutableShard(i).push_back(...);   // copies the array and shard i, once
//   cow.eraseAt(j, k);                    // copies shard j, frees it when it empties
//   auto next = cow.freeze();             // the edited array; later edits copy again
//
// Not thread-safe; the frozen arrays are immutable and may be shared freely.

#include <array>
#include <cstddef>
#include <memory>
#include <utility>

namespace edgeway {

template <typename Shard, size_t N>
class CowShards {
 public:
  using Shards = std::array<std::shared_ptr<const Shard>, N>;

  CowShards() = default;
  explicit CowShards(std::shared_ptr<const Shards> base) : shards_(std::move(base)) {}

  // Shard i as edited so far; null when absent (an absent shard reads as empty).
  const Shard* shard(size_t i) const { return shards_ && (*shards_)[i] ? (*shards_)[i].get() : nullptr; }
  const Shards* shards() const { return shards_.get(); }

  // Shard i, writable: the array and the shard are copied on their first write since the
  // last freeze(), so nothing a frozen table holds ever changes.
  Shard& mutableShard(size_t i) {
    if (ownedArray_ == nullptr) {
      auto copy = shards_ ? std::make_shared<Shards>(*shards_) : std::make_shared<Shards>();
      ownedArray_ = copy.get();
      shards_ = std::move(copy);
    }
    if (owned_[i] == nullptr) {
      const auto& shared = (*ownedArray_)[i];
      auto copy = shared ? std::make_shared<Shard>(*shared) : std::make_shared<Shard>();
      owned_[i] = copy.get();
      (*ownedArray_)[i] = std::move(copy);
    }
    return *owned_[i];
  }

  // Removes the element at `offset` of shard i (copying as mutableShard does); a shard left
  // empty is freed.
  void eraseAt(size_t i, size_t offset) {
    Shard& shard = mutableShard(i);
    shard.erase(shard.begin() + static_cast<std::ptrdiff_t>(offset));
    if (!shard.empty()) return;
    (*ownedArray_)[i].reset();
    owned_[i] = nullptr;
  }

  // The array as edited so far (null when it never had a shard).
  std::shared_ptr<const Shards> freeze() {
    ownedArray_ = nullptr;
    owned_.fill(nullptr);
    return shards_;
  }

 private:
  std::shared_ptr<const Shards> shards_;
  // What this editor copied and may therefore write: the array and some shards.
  Shards* ownedArray_ = nullptr;
  std::array<Shard*, N> owned_{};
};

}  // namespace edgeway
