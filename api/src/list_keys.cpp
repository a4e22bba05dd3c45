#include "api/src/list_keys.h"

#include <nlohmann/json.hpp>

#include "api/src/field_set.h"

namespace edgeway::api::detail {

namespace {

using json = nlohmann::json;

// List-map key fields with an OpenAPI default: structured-merge-diff fills these in when an
// applied item leaves them out, so {"port":80} names the live item {"port":80,"protocol":"TCP"}.
// In the served types the only such key is `protocol` (ServicePort, ContainerPort), default TCP;
// Field carries no default, so it is spelled out here.
const json* keyDefault(const std::string& keyField) {
  static const json kTcp = "TCP";
  return keyField == "protocol" ? &kTcp : nullptr;
}

bool isAtomic(const Slot& slot) { return slot.field != nullptr && slot.field->mapType == "atomic"; }

}  // namespace

ListShape listShape(const Slot& list) {
  ListShape shape;
  const Field* f = list.field;
  if (f == nullptr || list.kind != Slot::Kind::kList || f->listType == "atomic") return shape;
  const bool objects = f->elem == ValueType::kObject;
  if (f->listType == "set") {
    shape.kind = ListShape::Kind::kSet;
  } else if (f->listType == "map") {
    shape.keys = f->listMapKeys;
    if (shape.keys.empty() && !f->patchMergeKey.empty()) shape.keys.push_back(f->patchMergeKey);
    if (!shape.keys.empty()) shape.kind = ListShape::Kind::kAssociative;
  } else if (hasPatchStrategy(f, "merge")) {
    if (objects && !f->patchMergeKey.empty()) {
      shape.kind = ListShape::Kind::kAssociative;
      shape.keys.push_back(f->patchMergeKey);
    } else if (!objects) {
      shape.kind = ListShape::Kind::kSet;
    }
  }
  return shape;
}

Granularity granularity(const json& value, const Slot& slot, ListShape* shape) {
  if (value.is_object()) {
    const bool objectSlot = slot.kind == Slot::Kind::kStruct || slot.kind == Slot::Kind::kMap ||
                            slot.kind == Slot::Kind::kUntyped;
    return objectSlot && !isAtomic(slot) ? Granularity::kFields : Granularity::kLeaf;
  }
  if (value.is_array() && slot.kind == Slot::Kind::kList) {
    ListShape s = listShape(slot);
    if (s.kind == ListShape::Kind::kAtomic) return Granularity::kLeaf;
    if (shape != nullptr) *shape = std::move(s);
    return Granularity::kItems;
  }
  return Granularity::kLeaf;
}

Result<std::string> itemElement(const json& item, const ListShape& shape) {
  if (shape.kind == ListShape::Kind::kSet) {
    if (item.is_structured()) return invalidArgument("a set may only hold scalars, got " + item.dump());
    return valueElement(item);
  }
  if (!item.is_object()) return invalidArgument("associative list items must be objects, got " + item.dump());
  json key = json::object();
  for (const auto& name : shape.keys) {
    auto it = item.find(name);
    if (it != item.end() && !it->is_null()) {
      if (it->is_structured()) return invalidArgument("key field " + json(name).dump() + " must be a scalar");
      key[name] = *it;
    } else if (const json* dflt = keyDefault(name)) {
      key[name] = *dflt;
    } else {
      return invalidArgument("associative list with keys has an element that omits key field " +
                             json(name).dump() + " (and doesn't have default value)");
    }
  }
  return keyElement(key);
}

}  // namespace edgeway::api::detail
