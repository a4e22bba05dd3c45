#include "api/src/list_order.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

namespace edgeway::api::detail {

namespace {

using json = nlohmann::json;
constexpr size_t kAbsent = static_cast<size_t>(-1);

// Position of each identity in a list (first occurrence wins).
std::map<std::string, size_t> positions(const json& list, const std::string& mergeKey) {
  std::map<std::string, size_t> out;
  for (size_t i = 0; i < list.size(); ++i) {
    std::string id = itemIdentity(list[i], mergeKey);
    if (!id.empty()) out.emplace(std::move(id), i);
  }
  return out;
}

size_t positionOf(const std::map<std::string, size_t>& index, const std::string& id) {
  auto it = index.find(id);
  return it == index.end() ? kAbsent : it->second;
}

struct Ranked {
  json item;
  size_t patchPos;   // in `order`
  size_t serverPos;  // in `serverOrder`
};

}  // namespace

std::string itemIdentity(const json& item, const std::string& mergeKey) {
  if (mergeKey.empty() || !item.is_object()) return item.dump();
  auto it = item.find(mergeKey);
  return it == item.end() ? std::string() : it->dump();
}

json orderMergedList(json merged, const json& order, const json& serverOrder, const std::string& mergeKey) {
  const auto patchIndex = positions(order, mergeKey);
  const auto serverIndex = positions(serverOrder, mergeKey);
  std::vector<Ranked> fromPatch, serverOnly;
  for (auto& item : merged) {
    const std::string id = itemIdentity(item, mergeKey);
    Ranked r{std::move(item), positionOf(patchIndex, id), positionOf(serverIndex, id)};
    (r.patchPos != kAbsent ? fromPatch : serverOnly).push_back(std::move(r));
  }
  std::stable_sort(fromPatch.begin(), fromPatch.end(),
                   [](const Ranked& a, const Ranked& b) { return a.patchPos < b.patchPos; });
  std::stable_sort(serverOnly.begin(), serverOnly.end(),
                   [](const Ranked& a, const Ranked& b) { return a.serverPos < b.serverPos; });

  // Interleave: a server-only item goes first only when both items were on the server and it
  // came earlier there; otherwise the patch's item goes first.
  json out = json::array();
  size_t i = 0, j = 0;
  while (i < serverOnly.size() || j < fromPatch.size()) {
    bool takeServer;
    if (j == fromPatch.size()) {
      takeServer = true;
    } else if (i == serverOnly.size()) {
      takeServer = false;
    } else {
      const size_t l = serverOnly[i].serverPos, r = fromPatch[j].serverPos;
      takeServer = l != kAbsent && r != kAbsent && l < r;
    }
    out.push_back(std::move(takeServer ? serverOnly[i++].item : fromPatch[j++].item));
  }
  return out;
}

Status checkPatchFollowsOrder(const json& patchList, const json& order, const std::string& mergeKey,
                              const std::string& where) {
  size_t p = 0, o = 0;
  while (p < patchList.size() && o < order.size()) {
    const json& item = patchList[p];
    if (item.is_object() && item.contains("$patch")) {  // deletions are not listed
      ++p;
      continue;
    }
    const std::string id = itemIdentity(item, mergeKey);
    if (id.empty()) {
      return invalidArgument(where + ": list item " + item.dump() + " does not contain the merge key " +
                             json(mergeKey).dump());
    }
    if (id == itemIdentity(order[o], mergeKey)) ++p;
    ++o;
  }
  while (p < patchList.size() && patchList[p].is_object() && patchList[p].contains("$patch")) ++p;
  if (p < patchList.size()) {
    return invalidArgument(where + ": the order of the patch list " + patchList.dump() +
                           " does not match its $setElementOrder list " + order.dump());
  }
  return Status::ok();
}

}  // namespace edgeway::api::detail
