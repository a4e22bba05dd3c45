#pragma once
// Helpers that keep the schema tables (schema_*.cpp) at one line per field, and the door
// between those files: each served type is a function returning a static TypeDef, built on
// first call (thread-safe), so tables in different files can refer to each other without
// depending on static initialisation order.

#include <initializer_list>
#include <string>
#include <vector>

#include "api/schema.h"

namespace edgeway::api::schema {

// A Field under construction. The modifiers mirror the Go markers (+patchStrategy,
// +listType, +optional pointers...) so a table line reads like the Go field it describes.
class F {
 public:
  F(std::string name, ValueType type, int proto, std::string description);

  F& of(ValueType elem);                                // element type of a kArray / kMap
  F& obj(const TypeDef& type);                          // object type of a kObject field or array/map element
  F& merge(std::string key);                            // patchStrategy=merge, patchMergeKey=key
  F& strategy(std::string strategy);                    // other patch strategies ("merge,retainKeys", ...)
  F& listMap(std::initializer_list<std::string> keys);  // listType=map with its keys
  F& atomic();                                          // listType=atomic
  F& set();                                             // listType=set
  F& atomicMap();                                       // mapType=atomic
  F& oneOf(std::initializer_list<std::string> values);  // enum
  F& required();                                        // required, so also kept when zero
  F& keep();             // Go pointer or no omitempty: zero values are meaningful
  F& inner(int number);  // see Field::protoInner

  operator Field() const { return f_; }  // NOLINT: implicit so tables stay terse

 private:
  Field f_;
};

F str(std::string name, int proto, std::string description);
F i32(std::string name, int proto, std::string description);
F i64(std::string name, int proto, std::string description);
F boolean(std::string name, int proto, std::string description);
F time(std::string name, int proto, std::string description);
F microTime(std::string name, int proto, std::string description);
F intOrString(std::string name, int proto, std::string description);
F any(std::string name, int proto, std::string description);
F object(std::string name, int proto, const TypeDef& type, std::string description);
F objects(std::string name, int proto, const TypeDef& type, std::string description);
F strings(std::string name, int proto, std::string description);
F anys(std::string name, int proto, std::string description);
F strMap(std::string name, int proto, std::string description);
F bytesMap(std::string name, int proto, std::string description);
F quantityMap(std::string name, int proto, std::string description);

TypeDef type(std::string name, std::string description, std::vector<Field> fields);
// A top-level kind: apiVersion and kind are prepended to the fields.
TypeDef kind(std::string group, std::string version, std::string kind, std::string name,
             std::string description, std::vector<Field> fields);
// The <Kind>List of a kind: metadata=1 (ListMeta), items=2.
TypeDef listOf(const TypeDef& item);

// meta/v1 (schema_meta.cpp)
const TypeDef& objectMeta();
const TypeDef& listMeta();
const TypeDef& condition();
const TypeDef& status();
const TypeDef& deleteOptions();
const TypeDef& patch();

// core/v1 (schema_core*.cpp)
const TypeDef& objectReference();
const TypeDef& localObjectReference();
const TypeDef& typedLocalObjectReference();
const TypeDef& service();
const TypeDef& namespaceKind();
const TypeDef& endpoints();
const TypeDef& secret();
const TypeDef& pod();
const TypeDef& node();
const TypeDef& event();

// discovery.k8s.io/v1 (schema_discovery.cpp)
const TypeDef& endpointSlice();

// networking.k8s.io/v1 (schema_networking.cpp)
const TypeDef& ingress();
const TypeDef& ingressClass();

// authorization.k8s.io/v1 (schema_authorization.cpp)
const TypeDef& selfSubjectAccessReview();
const TypeDef& selfSubjectRulesReview();

}  // namespace edgeway::api::schema
