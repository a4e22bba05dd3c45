#include "api/field_error.h"

#include <nlohmann/json.hpp>

namespace edgeway::api {

FieldPath FieldPath::child(const std::string& name) const {
  return FieldPath(path_.empty() ? name : path_ + "." + name);
}
FieldPath FieldPath::index(size_t i) const { return FieldPath(path_ + "[" + std::to_string(i) + "]"); }
FieldPath FieldPath::key(const std::string& k) const { return FieldPath(path_ + "[" + k + "]"); }

namespace {
const char* typeText(FieldErrorType t) {
  switch (t) {
    case FieldErrorType::kInvalid: return "Invalid value";
    case FieldErrorType::kRequired: return "Required value";
    case FieldErrorType::kNotSupported: return "Unsupported value";
    case FieldErrorType::kDuplicate: return "Duplicate value";
    case FieldErrorType::kForbidden: return "Forbidden";
    case FieldErrorType::kTooLong: return "Too long";
    case FieldErrorType::kTooMany: return "Too many";
    case FieldErrorType::kNotFound: return "Not found";
    case FieldErrorType::kInternal: return "Internal error";
  }
  return "Invalid value";
}

// apimachinery omits the value for these types.
bool omitsValue(FieldErrorType t) {
  return t == FieldErrorType::kRequired || t == FieldErrorType::kForbidden ||
         t == FieldErrorType::kTooLong || t == FieldErrorType::kInternal;
}

FieldError make(FieldErrorType type, const FieldPath& path, std::string value, std::string detail) {
  FieldError e;
  e.type = type;
  e.field = path.str();
  e.badValue = std::move(value);
  e.detail = std::move(detail);
  return e;
}
}  // namespace

std::string FieldError::body() const {
  std::string s = typeText(type);
  if (!omitsValue(type)) s += ": " + badValue;
  if (!detail.empty()) s += ": " + detail;
  return s;
}

std::string FieldError::toString() const { return field.empty() ? body() : field + ": " + body(); }

const char* FieldError::reason() const {
  switch (type) {
    case FieldErrorType::kInvalid: return "FieldValueInvalid";
    case FieldErrorType::kRequired: return "FieldValueRequired";
    case FieldErrorType::kNotSupported: return "FieldValueNotSupported";
    case FieldErrorType::kDuplicate: return "FieldValueDuplicate";
    case FieldErrorType::kForbidden: return "FieldValueForbidden";
    case FieldErrorType::kTooLong: return "FieldValueTooLong";
    case FieldErrorType::kTooMany: return "FieldValueTooMany";
    case FieldErrorType::kNotFound: return "FieldValueNotFound";
    case FieldErrorType::kInternal: return "InternalError";
  }
  return "FieldValueInvalid";
}

std::string renderValue(const nlohmann::json& value) {
  if (value.is_string()) return nlohmann::json(value.get<std::string>()).dump();
  if (value.is_null()) return "null";
  return value.dump();
}

FieldError invalid(const FieldPath& path, const nlohmann::json& value, std::string detail) {
  return make(FieldErrorType::kInvalid, path, renderValue(value), std::move(detail));
}
FieldError required(const FieldPath& path, std::string detail) {
  return make(FieldErrorType::kRequired, path, "", std::move(detail));
}
FieldError notSupported(const FieldPath& path, const nlohmann::json& value,
                        const std::vector<std::string>& supported) {
  std::string detail;
  if (!supported.empty()) {
    detail = "supported values: ";
    for (size_t i = 0; i < supported.size(); ++i) {
      if (i) detail += ", ";
      detail += "\"" + supported[i] + "\"";
    }
  }
  return make(FieldErrorType::kNotSupported, path, renderValue(value), std::move(detail));
}
FieldError duplicate(const FieldPath& path, const nlohmann::json& value) {
  return make(FieldErrorType::kDuplicate, path, renderValue(value), "");
}
FieldError forbidden(const FieldPath& path, std::string detail) {
  return make(FieldErrorType::kForbidden, path, "", std::move(detail));
}
FieldError tooMany(const FieldPath& path, size_t actual, size_t max) {
  return make(FieldErrorType::kTooMany, path, std::to_string(actual),
              "must have at most " + std::to_string(max) + " items");
}
FieldError tooLong(const FieldPath& path, size_t max) {
  return make(FieldErrorType::kTooLong, path, "", "may not be more than " + std::to_string(max) + " bytes");
}
FieldError internalError(const FieldPath& path, std::string detail) {
  return make(FieldErrorType::kInternal, path, "", std::move(detail));
}

}  // namespace edgeway::api
