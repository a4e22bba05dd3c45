#include "apiserver/src/router.h"

#include <nlohmann/json.hpp>

#include "apiserver/auth/request_attributes.h"
#include "apiserver/discovery.h"
#include "apiserver/src/request_info.h"
#include "apiserver/src/stored_object.h"
#include "base/clock.h"
#include "http/query.h"

namespace edgeway::apiserver {
namespace {

ApiError notFoundPath() {
  ApiError e;
  e.code = 404;
  e.reason = "NotFound";
  e.message = "the server could not find the requested resource";
  return e;
}

void respond(http::Exchange& exchange, int status, std::string contentType, std::string body,
             std::vector<http::Header> extra = {}) {
  http::Response r;
  r.status = status;
  r.headers.push_back({"Content-Type", std::move(contentType)});
  for (auto& h : extra) r.headers.push_back(std::move(h));
  r.body = std::move(body);
  exchange.respond(std::move(r));
}

bool isRead(const http::Request& request) { return request.method == "GET" || request.method == "HEAD"; }

std::string_view queryValue(const std::vector<std::pair<std::string, std::string>>& query, std::string_view key,
                            bool* present = nullptr) {
  for (const auto& [k, v] : query) {
    if (k == key) {
      if (present) *present = true;
      return v;
    }
  }
  if (present) *present = false;
  return {};
}

}  // namespace

void ReadinessChecks::add(std::string name, std::function<bool()> check) {
  std::lock_guard<std::mutex> lock(mu_);
  checks_.emplace_back(std::move(name), std::move(check));
}

std::vector<std::pair<std::string, bool>> ReadinessChecks::run() const {
  std::vector<std::pair<std::string, std::function<bool()>>> checks;
  {
    std::lock_guard<std::mutex> lock(mu_);
    checks = checks_;
  }
  std::vector<std::pair<std::string, bool>> out;
  for (auto& [name, fn] : checks) {
    bool ok = false;
    try {
      ok = fn();
    } catch (...) {
      ok = false;  // a throwing check is a failing check
    }
    out.emplace_back(name, ok);
  }
  return out;
}

Router::Router(const ResourceCatalog& catalog, RestHandler& rest, const AccessReviewHandler& reviews,
               const api::OpenApiV3& openapi, const ReadinessChecks& readiness, std::string versionJson,
               std::function<std::string()> serverAddress)
    : catalog_(catalog), rest_(rest), reviews_(reviews), openapi_(openapi), readiness_(readiness),
      versionJson_(std::move(versionJson)), serverAddress_(std::move(serverAddress)) {
  nlohmann::json groupList = apiGroupList(catalog_);
  apisLegacy_ = dumpJson(groupList);
  apisAggregated_ = dumpJson(aggregatedDiscovery(catalog_, false));
  apiAggregated_ = dumpJson(aggregatedDiscovery(catalog_, true));
  for (const auto& [group, version] : servedGroupVersions(catalog_)) {
    std::string path = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
    nlohmann::json list = apiResourceList(catalog_, group, version);
    if (!list.is_null()) groupVersions_.emplace_back(path, dumpJson(list));
  }
  if (groupList.contains("groups") && groupList["groups"].is_array()) {
    for (auto group : groupList["groups"]) {
      if (!group.is_object() || !group.contains("name")) continue;
      std::string name = group["name"].get<std::string>();
      group["kind"] = "APIGroup";
      group["apiVersion"] = "v1";
      groups_.emplace_back("/apis/" + name, dumpJson(group));
    }
  }
}

void Router::handle(http::Request&& request, std::shared_ptr<http::Exchange> exchange, const auth::UserInfo& user) {
  try {
    // The same reading of the path that authorization used.
    std::string path = auth::normalizedPath(request.path());

    if (path == "/version") {
      if (!isRead(request)) return respondError(*exchange, methodNotAllowedError("the server does not allow this method on the requested resource"));
      return respond(*exchange, 200, "application/json", versionJson_);
    }
    if (path == "/healthz" || path == "/livez" || path == "/readyz" || path.rfind("/readyz/", 0) == 0 ||
        path.rfind("/livez/", 0) == 0 || path.rfind("/healthz/", 0) == 0) {
      return health(path, request, *exchange);
    }
    if (path == "/openapi/v2" || path.rfind("/openapi/v2/", 0) == 0) {
      // kubectl reads /openapi/v2 as protobuf only; a 404 is its clean fallback.
      return respondError(*exchange, notFoundPath());
    }
    if (path == "/openapi/v3" || path.rfind("/openapi/v3/", 0) == 0) return openapi(path, request, *exchange);
    if (discovery(path, request, *exchange)) return;

    auto query = http::parseQuery(request.query());
    std::string_view watchParam = queryValue(query, "watch");
    auto ri = parseRequestInfo(request.method, path, watchParam == "true" || watchParam == "1");
    if (!ri) return respondError(*exchange, notFoundPath());
    if (const ResourceInfo* review = findReviewResource(*ri)) {
      // Create-only and cluster-scoped: there are no objects to name.
      if (!ri->ns.empty() || !ri->name.empty() || !ri->subresource.empty()) {
        return respondError(*exchange, notFoundPath());
      }
      if (ri->verb != "create") {
        return respondError(*exchange,
                            methodNotAllowedError("the server does not allow this method on the requested resource"));
      }
      return reviews_.handle(*review, request, *exchange, user);
    }
    const ResourceInfo* info = catalog_.find(ri->group, ri->version, ri->resource);
    if (!info || (!ri->ns.empty() && !info->namespaced)) return respondError(*exchange, notFoundPath());
    if (!ri->subresource.empty() && !(ri->subresource == "status" && info->hasStatus)) {
      return respondError(*exchange, notFoundPath());
    }
    bool statusVerb = ri->verb == "get" || ri->verb == "update" || ri->verb == "patch";
    if (ri->verb.empty() || (!ri->subresource.empty() && !statusVerb) ||
        (ri->verb == "watch" && !ri->subresource.empty()) ||
        (info->namespaced && ri->ns.empty() && ri->verb != "list" && ri->verb != "watch")) {
      return respondError(*exchange, methodNotAllowedError("the server does not allow this method on the requested resource"));
    }
    rest_.handle(*ri, *info, std::move(request), std::move(exchange));
  } catch (const std::exception& e) {
    if (exchange) respondError(*exchange, internalServerError(e.what()));
  }
}

bool Router::discovery(const std::string& path, const http::Request& request, http::Exchange& exchange) {
  bool aggregated = acceptsAggregatedDiscovery(request.header("Accept"));
  const std::string aggregatedType(kAggregatedDiscoveryContentType);
  auto answer = [&](std::string body, const std::string& type) {
    if (!isRead(request)) {
      respondError(exchange, methodNotAllowedError("the server does not allow this method on the requested resource"));
    } else {
      respond(exchange, 200, type, std::move(body));
    }
    return true;
  };
  if (path == "/api") {
    if (aggregated) return answer(apiAggregated_, aggregatedType);
    return answer(dumpJson(apiVersions(serverAddress_())), "application/json");
  }
  if (path == "/apis") return aggregated ? answer(apisAggregated_, aggregatedType) : answer(apisLegacy_, "application/json");
  for (const auto& [p, body] : groupVersions_) {
    if (p == path) return answer(body, "application/json");
  }
  for (const auto& [p, body] : groups_) {
    if (p == path) return answer(body, "application/json");
  }
  return false;
}

void Router::openapi(const std::string& path, const http::Request& request, http::Exchange& exchange) {
  if (!isRead(request)) {
    return respondError(exchange, methodNotAllowedError("the server does not allow this method on the requested resource"));
  }
  if (path == "/openapi/v3") return respond(exchange, 200, "application/json", openapi_.root());
  std::string gvPath = path.substr(std::string("/openapi/v3/").size());
  const std::string* doc = openapi_.document(gvPath);
  if (!doc) return respondError(exchange, notFoundPath());
  std::string hash(openapi_.hash(gvPath));
  std::string etag = "\"" + hash + "\"";
  auto query = http::parseQuery(request.query());
  bool hasHash = false;
  std::string_view asked = queryValue(query, "hash", &hasHash);
  if (hasHash && asked != hash) {
    // An outdated link: send the client to the current document, as kube does.
    http::Response r;
    r.status = 301;
    r.headers.push_back({"Location", "/openapi/v3/" + gvPath + "?hash=" + hash});
    return exchange.respond(std::move(r));
  }
  std::vector<http::Header> headers{{"ETag", etag}, {"Vary", "Accept"}};
  if (hasHash) {
    // The hash pins the content: clients may cache it for good.
    headers.push_back({"Cache-Control", "public, immutable"});
    headers.push_back({"Expires", clock::formatHttpDate(clock::nowSeconds() + 365 * 24 * 3600)});
  } else {
    headers.push_back({"Cache-Control", "no-cache, private"});
  }
  std::string_view ifNoneMatch = request.header("If-None-Match");
  if (!ifNoneMatch.empty() && (ifNoneMatch == etag || ifNoneMatch == hash || ifNoneMatch == "*")) {
    http::Response r;
    r.status = 304;
    r.headers = std::move(headers);
    return exchange.respond(std::move(r));
  }
  respond(exchange, 200, "application/json", *doc, std::move(headers));
}

void Router::health(const std::string& path, const http::Request& request, http::Exchange& exchange) {
  if (!isRead(request)) {
    return respondError(exchange, methodNotAllowedError("the server does not allow this method on the requested resource"));
  }
  const std::string kText = "text/plain; charset=utf-8";
  std::vector<http::Header> nosniff{{"X-Content-Type-Options", "nosniff"}};
  size_t slash = path.find('/', 1);
  std::string endpoint = path.substr(1, slash == std::string::npos ? std::string::npos : slash - 1);
  std::string single = slash == std::string::npos ? "" : path.substr(slash + 1);

  std::vector<std::pair<std::string, bool>> checks{{"ping", true}};
  if (endpoint == "readyz") {
    for (auto& c : readiness_.run()) checks.push_back(std::move(c));
  }
  if (!single.empty()) {
    for (const auto& [name, ok] : checks) {
      if (name != single) continue;
      if (ok) return respond(exchange, 200, kText, "ok", nosniff);
      return respond(exchange, 500, kText, "internal server error: " + name + " check failed", nosniff);
    }
    return respondError(exchange, notFoundPath());
  }
  auto query = http::parseQuery(request.query());
  bool verbose = false;
  queryValue(query, "verbose", &verbose);
  std::vector<std::string> excluded;
  for (const auto& [k, v] : query) {
    if (k == "exclude") excluded.push_back(v);
  }
  bool allOk = true;
  std::string listing;
  for (const auto& [name, ok] : checks) {
    if (std::find(excluded.begin(), excluded.end(), name) != excluded.end()) {
      listing += "[+]" + name + " excluded: ok\n";
      continue;
    }
    allOk = allOk && ok;
    listing += ok ? "[+]" + name + " ok\n" : "[-]" + name + " failed: reason withheld\n";
  }
  if (!allOk) return respond(exchange, 500, kText, listing + endpoint + " check failed\n", nosniff);
  if (verbose) return respond(exchange, 200, kText, listing + endpoint + " check passed\n", nosniff);
  respond(exchange, 200, kText, "ok", nosniff);
}

}  // namespace edgeway::apiserver
