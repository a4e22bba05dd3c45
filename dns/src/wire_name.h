#pragma once
// A domain name in uncompressed wire form (RFC 1035 3.1) in a fixed buffer, so the codec
// converts, compares and compresses names without touching the heap. The conversions to
// and from presentation form define the escaping rules of message.h: a label byte that is
// '.', '\\' or not printable (outside 0x21-0x7e, so a space is escaped too and a zone-file
// line stays splittable on spaces) is written as \DDD; every other byte as itself.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dns/message.h"

namespace edgeway::dns::detail {

struct WireName {
  // 255 wire octets hold at most 127 one-byte labels and the root.
  static constexpr size_t kMaxLabels = 127;

  uint8_t bytes[kMaxNameLength];    // labels, each a length octet and its bytes, then a zero
  uint8_t size = 0;                 // octets used including the root's zero, 1..255
  uint8_t labelCount = 0;           // labels before the root
  uint8_t labelStarts[kMaxLabels];  // offset of each label's length octet in `bytes`

  // Reads presentation text ("a.b", "a.b.", "", ".", with \DDD and \X escapes). Returns
  // nullptr on success, otherwise what was wrong (and `out` is unspecified).
  static const char* fromText(std::string_view text, WireName& out);

  // Appends the presentation form without the trailing dot ("" for the root).
  void appendText(std::string& out) const;
  std::string text() const {
    std::string s;
    appendText(s);
    return s;
  }

  // Octets of the suffix that starts at label `index` (labelCount is the root alone).
  size_t suffixSize(size_t index) const { return index < labelCount ? size - labelStarts[index] : 1; }
};

// Reads a possibly compressed name from `message` at `pos`, which moves past the name's
// bytes at that place (two octets for a pointer). Bytes at or after `end` are out of
// bounds. Every pointer must point before the start of the run of labels it ends (the
// name's own start, then the previous pointer's target), so targets strictly decrease and
// no input can loop; pointers into the 12-octet header are refused as well. Returns
// nullptr on success, otherwise what was wrong.
const char* readName(const uint8_t* message, size_t end, size_t& pos, WireName& out);

}  // namespace edgeway::dns::detail
