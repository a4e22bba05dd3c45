#include "api/src/apply_merge.h"

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/src/list_keys.h"

namespace edgeway::api::detail {

namespace {

using json = nlohmann::json;

json merge(const json* live, const json& config, const Slot& slot);

struct Named {
  std::string element;  // empty: the item cannot be named (kept as it is)
  const json* item;
};

// Items with their path elements; a repeated element is treated as unnamed so that live
// duplicates pass through untouched instead of being silently dropped.
std::vector<Named> nameItems(const json& list, const ListShape& shape, std::map<std::string, size_t>& index) {
  std::vector<Named> out;
  for (const auto& item : list) {
    auto element = itemElement(item, shape);
    std::string name = element ? *element : std::string();
    if (!name.empty() && !index.emplace(name, out.size()).second) name.clear();
    out.push_back({std::move(name), &item});
  }
  return out;
}

// structured-merge-diff's list merge: walk both lists; items only live has stay where they
// are, items the config names come in the config's order, each merged with its live twin.
json mergeItems(const json& live, const json& config, const Slot& slot, const ListShape& shape) {
  std::map<std::string, size_t> liveIndex, configIndex;
  const std::vector<Named> l = nameItems(live, shape, liveIndex);
  const std::vector<Named> r = nameItems(config, shape, configIndex);
  std::vector<std::string> shared;  // config order
  for (const auto& item : r) {
    if (!item.element.empty() && liveIndex.count(item.element) != 0) shared.push_back(item.element);
  }
  const Slot elem = elementSlot(slot);
  json out = json::array();
  size_t li = 0, ri = 0, si = 0;
  auto emitConfigItem = [&](const Named& item) {
    auto twin = item.element.empty() ? liveIndex.end() : liveIndex.find(item.element);
    out.push_back(merge(twin == liveIndex.end() ? nullptr : l[twin->second].item, *item.item, elem));
    if (si < shared.size() && shared[si] == item.element) ++si;
  };
  while (li < l.size() || ri < r.size()) {
    if (li < l.size() && ri < r.size() && !l[li].element.empty() && l[li].element == r[ri].element) {
      emitConfigItem(r[ri++]);
      ++li;
      continue;
    }
    if (li < l.size()) {
      const bool inConfig = !l[li].element.empty() && configIndex.count(l[li].element) != 0;
      if (!inConfig) {
        out.push_back(*l[li++].item);
        continue;
      }
      // Merged when the config reaches it (or already was).
      if (ri >= r.size() || si >= shared.size() || shared[si] != l[li].element) {
        ++li;
        continue;
      }
    }
    emitConfigItem(r[ri++]);
  }
  return out;
}

json merge(const json* live, const json& config, const Slot& slot) {
  if (live == nullptr || live->is_null()) return config;
  ListShape shapeLive, shapeConfig;
  const Granularity gl = granularity(*live, slot, &shapeLive);
  const Granularity gc = granularity(config, slot, &shapeConfig);
  if (gl != gc || gc == Granularity::kLeaf) return config;
  if (gc == Granularity::kItems) return mergeItems(*live, config, slot, shapeConfig);
  json out = *live;
  for (const auto& [key, value] : config.items()) {
    auto it = live->find(key);
    out[key] = merge(it == live->end() ? nullptr : &*it, value, childSlot(slot, key));
  }
  return out;
}

void prune(json& value, const FieldSet& last, const FieldSet* keep, const Slot& slot) {
  ListShape shape;
  switch (granularity(value, slot, &shape)) {
    case Granularity::kLeaf:
      return;
    case Granularity::kFields:
      for (const auto& [element, lastChild] : last.children()) {
        if (element.compare(0, 2, "f:") != 0) continue;
        const std::string key = element.substr(2);
        auto it = value.find(key);
        if (it == value.end()) continue;
        const FieldSet* keepChild = keep ? keep->find(element) : nullptr;
        if (keepChild == nullptr) {
          value.erase(it);
        } else if (!lastChild.children().empty()) {
          prune(*it, lastChild, keepChild, childSlot(slot, key));
        }
      }
      return;
    case Granularity::kItems: {
      const Slot elem = elementSlot(slot);
      json kept = json::array();
      for (auto& item : value) {
        auto element = itemElement(item, shape);
        const FieldSet* lastChild = element ? last.find(*element) : nullptr;
        if (lastChild != nullptr) {
          const FieldSet* keepChild = keep ? keep->find(*element) : nullptr;
          if (lastChild->isMember() && (keepChild == nullptr || !keepChild->isMember())) continue;
          prune(item, *lastChild, keepChild, elem);
        }
        kept.push_back(std::move(item));
      }
      value = std::move(kept);
      return;
    }
  }
}

}  // namespace

json mergeApplied(const json& live, const json& config, const Slot& root) {
  return merge(&live, config, root);
}

void removeUnowned(json& object, const FieldSet& last, const FieldSet& keep, const Slot& root) {
  prune(object, last, &keep, root);
}

}  // namespace edgeway::api::detail
