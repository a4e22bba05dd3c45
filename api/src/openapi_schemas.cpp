// components.schemas: one OpenAPI schema per TypeDef. Nested objects are written as
// {"allOf":[{"$ref":…}], "description":…} because OpenAPI 3.0 ignores siblings of a bare
// $ref, and kubectl explain resolves single-element allOf (typeGuess, field traversal).
#include <cstdint>

#include "api/src/openapi_build.h"

namespace edgeway::api::openapi {
namespace {

using nlohmann::json;

const char* const kTime = "io.k8s.apimachinery.pkg.apis.meta.v1.Time";
const char* const kMicroTime = "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime";
const char* const kQuantity = "io.k8s.apimachinery.pkg.api.resource.Quantity";
const char* const kIntOrString = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";

void addScalarSchemas(json& schemas) {
  schemas[kTime] = {{"type", "string"},
                    {"format", "date-time"},
                    {"description", "A timestamp in RFC 3339 form, to the second, in UTC."}};
  schemas[kMicroTime] = {{"type", "string"},
                         {"format", "date-time"},
                         {"description", "A timestamp in RFC 3339 form with microseconds, in UTC."}};
  schemas[kQuantity] = {{"type", "string"},
                        {"description",
                         "A fixed-point amount with an optional SI or binary suffix, "
                         "e.g. 500m, 2Gi or 1.5."}};
  // No "type": kubectl explain then names the type <IntOrString> instead of <string>.
  schemas[kIntOrString] = {{"format", "int-or-string"},
                           {"oneOf", json::array({{{"type", "integer"}}, {{"type", "string"}}})},
                           {"x-kubernetes-int-or-string", true},
                           {"description", "Either an integer or a string, e.g. a port number or name."}};
}

// Schema of one value (a property, an array item or a map value) of the given type.
json valueSchema(ValueType type, const TypeDef* object) {
  switch (type) {
    case ValueType::kString:
      return {{"type", "string"}};
    case ValueType::kBytes:
      return {{"type", "string"}, {"format", "byte"}};
    case ValueType::kBool:
      return {{"type", "boolean"}};
    case ValueType::kInt32:
      return {{"type", "integer"}, {"format", "int32"}};
    case ValueType::kInt64:
      return {{"type", "integer"}, {"format", "int64"}};
    case ValueType::kNumber:
      return {{"type", "number"}, {"format", "double"}};
    case ValueType::kIntOrString:
      return {{"$ref", refTo(kIntOrString)}};
    case ValueType::kQuantity:
      return {{"$ref", refTo(kQuantity)}};
    case ValueType::kTime:
      return {{"$ref", refTo(kTime)}};
    case ValueType::kMicroTime:
      return {{"$ref", refTo(kMicroTime)}};
    case ValueType::kObject:
      return {{"$ref", refTo(object->name)}};
    case ValueType::kAny:
      return {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}};
    case ValueType::kArray:
    case ValueType::kMap:
      break;  // nested containers do not occur in the tables
  }
  return {{"type", "object"}};
}

json propertySchema(const Field& f) {
  json s;
  if (f.type == ValueType::kArray) {
    s = {{"type", "array"}, {"items", valueSchema(f.elem, f.object)}};
  } else if (f.type == ValueType::kMap) {
    s = {{"type", "object"}, {"additionalProperties", valueSchema(f.elem, f.object)}};
  } else {
    s = valueSchema(f.type, f.object);
    if (s.contains("$ref")) s = {{"allOf", json::array({s})}};
  }
  if (!f.description.empty()) s["description"] = f.description;
  if (!f.format.empty()) s["format"] = f.format;
  if (!f.enumValues.empty()) s["enum"] = f.enumValues;
  if (!f.patchStrategy.empty()) s["x-kubernetes-patch-strategy"] = f.patchStrategy;
  if (!f.patchMergeKey.empty()) s["x-kubernetes-patch-merge-key"] = f.patchMergeKey;
  if (!f.listType.empty()) s["x-kubernetes-list-type"] = f.listType;
  if (!f.listMapKeys.empty()) s["x-kubernetes-list-map-keys"] = f.listMapKeys;
  if (!f.mapType.empty()) s["x-kubernetes-map-type"] = f.mapType;
  return s;
}

json typeSchema(const TypeDef& t) {
  json s = {{"type", "object"}, {"description", t.description}};
  json properties = json::object();
  json required = json::array();
  for (const Field& f : t.fields) {
    properties[f.name] = propertySchema(f);
    if (f.required) required.push_back(f.name);
  }
  if (!properties.empty()) s["properties"] = std::move(properties);
  if (!required.empty()) s["required"] = std::move(required);
  if (t.isKind()) {
    // An array on schemas (one schema may serve several GVKs), an object on operations.
    s["x-kubernetes-group-version-kind"] =
        json::array({{{"group", t.group}, {"kind", t.kind}, {"version", t.version}}});
  }
  return s;
}

}  // namespace

std::string refTo(std::string_view schemaName) { return "#/components/schemas/" + std::string(schemaName); }

void addSchemas(const TypeDef& type, json& schemas) {
  if (!schemas.contains(kTime)) addScalarSchemas(schemas);
  if (schemas.contains(type.name)) return;
  schemas[type.name] = typeSchema(type);
  for (const Field& f : type.fields) {
    if (f.object != nullptr) addSchemas(*f.object, schemas);
  }
}

std::string hashHex(std::string_view bytes) {
  // FNV-1a, 64 bits: the hash only has to change when the document does.
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : bytes) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ULL;
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) out[static_cast<size_t>(i)] = kHex[h & 15];
  return out;
}

}  // namespace edgeway::api::openapi
