#include "dns/src/server_answer_cache.h"

#include <algorithm>
#include <cstring>
#include <functional>

#include "dns/message.h"

namespace edgeway::dns::server_detail {

namespace {

constexpr size_t kHeaderSize = 12;
constexpr size_t kOptFixedSize = 11;  // root name, type, class, TTL, RDLENGTH

uint16_t u16(const unsigned char* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

}  // namespace

AnswerCache::AnswerCache(size_t entries) {
  if (entries == 0) return;
  size_t sets = 1;
  while (sets * kWays < entries) sets <<= 1;
  slots_.resize(sets * kWays);
  mask_ = sets - 1;
}

bool AnswerCache::keyOf(std::string_view wire, uint16_t maxUdpPayload, Key& key) {
  const auto* p = reinterpret_cast<const unsigned char*>(wire.data());
  const size_t size = wire.size();
  if (size < kHeaderSize + 5) return false;
  // QR=0 and opcode QUERY; one question and nothing else but an OPT record.
  if ((p[2] & 0xf8) != 0) return false;
  if (u16(p + 4) != 1 || u16(p + 6) != 0 || u16(p + 8) != 0 || u16(p + 10) > 1) return false;
  const bool hasOpt = u16(p + 10) == 1;

  // The question name: uncompressed labels, at most 255 octets in all (dns::parse's rules).
  size_t pos = kHeaderSize;
  for (;;) {
    if (pos >= size) return false;
    const size_t label = p[pos];
    if (label == 0) break;
    if (label > kMaxLabelLength) return false;  // a compression pointer or a reserved type
    pos += 1 + label;
  }
  ++pos;  // the root
  const size_t nameLength = pos - kHeaderSize;
  if (nameLength > kMaxNameLength || size - pos < 4) return false;
  pos += 4;  // type, class
  const size_t questionEnd = pos;

  size_t maxSize = kClassicUdpSize;
  bool dnssecOk = false;
  if (hasOpt) {
    if (size - pos < kOptFixedSize || p[pos] != 0 || u16(p + pos + 1) != static_cast<uint16_t>(Type::kOPT))
      return false;
    const uint16_t payload = std::max<uint16_t>(u16(p + pos + 3), kClassicUdpSize);
    dnssecOk = (p[pos + 7] & 0x80) != 0;
    const size_t rdLength = u16(p + pos + 9);
    pos += kOptFixedSize;
    if (size - pos != rdLength) return false;
    // Options are not interpreted, but must be well-formed, as for dns::parse.
    while (pos < size) {
      if (size - pos < 4) return false;
      const size_t length = u16(p + pos + 2);
      pos += 4;
      if (length > size - pos) return false;
      pos += length;
    }
    maxSize = std::clamp<size_t>(payload, kClassicUdpSize, std::max<size_t>(maxUdpPayload, kClassicUdpSize));
  } else if (pos != size) {
    return false;
  }

  const uint8_t rd = p[2] & 0x01;
  const uint8_t cd = (p[3] & 0x10) ? 1 : 0;
  char* out = key.bytes.data();
  out[0] = static_cast<char>(rd | (cd << 1) | (hasOpt ? 4 : 0) | (dnssecOk ? 8 : 0));
  out[1] = static_cast<char>(maxSize >> 8);
  out[2] = static_cast<char>(maxSize & 0xff);
  std::memcpy(out + 3, p + kHeaderSize, questionEnd - kHeaderSize);
  key.length = 3 + questionEnd - kHeaderSize;
  key.hash = std::hash<std::string_view>()(key.view());
  return true;
}

const AnswerCache::Entry* AnswerCache::find(const Key& key) {
  if (slots_.empty()) return nullptr;
  Entry* ways = set(key.hash);
  for (size_t i = 0; i < kWays; ++i) {
    Entry& e = ways[i];
    if (e.lastUsed != 0 && e.hash == key.hash && e.key() == key.view()) {
      e.lastUsed = ++clock_;
      return &e;
    }
  }
  return nullptr;
}

void AnswerCache::insert(const Key& key, std::string_view answer) {
  if (slots_.empty() || answer.size() < kHeaderSize) return;
  Entry* ways = set(key.hash);
  Entry* victim = &ways[0];
  for (size_t i = 0; i < kWays; ++i) {
    Entry& e = ways[i];
    if (e.lastUsed != 0 && e.hash == key.hash && e.key() == key.view()) {
      victim = &e;  // the same query answered twice before it was cached: replace it
      break;
    }
    if (e.lastUsed < victim->lastUsed) victim = &e;
  }
  const auto* a = reinterpret_cast<const unsigned char*>(answer.data());
  victim->hash = key.hash;
  victim->lastUsed = ++clock_;
  victim->keyLength = static_cast<uint16_t>(key.length);
  // The question's type is the key's last-but-three and last-but-two bytes.
  victim->qtype = static_cast<uint16_t>((static_cast<uint8_t>(key.bytes[key.length - 4]) << 8) |
                                        static_cast<uint8_t>(key.bytes[key.length - 3]));
  victim->rcode = a[3] & 0x0f;
  victim->truncated = (a[2] & 0x02) != 0;
  victim->bytes.assign(key.view());
  victim->bytes.append(answer);
}

void AnswerCache::clear() {
  for (Entry& e : slots_) e.lastUsed = 0;
  clock_ = 0;
}

size_t AnswerCache::size() const {
  return static_cast<size_t>(
      std::count_if(slots_.begin(), slots_.end(), [](const Entry& e) { return e.lastUsed != 0; }));
}

}  // namespace edgeway::dns::server_detail
