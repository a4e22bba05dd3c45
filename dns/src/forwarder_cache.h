#pragma once
// The forwarder's answer cache: upstream responses by (lower-cased name, type, class, DO
// bit), kept for their TTL (RFC 1035) or, for negative answers, the SOA-derived negative
// TTL (RFC 2308 section 5), both capped. Bounded in entries, evicting the least recently
// used. Not thread-safe: the Forwarder guards it with its mutex.

#include <chrono>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>

#include "dns/message.h"

namespace edgeway::dns::forwarder_detail {

using SteadyTime = std::chrono::steady_clock::time_point;

struct AnswerCacheLimits {
  size_t maxEntries = 10000;
  uint32_t maxTtl = 3600;         // positive answers
  uint32_t maxNegativeTtl = 900;  // NXDOMAIN / NODATA (RFC 2308 suggests 1-3 hours at most)
  uint32_t servFailTtl = 0;       // 0: SERVFAIL is not cached (RFC 2308 section 7.1 allows 5 min)
};

class AnswerCache {
 public:
  explicit AnswerCache(AnswerCacheLimits limits) : limits_(limits) {}

  // The cache key of a question: names compare case-insensitively, and a DO query must not
  // be answered from a response fetched without DNSSEC records (or the reverse).
  static std::string key(const Question& question, bool dnssecOk);

  // How long `response` may be cached, in seconds; 0 when it must not be: truncated
  // answers, rcodes other than NOERROR/NXDOMAIN (SERVFAIL per servFailTtl), negative
  // answers without a SOA in the authority section (RFC 2308 section 5), zero TTLs.
  uint32_t cacheableTtl(const Message& response) const;

  // The cached response with every record's TTL reduced by the seconds it has been held
  // (never below 0), or nullopt when absent or expired. A hit refreshes its LRU position.
  std::optional<Message> lookup(const std::string& key, SteadyTime now);

  // Stores `response` (its ID and EDNS are irrelevant; callers overwrite them) when
  // cacheableTtl() allows, evicting the least recently used entry when full.
  void insert(const std::string& key, const Message& response, SteadyTime now);

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string key;
    Message response;
    SteadyTime stored;
    SteadyTime expires;
  };

  AnswerCacheLimits limits_;
  std::list<Entry> lru_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> entries_;
};

}  // namespace edgeway::dns::forwarder_detail
