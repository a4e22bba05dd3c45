#include "apiserver/api_error.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace edgeway::apiserver {
namespace {

// "services" or "ingresses.networking.k8s.io", as apimachinery's errors name resources.
std::string qualifiedResource(const ResourceRef& ref) {
  return ref.group.empty() ? ref.resource : ref.resource + "." + ref.group;
}

ApiError make(int code, std::string reason, std::string message, ResourceRef details = {}) {
  ApiError e;
  e.code = code;
  e.reason = std::move(reason);
  e.message = std::move(message);
  e.details = std::move(details);
  return e;
}

}  // namespace

nlohmann::json ApiError::toStatus() const {
  nlohmann::json status = {
      {"kind", "Status"}, {"apiVersion", "v1"},     {"metadata", nlohmann::json::object()},
      {"status", "Failure"}, {"message", message}, {"reason", reason},
      {"code", code},
  };
  nlohmann::json d = nlohmann::json::object();
  if (!details.name.empty()) d["name"] = details.name;
  if (!details.group.empty()) d["group"] = details.group;
  // Invalid errors name the Kind (kubectl prints `The Service "x" is invalid`); the others
  // name the resource, as kube-apiserver does.
  if (reason == "Invalid" && !details.kind.empty()) {
    d["kind"] = details.kind;
  } else if (!details.resource.empty()) {
    d["kind"] = details.resource;
  }
  if (!causes.empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& c : causes) {
      list.push_back({{"reason", c.reason()}, {"message", c.body()}, {"field", c.field}});
    }
    d["causes"] = std::move(list);
  }
  if (retryAfterSeconds > 0) d["retryAfterSeconds"] = retryAfterSeconds;
  if (!d.empty()) status["details"] = std::move(d);
  return status;
}

ApiError notFoundError(const ResourceRef& ref) {
  return make(404, "NotFound", qualifiedResource(ref) + " \"" + ref.name + "\" not found", ref);
}

ApiError alreadyExistsError(const ResourceRef& ref) {
  return make(409, "AlreadyExists", qualifiedResource(ref) + " \"" + ref.name + "\" already exists", ref);
}

ApiError conflictError(const ResourceRef& ref, const std::string& why) {
  return make(409, "Conflict",
              "Operation cannot be fulfilled on " + qualifiedResource(ref) + " \"" + ref.name + "\": " + why, ref);
}

ApiError invalidError(const ResourceRef& ref, const api::FieldErrors& input) {
  // Like kube-apiserver, report each distinct error once even when two checks found it.
  api::FieldErrors errors;
  for (const auto& e : input) {
    bool seen = std::any_of(errors.begin(), errors.end(), [&](const api::FieldError& o) {
      return o.type == e.type && o.field == e.field && o.badValue == e.badValue && o.detail == e.detail;
    });
    if (!seen) errors.push_back(e);
  }
  std::string list;
  if (errors.size() == 1) {
    list = errors[0].toString();
  } else {
    list = "[";
    for (size_t i = 0; i < errors.size(); ++i) {
      if (i) list += ", ";
      list += errors[i].toString();
    }
    list += "]";
  }
  std::string kind = ref.group.empty() ? ref.kind : ref.kind + "." + ref.group;
  ApiError e = make(422, "Invalid", kind + " \"" + ref.name + "\" is invalid: " + list, ref);
  e.causes = errors;
  return e;
}

ApiError badRequestError(std::string message) { return make(400, "BadRequest", std::move(message)); }
ApiError methodNotAllowedError(std::string message) {
  return make(405, "MethodNotAllowed", std::move(message));
}
ApiError unsupportedMediaTypeError(std::string contentType) {
  return make(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf" +
                                               (contentType.empty() ? std::string() : " (got " + contentType + ")"));
}
ApiError notAcceptableError(std::string message) { return make(406, "NotAcceptable", std::move(message)); }
ApiError expiredError(std::string message) { return make(410, "Expired", std::move(message)); }
ApiError requestEntityTooLargeError(std::string message) {
  return make(413, "RequestEntityTooLarge", std::move(message));
}
ApiError tooManyRequestsError(std::string message) {
  ApiError e = make(429, "TooManyRequests", std::move(message));
  e.retryAfterSeconds = 1;
  return e;
}
ApiError serviceUnavailableError(std::string message) {
  return make(503, "ServiceUnavailable", std::move(message));
}
ApiError internalServerError(std::string message) {
  return make(500, "InternalError", "Internal error occurred: " + message);
}
ApiError forbiddenError(const ResourceRef& ref, std::string why) {
  // As apimachinery's NewForbidden: `services "web" is forbidden: …` for an object,
  // `services is forbidden: …` for a collection, `forbidden: …` for a path.
  std::string message;
  if (ref.resource.empty()) {
    message = "forbidden: " + why;
  } else if (ref.name.empty()) {
    message = qualifiedResource(ref) + " is forbidden: " + why;
  } else {
    message = qualifiedResource(ref) + " \"" + ref.name + "\" is forbidden: " + why;
  }
  return make(403, "Forbidden", std::move(message), ref);
}

ApiError unauthorizedError() { return make(401, "Unauthorized", "Unauthorized"); }

ApiError fromStatus(const Status& status, const ResourceRef& ref) {
  switch (status.code()) {
    case StatusCode::kNotFound: return notFoundError(ref);
    case StatusCode::kAlreadyExists: return alreadyExistsError(ref);
    case StatusCode::kConflict:
      return conflictError(ref, "the object has been modified; please apply your changes to the latest version and try again");
    case StatusCode::kGone: return expiredError(status.message());
    case StatusCode::kInvalidArgument: return badRequestError(status.message());
    case StatusCode::kResourceExhausted: return tooManyRequestsError(status.message());
    case StatusCode::kUnavailable: return serviceUnavailableError(status.message());
    case StatusCode::kOk:
    case StatusCode::kInternal: break;
  }
  return internalServerError(status.message());
}

}  // namespace edgeway::apiserver
