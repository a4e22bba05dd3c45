#pragma once
// Name compression for one message being encoded (RFC 1035 4.1.4): remembers where each
// name suffix was written and replaces a later copy of the longest known suffix by a
// pointer. Suffixes match case-insensitively (names compare that way, RFC 4343), so a
// compressed name reads back with the case of its earlier occurrence; the labels written
// literally keep the case they were given.
//
// The table is a fixed open-addressed array on the stack: no allocation per message, and
// O(1) lookups even for responses with hundreds of records. When it fills up, later names
// are still compressed against what it holds but add nothing new.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "dns/src/wire_name.h"

namespace edgeway::dns::detail {

class NameCompressor {
 public:
  // Appends `name` to `out` (the message so far, starting with its header). With
  // `compress`, the longest suffix already written becomes a pointer, and the new suffixes
  // are remembered; without it (SRV targets, RFC 2782) the name is written in full and not
  // remembered, so nothing ever points into such rdata.
  void write(std::string& out, const WireName& name, bool compress);

 private:
  static constexpr size_t kSlots = 256;                // a power of two
  static constexpr size_t kMaxEntries = 192;           // keeps probe sequences short
  static constexpr size_t kMaxPointerTarget = 0x3fff;  // 14 bits

  struct Slot {
    uint32_t hash = 0;
    uint16_t offset = 0;  // where the suffix starts in the message
    uint8_t size = 0;     // its uncompressed octets; 0 marks a free slot
  };

  // Offset of a remembered suffix equal to name's suffix from `label`, or -1.
  int find(const std::string& out, const WireName& name, size_t label, uint32_t hash) const;
  void remember(uint32_t hash, size_t offset, size_t size);

  std::array<Slot, kSlots> slots_{};
  size_t entries_ = 0;
};

}  // namespace edgeway::dns::detail
