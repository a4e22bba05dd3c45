#include "apiserver/controllers/endpoint_group.h"

#include <algorithm>
#include <set>

#include "base/ip.h"
#include "base/log.h"

namespace edgeway::apiserver::controllers {
namespace {

using nlohmann::json;

// The port a Service port reaches on `pod`; 0 when a named targetPort names no container
// port of the same protocol.
int resolveTargetPort(const api::ServicePort& port, const api::PodView& pod) {
  if (!port.targetPort.isNamed()) return port.targetPort.number;
  for (const auto& c : pod.containerPorts) {
    if (c.name == port.targetPort.name && c.protocol == port.protocol) return c.containerPort;
  }
  return 0;
}

// The Service's ports as `pod` serves them, in Service order, every field explicit so
// that the JSON equals what the API server stores after defaulting.
json resolvedPorts(const api::ServiceView& service, const api::PodView& pod) {
  json ports = json::array();
  for (const auto& p : service.ports) {
    int number = resolveTargetPort(p, pod);
    if (number == 0) continue;
    json port = {{"name", p.name}, {"port", number}, {"protocol", api::protocolName(p.protocol)}};
    if (!p.appProtocol.empty()) port["appProtocol"] = p.appProtocol;
    ports.push_back(std::move(port));
  }
  return ports;
}

// Pods that finished will not serve again (restartPolicy Never/OnFailure).
bool finished(const api::PodView& pod) { return pod.phase == "Succeeded" || pod.phase == "Failed"; }

bool hostnameApplies(const api::ServiceView& service, const api::PodView& pod) {
  return !pod.hostname.empty() && pod.subdomain == service.name && pod.ns == service.ns;
}

json targetRef(const api::PodView& pod) {
  json ref = {{"kind", "Pod"}, {"namespace", pod.ns}, {"name", pod.name}};
  if (!pod.uid.empty()) ref["uid"] = pod.uid;
  return ref;
}

const IpAddress* addressOfFamily(const api::PodView& pod, IpFamily family) {
  for (const auto& ip : pod.podIps) {
    if (ip.family() == family) return &ip;
  }
  return nullptr;
}

std::vector<IpFamily> familiesOf(const api::ServiceView& service) {
  if (!service.ipFamilies.empty()) return service.ipFamilies;
  return {IpFamily::kIPv4};
}

std::string groupKey(const std::string& addressType, const json& ports) { return addressType + ports.dump(); }

using Groups = std::map<std::string, EndpointGroup>;

// Files `endpoint` under its address type and resolved port set.
void addToGroup(Groups& groups, const std::string& addressType, const json& ports, json endpoint) {
  EndpointGroup& group = groups[groupKey(addressType, ports)];
  group.addressType = addressType;
  group.ports = ports;
  // The key first: json's assignment takes its operand by value, which C++17 builds
  // (moving `endpoint` out) before evaluating the left side.
  std::string key = endpointKey(endpoint);
  group.endpoints[key] = std::move(endpoint);
}

std::vector<EndpointGroup> flatten(Groups&& groups) {
  std::vector<EndpointGroup> out;
  for (auto& [key, group] : groups) out.push_back(std::move(group));
  return out;
}

}  // namespace

std::string endpointKey(const json& endpoint) {
  auto ref = endpoint.find("targetRef");
  if (ref != endpoint.end() && ref->is_object()) {
    auto name = ref->find("name");
    if (name != ref->end() && name->is_string()) return "pod/" + name->get<std::string>();
  }
  auto addresses = endpoint.find("addresses");
  if (addresses != endpoint.end() && addresses->is_array() && !addresses->empty() &&
      (*addresses)[0].is_string()) {
    return "ip/" + (*addresses)[0].get<std::string>();
  }
  return {};
}

bool selectorMatches(const std::map<std::string, std::string>& selector,
                     const std::map<std::string, std::string>& labels) {
  if (selector.empty()) return false;
  for (const auto& [key, value] : selector) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  return true;
}

std::vector<EndpointGroup> groupsForService(const api::ServiceView& service,
                                            const std::vector<const api::PodView*>& pods) {
  Groups groups;
  for (const api::PodView* pod : pods) {
    if (pod->podIps.empty() || finished(*pod)) continue;
    json ports = resolvedPorts(service, *pod);
    // With ports to map, a Pod that resolves none of them serves nothing for the Service.
    if (!service.ports.empty() && ports.empty()) continue;
    bool terminating = pod->deleting;
    bool serving = pod->ready;
    bool ready = service.publishNotReadyAddresses || (serving && !terminating);
    for (IpFamily family : familiesOf(service)) {
      const IpAddress* ip = addressOfFamily(*pod, family);
      if (ip == nullptr) continue;
      json endpoint = {{"addresses", json::array({ip->toString()})},
                       {"conditions", {{"ready", ready}, {"serving", serving}, {"terminating", terminating}}},
                       {"targetRef", targetRef(*pod)}};
      if (!pod->nodeName.empty()) endpoint["nodeName"] = pod->nodeName;
      if (hostnameApplies(service, *pod)) endpoint["hostname"] = pod->hostname;
      addToGroup(groups, ipFamilyName(family), ports, std::move(endpoint));
    }
  }
  return flatten(std::move(groups));
}

json endpointsSubsetsForService(const api::ServiceView& service,
                                const std::vector<const api::PodView*>& pods) {
  struct Subset {
    json ports;
    std::vector<json> ready, notReady;
  };
  std::map<std::string, Subset> byPorts;
  IpFamily family = familiesOf(service).front();
  for (const api::PodView* pod : pods) {
    if (finished(*pod)) continue;
    // Terminating Pods leave Endpoints unless the Service publishes every address.
    if (pod->deleting && !service.publishNotReadyAddresses) continue;
    const IpAddress* ip = addressOfFamily(*pod, family);
    if (ip == nullptr) continue;
    json ports = json::array();
    for (const auto& p : service.ports) {
      int number = resolveTargetPort(p, *pod);
      if (number == 0) continue;
      json port = {{"port", number}, {"protocol", api::protocolName(p.protocol)}};
      if (!p.name.empty()) port["name"] = p.name;
      if (!p.appProtocol.empty()) port["appProtocol"] = p.appProtocol;
      ports.push_back(std::move(port));
    }
    if (!service.ports.empty() && ports.empty()) continue;
    json address = {{"ip", ip->toString()}, {"targetRef", targetRef(*pod)}};
    if (!pod->nodeName.empty()) address["nodeName"] = pod->nodeName;
    if (hostnameApplies(service, *pod)) address["hostname"] = pod->hostname;
    std::sort(ports.begin(), ports.end(), [](const json& a, const json& b) { return a.dump() < b.dump(); });
    Subset& subset = byPorts[ports.dump()];
    subset.ports = ports;
    bool ready = service.publishNotReadyAddresses || pod->ready;
    (ready ? subset.ready : subset.notReady).push_back(std::move(address));
  }
  auto byIp = [](const json& a, const json& b) { return a.dump() < b.dump(); };
  json subsets = json::array();
  for (auto& [key, s] : byPorts) {
    std::sort(s.ready.begin(), s.ready.end(), byIp);
    std::sort(s.notReady.begin(), s.notReady.end(), byIp);
    json subset = json::object();
    if (!s.ready.empty()) subset["addresses"] = s.ready;
    if (!s.notReady.empty()) subset["notReadyAddresses"] = s.notReady;
    if (!s.ports.empty()) subset["ports"] = s.ports;
    subsets.push_back(std::move(subset));
  }
  return subsets;
}

bool truncateEndpointSubsets(json& subsets, size_t max) {
  auto count = [](const json& subset, const char* field) -> size_t {
    auto it = subset.find(field);
    return it == subset.end() ? 0 : it->size();
  };
  size_t ready = 0, notReady = 0;
  for (const json& subset : subsets) {
    ready += count(subset, "addresses");
    notReady += count(subset, "notReadyAddresses");
  }
  if (ready + notReady <= max) return false;
  const bool cutReady = ready > max;
  const char* field = cutReady ? "addresses" : "notReadyAddresses";
  const size_t room = cutReady ? max : max - ready;  // for the addresses in `field`
  const size_t total = cutReady ? ready : notReady;
  size_t left = room;
  json kept = json::array();
  for (json& subset : subsets) {
    size_t share = (count(subset, field) * room + total - 1) / total;  // rounded up
    share = std::min(share, left);
    if (subset.contains(field)) {
      json& list = subset[field];
      if (list.size() > share) list.erase(list.begin() + static_cast<std::ptrdiff_t>(share), list.end());
      left -= list.size();
      if (list.empty()) subset.erase(field);
    }
    if (cutReady) subset.erase("notReadyAddresses");
    if (subset.contains("addresses") || subset.contains("notReadyAddresses")) kept.push_back(std::move(subset));
  }
  subsets = std::move(kept);
  return true;
}

std::vector<EndpointGroup> groupsFromEndpoints(const json& endpoints) {
  Groups groups;
  auto subsets = endpoints.find("subsets");
  if (subsets == endpoints.end() || !subsets->is_array()) return {};
  for (const json& subset : *subsets) {
    if (!subset.is_object()) continue;
    json ports = json::array();
    if (auto p = subset.find("ports"); p != subset.end() && p->is_array()) {
      for (const json& in : *p) {
        if (!in.is_object() || !in.value("port", json()).is_number_integer()) continue;
        json port = {
            {"name", in.value("name", "")}, {"port", in["port"]}, {"protocol", in.value("protocol", "TCP")}};
        if (in.contains("appProtocol") && in["appProtocol"].is_string())
          port["appProtocol"] = in["appProtocol"];
        ports.push_back(std::move(port));
      }
    }
    for (const char* list : {"addresses", "notReadyAddresses"}) {
      auto addresses = subset.find(list);
      if (addresses == subset.end() || !addresses->is_array()) continue;
      bool ready = std::string(list) == "addresses";
      for (const json& a : *addresses) {
        if (!a.is_object() || !a.value("ip", json()).is_string()) continue;
        auto ip = IpAddress::parse(a["ip"].get<std::string>());
        if (!ip.isOk()) {
          log::warn("endpointslice mirroring: ", endpoints.value("/metadata/name"_json_pointer, ""),
                    ": skipping address: ", ip.status().message());
          continue;
        }
        json endpoint = {{"addresses", json::array({ip.value().toString()})},
                         {"conditions", {{"ready", ready}}}};
        for (const char* field : {"hostname", "nodeName"}) {
          if (a.contains(field) && a[field].is_string() && !a[field].get<std::string>().empty()) {
            endpoint[field] = a[field];
          }
        }
        if (a.contains("targetRef") && a["targetRef"].is_object()) endpoint["targetRef"] = a["targetRef"];
        addToGroup(groups, ipFamilyName(ip.value().family()), ports, std::move(endpoint));
      }
    }
  }
  return flatten(std::move(groups));
}

}  // namespace edgeway::apiserver::controllers
