#pragma once
// The lookup structure behind a ClusterZone: every owner name of the zone, lower-cased and
// without the trailing dot, mapped to the records it holds, precomputed by
// ClusterZone::build() so that resolve() only copies them into a Message. Private to the
// dns module.

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "dns/message.h"

namespace edgeway::dns::zone_detail {

// The records of one type at one name (an RRset), without owner name, class or TTL, which
// are the same for the whole zone.
struct RecordSet {
  Type type = Type::kA;
  std::vector<Rdata> data;
};

// A name of the zone. A node with no sets is an empty non-terminal (`svc.<zone>`,
// `<ns>.svc.<zone>`, `_tcp.<svc>.<ns>.svc.<zone>`): it exists, so it is answered NODATA,
// not NXDOMAIN.
struct Node {
  std::vector<RecordSet> sets;
  // Answered in the additional section with this node's SRV set: the A/AAAA records of
  // its targets, complete with owner names.
  std::vector<Record> additional;

  const RecordSet* find(Type type) const {
    for (const auto& set : sets)
      if (set.type == type) return &set;
    return nullptr;
  }
  RecordSet& get(Type type) {
    for (auto& set : sets)
      if (set.type == type) return set;
    sets.push_back(RecordSet{type, {}});
    return sets.back();
  }
};

struct Index {
  std::string domain;     // lower-case, no trailing dot
  std::string dotDomain;  // "." + domain: the suffix of every name below the apex
  uint32_t ttl = 5;
  bool podRecords = false;
  bool synced = false;
  int64_t revision = 0;
  size_t recordCount = 0;

  Record soa;  // the apex SOA, sent in the authority section of negative answers

  std::unordered_map<std::string, Node> names;
  // PTR targets by reverse name ("10.0.43.10.in-addr.arpa", "<32 nibbles>.ip6.arpa").
  // Kept apart from `names`: the reverse zones are not ours, only these names are.
  std::unordered_map<std::string, std::vector<Rdata>> reverse;
};

}  // namespace edgeway::dns::zone_detail
