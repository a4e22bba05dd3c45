#pragma once
// The field sets server-side apply reasons with, computed from objects and the schema the
// way structured-merge-diff computes them:
//  - fieldSetOf: the fields an applied configuration sets (its owner's Apply entry): every
//    leaf value, every list item, every map entry; struct fields only through their leaves;
//  - compareObjects: what changed between two versions (the Update entries and conflicts):
//    leaves added, removed or modified, plus maps, lists and list items that appeared or
//    disappeared as a whole. Fields holding structs are not tracked themselves: in Go most
//    are never absent, so kube does not report them (metadata and spec carry no "."; kube
//    does track pointer structs such as rollingUpdate, which the schema cannot tell apart).

#include <nlohmann/json_fwd.hpp>

#include "api/src/field_set.h"
#include "api/src/value_slot.h"
#include "base/status.h"

namespace edgeway::api::detail {

// Fails on items without their keys and on duplicate items: an applied configuration must
// name each item once.
Result<FieldSet> fieldSetOf(const nlohmann::json& object, const Slot& root);

struct Comparison {
  FieldSet added, modified, removed;
  bool same() const { return added.empty() && modified.empty() && removed.empty(); }
};

// Lenient: items that cannot be named (no key, duplicates) are left out of the comparison.
Comparison compareObjects(const nlohmann::json& before, const nlohmann::json& after, const Slot& root);

}  // namespace edgeway::api::detail
