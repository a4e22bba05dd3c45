#include "apiserver/auth/request_attributes.h"

#include <cctype>

#include "api/selector.h"
#include "apiserver/src/request_info.h"
#include "http/query.h"

namespace edgeway::apiserver::auth {
namespace {

constexpr std::string_view kPublicRoots[] = {"/healthz", "/livez", "/readyz", "/version"};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// kube names a list or watch after the object a `metadata.name=x` field selector pins it to.
std::string nameFromFieldSelector(const std::vector<std::pair<std::string, std::string>>& query) {
  for (const auto& [key, value] : query) {
    if (key != "fieldSelector") continue;
    auto selector = api::FieldSelector::parse(value);
    if (!selector.isOk()) return {};
    for (const auto& term : selector->terms()) {
      bool validSegment = !term.value.empty() && term.value != "." && term.value != ".." &&
                          term.value.find_first_of("/%") == std::string::npos;
      if (term.field == "metadata.name" && !term.negated && validSegment) return term.value;
    }
    return {};
  }
  return {};
}

}  // namespace

std::string normalizedPath(std::string_view rawPath) {
  std::string path(rawPath);
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

bool isPublicPath(std::string_view path) {
  for (std::string_view root : kPublicRoots) {
    if (path.substr(0, root.size()) != root) continue;
    if (path.size() == root.size() || path[root.size()] == '/') return true;
  }
  return false;
}

RequestAttributes requestAttributes(std::string_view method, std::string_view path, std::string_view query) {
  RequestAttributes attrs;
  auto params = http::parseQuery(query);
  bool watch = false;
  for (const auto& [key, value] : params) {
    if (key == "watch") {
      watch = value == "true" || value == "1";  // the router's reading of the flag
      break;
    }
  }
  auto ri = parseRequestInfo(method, path, watch);
  if (!ri) {
    attrs.verb = lower(method);
    attrs.path = std::string(path);
    return attrs;
  }
  attrs.resourceRequest = true;
  attrs.apiGroup = ri->group;
  attrs.apiVersion = ri->version;
  attrs.ns = ri->ns;
  attrs.resource = ri->resource;
  attrs.subresource = ri->subresource;
  attrs.name = ri->name;
  attrs.verb = ri->verb;
  // ?watch=true on a named object stays "get" for authorization, as in kube; only the
  // /watch/ path prefix makes a named request a watch.
  if (attrs.verb == "watch" && !attrs.name.empty() && !ri->legacyWatchPrefix) attrs.verb = "get";
  if ((attrs.verb == "list" || attrs.verb == "watch") && attrs.name.empty()) {
    attrs.name = nameFromFieldSelector(params);
  }
  return attrs;
}

}  // namespace edgeway::apiserver::auth
