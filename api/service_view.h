#pragma once
// A read-only, typed view of a core/v1 Service: what the data planes (proxy, DNS,
// ingress) need, parsed once when the object changes. Defaults Kubernetes applies on
// create are applied here too (type ClusterIP, protocol TCP, targetPort = port, affinity
// timeout 10800s, traffic policies Cluster), so a view of an object from any API server
// reads the same.

#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/protocol.h"
#include "base/ip.h"
#include "base/status.h"

namespace edgeway::api {

enum class ServiceType { kClusterIP, kNodePort, kLoadBalancer, kExternalName };
enum class TrafficPolicy { kCluster, kLocal };
enum class SessionAffinity { kNone, kClientIP };

// spec.ports[].targetPort: a number, or the name of a container port.
struct TargetPort {
  int number = 0;    // set when name is empty
  std::string name;  // a named port, resolved against each Pod's container ports

  bool isNamed() const { return !name.empty(); }
};

struct ServicePort {
  std::string name;
  Protocol protocol = Protocol::kTCP;
  int port = 0;
  TargetPort targetPort;  // defaults to `port`
  int nodePort = 0;       // 0: none
  std::string appProtocol;
};

// One entry of status.loadBalancer.ingress.
struct LoadBalancerIngress {
  std::optional<IpAddress> ip;
  std::string hostname;
  // ipMode "Proxy": traffic reaches nodes with the load balancer's address as the
  // destination rewritten, so the proxy must not short-circuit it locally. Absent is "VIP".
  bool ipModeProxy = false;
};

// One of status.conditions (lastTransitionTime and observedGeneration are not kept).
struct ServiceCondition {
  std::string type;
  std::string status;  // "True", "False", "Unknown"
  std::string reason;
  std::string message;
};

struct ServiceView {
  std::string ns;
  std::string name;
  std::string uid;  // metadata.uid: Events name the Service by it (kubectl describe asks so)
  ServiceType type = ServiceType::kClusterIP;
  std::vector<IpAddress> clusterIps;  // primary first; empty when headless or ExternalName
  bool headless = false;              // clusterIP "None"
  std::vector<IpFamily> ipFamilies;   // as stored, else derived from clusterIps
  std::vector<ServicePort> ports;
  std::map<std::string, std::string> selector;  // empty: no selector
  std::string externalName;
  std::vector<IpAddress> externalIps;
  std::vector<LoadBalancerIngress> loadBalancerIngress;
  std::vector<ServiceCondition> conditions;  // status.conditions
  std::vector<Cidr> loadBalancerSourceRanges;
  SessionAffinity sessionAffinity = SessionAffinity::kNone;
  int sessionAffinityTimeoutSeconds = 0;  // 10800 by default when ClientIP
  TrafficPolicy externalTrafficPolicy = TrafficPolicy::kCluster;
  TrafficPolicy internalTrafficPolicy = TrafficPolicy::kCluster;
  int healthCheckNodePort = 0;
  bool publishNotReadyAddresses = false;
  std::string trafficDistribution;  // e.g. "PreferClose"; empty when unset
  // What the LoadBalancer IPAM reads. Kept as stored text: a bad requested address is the
  // controller's to report on the Service, not a reason to drop the Service from the cache.
  std::string loadBalancerClass;  // empty: the default implementation (ours)
  std::string loadBalancerIp;     // spec.loadBalancerIP (deprecated upstream, still honoured)
  std::string requestedLoadBalancerIps;  // annotation edgeway.io/load-balancer-ips, comma list

  // kInvalidArgument naming the field when the object cannot be read (wrong types,
  // addresses that do not parse, ports out of range, unknown enum values).
  static Result<ServiceView> parse(std::string_view json);
  static Result<ServiceView> fromJson(const nlohmann::json& object);
};

const char* serviceTypeName(ServiceType type);

}  // namespace edgeway::api
