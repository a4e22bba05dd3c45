#pragma once
// One description of every served Kubernetes type, used three ways:
//  - OpenAPI v3 documents (components.schemas, for `kubectl explain` and validation),
//  - the protobuf decoder (field numbers of k8s.io/api generated.proto),
//  - strategic merge patch (x-kubernetes-patch-strategy / -merge-key per list field).
// The tables live in api/src/schema_*.cpp; this header is the door.

#include <string>
#include <string_view>
#include <vector>

namespace edgeway::api {

enum class ValueType {
  kString,
  kBytes,        // base64 in JSON, bytes in protobuf (Secret.data values)
  kBool,
  kInt32,
  kInt64,
  kNumber,       // double
  kIntOrString,  // JSON int or string; protobuf IntOrString{type=1,intVal=2,strVal=3}
  kQuantity,     // resource.Quantity: JSON string; protobuf {string=1}
  kTime,         // metav1.Time: JSON RFC3339 string; protobuf Timestamp{seconds=1,nanos=2}
  kObject,       // a TypeDef (Field::type)
  kArray,        // of Field::elem (and Field::type when elem is kObject)
  kMap,          // string keys to Field::elem (and Field::type when elem is kObject)
  kAny,          // free-form JSON (x-kubernetes-preserve-unknown-fields)
};

struct TypeDef;

struct Field {
  std::string name;          // JSON name
  ValueType type = ValueType::kString;
  int protoNumber = 0;       // 0: not in protobuf
  const TypeDef* object = nullptr;    // for kObject, or element/value type of kArray/kMap
  ValueType elem = ValueType::kString;  // element type of kArray / kMap
  std::string description;
  // Strategic merge patch metadata, for kArray (and kMap/kObject for retainKeys).
  std::string patchStrategy;  // "", "merge", "replace", "retainKeys", "merge,retainKeys"
  std::string patchMergeKey;  // list merge key, e.g. "port" for ServiceSpec.ports
  std::string listType;       // x-kubernetes-list-type: "atomic", "map", "set"
  std::vector<std::string> listMapKeys;  // x-kubernetes-list-map-keys
  std::vector<std::string> enumValues;
  std::string format;         // OpenAPI format: "int32", "int64", "byte", "date-time", "int-or-string"
  bool required = false;
};

struct TypeDef {
  std::string name;         // OpenAPI component name, e.g. "io.k8s.api.core.v1.ServicePort"
  std::string description;
  std::vector<Field> fields;
  // Set on top-level kinds (those with apiVersion/kind/metadata).
  std::string group;        // "" for core
  std::string version;
  std::string kind;

  const Field* field(std::string_view jsonName) const;
};

// The type with this GVK, or nullptr.
const TypeDef* findKind(std::string_view group, std::string_view version, std::string_view kind);
// The type with this OpenAPI component name, or nullptr.
const TypeDef* findType(std::string_view name);
// Every top-level kind served.
const std::vector<const TypeDef*>& allKinds();

}  // namespace edgeway::api
