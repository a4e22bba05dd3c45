// Service rows: NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE [SELECTOR].

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "apiserver/src/json_fields.h"
#include "apiserver/src/tables.h"

namespace edgeway::apiserver::tables {
namespace {

using nlohmann::json;

std::vector<std::string> strings(const json& list) {
  std::vector<std::string> out;
  for (const auto& v : list) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

// Load-balancer ingress points, each its IP or else its hostname, sorted and deduplicated.
// Server-side tables are always "wide", so the list is never clipped.
std::vector<std::string> loadBalancerAddresses(const json& svc) {
  std::set<std::string> out;
  for (const auto& ing : fields::array(svc, {"status", "loadBalancer", "ingress"})) {
    std::string ip = fields::str(ing, {"ip"}), host = fields::str(ing, {"hostname"});
    if (!ip.empty()) {
      out.insert(ip);
    } else if (!host.empty()) {
      out.insert(host);
    }
  }
  return {out.begin(), out.end()};
}

std::string externalIp(const json& svc, const std::string& type) {
  std::vector<std::string> externalIps = strings(fields::array(svc, {"spec", "externalIPs"}));
  if (type == "ClusterIP" || type == "NodePort") {
    return externalIps.empty() ? "<none>" : join(externalIps, ",");
  }
  if (type == "LoadBalancer") {
    std::vector<std::string> all = loadBalancerAddresses(svc);
    if (all.empty() && externalIps.empty()) return "<pending>";
    all.insert(all.end(), externalIps.begin(), externalIps.end());
    return join(all, ",");
  }
  if (type == "ExternalName") return fields::str(svc, {"spec", "externalName"});
  return "<unknown>";
}

std::string ports(const json& svc) {
  std::vector<std::string> out;
  for (const auto& p : fields::array(svc, {"spec", "ports"})) {
    std::string protocol = fields::str(p, {"protocol"});
    if (protocol.empty()) protocol = "TCP";  // the API default
    std::string port = std::to_string(fields::integer(p, {"port"}));
    long long nodePort = fields::integer(p, {"nodePort"});
    if (nodePort > 0) port += ":" + std::to_string(nodePort);
    out.push_back(port + "/" + protocol);
  }
  return out.empty() ? "<none>" : join(out, ",");
}

// labels.FormatLabels: k=v sorted by key, "<none>" when empty.
std::string selector(const json& svc) {
  std::map<std::string, std::string> sorted;
  for (const auto& [k, v] : fields::object(svc, {"spec", "selector"}).items()) {
    sorted[k] = v.is_string() ? v.get<std::string>() : v.dump();
  }
  std::vector<std::string> out;
  for (const auto& [k, v] : sorted) out.push_back(k + "=" + v);
  return out.empty() ? "<none>" : join(out, ",");
}

json cells(const json& svc, std::time_t now) {
  std::string type = fields::str(svc, {"spec", "type"});
  if (type.empty()) type = "ClusterIP";
  // clusterIPs is authoritative; clusterIP is its first element in older clients' objects.
  std::string clusterIp;
  const json& clusterIps = fields::array(svc, {"spec", "clusterIPs"});
  if (!clusterIps.empty() && clusterIps[0].is_string()) {
    clusterIp = clusterIps[0].get<std::string>();
  } else {
    clusterIp = fields::str(svc, {"spec", "clusterIP"});
  }
  if (clusterIp.empty()) clusterIp = "<none>";
  return json::array({fields::str(svc, {"metadata", "name"}), type, clusterIp, externalIp(svc, type),
                      ports(svc), age(svc, now), selector(svc)});
}

}  // namespace

TableConvertor serviceTable() {
  return TableConvertor{
      {nameColumn(),
       column("Type", "How the Service is exposed: ClusterIP, NodePort, LoadBalancer, ExternalName."),
       column("Cluster-IP", "The virtual IP of the Service inside the cluster."),
       column("External-IP", "Addresses the Service is reachable at from outside the cluster."),
       column("Port(s)", "Service ports, with the node port when one is allocated."), ageColumn(),
       column("Selector", "Labels of the Pods the Service routes to.", 1)},
      cells};
}

}  // namespace edgeway::apiserver::tables
