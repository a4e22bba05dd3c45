#pragma once
// Field-level validation errors, rendered the way apimachinery's field.Error does, so the
// messages users see match kube-apiserver's:
//   spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace edgeway::api {

class FieldPath {
 public:
  FieldPath() = default;
  explicit FieldPath(std::string root) : path_(std::move(root)) {}
  FieldPath child(const std::string& name) const;
  FieldPath index(size_t i) const;
  FieldPath key(const std::string& k) const;  // map key: labels[app]
  const std::string& str() const { return path_; }

 private:
  std::string path_;
};

enum class FieldErrorType {
  kInvalid,       // "Invalid value"          FieldValueInvalid
  kRequired,      // "Required value"         FieldValueRequired
  kNotSupported,  // "Unsupported value"      FieldValueNotSupported
  kDuplicate,     // "Duplicate value"        FieldValueDuplicate
  kForbidden,     // "Forbidden"              FieldValueForbidden
  kTooLong,       // "Too long"               FieldValueTooLong
  kTooMany,       // "Too many"               FieldValueTooMany
  kNotFound,      // "Not found"              FieldValueNotFound
  kInternal,      // "Internal error"         InternalError
};

struct FieldError {
  FieldErrorType type = FieldErrorType::kInvalid;
  std::string field;       // "spec.ports[0].port"
  std::string badValue;    // already rendered (see renderValue); empty when the type omits it
  std::string detail;

  // "Invalid value: 70000: must be between 1 and 65535, inclusive" (cause message).
  std::string body() const;
  // "spec.ports[0].port: " + body()
  std::string toString() const;
  const char* reason() const;  // "FieldValueInvalid", ...
};

using FieldErrors = std::vector<FieldError>;

// Renders a value as apimachinery prints it: strings quoted, numbers plain, objects as JSON.
std::string renderValue(const nlohmann::json& value);

FieldError invalid(const FieldPath& path, const nlohmann::json& value, std::string detail);
FieldError required(const FieldPath& path, std::string detail = {});
FieldError notSupported(const FieldPath& path, const nlohmann::json& value,
                        const std::vector<std::string>& supported);
FieldError duplicate(const FieldPath& path, const nlohmann::json& value);
FieldError forbidden(const FieldPath& path, std::string detail);
FieldError tooMany(const FieldPath& path, size_t actual, size_t max);
FieldError tooLong(const FieldPath& path, size_t max);
FieldError internalError(const FieldPath& path, std::string detail);

}  // namespace edgeway::api
