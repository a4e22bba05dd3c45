#pragma once
// Test helper: everything a ClusterZone answers, as sorted text -- records (with the
// additional records of SRV names), empty non-terminals, PTRs and the record count -- so
// that two zones can be compared whole. The SOA serial (the revision) is left out: a zone
// kept for a snapshot that changed no answer keeps its own.

#include <algorithm>
#include <string>
#include <vector>

#include "dns/cluster_zone.h"
#include "dns/message.h"
#include "dns/src/zone_index.h"

namespace edgeway::dns::testing {

inline std::vector<std::string> zoneDump(const ClusterZone& zone) {
  const zone_detail::Index& x = zone.index();
  std::vector<std::string> out;
  out.push_back("synced " + std::to_string(x.synced) + ", records " + std::to_string(x.recordCount));
  x.names.forEach([&](const zone_detail::NameEntry& e) {
    if (e.node.sets.empty()) out.push_back(e.name + " exists");
    for (const auto& set : e.node.sets) {
      for (const auto& data : set.data)
        out.push_back(recordText(Record{e.name, set.type, kClassIn, x.ttl, data}));
    }
    for (const auto& r : e.node.additional) out.push_back(e.name + " additional " + recordText(r));
  });
  x.reverse.forEach([&](const zone_detail::ReverseEntry& e) {
    for (const auto& data : e.ptr)
      out.push_back(recordText(Record{e.name, Type::kPTR, kClassIn, x.ttl, data}));
  });
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace edgeway::dns::testing
