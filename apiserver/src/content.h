#pragma once
// Content negotiation and request-body decoding for the REST endpoints.
//
// Answers are always JSON bytes: a client that prefers protobuf but also accepts JSON gets
// JSON (client-go and kubectl accept it), and application/yaml is answered with JSON under
// a YAML content type (JSON is valid YAML). Request bodies may be JSON, YAML written as JSON,
// or Kubernetes protobuf, which is decoded to the same JSON form.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/schema.h"
#include "apiserver/api_error.h"
#include "apiserver/resource_info.h"

namespace edgeway::apiserver {

struct MediaRange {
  std::string type;     // "application", "*"
  std::string subtype;  // "json", "*"
  std::vector<std::pair<std::string, std::string>> params;  // lower-cased names, except q
  double q = 1.0;

  std::string_view param(std::string_view name) const;
};

// Parses an Accept header, ordered by q (stable for equal q). Empty header: "*/*".
std::vector<MediaRange> parseAccept(std::string_view header);

enum class OutputFormat { kJson, kTable, kPartialObjectMetadata };

struct Output {
  OutputFormat format = OutputFormat::kJson;
  std::string metaApiVersion = "meta.k8s.io/v1";  // for Table / PartialObjectMetadata
  std::string contentType = "application/json";
};

// The first acceptable representation for object and list answers; nullopt means 406.
std::optional<Output> negotiateOutput(std::string_view accept);
// The 406 answer for an Accept that allows none of the representations served.
ApiError notAcceptable();

enum class BodyFormat {
  kJson, kYaml, kProtobuf, kJsonPatch, kMergePatch, kStrategicMergePatch, kApplyPatch, kUnsupported,
};
// Classifies a Content-Type (parameters ignored; empty means JSON, as kube-apiserver does).
BodyFormat bodyFormat(std::string_view contentType);

enum class FieldValidation { kIgnore, kWarn, kStrict };
// The fieldValidation query value; "" is Warn, kube's default.
std::optional<FieldValidation> parseFieldValidation(std::string_view value);

// Parses JSON. With `duplicates` non-null, records `duplicate field "a.b"` for each
// repeated object key (the last value wins, as in kube). Throws nothing; a syntax error
// comes back as its parser message.
Result<nlohmann::json> parseJson(std::string_view text, std::vector<std::string>* duplicates);

// Decodes a create/update body of `format` (JSON, YAML-as-JSON or protobuf) into an object
// of the resource's kind: checks apiVersion/kind (filling them in when absent), checks
// value types against the schema and drops unknown fields, listing each problem
// ("unknown field \"spec.foo\"", "duplicate field \"x\"") in `problems`.
std::optional<ApiError> decodeObject(BodyFormat format, std::string_view body, const ResourceInfo& info,
                                     nlohmann::json& out, std::vector<std::string>& problems);

// Schema walk used after patching: type errors come back as a 400; unknown fields are
// removed and listed in `problems`.
std::optional<ApiError> conformToSchema(nlohmann::json& object, const ResourceInfo& info,
                                        std::vector<std::string>& problems);

// Applies the fieldValidation directive to the listed problems: Strict turns them into a
// 400 (`strict decoding error: ...`, prefixed like kube's decoder when `decodePrefix`),
// Warn turns them into warnings, Ignore drops them.
std::optional<ApiError> enforceFieldValidation(FieldValidation mode, const ResourceInfo& info,
                                               const std::vector<std::string>& problems,
                                               std::vector<std::string>& warnings, bool decodePrefix);

// `Service in version "v1" cannot be handled as a Service: <why>` (400).
ApiError decodeError(const ResourceInfo& info, const std::string& why);

// The value of a `Warning` header for one warning text: 299 - "text" (quoted, escaped).
std::string warningHeaderValue(std::string_view text);

}  // namespace edgeway::apiserver
