#pragma once
// An error as the API server returns it: a Kubernetes Status object
// ({"kind":"Status","status":"Failure","reason":...,"code":...,"details":...}).

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "api/field_error.h"
#include "base/status.h"

namespace edgeway::apiserver {

struct ResourceRef {
  std::string group;     // "" for core
  std::string resource;  // "services"
  std::string kind;      // "Service"
  std::string name;
};

struct ApiError {
  int code = 500;
  std::string reason;   // "NotFound", "AlreadyExists", "Conflict", "Invalid", "BadRequest", ...
  std::string message;
  ResourceRef details;  // fills details.{name,group,kind}
  api::FieldErrors causes;
  int retryAfterSeconds = 0;

  // Full Status JSON.
  nlohmann::json toStatus() const;
};

// `services "web" not found` (resource is plural, group-qualified when not core).
ApiError notFoundError(const ResourceRef& ref);
ApiError alreadyExistsError(const ResourceRef& ref);
// Operation cannot be fulfilled on services "web": the object has been modified; please ...
ApiError conflictError(const ResourceRef& ref, const std::string& why);
// Service "bad" is invalid: <errors>; details.kind is the Kind, causes carry field paths.
ApiError invalidError(const ResourceRef& ref, const api::FieldErrors& errors);
ApiError badRequestError(std::string message);
ApiError methodNotAllowedError(std::string message);
ApiError unsupportedMediaTypeError(std::string contentType);
ApiError notAcceptableError(std::string message);
ApiError expiredError(std::string message);            // 410, reason Expired
ApiError requestEntityTooLargeError(std::string message);
ApiError tooManyRequestsError(std::string message);
ApiError serviceUnavailableError(std::string message);
ApiError internalServerError(std::string message);
// `services "web" is forbidden: <why>`; without a name `services is forbidden: <why>`,
// without a resource (a non-resource path) `forbidden: <why>`.
ApiError forbiddenError(const ResourceRef& ref, std::string why);
// 401 Unauthorized: missing or invalid credentials. kubectl prints
// "error: You must be logged in to the server (Unauthorized)".
ApiError unauthorizedError();

// Maps a store/base Status (NotFound, AlreadyExists, Conflict, Gone, ...) to an ApiError.
ApiError fromStatus(const Status& status, const ResourceRef& ref);

}  // namespace edgeway::apiserver
