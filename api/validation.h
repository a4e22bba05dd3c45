#pragma once
// Validation primitives with apimachinery's wording (pkg/util/validation): each returns the
// list of problems as detail strings; empty means valid.

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "api/field_error.h"

namespace edgeway::api {

std::vector<std::string> isDns1123Label(std::string_view value);      // max 63
std::vector<std::string> isDns1123Subdomain(std::string_view value);  // max 253
std::vector<std::string> isDns1035Label(std::string_view value);      // Service names
std::vector<std::string> isQualifiedName(std::string_view value);     // label/annotation keys
std::vector<std::string> isValidLabelValue(std::string_view value);
std::vector<std::string> isValidPortName(std::string_view value);     // IANA_SVC_NAME
std::vector<std::string> isValidIp(std::string_view value);
std::vector<std::string> isInRange(long long value, long long lo, long long hi);
std::vector<std::string> isValidPortNum(long long port);

enum class NameRule { kDns1123Subdomain, kDns1123Label, kDns1035Label };

// ObjectMeta checks shared by every kind: name (per rule) or generateName, namespace presence
// for namespaced kinds (and absence for cluster-scoped), labels, annotations (256 KiB total).
FieldErrors validateObjectMeta(const nlohmann::json& metadata, bool namespaced, NameRule rule,
                               const FieldPath& path = FieldPath("metadata"));
// Update checks: name/namespace/uid/creationTimestamp immutable, plus validateObjectMeta.
FieldErrors validateObjectMetaUpdate(const nlohmann::json& metadata, const nlohmann::json& old,
                                     const FieldPath& path = FieldPath("metadata"));
FieldErrors validateLabels(const nlohmann::json& labels, const FieldPath& path);

}  // namespace edgeway::api
