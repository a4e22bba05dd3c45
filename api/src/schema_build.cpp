#include "api/src/schema_build.h"

#include <utility>

namespace edgeway::api {

const Field* TypeDef::field(std::string_view jsonName) const {
  for (const Field& f : fields) {
    if (f.name == jsonName) return &f;
  }
  return nullptr;
}

namespace schema {

F::F(std::string name, ValueType type, int proto, std::string description) {
  f_.name = std::move(name);
  f_.type = type;
  f_.protoNumber = proto;
  f_.description = std::move(description);
}

F& F::of(ValueType elem) {
  f_.elem = elem;
  return *this;
}

F& F::obj(const TypeDef& type) {
  f_.object = &type;
  return *this;
}

F& F::merge(std::string key) {
  f_.patchStrategy = "merge";
  f_.patchMergeKey = std::move(key);
  return *this;
}

F& F::strategy(std::string strategy) {
  f_.patchStrategy = std::move(strategy);
  return *this;
}

F& F::listMap(std::initializer_list<std::string> keys) {
  f_.listType = "map";
  f_.listMapKeys = keys;
  return *this;
}

F& F::atomic() {
  f_.listType = "atomic";
  return *this;
}

F& F::set() {
  f_.listType = "set";
  return *this;
}

F& F::atomicMap() {
  f_.mapType = "atomic";
  return *this;
}

F& F::oneOf(std::initializer_list<std::string> values) {
  f_.enumValues = values;
  return *this;
}

F& F::required() {
  f_.required = true;
  f_.keepZero = true;  // a required Go field never has omitempty
  return *this;
}

F& F::keep() {
  f_.keepZero = true;
  return *this;
}

F& F::inner(int number) {
  f_.protoInner = number;
  return *this;
}

F str(std::string name, int proto, std::string description) {
  return F(std::move(name), ValueType::kString, proto, std::move(description));
}
F i32(std::string name, int proto, std::string description) {
  return F(std::move(name), ValueType::kInt32, proto, std::move(description));
}
F i64(std::string name, int proto, std::string description) {
  return F(std::move(name), ValueType::kInt64, proto, std::move(description));
}
F boolean(std::string name, int proto, std::string description) {
  return F(std::move(name), ValueType::kBool, proto, std::move(description));
}
F time(std::string name, int proto, std::string description) {
  return F(std::move(name), ValueType::kTime, proto, std::move(description));
}
F microTime(std::string name, int proto, std::string description) {
  return F(std::move(name), ValueType::kMicroTime, proto, std::move(description));
}
F intOrString(std::string name, int proto, std::string description) {
  return F(std::move(name), ValueType::kIntOrString, proto, std::move(description));
}
F any(std::string name, int proto, std::string description) {
  return F(std::move(name), ValueType::kAny, proto, std::move(description));
}
F object(std::string name, int proto, const TypeDef& type, std::string description) {
  return std::move(F(std::move(name), ValueType::kObject, proto, std::move(description)).obj(type));
}
F objects(std::string name, int proto, const TypeDef& type, std::string description) {
  return std::move(
      F(std::move(name), ValueType::kArray, proto, std::move(description)).of(ValueType::kObject).obj(type));
}
F strings(std::string name, int proto, std::string description) {
  return std::move(
      F(std::move(name), ValueType::kArray, proto, std::move(description)).of(ValueType::kString));
}
F anys(std::string name, int proto, std::string description) {
  return std::move(F(std::move(name), ValueType::kArray, proto, std::move(description)).of(ValueType::kAny));
}
F strMap(std::string name, int proto, std::string description) {
  return std::move(F(std::move(name), ValueType::kMap, proto, std::move(description)).of(ValueType::kString));
}
F bytesMap(std::string name, int proto, std::string description) {
  return std::move(F(std::move(name), ValueType::kMap, proto, std::move(description)).of(ValueType::kBytes));
}
F quantityMap(std::string name, int proto, std::string description) {
  return std::move(
      F(std::move(name), ValueType::kMap, proto, std::move(description)).of(ValueType::kQuantity));
}

TypeDef type(std::string name, std::string description, std::vector<Field> fields) {
  TypeDef t;
  t.name = std::move(name);
  t.description = std::move(description);
  t.fields = std::move(fields);
  return t;
}

TypeDef kind(std::string group, std::string version, std::string kind, std::string name,
             std::string description, std::vector<Field> fields) {
  std::vector<Field> all;
  all.reserve(fields.size() + 2);
  all.push_back(str("apiVersion", 0, "Versioned schema of this object, as group/version (\"v1\" for core)."));
  all.push_back(str("kind", 0, "Name of this object's type, in CamelCase."));
  for (Field& f : fields) all.push_back(std::move(f));
  TypeDef t = type(std::move(name), std::move(description), std::move(all));
  t.group = std::move(group);
  t.version = std::move(version);
  t.kind = std::move(kind);
  return t;
}

TypeDef listOf(const TypeDef& item) {
  return kind(
      item.group, item.version, item.kind + "List", item.name + "List",
      "A list of " + item.kind + " objects.",
      {
          object("metadata", 1, listMeta(), "List metadata: resourceVersion to watch from, continue token."),
          objects("items", 2, item, "The " + item.kind + " objects.").required(),
      });
}

}  // namespace schema
}  // namespace edgeway::api
