#pragma once
// How server-side apply (structured-merge-diff) sees lists and objects, and the path element
// that names each list item. Derived from the schema the way kube derives it from OpenAPI:
// x-kubernetes-list-type first, then patchStrategy=merge (with a key: associative; without:
// a set), otherwise atomic; x-kubernetes-map-type=atomic makes a map or struct one value.

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "api/src/value_slot.h"
#include "base/status.h"

namespace edgeway::api::detail {

struct ListShape {
  enum class Kind { kAtomic, kSet, kAssociative };
  Kind kind = Kind::kAtomic;
  std::vector<std::string> keys;  // kAssociative
};

ListShape listShape(const Slot& list);

// Whether a value at `slot` is owned field by field (objects, sets, associative lists) rather
// than as one leaf. Mismatches between value and schema make it a leaf.
enum class Granularity { kLeaf, kFields, kItems };
Granularity granularity(const nlohmann::json& value, const Slot& slot, ListShape* shape);

// The path element of a list item: "k:{...}" for associative lists, "v:..." for sets. Fails
// when an item lacks a key field that has no default, or is not of the list's shape.
Result<std::string> itemElement(const nlohmann::json& item, const ListShape& shape);

}  // namespace edgeway::api::detail
