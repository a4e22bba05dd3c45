#pragma once
// What a request path names, decoded the way kube-apiserver's RequestInfoFactory does:
//   /api/v1/namespaces/{ns}/{resource}/{name}/{subresource}
//   /apis/{group}/{version}/{resource}/{name}
//   /api/v1/namespaces/{name}            (the Namespace itself; "status" and "finalize"
//                                          after it are its subresources)
//   /api/v1/watch/...                    (legacy watch prefix)

#include <optional>
#include <string>
#include <string_view>

namespace edgeway::apiserver {

struct RequestInfo {
  std::string group;        // "" for the core group
  std::string version;
  std::string ns;           // namespace from the path; "" when none
  std::string resource;
  std::string name;
  std::string subresource;
  // get, list, watch, create, update, patch, delete, deletecollection; "" for an unknown method.
  std::string verb;
  bool legacyWatchPrefix = false;
};

// Parses a resource path (already split from its query). Returns nullopt when the path is
// not a resource path (e.g. "/api", "/apis/g/v" discovery, or too many segments), which
// the router answers as discovery or 404. `watchParam` is the query's watch=true|1.
std::optional<RequestInfo> parseRequestInfo(std::string_view method, std::string_view path, bool watchParam);

}  // namespace edgeway::apiserver
