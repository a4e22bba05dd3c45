#pragma once
// A read-only, typed view of a core/v1 Pod: what endpoint building and DNS need (labels,
// addresses, readiness, hostname/subdomain, container ports), nothing of the workload.

#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "api/protocol.h"
#include "base/ip.h"
#include "base/status.h"

namespace edgeway::api {

struct ContainerPort {
  std::string name;
  int containerPort = 0;
  Protocol protocol = Protocol::kTCP;
};

struct PodView {
  std::string ns;
  std::string name;
  std::string uid;  // metadata.uid: endpoints' targetRef names the Pod by it
  std::map<std::string, std::string> labels;
  std::vector<IpAddress> podIps;  // status.podIPs, else status.podIP; primary first
  std::string nodeName;
  std::string hostname;
  std::string subdomain;
  std::string phase;      // "Pending", "Running", "Succeeded", "Failed", "Unknown"
  bool ready = false;     // condition Ready is "True"
  bool deleting = false;  // metadata.deletionTimestamp is set
  // Ports of spec.containers and of restartable (sidecar) init containers, the ones a
  // Service's named targetPort can resolve to.
  std::vector<ContainerPort> containerPorts;

  static Result<PodView> parse(std::string_view json);
  static Result<PodView> fromJson(const nlohmann::json& object);
};

}  // namespace edgeway::api
