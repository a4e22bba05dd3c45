#pragma once
// What authorization decides on: kube-apiserver's authorizer.Attributes, computed from a
// request the way its RequestInfoFactory does, so that verbs and names in 403 messages are
// the ones kubectl users know (GET of a collection is "list", ?watch=true on a collection is
// "watch", DELETE of a collection is "deletecollection", a list narrowed to one object by
// fieldSelector=metadata.name=x names that object).
//
// Resource paths are decoded with the router's own parser (parseRequestInfo), so the
// resource that is authorized is always the resource that is then served. Paths the router
// does not read as a resource (discovery, health, OpenAPI, anything unknown) are
// non-resource requests whose verb is the lower-cased HTTP method.

#include <string>
#include <string_view>

namespace edgeway::apiserver::auth {

struct RequestAttributes {
  bool resourceRequest = false;
  std::string verb;  // get, list, watch, create, update, patch, delete, deletecollection; or "get", "post"...
                     // on paths
  // Resource requests.
  std::string apiGroup;  // "" for the core group
  std::string apiVersion;
  std::string ns;  // "" for cluster-scoped requests and requests across all namespaces
  std::string resource;
  std::string subresource;
  std::string name;
  // Non-resource requests: the path without its query.
  std::string path;
};

// `path` is the request path without the query, with trailing slashes removed ("/" stays),
// exactly as the router reads it; `query` is the raw query string.
RequestAttributes requestAttributes(std::string_view method, std::string_view path, std::string_view query);

// The router's reading of a request path: the target's path part without trailing slashes.
std::string normalizedPath(std::string_view rawPath);

// /healthz, /livez, /readyz and /version, and paths below them: answered to anyone, even
// without credentials, so that load balancers and probes need none.
bool isPublicPath(std::string_view path);

}  // namespace edgeway::apiserver::auth
