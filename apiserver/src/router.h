#pragma once
// Top-level routing: health and version, discovery, OpenAPI, and resource paths (handed to
// the RestHandler). Everything else is a 404 Status, which kubectl prints as
// "the server could not find the requested resource".

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "api/openapi.h"
#include "apiserver/auth/user_info.h"
#include "apiserver/resources.h"
#include "apiserver/src/access_review.h"
#include "apiserver/src/rest_handler.h"
#include "http/message.h"

namespace edgeway::apiserver {

// Named readiness checks for /readyz. Thread-safe.
class ReadinessChecks {
 public:
  void add(std::string name, std::function<bool()> check);
  // (name, passed) for each check, in the order added.
  std::vector<std::pair<std::string, bool>> run() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::pair<std::string, std::function<bool()>>> checks_;
};

class Router {
 public:
  Router(const ResourceCatalog& catalog, RestHandler& rest, const AccessReviewHandler& reviews,
         const api::OpenApiV3& openapi, const ReadinessChecks& readiness, std::string versionJson,
         std::function<std::string()> serverAddress);

  // `user` made the request: authenticated and authorized for it (see auth::RequestGuard).
  void handle(http::Request&& request, std::shared_ptr<http::Exchange> exchange, const auth::UserInfo& user);

 private:
  bool discovery(const std::string& path, const http::Request& request, http::Exchange& exchange);
  void openapi(const std::string& path, const http::Request& request, http::Exchange& exchange);
  void health(const std::string& path, const http::Request& request, http::Exchange& exchange);

  const ResourceCatalog& catalog_;
  RestHandler& rest_;
  const AccessReviewHandler& reviews_;
  const api::OpenApiV3& openapi_;
  const ReadinessChecks& readiness_;
  const std::string versionJson_;
  std::function<std::string()> serverAddress_;
  // Discovery answers never change: serialized once.
  std::string apisLegacy_, apisAggregated_, apiAggregated_;
  std::vector<std::pair<std::string, std::string>> groupVersions_;  // "/api/v1" -> APIResourceList
  std::vector<std::pair<std::string, std::string>> groups_;         // "/apis/g" -> APIGroup
};

}  // namespace edgeway::apiserver
