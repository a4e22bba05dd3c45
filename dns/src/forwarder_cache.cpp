#include "dns/src/forwarder_cache.h"

#include <algorithm>

namespace edgeway::dns::forwarder_detail {

std::string AnswerCache::key(const Question& question, bool dnssecOk) {
  std::string out = lowerName(question.name);
  const auto type = static_cast<uint16_t>(question.type);
  out.push_back('\0');
  out.push_back(static_cast<char>(type >> 8));
  out.push_back(static_cast<char>(type & 0xff));
  out.push_back(static_cast<char>(question.qclass >> 8));
  out.push_back(static_cast<char>(question.qclass & 0xff));
  out.push_back(dnssecOk ? '1' : '0');
  return out;
}

namespace {

uint32_t minTtl(const std::vector<Record>& records, uint32_t bound) {
  for (const Record& r : records) bound = std::min(bound, r.ttl);
  return bound;
}

const SoaData* authoritySoa(const Message& m, uint32_t* ttl) {
  for (const Record& r : m.authority) {
    if (r.type != Type::kSOA) continue;
    if (const auto* soa = std::get_if<SoaData>(&r.data)) {
      *ttl = r.ttl;
      return soa;
    }
  }
  return nullptr;
}

}  // namespace

uint32_t AnswerCache::cacheableTtl(const Message& response) const {
  if (response.header.tc || response.questions.size() != 1) return 0;
  switch (response.header.rcode) {
    case Rcode::kServFail:
      return limits_.servFailTtl;
    case Rcode::kNoError:
    case Rcode::kNxDomain:
      break;
    default:
      return 0;
  }
  const bool negative = response.header.rcode == Rcode::kNxDomain || response.answers.empty();
  if (negative) {
    // RFC 2308 section 5: the negative TTL is the smaller of the SOA record's TTL and its
    // MINIMUM field; without a SOA the answer is not cached.
    uint32_t soaTtl = 0;
    const SoaData* soa = authoritySoa(response, &soaTtl);
    if (soa == nullptr) return 0;
    return std::min({soaTtl, soa->minimum, limits_.maxNegativeTtl});
  }
  // OPT is not among the additional records (the codec keeps it apart), so every record
  // here has a real TTL.
  uint32_t ttl = minTtl(response.answers, limits_.maxTtl);
  ttl = minTtl(response.authority, ttl);
  return minTtl(response.additional, ttl);
}

std::optional<Message> AnswerCache::lookup(const std::string& key, SteadyTime now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  Entry& entry = *it->second;
  if (now >= entry.expires) {
    lru_.erase(it->second);
    entries_.erase(it);
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  const auto age = std::chrono::duration_cast<std::chrono::seconds>(now - entry.stored).count();
  const auto elapsed = static_cast<uint32_t>(std::max<int64_t>(0, age));
  Message out = entry.response;
  for (auto* section : {&out.answers, &out.authority, &out.additional}) {
    for (Record& r : *section) r.ttl = r.ttl > elapsed ? r.ttl - elapsed : 0;
  }
  return out;
}

void AnswerCache::insert(const std::string& key, const Message& response, SteadyTime now) {
  const uint32_t ttl = cacheableTtl(response);
  if (ttl == 0 || limits_.maxEntries == 0) return;
  Message stored = response;
  stored.edns.reset();
  // Records live no longer than the entry, so a hit never hands out a TTL longer than the
  // time left (the cap may have shortened it).
  for (auto* section : {&stored.answers, &stored.authority, &stored.additional}) {
    for (Record& r : *section) r.ttl = std::min(r.ttl, ttl);
  }
  const SteadyTime expires = now + std::chrono::seconds(ttl);
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    Entry& entry = *it->second;
    entry.response = std::move(stored);
    entry.stored = now;
    entry.expires = expires;
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  while (entries_.size() >= limits_.maxEntries) {
    entries_.erase(lru_.back().key);
    lru_.pop_back();
  }
  lru_.push_front(Entry{key, std::move(stored), now, expires});
  entries_.emplace(key, lru_.begin());
}

}  // namespace edgeway::dns::forwarder_detail
