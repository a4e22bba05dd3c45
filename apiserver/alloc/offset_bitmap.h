#pragma once
// The slot set behind the ClusterIP and NodePort allocators: `size` slots, the first
// `reserved` of which form a lower band that random allocation only uses once the upper band
// is full. Kubernetes (1.27+ for Service IPs, 1.29+ for NodePorts) splits ranges this way so
// that users who pick a static address or port from the lower band rarely collide with a
// dynamically assigned one. Not thread-safe: the allocators lock around it.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

namespace edgeway::apiserver {

class OffsetBitmap {
 public:
  OffsetBitmap(size_t size, size_t reserved, uint64_t seed);

  size_t size() const { return bits_.size(); }
  size_t reserved() const { return reserved_; }
  size_t used() const { return used_; }

  bool test(size_t slot) const { return slot < bits_.size() && bits_[slot]; }
  // Marks `slot`; false when it was already marked. `slot` must be < size().
  bool set(size_t slot);
  void clear(size_t slot);
  void clearAll();
  // A random free slot, preferring the upper band; nullopt when every slot is used.
  std::optional<size_t> allocateRandom();

 private:
  std::optional<size_t> scanFrom(size_t begin, size_t end);

  std::vector<bool> bits_;
  size_t reserved_;
  size_t used_ = 0;
  std::mt19937_64 rng_;
};

// Kubernetes' lower-band size: min(max(minimum, size / step), maximum), or 0 when the range
// has no more than `minimum` slots.
size_t reservedBandSize(uint64_t rangeSize, uint64_t minimum, uint64_t step, uint64_t maximum);

// A seed from std::random_device, for allocators not given one (tests pass fixed seeds).
uint64_t randomSeed();

}  // namespace edgeway::apiserver
