#include "dns/src/name_compressor.h"

#include <cstring>

namespace edgeway::dns::detail {
namespace {

uint8_t lower(uint8_t b) { return b >= 'A' && b <= 'Z' ? static_cast<uint8_t>(b + ('a' - 'A')) : b; }

// A hash of a label sequence that ignores ASCII case. OR-ing 0x20 into each octet folds
// 'A'-'Z' onto 'a'-'z' (and a few punctuation pairs onto each other, which only costs a
// comparison: equalsAt() has the last word). Labels are mixed eight octets at a time, and
// suffix hashes are built from the root towards the first label, each extending the next
// one's, so all of a name's hashes cost one pass over it.
constexpr uint64_t kHashSeed = 0x9e3779b97f4a7c15u;
constexpr uint64_t kHashMultiplier = 0xff51afd7ed558ccdu;
constexpr uint64_t kCaseBits = 0x2020202020202020u;

uint64_t mix(uint64_t hash, uint64_t word) {
  hash = (hash ^ (word | kCaseBits)) * kHashMultiplier;
  return hash ^ (hash >> 32);
}

uint64_t extend(uint64_t hash, const uint8_t* label) {
  size_t n = size_t{label[0]} + 1;  // the length octet and the label's bytes
  size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    uint64_t word;
    std::memcpy(&word, label + k, 8);
    hash = mix(hash, word);
  }
  uint64_t tail = 0;
  for (; k < n; ++k) tail = (tail << 8) | label[k];
  return mix(hash, tail);
}

// Whether the (possibly compressed) name written at `offset` in `out` equals name's suffix
// from `label`, ignoring ASCII case. `out` is our own output, but the walk is still
// bounded so a bug here cannot hang the encoder.
bool equalsAt(const std::string& out, size_t offset, const WireName& name, size_t label) {
  const auto* wire = reinterpret_cast<const uint8_t*>(out.data());
  size_t q = offset;
  for (int steps = 0; steps < 256; ++steps) {
    if (q >= out.size()) return false;
    uint8_t length = wire[q];
    if ((length & 0xc0) == 0xc0) {
      if (q + 1 >= out.size()) return false;
      q = (size_t{length & 0x3fu} << 8) | wire[q + 1];
      continue;
    }
    if (length == 0) return label == name.labelCount;
    if (label == name.labelCount) return false;
    const uint8_t* ours = name.bytes + name.labelStarts[label];
    if (ours[0] != length || q + 1 + length > out.size()) return false;
    for (size_t k = 1; k <= length; ++k) {
      if (lower(wire[q + k]) != lower(ours[k])) return false;
    }
    q += 1 + length;
    ++label;
  }
  return false;
}

}  // namespace

void NameCompressor::write(std::string& out, const WireName& name, bool compress) {
  const char* bytes = reinterpret_cast<const char*>(name.bytes);
  if (!compress || name.labelCount == 0) {
    out.append(bytes, name.size);
    return;
  }
  uint32_t hashes[WireName::kMaxLabels];
  uint64_t hash = kHashSeed;
  for (size_t i = name.labelCount; i-- > 0;) {
    hash = extend(hash, name.bytes + name.labelStarts[i]);
    hashes[i] = static_cast<uint32_t>(hash);
  }
  size_t match = name.labelCount;  // first label of the suffix found, or labelCount
  int target = -1;
  for (size_t i = 0; i < name.labelCount; ++i) {
    target = find(out, name, i, hashes[i]);
    if (target >= 0) {
      match = i;
      break;
    }
  }
  size_t base = out.size();
  for (size_t i = 0; i < match; ++i) {
    size_t offset = base + name.labelStarts[i];
    if (offset <= kMaxPointerTarget) remember(hashes[i], offset, name.suffixSize(i));
  }
  if (target < 0) {
    out.append(bytes, name.size);
    return;
  }
  out.append(bytes, name.labelStarts[match]);  // the labels before the suffix found
  out.push_back(static_cast<char>(0xc0 | (target >> 8)));
  out.push_back(static_cast<char>(target & 0xff));
}

int NameCompressor::find(const std::string& out, const WireName& name, size_t label, uint32_t hash) const {
  size_t size = name.suffixSize(label);
  for (size_t i = hash & (kSlots - 1);; i = (i + 1) & (kSlots - 1)) {
    const Slot& slot = slots_[i];
    if (slot.size == 0) return -1;  // never full: entries_ stays below kSlots
    if (slot.hash == hash && slot.size == size && equalsAt(out, slot.offset, name, label)) {
      return slot.offset;
    }
  }
}

void NameCompressor::remember(uint32_t hash, size_t offset, size_t size) {
  if (entries_ >= kMaxEntries) return;
  size_t i = hash & (kSlots - 1);
  while (slots_[i].size != 0) i = (i + 1) & (kSlots - 1);
  slots_[i] = Slot{hash, static_cast<uint16_t>(offset), static_cast<uint8_t>(size)};
  ++entries_;
}

}  // namespace edgeway::dns::detail
