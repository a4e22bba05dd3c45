#include "apiserver/src/access_review.h"

#include <nlohmann/json.hpp>

#include "apiserver/src/content.h"
#include "apiserver/src/rest_handler.h"
#include "apiserver/src/stored_object.h"
#include "http/query.h"

namespace edgeway::apiserver {
namespace {

constexpr const char* kAuthorizationGroup = "authorization.k8s.io";
constexpr const char* kAccessReviews = "selfsubjectaccessreviews";
constexpr const char* kRulesReviews = "selfsubjectrulesreviews";

std::unique_ptr<ResourceInfo> review(const char* resource, const char* singular, const char* kind) {
  auto info = std::make_unique<ResourceInfo>();
  info->group = kAuthorizationGroup;
  info->version = "v1";
  info->resource = resource;
  info->singular = singular;
  info->kind = kind;
  info->namespaced = false;
  return info;
}

std::string stringAt(const nlohmann::json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const nlohmann::json* objectAt(const nlohmann::json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_object() ? &*it : nullptr;
}

// The question a SelfSubjectAccessReview asks, or the 422 kube gives when it asks none or two.
std::optional<ApiError> reviewAttributes(const ResourceInfo& info, const nlohmann::json& obj,
                                         auth::RequestAttributes& attrs) {
  const nlohmann::json* spec = objectAt(obj, "spec");
  const nlohmann::json* resource = spec ? objectAt(*spec, "resourceAttributes") : nullptr;
  const nlohmann::json* path = spec ? objectAt(*spec, "nonResourceAttributes") : nullptr;
  api::FieldPath specPath("spec");
  if (resource && path) {
    return invalidError(info.ref(""),
                        {api::invalid(specPath.child("nonResourceAttributes"), *path,
                                      "cannot be specified in combination with resourceAttributes")});
  }
  if (!resource && !path) {
    // kube renders the absent value as the string "null".
    return invalidError(info.ref(""),
                        {api::invalid(specPath.child("resourceAttributes"), "null",
                                      "exactly one of nonResourceAttributes or resourceAttributes must "
                                      "be specified")});
  }
  if (resource) {
    attrs.resourceRequest = true;
    attrs.verb = stringAt(*resource, "verb");
    attrs.apiGroup = stringAt(*resource, "group");
    attrs.apiVersion = stringAt(*resource, "version");
    attrs.ns = stringAt(*resource, "namespace");
    attrs.resource = stringAt(*resource, "resource");
    attrs.subresource = stringAt(*resource, "subresource");
    attrs.name = stringAt(*resource, "name");
  } else {
    attrs.verb = stringAt(*path, "verb");
    attrs.path = stringAt(*path, "path");
  }
  return std::nullopt;
}

nlohmann::json ruleJson(const auth::PolicyRule& rule) {
  if (rule.isResourceRule()) {
    return {{"verbs", rule.verbs}, {"apiGroups", rule.apiGroups}, {"resources", rule.resources}};
  }
  return {{"verbs", rule.verbs}, {"nonResourceURLs", rule.nonResourceURLs}};
}

}  // namespace

const std::vector<const ResourceInfo*>& reviewResources() {
  static const std::unique_ptr<ResourceInfo> accessReviews =
      review(kAccessReviews, "selfsubjectaccessreview", "SelfSubjectAccessReview");
  static const std::unique_ptr<ResourceInfo> rulesReviews =
      review(kRulesReviews, "selfsubjectrulesreview", "SelfSubjectRulesReview");
  static const std::vector<const ResourceInfo*> all = {accessReviews.get(), rulesReviews.get()};
  return all;
}

const ResourceInfo* findReviewResource(const RequestInfo& ri) {
  for (const ResourceInfo* r : reviewResources()) {
    if (r->group == ri.group && r->version == ri.version && r->resource == ri.resource) return r;
  }
  return nullptr;
}

AccessReviewHandler::AccessReviewHandler(const auth::Authorizer& authorizer) : authorizer_(authorizer) {}

void AccessReviewHandler::handle(const ResourceInfo& info, const http::Request& request,
                                 http::Exchange& exchange, const auth::UserInfo& user) const {
  if (!negotiateOutput(request.header("Accept"))) return respondError(exchange, notAcceptable());
  FieldValidation validation = FieldValidation::kWarn;
  for (const auto& [key, value] : http::parseQuery(request.query())) {
    if (key != "fieldValidation") continue;
    auto parsed = parseFieldValidation(value);
    if (!parsed) {
      return respondError(exchange, invalidError(ResourceRef{"meta.k8s.io", "", "CreateOptions", ""},
                                                 {api::notSupported(api::FieldPath("fieldValidation"), value,
                                                                    {"Ignore", "Strict", "Warn"})}));
    }
    validation = *parsed;
  }
  std::string_view contentType = request.header("Content-Type");
  BodyFormat format = bodyFormat(contentType);
  if (format != BodyFormat::kJson && format != BodyFormat::kYaml && format != BodyFormat::kProtobuf) {
    return respondError(exchange, unsupportedMediaTypeError(std::string(contentType)));
  }
  nlohmann::json obj;
  std::vector<std::string> problems, warnings;
  if (auto err = decodeObject(format, request.body, info, obj, problems)) return respondError(exchange, *err);
  if (auto err = enforceFieldValidation(validation, info, problems, warnings, true)) {
    return respondError(exchange, *err);
  }
  if (!obj.contains("metadata")) obj["metadata"] = nlohmann::json::object();

  if (info.resource == kAccessReviews) {
    auth::RequestAttributes attrs;
    if (auto err = reviewAttributes(info, obj, attrs)) return respondError(exchange, *err);
    auth::Decision decision = authorizer_.authorize(user, attrs);
    nlohmann::json status = {{"allowed", decision.allowed}};
    if (!decision.reason.empty()) status["reason"] = decision.reason;
    obj["status"] = std::move(status);
  } else {
    const nlohmann::json* spec = objectAt(obj, "spec");
    if (!spec || stringAt(*spec, "namespace").empty()) {
      return respondError(exchange, badRequestError("no namespace on request"));
    }
    // Roles here are cluster-wide, so the namespace does not change the answer.
    nlohmann::json resourceRules = nlohmann::json::array(), pathRules = nlohmann::json::array();
    for (const auto& rule : authorizer_.rulesFor(user)) {
      (rule.isResourceRule() ? resourceRules : pathRules).push_back(ruleJson(rule));
    }
    obj["status"] = {{"resourceRules", std::move(resourceRules)},
                     {"nonResourceRules", std::move(pathRules)},
                     {"incomplete", false}};
  }

  http::Response response;
  response.status = 201;
  response.headers.push_back({"Content-Type", "application/json"});
  for (const auto& w : warnings) response.headers.push_back({"Warning", warningHeaderValue(w)});
  response.body = dumpJson(obj);
  exchange.respond(std::move(response));
}

}  // namespace edgeway::apiserver
