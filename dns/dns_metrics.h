#pragma once
// DNS counters, ready to be exposed (Prometheus text later). The server and the forwarder
// bump std::atomic counters with relaxed increments -- the hot path never takes a lock --
// and readers take a DnsMetricsSnapshot, a plain copy, summed over every counter set.
//
// Each UDP worker thread owns its own ServerCounters (alignas(64), so workers never share
// a cache line); DnsServer::metrics() sums them.

#include <array>
#include <atomic>
#include <cstdint>

#include "dns/message.h"

namespace edgeway::dns {

// Query types counted separately; everything else is "other".
enum class TypeSlot : uint8_t { kA, kAAAA, kPTR, kSRV, kTXT, kCNAME, kSOA, kNS, kMX, kANY, kXFR, kOther };
constexpr size_t kTypeSlots = 12;

inline TypeSlot typeSlot(Type type) {
  switch (type) {
    case Type::kA:
      return TypeSlot::kA;
    case Type::kAAAA:
      return TypeSlot::kAAAA;
    case Type::kPTR:
      return TypeSlot::kPTR;
    case Type::kSRV:
      return TypeSlot::kSRV;
    case Type::kTXT:
      return TypeSlot::kTXT;
    case Type::kCNAME:
      return TypeSlot::kCNAME;
    case Type::kSOA:
      return TypeSlot::kSOA;
    case Type::kNS:
      return TypeSlot::kNS;
    case Type::kMX:
      return TypeSlot::kMX;
    case Type::kANY:
      return TypeSlot::kANY;
    case Type::kAXFR:
    case Type::kIXFR:
      return TypeSlot::kXFR;
    default:
      return TypeSlot::kOther;
  }
}

inline const char* typeSlotName(size_t slot) {
  static const char* const kNames[kTypeSlots] = {"A",   "AAAA", "PTR", "SRV", "TXT",  "CNAME",
                                                 "SOA", "NS",   "MX",  "ANY", "AXFR", "other"};
  return slot < kTypeSlots ? kNames[slot] : "?";
}

// Upper bounds (microseconds) of the upstream latency histogram buckets; one more bucket
// counts everything slower.
constexpr std::array<uint64_t, 8> kLatencyBucketsMicros = {250,   500,   1000,   5000,
                                                           10000, 50000, 200000, 1000000};
constexpr size_t kLatencyBuckets = kLatencyBucketsMicros.size() + 1;

// A plain copy of every counter.
struct DnsMetricsSnapshot {
  // Server side.
  std::array<uint64_t, kTypeSlots> queriesByType{};  // parsed queries, by TypeSlot
  std::array<uint64_t, 16> responsesByRcode{};       // responses sent, by rcode
  uint64_t udpQueries = 0;                           // datagrams received
  uint64_t tcpQueries = 0;                           // framed messages received
  uint64_t forwarded = 0;                            // handed to the forwarder
  uint64_t refused = 0;          // non-cluster names from sources outside the allowed ranges
  uint64_t formErr = 0;          // unparsable queries answered FORMERR
  uint64_t dropped = 0;          // too short to answer, or a response (QR=1) sent to us
  uint64_t truncated = 0;        // answers sent with TC over UDP
  uint64_t answerCacheHits = 0;  // UDP cluster answers copied from a worker's answer cache
  uint64_t tcpConnections = 0;
  uint64_t tcpRejected = 0;  // connections closed at once: the limit was reached

  // Forwarder side.
  uint64_t cacheHits = 0;
  uint64_t cacheMisses = 0;
  uint64_t coalesced = 0;        // queries that joined an identical one in flight
  uint64_t upstreamQueries = 0;  // attempts sent (UDP, or TCP after TC)
  uint64_t upstreamTcpRetries = 0;
  uint64_t upstreamTimeouts = 0;      // attempts that got no answer in time
  uint64_t upstreamErrors = 0;        // socket errors, SERVFAIL/REFUSED answers that caused failover
  uint64_t forwardFailures = 0;       // queries answered SERVFAIL because no upstream answered
  uint64_t upstreamLatencyCount = 0;  // successful attempts
  uint64_t upstreamLatencySumMicros = 0;
  uint64_t upstreamLatencyMaxMicros = 0;
  std::array<uint64_t, kLatencyBuckets> upstreamLatencyBuckets{};

