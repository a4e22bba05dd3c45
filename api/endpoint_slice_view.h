#pragma once
// A read-only, typed view of a discovery.k8s.io/v1 EndpointSlice. Conditions are resolved
// the way kube-proxy reads them: an unset `ready` or `serving` counts as true, an unset
// `terminating` as false. FQDN slices (deprecated, and ignored by every data plane) are
// rejected as unsupported rather than half-read.

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/protocol.h"
#include "base/ip.h"
#include "base/status.h"

namespace edgeway::api {

// An endpoint's targetRef (normally a Pod).
struct ObjectReference {
  std::string kind;
  std::string ns;
  std::string name;
};

struct Endpoint {
  std::vector<IpAddress> addresses;  // all of the slice's address family
  bool ready = true;
  bool serving = true;
  bool terminating = false;
  std::string hostname;
  std::string nodeName;
  std::string zone;
  std::optional<ObjectReference> targetRef;
  std::vector<std::string> hintZones;  // hints.forZones[].name (topology-aware routing)
};

struct EndpointPort {
  std::string name;
  Protocol protocol = Protocol::kTCP;
  int port = 0;  // 0: unset, which the API defines as "all ports"
  std::string appProtocol;
};

struct EndpointSliceView {
  std::string ns;
  std::string name;
  std::string serviceName;  // label kubernetes.io/service-name; empty when unlabelled
  IpFamily addressType = IpFamily::kIPv4;
  std::vector<Endpoint> endpoints;
  std::vector<EndpointPort> ports;

  static Result<EndpointSliceView> parse(std::string_view json);
  static Result<EndpointSliceView> fromJson(const nlohmann::json& object);
};

}  // namespace edgeway::api
