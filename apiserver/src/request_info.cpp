#include "apiserver/src/request_info.h"

#include <vector>

#include "http/query.h"

namespace edgeway::apiserver {
namespace {

std::vector<std::string> splitPath(std::string_view path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t start = i;
    while (i < path.size() && path[i] != '/') ++i;
    if (i > start) parts.push_back(http::percentDecode(path.substr(start, i - start)));
  }
  return parts;
}

}  // namespace

std::optional<RequestInfo> parseRequestInfo(std::string_view method, std::string_view path, bool watchParam) {
  std::vector<std::string> parts = splitPath(path);
  RequestInfo info;
  size_t i = 0;
  if (parts.size() >= 2 && parts[0] == "api") {
    info.version = parts[1];
    i = 2;
  } else if (parts.size() >= 3 && parts[0] == "apis") {
    info.group = parts[1];
    info.version = parts[2];
    i = 3;
  } else {
    return std::nullopt;
  }
  if (i < parts.size() && parts[i] == "watch") {
    info.legacyWatchPrefix = true;
    ++i;
  }
  std::vector<std::string> rest(parts.begin() + static_cast<long>(i), parts.end());
  if (rest.empty()) return std::nullopt;  // group-version discovery

  // "namespaces/{ns}/..." scopes the request; "namespaces/{ns}" alone (or followed by one
  // of the Namespace's own subresources) names the Namespace object.
  size_t r = 0;
  if (rest[0] == "namespaces" && rest.size() >= 2) {
    info.ns = rest[1];
    if (rest.size() >= 3 && rest[2] != "status" && rest[2] != "finalize") r = 2;
  }
  size_t n = rest.size() - r;
  if (n > 3) return std::nullopt;
  info.resource = rest[r];
  if (n >= 2) info.name = rest[r + 1];
  if (n >= 3) info.subresource = rest[r + 2];
  // The namespace object itself is cluster-scoped: its name is in the path, not a scope.
  if (r == 0 && info.resource == "namespaces") info.ns.clear();

  bool watch = watchParam || info.legacyWatchPrefix;
  if (method == "GET" || method == "HEAD") {
    info.verb = info.name.empty() ? (watch ? "watch" : "list") : (watch ? "watch" : "get");
  } else if (method == "POST") {
    info.verb = "create";
  } else if (method == "PUT") {
    info.verb = "update";
  } else if (method == "PATCH") {
    info.verb = "patch";
  } else if (method == "DELETE") {
    info.verb = info.name.empty() ? "deletecollection" : "delete";
  }
  return info;
}

}  // namespace edgeway::apiserver
