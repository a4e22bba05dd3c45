#include "api/src/typed_fields.h"

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "api/src/list_keys.h"

namespace edgeway::api::detail {

namespace {

using json = nlohmann::json;

bool isStructField(const Slot& parent, const std::string& key) {
  return parent.kind == Slot::Kind::kStruct && parent.object->field(key) != nullptr;
}

Status collect(const json& value, const Slot& slot, FieldPath& path, FieldSet& out) {
  ListShape shape;
  switch (granularity(value, slot, &shape)) {
    case Granularity::kLeaf:
      if (!path.empty()) out.insert(path);
      return Status::ok();
    case Granularity::kFields:
      for (const auto& [key, child] : value.items()) {
        path.push_back(fieldElement(key));
        Status s = collect(child, childSlot(slot, key), path, out);
        if (s && !isStructField(slot, key)) out.insert(path);
        path.pop_back();
        if (!s) return s;
      }
      return Status::ok();
    case Granularity::kItems: {
      std::set<std::string> seen;
      const Slot elem = elementSlot(slot);
      for (const auto& item : value) {
        auto element = itemElement(item, shape);
        if (!element) return invalidArgument(pathString(path) + ": " + element.status().message());
        if (!seen.insert(*element).second) {
          path.push_back(*element);
          Status dup = invalidArgument(pathString(path) + ": duplicate entries for this key");
          path.pop_back();
          return dup;
        }
        path.push_back(*element);
        Status s = collect(item, elem, path, out);
        out.insert(path);
        path.pop_back();
        if (!s) return s;
      }
      return Status::ok();
    }
  }
  return Status::ok();
}

// Items of a granular list by path element; unnamed and repeated items are skipped.
std::map<std::string, const json*> indexItems(const json* list, const ListShape& shape) {
  std::map<std::string, const json*> out;
  if (list == nullptr) return out;
  for (const auto& item : *list) {
    auto element = itemElement(item, shape);
    if (element) out.emplace(*element, &item);
  }
  return out;
}

bool isEmptyContainer(const json* v) { return v == nullptr || (v->is_structured() && v->empty()); }

class Comparer {
 public:
  explicit Comparer(Comparison& out) : out_(out) {}

  // `tracked`: whether this position is reported itself when it appears or disappears whole.
  void compare(const json* before, const json* after, const Slot& slot, bool tracked) {
    if (before != nullptr && before->is_null()) before = nullptr;
    if (after != nullptr && after->is_null()) after = nullptr;
    if (before == nullptr && after == nullptr) return;
    ListShape shapeBefore, shapeAfter;
    const Granularity gb = before ? granularity(*before, slot, &shapeBefore) : Granularity::kLeaf;
    const Granularity ga = after ? granularity(*after, slot, &shapeAfter) : Granularity::kLeaf;
    const Granularity g = before ? gb : ga;
    // Two empty (or absent) containers compare as leaves, which keeps {} apart from absent.
    const bool container = g != Granularity::kLeaf && (!before || !after || gb == ga) &&
                           !(isEmptyContainer(before) && isEmptyContainer(after));
    if (!container) {
      if (path_.empty()) return;
      if (before == nullptr) {
        out_.added.insert(path_);
      } else if (after == nullptr) {
        out_.removed.insert(path_);
      } else if (*before != *after) {
        out_.modified.insert(path_);
      }
      return;
    }
    if (g == Granularity::kFields) {
      compareFields(before, after, slot);
    } else {
      compareItems(before, after, slot, before ? shapeBefore : shapeAfter);
    }
    if (tracked && !path_.empty()) {
      if (before == nullptr) out_.added.insert(path_);
      if (after == nullptr) out_.removed.insert(path_);
    }
  }

 private:
  void compareFields(const json* before, const json* after, const Slot& slot) {
    std::set<std::string> keys;
    for (const json* side : {before, after}) {
      if (side == nullptr) continue;
      for (const auto& [key, unused] : side->items()) keys.insert(key);
    }
    for (const auto& key : keys) {
      const Slot c = childSlot(slot, key);
      // Go struct fields holding structs are never absent, so kube never tracks them;
      // maps, lists and map entries can be, and are.
      const bool tracked = !(isStructField(slot, key) && c.kind == Slot::Kind::kStruct);
      path_.push_back(fieldElement(key));
      compare(child(before, key), child(after, key), c, tracked);
      path_.pop_back();
    }
  }

  void compareItems(const json* before, const json* after, const Slot& slot, const ListShape& shape) {
    const auto b = indexItems(before, shape);
    const auto a = indexItems(after, shape);
    std::set<std::string> elements;
    for (const auto& [element, unused] : b) elements.insert(element);
    for (const auto& [element, unused] : a) elements.insert(element);
    const Slot elem = elementSlot(slot);
    for (const auto& element : elements) {
      auto bi = b.find(element);
      auto ai = a.find(element);
      path_.push_back(element);
      compare(bi == b.end() ? nullptr : bi->second, ai == a.end() ? nullptr : ai->second, elem, true);
      path_.pop_back();
    }
  }

  static const json* child(const json* object, const std::string& key) {
    if (object == nullptr) return nullptr;
    auto it = object->find(key);
    return it == object->end() ? nullptr : &*it;
  }

  Comparison& out_;
  FieldPath path_;
};

}  // namespace

Result<FieldSet> fieldSetOf(const json& object, const Slot& root) {
  FieldSet out;
  FieldPath path;
  if (Status s = collect(object, root, path, out); !s) return s;
  return out;
}

Comparison compareObjects(const json& before, const json& after, const Slot& root) {
  Comparison out;
  Comparer(out).compare(&before, &after, root, false);
  return out;
}

}  // namespace edgeway::api::detail
