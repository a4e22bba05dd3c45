#include "apiserver/alloc/offset_bitmap.h"

#include <algorithm>
#include <cassert>

namespace edgeway::apiserver {

OffsetBitmap::OffsetBitmap(size_t size, size_t reserved, uint64_t seed)
    : bits_(size, false), reserved_(std::min(reserved, size)), rng_(seed) {}

bool OffsetBitmap::set(size_t slot) {
  assert(slot < bits_.size());
  if (bits_[slot]) return false;
  bits_[slot] = true;
  ++used_;
  return true;
}

void OffsetBitmap::clear(size_t slot) {
  if (slot >= bits_.size() || !bits_[slot]) return;
  bits_[slot] = false;
  --used_;
}

void OffsetBitmap::clearAll() {
  std::fill(bits_.begin(), bits_.end(), false);
  used_ = 0;
}

// A random starting point, then a linear wrap-around scan of [begin, end): every free slot
// is reachable, and a mostly-empty band costs one probe.
std::optional<size_t> OffsetBitmap::scanFrom(size_t begin, size_t end) {
  size_t span = end - begin;
  if (span == 0) return std::nullopt;
  size_t start = std::uniform_int_distribution<size_t>(0, span - 1)(rng_);
  for (size_t i = 0; i < span; ++i) {
    size_t slot = begin + (start + i) % span;
    if (!bits_[slot]) return slot;
  }
  return std::nullopt;
}

std::optional<size_t> OffsetBitmap::allocateRandom() {
  if (used_ >= bits_.size()) return std::nullopt;
  auto slot = scanFrom(reserved_, bits_.size());
  if (!slot) slot = scanFrom(0, reserved_);
  if (slot) set(*slot);
  return slot;
}

size_t reservedBandSize(uint64_t rangeSize, uint64_t minimum, uint64_t step, uint64_t maximum) {
  if (rangeSize <= minimum) return 0;
  uint64_t band = std::clamp(rangeSize / step, minimum, maximum);
  return static_cast<size_t>(band);
}

uint64_t randomSeed() {
  std::random_device device;
  return (uint64_t{device()} << 32) ^ device();
}

}  // namespace edgeway::apiserver
