#pragma once
// edgeway's built-in roles, granted to groups that client certificates (O=) and token file
// entries carry:
//   system:masters        everything
//   edgeway:view          get/list/watch every served resource except Secrets
//   edgeway:agent         what a node agent needs: read Services, EndpointSlices, Endpoints,
//                         Ingresses, IngressClasses, Secrets, Nodes, Pods, Namespaces; update
//                         Nodes and the status of Nodes, Services and Ingresses; record Events
//   system:authenticated  discovery, OpenAPI, /version, and its own access reviews
//   everyone              /healthz, /livez, /readyz, /version (anonymous callers included)

#include <string>
#include <vector>

#include "apiserver/auth/authorizer.h"

namespace edgeway::apiserver::auth {

inline constexpr const char* kViewGroup = "edgeway:view";
inline constexpr const char* kAgentGroup = "edgeway:agent";

// A resource the API server serves, as the view role enumerates them (RBAC rules cannot
// say "everything but Secrets").
struct ServedResource {
  std::string group;  // "" for core
  std::string resource;
  bool hasStatus = false;
};

std::vector<Grant> standardGrants(const std::vector<ServedResource>& served);

}  // namespace edgeway::apiserver::auth
