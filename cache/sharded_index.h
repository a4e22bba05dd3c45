#pragma once
// ShardedIndex: the immutable, structurally shared index a Snapshot is made of.
//
// Entries are spread over kShards shards by the hash of their *group* (the part of the
// key a lookup gives: a name, an IP); each shard is a sorted vector. A Builder derived from
// an index copies, on its first write, the shard array (kShards pointers) and then only the
// shards it writes to (base/cow_shards.h); every other shard stays shared with the index it
// came from. So a
// change of one object costs O(kShards + n / kShards) per index it touches, not O(n): with
// 10,000 Pods that is 128 pointers and a shard of ~80 entries, where copying the whole
// index would be 10,000 entries. Lookups are a hash and a binary search in one shard.
//
// Traits say how entries are keyed:
//   using Group = ...;                  // what a lookup gives; ==, < and Traits::hash
//   static Group group(const Entry&);
//   static auto key(const Entry&);      // full key, unique per entry, ordered by group first
//   static uint64_t hash(const Group&);
// Several entries may share a group (the Pods of one IP); equalRange returns them all.
//
// Iteration order is by shard, then by key: stable for the same contents, not sorted.

#include <algorithm>
#include <array>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <string_view>
#include <vector>

#include "base/cow_shards.h"
#include "base/ip.h"

namespace edgeway::cache {

// A view of contiguous entries, valid while the index (or snapshot) holding them lives.
template <typename T>
class Span {
 public:
  Span() = default;
  Span(const T* first, const T* last) : first_(first), last_(last) {}
  const T* begin() const { return first_; }
  const T* end() const { return last_; }
  size_t size() const { return static_cast<size_t>(last_ - first_); }
  bool empty() const { return first_ == last_; }
  const T& operator[](size_t i) const { return first_[i]; }
  const T& front() const { return *first_; }

 private:
  const T* first_ = nullptr;
  const T* last_ = nullptr;
};

namespace detail {

// FNV-1a with a final mix: stable across runs (so iteration order is reproducible) and
// spread well enough in the low bits that pick the shard.
inline constexpr uint64_t kHashSeed = 14695981039346656037ull;

inline uint64_t hashAppend(uint64_t h, const void* data, size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}
inline uint64_t hashAppend(uint64_t h, std::string_view s) {
  h = hashAppend(h, s.data(), s.size());
  return hashAppend(h, "\0", 1);  // "a"+"bc" and "ab"+"c" differ
}
inline uint64_t hashAppend(uint64_t h, const IpAddress& ip) {
  unsigned char family = ip.isV4() ? 4 : 6;
  h = hashAppend(h, &family, 1);
  return hashAppend(h, ip.bytes().data(), ip.bytes().size());
}
inline uint64_t hashFinish(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  return h ^ (h >> 33);
}

}  // namespace detail

template <typename Entry, typename Traits>
class ShardedIndex {
 public:
  static constexpr size_t kShards = 128;
  using Group = typename Traits::Group;

 private:
  using Shard = std::vector<Entry>;
  using Shards = typename CowShards<Shard, kShards>::Shards;

 public:
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // The entries of `group`, in key order.
  Span<Entry> equalRange(const Group& group) const { return rangeIn(shards_.get(), group); }
  // The first entry of `group`, or nullptr.
  const Entry* find(const Group& group) const {
    Span<Entry> r = equalRange(group);
    return r.empty() ? nullptr : r.begin();
  }

  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Entry;
    using difference_type = std::ptrdiff_t;
    using pointer = const Entry*;
    using reference = const Entry&;

    const_iterator() = default;
    reference operator*() const { return (*(*shards_)[shard_])[entry_]; }
    pointer operator->() const { return &**this; }
    const_iterator& operator++() {
      ++entry_;
      settle();
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator old = *this;
      ++*this;
      return old;
    }
    friend bool operator==(const const_iterator& a, const const_iterator& b) {
      return a.shard_ == b.shard_ && a.entry_ == b.entry_;
    }
    friend bool operator!=(const const_iterator& a, const const_iterator& b) { return !(a == b); }

   private:
    friend class ShardedIndex;
    const_iterator(const Shards* shards, size_t shard) : shards_(shards), shard_(shard) { settle(); }
    // Moves past exhausted and empty shards; the end is (kShards, 0).
    void settle() {
      while (shard_ < kShards) {
        const auto& s = (*shards_)[shard_];
        if (s && entry_ < s->size()) return;
        ++shard_;
        entry_ = 0;
      }
    }
    const Shards* shards_ = nullptr;
    size_t shard_ = kShards;
    size_t entry_ = 0;
  };

  const_iterator begin() const { return shards_ ? const_iterator(shards_.get(), 0) : end(); }
  const_iterator end() const { return const_iterator(); }

  // Edits a copy of an index; the index it started from never changes.
  class Builder {
   public:
    Builder() = default;
    explicit Builder(const ShardedIndex& base) : cow_(base.shards_), size_(base.size_) {}

    const Entry* find(const Group& group) const {
      Span<Entry> r = rangeIn(cow_.shards(), group);
      return r.empty() ? nullptr : r.begin();
    }

    // Inserts `entry`, or replaces the entry with the same key.
    void put(Entry entry) {
      Shard& shard = cow_.mutableShard(shardOf(Traits::group(entry)));
      auto at = lowerBoundByKey(shard, Traits::key(entry));
      if (at != shard.end() && Traits::key(*at) == Traits::key(entry)) {
        *at = std::move(entry);
      } else {
        shard.insert(at, std::move(entry));
        ++size_;
      }
    }

    // Removes the entry with the same key as `like`; false when there is none.
    bool erase(const Entry& like) {
      const size_t i = shardOf(Traits::group(like));
      const Shard* current = cow_.shard(i);
      if (!current) return false;
      auto found = lowerBoundByKey(*current, Traits::key(like));
      if (found == current->end() || !(Traits::key(*found) == Traits::key(like))) return false;
      cow_.eraseAt(i, static_cast<size_t>(found - current->begin()));
      --size_;
      return true;
    }

    // The index as edited so far. Later edits copy again, so the result never changes.
    ShardedIndex build() {
      ShardedIndex out;
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
  static size_t shardOf(const Group& group) { return Traits::hash(group) & (kShards - 1); }

  static Span<Entry> rangeIn(const Shards* shards, const Group& group) {
    if (shards == nullptr) return {};
    const auto& shard = (*shards)[shardOf(group)];
    if (!shard) return {};
    auto first = std::lower_bound(shard->begin(), shard->end(), group,
                                  [](const Entry& e, const Group& g) { return Traits::group(e) < g; });
    auto last = std::upper_bound(first, shard->end(), group,
                                 [](const Group& g, const Entry& e) { return g < Traits::group(e); });
    return Span<Entry>(shard->data() + (first - shard->begin()), shard->data() + (last - shard->begin()));
  }

  // Works on const and mutable shards alike.
  template <typename S, typename Key>
  static auto lowerBoundByKey(S& shard, const Key& key) {
    return std::lower_bound(shard.begin(), shard.end(), key,
                            [](const Entry& e, const Key& k) { return Traits::key(e) < k; });
  }

  static_assert((kShards & (kShards - 1)) == 0, "kShards must be a power of two");

  std::shared_ptr<const Shards> shards_;
  size_t size_ = 0;
};

}  // namespace edgeway::cache
