// Strategic merge patch, following apimachinery's strategicpatch package (the "apply" half):
// kubectl sends it for `apply` (client-side), `edit` and `patch`. The schema supplies what Go
// struct tags supply there: patchStrategy and patchMergeKey per field.
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "api/patch.h"
#include "api/src/json_limits.h"
#include "api/src/list_order.h"
#include "api/src/value_slot.h"

namespace edgeway::api {
namespace {

using json = nlohmann::json;
using detail::Slot;

const std::string kPatchKey = "$patch";
const std::string kRetainKeys = "$retainKeys";
const std::string kSetElementOrder = "$setElementOrder/";
const std::string kDeleteFromPrimitiveList = "$deleteFromPrimitiveList/";

bool startsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

bool isDirectiveKey(const std::string& key) {
  return key == kPatchKey || key == kRetainKeys || startsWith(key, kSetElementOrder) ||
         startsWith(key, kDeleteFromPrimitiveList);
}

std::string join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

// Objects, arrays and everything else: values of different shapes never merge.
int shape(const json& v) { return v.is_object() ? 0 : v.is_array() ? 1 : 2; }

class StrategicMerger {
 public:
  Result<json> mergeObject(json original, const json& patch, const Slot& slot, const std::string& path);

 private:
  Result<json> newValue(const json& patch, const Slot& slot, const std::string& path);
  Result<json> mergeValue(json original, const json& patch, const Slot& slot, const std::string& path);
  Result<json> mergeListField(json original, const json& patch, const Slot& slot, const std::string& path);
  Result<json> mergeList(json original, const json& patch, const Slot& slot, const std::string& path);
  Result<json> mergeObjectList(json original, const json& patch, const Slot& slot, const std::string& path);
  Status retainKeys(json& original, const json& patch, const std::string& path);
  Status setElementOrder(json& original, const json& patch, const std::string& listKey, const json& order,
                         const Slot& parent, const std::string& path);
};

Result<json> StrategicMerger::mergeObject(json original, const json& patch, const Slot& slot,
                                          const std::string& path) {
  if (auto it = patch.find(kPatchKey); it != patch.end()) {
    const std::string directive = it->is_string() ? it->get<std::string>() : it->dump();
    if (directive == "delete") return json::object();
    if (directive == "replace") {
      json rest = patch;
      rest.erase(kPatchKey);
      return newValue(rest, slot, path);
    }
    if (directive != "merge") {
      return invalidArgument("unknown patch type: " + it->dump() + " in map at " +
                             (path.empty() ? "the top level" : path));
    }
  }
  if (!original.is_object()) original = json::object();
  if (Status s = retainKeys(original, patch, path); !s) return s;

  // $setElementOrder merges its list and orders it in one step; the list is then done.
  std::set<std::string> ordered;
  for (const auto& [key, value] : patch.items()) {
    if (!startsWith(key, kSetElementOrder)) continue;
    const std::string listKey = key.substr(kSetElementOrder.size());
    auto list = patch.find(listKey);
    if (list != patch.end() && list->is_null()) continue;  // the list is deleted below
    if (Status s = setElementOrder(original, patch, listKey, value, slot, path); !s) return s;
    ordered.insert(listKey);
  }

  for (const auto& [key, value] : patch.items()) {
    if (isDirectiveKey(key) || ordered.count(key) != 0) continue;
    if (!key.empty() && key[0] == '$' && slot.kind == Slot::Kind::kStruct) {
      return invalidArgument("unknown strategic merge patch directive " + json(key).dump() + " at " +
                             (path.empty() ? "the top level" : path));
    }
    if (value.is_null()) {
      original.erase(key);
      continue;
    }
    const Slot child = detail::childSlot(slot, key);
    auto it = original.find(key);
    Result<json> merged = it == original.end() ? newValue(value, child, join(path, key))
                                               : mergeValue(std::move(*it), value, child, join(path, key));
    if (!merged) return merged.status();
    original[key] = std::move(*merged);
  }

  // Deletions run last, so that an item both merged (by $setElementOrder) and deleted is gone.
  for (const auto& [key, value] : patch.items()) {
    if (!startsWith(key, kDeleteFromPrimitiveList)) continue;
    const std::string listKey = key.substr(kDeleteFromPrimitiveList.size());
    if (listKey.empty() || !value.is_array()) {
      return invalidArgument("invalid patch format of " + key + " at " +
                             (path.empty() ? "the top level" : path) +
                             ": it must name a list and hold a list of values");
    }
    auto it = original.find(listKey);
    if (it == original.end() || !it->is_array()) continue;
    std::set<std::string> doomed;
    for (const auto& d : value) doomed.insert(d.dump());
    json kept = json::array();
    for (auto& item : *it) {
      if (doomed.count(item.dump()) == 0) kept.push_back(std::move(item));
    }
    *it = std::move(kept);
  }
  return original;
}

// $retainKeys: the map keeps only the listed keys; the patch may only set listed keys.
Status StrategicMerger::retainKeys(json& original, const json& patch, const std::string& path) {
  auto it = patch.find(kRetainKeys);
  if (it == patch.end()) return Status::ok();
  const std::string where = path.empty() ? "the top level" : path;
  if (!it->is_array())
    return invalidArgument("invalid patch format of $retainKeys at " + where + ": it must be a list");
  std::set<std::string> keep;
  for (const auto& k : *it) {
    if (!k.is_string())
      return invalidArgument("invalid patch format of $retainKeys at " + where +
                             ": it must list field names");
    keep.insert(k.get<std::string>());
  }
  for (const auto& [key, value] : patch.items()) {
    if (value.is_null() || isDirectiveKey(key)) continue;
    if (keep.count(key) == 0) {
      return invalidArgument("invalid patch format of $retainKeys at " + where + ": " + json(key).dump() +
                             " is in the patch but not in $retainKeys");
    }
  }
  for (auto o = original.begin(); o != original.end();) {
    o = keep.count(o.key()) == 0 ? original.erase(o) : std::next(o);
  }
  return Status::ok();
}

Status StrategicMerger::setElementOrder(json& original, const json& patch, const std::string& listKey,
                                        const json& order, const Slot& parent, const std::string& path) {
  const std::string where = join(path, listKey);
  if (listKey.empty() || !order.is_array()) {
    return invalidArgument("invalid patch format of $setElementOrder/" + listKey + " at " +
                           (path.empty() ? "the top level" : path) + ": it must name a list and hold a list");
  }
  const Slot slot = detail::childSlot(parent, listKey);
  const std::string mergeKey = slot.field != nullptr ? slot.field->patchMergeKey : "";
  auto orig = original.find(listKey);
  auto patched = patch.find(listKey);
  const bool haveOriginal = orig != original.end() && !orig->is_null();
  const bool havePatch = patched != patch.end() && !patched->is_null();
  if (haveOriginal && !orig->is_array()) return invalidArgument(where + ": expected a list in the object");
  if (havePatch && !patched->is_array()) return invalidArgument(where + ": expected a list in the patch");
  if (!haveOriginal && !havePatch) return Status::ok();

  const json empty = json::array();
  const json& patchList = havePatch ? *patched : empty;
  if (Status s = detail::checkPatchFollowsOrder(patchList, order, mergeKey, where); !s) return s;

  const json serverOrder = haveOriginal ? *orig : json::array();
  Result<json> merged = json::array();
  if (!havePatch) {
    merged = serverOrder;
  } else {
    merged = mergeListField(haveOriginal ? std::move(*orig) : json::array(), patchList, slot, where);
  }
  if (!merged) return merged.status();
  original[listKey] = detail::orderMergedList(std::move(*merged), order, serverOrder, mergeKey);
  return Status::ok();
}

// A patch value with nothing under it in the object: directives still apply (to nothing)
// and nulls vanish, as they would when merged into an empty value.
Result<json> StrategicMerger::newValue(const json& patch, const Slot& slot, const std::string& path) {
  if (patch.is_object()) return mergeObject(json::object(), patch, slot, path);
  if (patch.is_array() && detail::hasPatchStrategy(slot.field, "merge")) {
    return mergeList(json::array(), patch, slot, path);
  }
  return patch;
}

Result<json> StrategicMerger::mergeValue(json original, const json& patch, const Slot& slot,
                                         const std::string& path) {
  if (shape(original) != shape(patch)) return newValue(patch, slot, path);
  if (patch.is_object()) {
    if (detail::hasPatchStrategy(slot.field, "replace")) return newValue(patch, slot, path);
    return mergeObject(std::move(original), patch, slot, path);
  }
  if (patch.is_array()) return mergeListField(std::move(original), patch, slot, path);
  return patch;
}

// Lists merge only when their field says so; all others are replaced by the patch.
Result<json> StrategicMerger::mergeListField(json original, const json& patch, const Slot& slot,
                                             const std::string& path) {
  if (slot.kind == Slot::Kind::kList && detail::hasPatchStrategy(slot.field, "merge")) {
    return mergeList(std::move(original), patch, slot, path);
  }
  return patch;
}

Result<json> StrategicMerger::mergeList(json original, const json& patch, const Slot& slot,
                                        const std::string& path) {
  if (original.empty() && patch.empty()) return original;
  bool objects = false, scalars = false;
  for (const json* list : {static_cast<const json*>(&original), &patch}) {
    for (const auto& item : *list) {
      if (item.is_array()) return invalidArgument(path + ": lists of lists are not supported");
      (item.is_object() ? objects : scalars) = true;
    }
  }
  if (objects && scalars) return invalidArgument(path + ": list element types are not identical");
  if (objects) return mergeObjectList(std::move(original), patch, slot, path);

  // A set of scalars: the union, without duplicates, in patch order where the patch says.
  const json serverOrder = original;
  json merged = json::array();
  std::set<std::string> seen;
  for (const json* list : {static_cast<const json*>(&original), &patch}) {
    for (const auto& item : *list) {
      if (seen.insert(item.dump()).second) merged.push_back(item);
    }
  }
  return detail::orderMergedList(std::move(merged), patch, serverOrder, "");
}

Result<json> StrategicMerger::mergeObjectList(json original, const json& patch, const Slot& slot,
                                              const std::string& path) {
  const std::string mergeKey = slot.field != nullptr ? slot.field->patchMergeKey : "";
  if (mergeKey.empty()) return invalidArgument(path + ": cannot merge a list of objects without a merge key");
  const Slot elem = detail::elementSlot(slot);
  auto noKey = [&](const json& item) {
    return invalidArgument(path + ": list item " + item.dump() + " does not contain the merge key " +
                           json(mergeKey).dump());
  };

  // Items carrying "$patch" act on the list instead of being merged.
  json plain = json::array();
  bool replace = false;
  std::set<std::string> deleted;  // identities of {"$patch": "delete"} items
  for (const auto& item : patch) {
    auto directive = item.find(kPatchKey);
    if (directive == item.end()) {
      plain.push_back(item);
      continue;
    }
    if (*directive == "delete") {
      std::string id = detail::itemIdentity(item, mergeKey);
      if (id.empty()) return noKey(item);
      deleted.insert(std::move(id));
    } else if (*directive == "replace") {
      replace = true;
    } else if (*directive == "merge") {
      return invalidArgument(path + ": merging lists cannot yet be specified in the patch");
    } else {
      return invalidArgument(path + ": unknown patch type: " + directive->dump() + " in list item " +
                             item.dump());
    }
  }
  if (replace) {  // {"$patch": "replace"}: the list becomes the other items of the patch
    json result = json::array();
    for (const auto& item : plain) {
      auto v = newValue(item, elem, path);
      if (!v) return v.status();
      result.push_back(std::move(*v));
    }
    return result;
  }

  if (!deleted.empty()) {
    json kept = json::array();
    for (auto& o : original) {
      if (deleted.count(detail::itemIdentity(o, mergeKey)) == 0) kept.push_back(std::move(o));
    }
    original = std::move(kept);
  }

  // Each patch item merges into the first item with its key, or is appended (and later
  // items with the same key merge into that one).
  const json serverOrder = original;
  std::map<std::string, size_t> byKey;
  for (size_t i = 0; i < original.size(); ++i) {
    std::string id = detail::itemIdentity(original[i], mergeKey);
    if (!id.empty()) byKey.emplace(std::move(id), i);
  }
  for (const auto& item : plain) {
    const std::string id = detail::itemIdentity(item, mergeKey);
    if (id.empty()) return noKey(item);
    auto at = byKey.find(id);
    if (at != byKey.end()) {
      json& target = original[at->second];
      auto merged = mergeObject(std::move(target), item, elem, path);
      if (!merged) return merged.status();
      target = std::move(*merged);
    } else {
      auto v = newValue(item, elem, path);
      if (!v) return v.status();
      byKey.emplace(id, original.size());
      original.push_back(std::move(*v));
    }
  }
  return detail::orderMergedList(std::move(original), plain, serverOrder, mergeKey);
}

}  // namespace

Result<nlohmann::json> applyStrategicMergePatch(const nlohmann::json& original, const nlohmann::json& patch,
                                                const TypeDef& type) {
  if (!patch.is_object()) {
    return invalidArgument("a strategic merge patch must be a JSON object, got " +
                           std::string(patch.type_name()));
  }
  if (detail::jsonDepth(patch, kMaxPatchDepth) > kMaxPatchDepth) {
    return invalidArgument(detail::tooDeepMessage("the patch"));
  }
  if (detail::jsonDepth(original, kMaxPatchDepth) > kMaxPatchDepth) {
    return invalidArgument(detail::tooDeepMessage("the object"));
  }
  try {
    StrategicMerger merger;
    return merger.mergeObject(original.is_object() ? original : json::object(), patch, detail::rootSlot(type),
                              "");
  } catch (const json::exception& e) {
    return invalidArgument(std::string("cannot apply strategic merge patch: ") + e.what());
  }
}

}  // namespace edgeway::api
