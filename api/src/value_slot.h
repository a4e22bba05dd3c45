#pragma once
// What the schema says about one position in an object, for the code that merges objects
// (strategic merge patch, server-side apply). Positions the schema does not describe, and
// kAny fields, are kUntyped: their objects are maps of untyped values and their lists atomic,
// which is how both apimachinery and structured-merge-diff treat unknown content.

#include <string>

#include "api/schema.h"

namespace edgeway::api::detail {

struct Slot {
  enum class Kind {
    kUntyped,
    kScalar,
    kStruct,  // object with declared fields: `object`
    kMap,     // string keys to elements
    kList,    // elements
  };
  Kind kind = Kind::kUntyped;
  const TypeDef* object = nullptr;   // kStruct: its type; kMap/kList: element type, if objects
  ValueType elem = ValueType::kAny;  // kMap/kList: element kind
  const Field* field = nullptr;      // declaring field: patch and list metadata (null at the root
                                     // and for list/map elements)
};

Slot rootSlot(const TypeDef& type);
Slot fieldSlot(const Field& field);
// The slot of `key` in an object at `parent` (kStruct: its field; kMap: the element slot).
Slot childSlot(const Slot& parent, const std::string& key);
// The slot of the elements of a kMap or kList slot.
Slot elementSlot(const Slot& container);

// Whether the field's comma-separated patchStrategy contains `strategy` ("merge", "replace",
// "retainKeys"). False for a null field.
bool hasPatchStrategy(const Field* field, const std::string& strategy);

}  // namespace edgeway::api::detail
