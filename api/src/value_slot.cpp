#include "api/src/value_slot.h"

namespace edgeway::api::detail {

namespace {

Slot slotOfKind(ValueType type, const TypeDef* object) {
  Slot s;
  switch (type) {
    case ValueType::kObject:
      if (object != nullptr) {
        s.kind = Slot::Kind::kStruct;
        s.object = object;
      }
      return s;
    case ValueType::kArray:
    case ValueType::kMap:
    case ValueType::kAny:
      return s;  // a nested container without its own Field: nothing is known about it
    default:
      s.kind = Slot::Kind::kScalar;
      return s;
  }
}

}  // namespace

Slot rootSlot(const TypeDef& type) {
  Slot s;
  s.kind = Slot::Kind::kStruct;
  s.object = &type;
  return s;
}

Slot fieldSlot(const Field& field) {
  Slot s;
  switch (field.type) {
    case ValueType::kArray:
      s.kind = Slot::Kind::kList;
      break;
    case ValueType::kMap:
      s.kind = Slot::Kind::kMap;
      break;
    default:
      s = slotOfKind(field.type, field.object);
      break;
  }
  if (s.kind == Slot::Kind::kList || s.kind == Slot::Kind::kMap) {
    s.elem = field.elem;
    s.object = field.object;
  }
  s.field = &field;
  return s;
}

Slot childSlot(const Slot& parent, const std::string& key) {
  switch (parent.kind) {
    case Slot::Kind::kStruct: {
      const Field* f = parent.object->field(key);
      return f != nullptr ? fieldSlot(*f) : Slot{};
    }
    case Slot::Kind::kMap:
      return elementSlot(parent);
    default:
      return Slot{};
  }
}

Slot elementSlot(const Slot& container) {
  if (container.kind != Slot::Kind::kMap && container.kind != Slot::Kind::kList) return Slot{};
  return slotOfKind(container.elem, container.object);
}

bool hasPatchStrategy(const Field* field, const std::string& strategy) {
  if (field == nullptr) return false;
  const std::string& all = field->patchStrategy;
  size_t start = 0;
  while (start <= all.size()) {
    size_t end = all.find(',', start);
    if (end == std::string::npos) end = all.size();
    if (all.compare(start, end - start, strategy) == 0) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace edgeway::api::detail
