#pragma once
// Element order of merged lists in strategic merge patch, as apimachinery defines it:
// items named by the patch (or by its $setElementOrder list) come in that order; items only
// the server had keep their relative order and are slotted back in by their old positions.

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "base/status.h"

namespace edgeway::api::detail {

// The identity of a list item for ordering and matching: the dumped value of its merge key
// (mergeKey non-empty) or of the whole item. Empty when an object item lacks the key.
std::string itemIdentity(const nlohmann::json& item, const std::string& mergeKey);

// Reorders `merged`: items whose identity appears in `order` are sorted by it; the others
// keep the order they have in `serverOrder` (the list before the patch), and each is placed
// before the first ordered item that came after it on the server.
nlohmann::json orderMergedList(nlohmann::json merged, const nlohmann::json& order,
                               const nlohmann::json& serverOrder, const std::string& mergeKey);

// $setElementOrder must list every (non-deleted) item of the patch list, in the same
// relative order; `where` names the list in the error.
Status checkPatchFollowsOrder(const nlohmann::json& patchList, const nlohmann::json& order,
                              const std::string& mergeKey, const std::string& where);

}  // namespace edgeway::api::detail
