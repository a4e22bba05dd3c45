#pragma once
// AnswerCache: one UDP worker's cache of the encoded answers it gave to cluster names, so
// that a repeated query costs a key scan, a hash lookup and a copy instead of parse →
// resolve() → encode.
//
// The key is everything in the query that the answer depends on, given the zone and the
// server's options (dns/src/server_query_handler.h): the question as received (name bytes,
// case included, since the answer echoes them; type; class), the RD and CD bits, whether
// an OPT record was present, its DO bit and the UDP size the answer is limited to. The
// cached answer then differs from the one the slow path would build only in the ID, which
// the caller patches.
//
// Only queries in the plain form clients send are keyed (QUERY opcode, one question with an
// uncompressed name, no other records than one well-formed OPT, nothing left over); anything
// else takes the slow path. Only answers from resolve() that depend on nothing but the query
// and the zone may be inserted (not forwarded, refused or CNAME-chased ones). The caller
// clears the cache whenever it loads a new zone. Bounded: 4-way set associative, the least
// recently used entry of a set replaced. Single-threaded (one per worker).

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace edgeway::dns::server_detail {

class AnswerCache {
 public:
  // The bytes identifying a query for the cache; filled by keyOf().
  struct Key {
    // flags (1) + answer size limit (2) + name (<= 255) + type and class (4)
    std::array<char, 3 + 255 + 4> bytes;
    size_t length = 0;
    uint64_t hash = 0;
    std::string_view view() const { return {bytes.data(), length}; }
  };

  // A cached answer and what the counters need to know about it.
  struct Entry {
    uint64_t hash = 0;
    uint64_t lastUsed = 0;  // 0: the slot is empty
    uint16_t keyLength = 0;
    uint16_t qtype = 0;
    uint8_t rcode = 0;
    bool truncated = false;
    std::string bytes;  // key, then answer

    std::string_view key() const { return std::string_view(bytes).substr(0, keyLength); }
    std::string_view answer() const { return std::string_view(bytes).substr(keyLength); }
  };

  // `entries` is rounded up to a multiple of the set size; 0 disables the cache.
  explicit AnswerCache(size_t entries);

  bool enabled() const { return !slots_.empty(); }

  // Fills `key` for a UDP query in the plain form described above, answered within
  // `maxUdpPayload` (the server's limit); false for anything else.
  static bool keyOf(std::string_view wire, uint16_t maxUdpPayload, Key& key);

  // The entry for `key`, or null.
  const Entry* find(const Key& key);
  // Caches `answer` (as encoded for the query `key` came from).
  void insert(const Key& key, std::string_view answer);
  // Forgets every entry (the zone changed); keeps the memory.
  void clear();

  size_t size() const;

 private:
  static constexpr size_t kWays = 4;

  Entry* set(uint64_t hash) { return &slots_[(hash & mask_) * kWays]; }

  std::vector<Entry> slots_;
  size_t mask_ = 0;  // sets - 1
  uint64_t clock_ = 0;
};

}  // namespace edgeway::dns::server_detail
