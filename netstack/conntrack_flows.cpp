#include "netstack/conntrack_flows.h"

namespace edgeway::netstack {

UdpEndpointIndex udpEndpointIndex(const RuleModel& model) {
  UdpEndpointIndex index;
  for (const auto& table : model.tables) {
    for (const char* name : {"service-endpoints", "cluster-endpoints"}) {
      const NamedSet* set = table.findSet(name);
      if (!set) continue;
      for (const auto& e : set->elements) {
        // key: address . l4proto . port . slot range; data: endpoint address . port
        if (e.key.size() < 3 || e.data.size() != 2) continue;
        if (e.key[0].kind != Value::Kind::kAddr || e.key[1].kind != Value::Kind::kProto ||
            e.key[2].kind != Value::Kind::kPort || e.data[0].kind != Value::Kind::kAddr ||
            e.data[1].kind != Value::Kind::kPort)
          continue;
        if (e.key[1].proto != api::Protocol::kUDP) continue;
        index[{e.key[0].addr, static_cast<uint16_t>(e.key[2].low)}].insert(
            {e.data[0].addr, static_cast<uint16_t>(e.data[1].low)});
      }
    }
  }
  return index;
}

std::vector<StaleUdpFlows> staleUdpFlows(const UdpEndpointIndex& before, const UdpEndpointIndex& after) {
  std::map<UdpEntry, std::pair<bool, std::vector<UdpEndpoint>>> out;  // entry -> (all flows, endpoints)
  for (const auto& [entry, endpoints] : before) {
    auto now = after.find(entry);
    for (const auto& ep : endpoints)
      if (now == after.end() || !now->second.count(ep)) out[entry].second.push_back(ep);
  }
  for (const auto& [entry, endpoints] : after) {
    auto was = before.find(entry);
    if (!endpoints.empty() && (was == before.end() || was->second.empty())) out[entry].first = true;
  }
  std::vector<StaleUdpFlows> flows;
  for (const auto& [entry, what] : out) {
    if (what.first) flows.push_back(StaleUdpFlows{entry.first, entry.second, std::nullopt});
    for (const auto& ep : what.second) flows.push_back(StaleUdpFlows{entry.first, entry.second, ep});
  }
  return flows;
}

}  // namespace edgeway::netstack
