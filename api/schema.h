#pragma once
// One description of every served Kubernetes type, used three ways:
//  - OpenAPI v3 documents (components.schemas, for `kubectl explain` and validation),
//  - the protobuf decoder (field numbers of k8s.io/api generated.proto),
//  - strategic merge patch (x-kubernetes-patch-strategy / -merge-key per list field).
// The tables live in api/src/schema_*.cpp; this header is the door. Every TypeDef is built
// once, on first use, and lives until the process exits, so pointers to them stay valid.

#include <string>
#include <string_view>
#include <vector>

namespace edgeway::api {

enum class ValueType {
  kString,
  kBytes,  // base64 in JSON, bytes in protobuf (Secret.data values)
  kBool,
  kInt32,
  kInt64,
  kNumber,       // double
  kIntOrString,  // JSON int or string; protobuf IntOrString{type=1,intVal=2,strVal=3}
  kQuantity,     // resource.Quantity: JSON string; protobuf {string=1}
  kTime,         // metav1.Time: JSON RFC3339 string (seconds); protobuf {seconds=1,nanos=2}
  kMicroTime,    // metav1.MicroTime: like kTime, JSON keeps six fractional digits
  kObject,       // a TypeDef (Field::object)
  kArray,        // of Field::elem (and Field::object when elem is kObject)
  kMap,          // string keys to Field::elem (and Field::object when elem is kObject)
  kAny,          // free-form JSON (x-kubernetes-preserve-unknown-fields); not decodable from protobuf
};

struct TypeDef;

struct Field {
  std::string name;  // JSON name
  ValueType type = ValueType::kString;
  int protoNumber = 0;  // 0: not in protobuf (apiVersion, kind)
  // Go embeds some structs inline in JSON but protobuf keeps them as a nested message
  // (IngressRule.ingressRuleValue.http). Then protoNumber is the wrapper's number and
  // protoInner the field's number inside the wrapper; 0 for ordinary fields.
  int protoInner = 0;
  const TypeDef* object = nullptr;      // for kObject, or element/value type of kArray/kMap
  ValueType elem = ValueType::kString;  // element type of kArray / kMap
  std::string description;
  // Strategic merge patch metadata, for kArray (and kMap/kObject for retainKeys).
  std::string patchStrategy;             // "", "merge", "replace", "retainKeys", "merge,retainKeys"
  std::string patchMergeKey;             // list merge key, e.g. "port" for ServiceSpec.ports
  std::string listType;                  // x-kubernetes-list-type: "atomic", "map", "set"
  std::vector<std::string> listMapKeys;  // x-kubernetes-list-map-keys
  std::string mapType;                   // x-kubernetes-map-type: "atomic" (Service.spec.selector)
  std::vector<std::string> enumValues;
  std::string format;  // OpenAPI format override; derived from the type when empty
  bool required = false;
  // A zero scalar (0, "", false) is part of the JSON form: the Go field is a pointer or has
  // no omitempty. Otherwise the protobuf decoder drops zero scalars, as Go's JSON would.
  bool keepZero = false;
};

struct TypeDef {
  std::string name;  // OpenAPI component name, e.g. "io.k8s.api.core.v1.ServicePort"
  std::string description;
  std::vector<Field> fields;
  // Set on top-level kinds (those with apiVersion/kind), lists included.
  std::string group;  // "" for core
  std::string version;
  std::string kind;

  const Field* field(std::string_view jsonName) const;
  bool isKind() const { return !kind.empty(); }
};

// The type with this GVK (object kinds, their <Kind>List, Status, DeleteOptions, and the
// authorization.k8s.io/v1 SelfSubjectAccessReview and SelfSubjectRulesReview), or nullptr.
const TypeDef* findKind(std::string_view group, std::string_view version, std::string_view kind);
// The type with this OpenAPI component name, or nullptr.
const TypeDef* findType(std::string_view name);
// Every served object kind (Service, Namespace, Endpoints, Pod, Node, Secret, Event,
// EndpointSlice, Ingress, IngressClass); lists and meta kinds are reachable via findKind.
const std::vector<const TypeDef*>& allKinds();

}  // namespace edgeway::api
