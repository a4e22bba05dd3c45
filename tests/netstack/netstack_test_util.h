#pragma once
// Shared by the netstack tests: Services and EndpointSlices written as small builders
// over their stored JSON (parsed by the real api views), and the test node.

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cache/snapshot.h"
#include "cache/snapshot_builder.h"
#include "netstack/rule_model.h"

namespace edgeway::netstack::testing {

inline IpAddress ip(const char* text) { return *IpAddress::parse(text); }

// node-a: 192.168.77.1 and fd00:77::1 (plus loopback, which NodePorts ignore); Services in
// 10.43.0.0/16 and fd00:43::/112.
inline NodeInfo testNode() {
  NodeInfo n;
  n.name = "node-a";
  n.addresses = {ip("192.168.77.1"), ip("fd00:77::1"), ip("127.0.0.1")};
  n.clusterCidrs = {*Cidr::parse("10.42.0.0/16"), *Cidr::parse("fd42::/56")};
  n.serviceCidrs = {*Cidr::parse("10.43.0.0/16"), *Cidr::parse("fd00:43::/112")};
  return n;
}

class ServiceBuilder {
 public:
  ServiceBuilder(const std::string& ns, const std::string& name, const std::vector<std::string>& clusterIps) {
    j_ = {
        {"kind", "Service"},
        {"apiVersion", "v1"},
        {"metadata", {{"name", name}, {"namespace", ns}}},
        {"spec",
         {{"clusterIPs", clusterIps}, {"clusterIP", clusterIps.at(0)}, {"ports", nlohmann::json::array()}}}};
  }
  ServiceBuilder& port(const std::string& name, int port, const std::string& protocol = "TCP",
                       int nodePort = 0) {
    nlohmann::json p = {{"name", name}, {"port", port}, {"protocol", protocol}, {"targetPort", 8080}};
    if (nodePort) p["nodePort"] = nodePort;
    j_["spec"]["ports"].push_back(p);
    return *this;
  }
  ServiceBuilder& type(const std::string& t) {
    j_["spec"]["type"] = t;
    return *this;
  }
  ServiceBuilder& externalIps(const std::vector<std::string>& ips) {
    j_["spec"]["externalIPs"] = ips;
    return *this;
  }
  ServiceBuilder& loadBalancerIps(const std::vector<std::string>& ips) {
    for (const auto& a : ips) j_["status"]["loadBalancer"]["ingress"].push_back({{"ip", a}});
    return *this;
  }
  // ipMode Proxy on every ingress entry so far.
  ServiceBuilder& ipModeProxy() {
    for (auto& ing : j_["status"]["loadBalancer"]["ingress"]) ing["ipMode"] = "Proxy";
    return *this;
  }
  ServiceBuilder& sourceRanges(const std::vector<std::string>& ranges) {
    j_["spec"]["loadBalancerSourceRanges"] = ranges;
    return *this;
  }
  ServiceBuilder& affinity(int timeoutSeconds) {
    j_["spec"]["sessionAffinity"] = "ClientIP";
    j_["spec"]["sessionAffinityConfig"] = {{"clientIP", {{"timeoutSeconds", timeoutSeconds}}}};
    return *this;
  }
  ServiceBuilder& externalLocal() {
    j_["spec"]["externalTrafficPolicy"] = "Local";
    return *this;
  }
  ServiceBuilder& internalLocal() {
    j_["spec"]["internalTrafficPolicy"] = "Local";
    return *this;
  }
  cache::ServicePtr build() const {
    auto parsed = api::ServiceView::parse(j_.dump());
    EXPECT_TRUE(parsed.isOk()) << parsed.status().message() << "\n" << j_.dump();
    return std::make_shared<const api::ServiceView>(std::move(*parsed));
  }

 private:
  nlohmann::json j_;
};

struct Ep {
  std::string ip;
  std::string node = "node-a";
  bool ready = true;
  bool serving = true;
  bool terminating = false;
};

inline Ep terminating(const std::string& ip, const std::string& node = "node-a") {
  return Ep{ip, node, false, true, true};
}

struct SlicePort {
  std::string name;
  int port;
  std::string protocol = "TCP";
};

inline cache::EndpointSlicePtr slice(const std::string& ns, const std::string& name,
                                     const std::string& service, const std::vector<Ep>& endpoints,
                                     const std::vector<SlicePort>& ports = {{"http", 8080}}) {
  bool v6 = !endpoints.empty() && endpoints[0].ip.find(':') != std::string::npos;
  nlohmann::json eps = nlohmann::json::array();
  for (const auto& e : endpoints)
    eps.push_back(
        {{"addresses", {e.ip}},
         {"nodeName", e.node},
         {"conditions", {{"ready", e.ready}, {"serving", e.serving}, {"terminating", e.terminating}}}});
  nlohmann::json ps = nlohmann::json::array();
  for (const auto& p : ports) ps.push_back({{"name", p.name}, {"port", p.port}, {"protocol", p.protocol}});
  nlohmann::json j = {
      {"kind", "EndpointSlice"},
      {"apiVersion", "discovery.k8s.io/v1"},
      {"metadata",
       {{"name", name}, {"namespace", ns}, {"labels", {{"kubernetes.io/service-name", service}}}}},
      {"addressType", v6 ? "IPv6" : "IPv4"},
      {"endpoints", eps},
      {"ports", ps}};
  auto parsed = api::EndpointSliceView::parse(j.dump());
  EXPECT_TRUE(parsed.isOk()) << parsed.status().message();
  return std::make_shared<const api::EndpointSliceView>(std::move(*parsed));
}

// A synced snapshot holding exactly these objects.
class SnapshotMaker {
 public:
  SnapshotMaker& add(cache::ServicePtr s) {
    b_.put(std::move(s));
    return *this;
  }
  SnapshotMaker& add(cache::EndpointSlicePtr s) {
    b_.put(std::move(s));
    return *this;
  }
  std::shared_ptr<const cache::Snapshot> build() { return b_.build(1, true); }

 private:
  cache::SnapshotBuilder b_{cache::Snapshot()};
};

}  // namespace edgeway::netstack::testing
