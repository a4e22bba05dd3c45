#pragma once
// The Service shapes the golden dumps and the tracer tests share. Endpoints on node-a are
// local; node-b is another node. Pod addresses are in 10.42.0.0/16 and fd42::/56.

#include "netstack_test_util.h"

namespace edgeway::netstack::testing {

inline std::shared_ptr<const cache::Snapshot> clusterIpScenario() {
  return SnapshotMaker()
      .add(ServiceBuilder("shop", "web", {"10.43.0.10"}).port("http", 80).build())
      .add(
          slice("shop", "web-1", "web", {{"10.42.0.11"}, {"10.42.1.12", "node-b"}, {"10.42.1.13", "node-b"}}))
      .add(ServiceBuilder("shop", "empty", {"10.43.0.20"}).port("http", 80).build())
      .add(ServiceBuilder("shop", "draining", {"10.43.0.30"}).port("http", 80).build())
      .add(slice("shop", "draining-1", "draining",
                 {terminating("10.42.0.31"), {"10.42.1.32", "node-b", false, false, true}}))
      .add(ServiceBuilder("shop", "rolling", {"10.43.0.40"}).port("http", 80).build())
      .add(slice("shop", "rolling-1", "rolling", {{"10.42.0.41"}, terminating("10.42.0.42")}))
      .build();
}

inline std::shared_ptr<const cache::Snapshot> nodePortScenario() {
  return SnapshotMaker()
      .add(ServiceBuilder("shop", "web", {"10.43.0.10"})
               .type("NodePort")
               .port("http", 80, "TCP", 30080)
               .build())
      .add(slice("shop", "web-1", "web", {{"10.42.0.11"}, {"10.42.1.12", "node-b"}}))
      .add(ServiceBuilder("shop", "empty", {"10.43.0.20"})
               .type("NodePort")
               .port("http", 80, "TCP", 30020)
               .build())
      .build();
}

inline std::shared_ptr<const cache::Snapshot> loadBalancerScenario() {
  return SnapshotMaker()
      .add(ServiceBuilder("shop", "web", {"10.43.0.10"})
               .type("LoadBalancer")
               .port("http", 80, "TCP", 30080)
               .loadBalancerIps({"192.168.77.200"})
               .sourceRanges({"192.168.50.0/24", "10.9.0.0/16"})
               .build())
      .add(slice("shop", "web-1", "web", {{"10.42.0.11"}, {"10.42.1.12", "node-b"}}))
      .add(ServiceBuilder("shop", "local", {"10.43.0.50"})
               .type("LoadBalancer")
               .port("http", 80, "TCP", 30050)
               .loadBalancerIps({"192.168.77.202"})
               .externalLocal()
               .build())
      .add(slice("shop", "local-1", "local", {{"10.42.0.51"}, {"10.42.1.52", "node-b"}}))
      .add(ServiceBuilder("shop", "remote", {"10.43.0.60"})
               .type("LoadBalancer")
               .port("http", 80, "TCP", 30060)
               .loadBalancerIps({"192.168.77.203"})
               .externalLocal()
               .build())
      .add(slice("shop", "remote-1", "remote", {{"10.42.1.61", "node-b"}}))
      .add(
          ServiceBuilder("shop", "ext", {"10.43.0.70"}).port("http", 80).externalIps({"203.0.113.7"}).build())
      .add(slice("shop", "ext-1", "ext", {{"10.42.1.71", "node-b"}}))
      .build();
}

inline std::shared_ptr<const cache::Snapshot> affinityScenario() {
  return SnapshotMaker()
      .add(ServiceBuilder("shop", "sticky", {"10.43.0.10"})
               .type("NodePort")
               .port("http", 80, "TCP", 30080)
               .affinity(10800)
               .build())
      .add(slice("shop", "sticky-1", "sticky",
                 {{"10.42.0.11"}, {"10.42.1.12", "node-b"}, {"10.42.1.13", "node-b"}}))
      .add(ServiceBuilder("shop", "brief", {"10.43.0.20"}).port("http", 80).affinity(60).build())
      .add(slice("shop", "brief-1", "brief", {{"10.42.0.21"}, {"10.42.1.22", "node-b"}}))
      .build();
}

inline std::shared_ptr<const cache::Snapshot> internalLocalScenario() {
  return SnapshotMaker()
      .add(ServiceBuilder("shop", "near", {"10.43.0.10"}).port("http", 80).internalLocal().build())
      .add(slice("shop", "near-1", "near", {{"10.42.0.11"}, {"10.42.1.12", "node-b"}}))
      .add(ServiceBuilder("shop", "far", {"10.43.0.20"}).port("http", 80).internalLocal().build())
      .add(slice("shop", "far-1", "far", {{"10.42.1.21", "node-b"}}))
      .build();
}

inline std::shared_ptr<const cache::Snapshot> protocolsScenario() {
  return SnapshotMaker()
      .add(ServiceBuilder("kube-system", "dns", {"10.43.0.10"})
               .port("dns", 53, "UDP")
               .port("dns-tcp", 53, "TCP")
               .build())
      .add(slice("kube-system", "dns-1", "dns", {{"10.42.0.11"}, {"10.42.1.12", "node-b"}},
                 {{"dns", 5353, "UDP"}, {"dns-tcp", 5353, "TCP"}}))
      .add(ServiceBuilder("telco", "sig", {"10.43.0.20"}).port("sctp", 3868, "SCTP").build())
      .add(slice("telco", "sig-1", "sig", {{"10.42.1.21", "node-b"}}, {{"sctp", 3868, "SCTP"}}))
      .build();
}

inline std::shared_ptr<const cache::Snapshot> dualStackScenario() {
  return SnapshotMaker()
      .add(ServiceBuilder("shop", "web", {"10.43.0.10", "fd00:43::10"})
               .type("NodePort")
               .port("http", 80, "TCP", 30080)
               .build())
      .add(slice("shop", "web-v4", "web", {{"10.42.0.11"}, {"10.42.1.12", "node-b"}}))
      .add(slice("shop", "web-v6", "web", {{"fd42::11"}, {"fd42:0:0:1::12", "node-b"}}))
      .add(ServiceBuilder("shop", "v6only", {"fd00:43::20"}).port("http", 80).build())
      .build();
}

}  // namespace edgeway::netstack::testing