  uint64_t queries() const { return udpQueries + tcpQueries; }
};

namespace metrics_detail {
inline void bump(std::atomic<uint64_t>& counter, uint64_t by = 1) {
  counter.fetch_add(by, std::memory_order_relaxed);
}
inline uint64_t read(const std::atomic<uint64_t>& counter) { return counter.load(std::memory_order_relaxed); }
}  // namespace metrics_detail

struct alignas(64) ServerCounters {
  std::array<std::atomic<uint64_t>, kTypeSlots> queriesByType{};
  std::array<std::atomic<uint64_t>, 16> responsesByRcode{};
  std::atomic<uint64_t> udpQueries{0};
  std::atomic<uint64_t> tcpQueries{0};
  std::atomic<uint64_t> forwarded{0};
  std::atomic<uint64_t> refused{0};
  std::atomic<uint64_t> formErr{0};
  std::atomic<uint64_t> dropped{0};
  std::atomic<uint64_t> truncated{0};
  std::atomic<uint64_t> answerCacheHits{0};
  std::atomic<uint64_t> tcpConnections{0};
  std::atomic<uint64_t> tcpRejected{0};

  void countQuery(Type type) { metrics_detail::bump(queriesByType[static_cast<size_t>(typeSlot(type))]); }
  void countResponse(Rcode rcode) {
    metrics_detail::bump(responsesByRcode[static_cast<uint8_t>(rcode) & 15]);
  }

  // Adds these counters to `out`.
  void addTo(DnsMetricsSnapshot& out) const {
    using metrics_detail::read;
    for (size_t i = 0; i < kTypeSlots; ++i) out.queriesByType[i] += read(queriesByType[i]);
    for (size_t i = 0; i < 16; ++i) out.responsesByRcode[i] += read(responsesByRcode[i]);
    out.udpQueries += read(udpQueries);
    out.tcpQueries += read(tcpQueries);
    out.forwarded += read(forwarded);
    out.refused += read(refused);
    out.formErr += read(formErr);
    out.dropped += read(dropped);
    out.truncated += read(truncated);
    out.answerCacheHits += read(answerCacheHits);
    out.tcpConnections += read(tcpConnections);
    out.tcpRejected += read(tcpRejected);
  }
};

struct alignas(64) ForwarderCounters {
  std::atomic<uint64_t> cacheHits{0};
  std::atomic<uint64_t> cacheMisses{0};
  std::atomic<uint64_t> coalesced{0};
  std::atomic<uint64_t> upstreamQueries{0};
  std::atomic<uint64_t> upstreamTcpRetries{0};
  std::atomic<uint64_t> upstreamTimeouts{0};
  std::atomic<uint64_t> upstreamErrors{0};
  std::atomic<uint64_t> forwardFailures{0};
  std::atomic<uint64_t> upstreamLatencyCount{0};
  std::atomic<uint64_t> upstreamLatencySumMicros{0};
  std::atomic<uint64_t> upstreamLatencyMaxMicros{0};
  std::array<std::atomic<uint64_t>, kLatencyBuckets> upstreamLatencyBuckets{};

  void recordLatency(uint64_t micros) {
    metrics_detail::bump(upstreamLatencyCount);
    metrics_detail::bump(upstreamLatencySumMicros, micros);
    uint64_t max = upstreamLatencyMaxMicros.load(std::memory_order_relaxed);
    while (micros > max &&
           !upstreamLatencyMaxMicros.compare_exchange_weak(max, micros, std::memory_order_relaxed)) {
    }
    size_t bucket = 0;
    while (bucket < kLatencyBucketsMicros.size() && micros > kLatencyBucketsMicros[bucket]) ++bucket;
    metrics_detail::bump(upstreamLatencyBuckets[bucket]);
  }

  void addTo(DnsMetricsSnapshot& out) const {
    using metrics_detail::read;
    out.cacheHits += read(cacheHits);
    out.cacheMisses += read(cacheMisses);
    out.coalesced += read(coalesced);
    out.upstreamQueries += read(upstreamQueries);
    out.upstreamTcpRetries += read(upstreamTcpRetries);
    out.upstreamTimeouts += read(upstreamTimeouts);
    out.upstreamErrors += read(upstreamErrors);
    out.forwardFailures += read(forwardFailures);
    out.upstreamLatencyCount += read(upstreamLatencyCount);
    out.upstreamLatencySumMicros += read(upstreamLatencySumMicros);
    const uint64_t max = read(upstreamLatencyMaxMicros);
    if (max > out.upstreamLatencyMaxMicros) out.upstreamLatencyMaxMicros = max;
    for (size_t i = 0; i < kLatencyBuckets; ++i)
      out.upstreamLatencyBuckets[i] += read(upstreamLatencyBuckets[i]);
  }
};

}  // namespace edgeway::dns
