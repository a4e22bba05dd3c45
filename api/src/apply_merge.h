#pragma once
// The object side of server-side apply: merging an applied configuration into the live
// object, and removing what a manager stopped applying.

#include <nlohmann/json_fwd.hpp>

#include "api/src/field_set.h"
#include "api/src/value_slot.h"

namespace edgeway::api::detail {

// Live object with `config` merged in: config wins for leaves and atomic values, objects merge
// key by key, associative lists and sets merge item by item (structured-merge-diff's order:
// the config's order for the items it names, live-only items kept in place around them).
// `config` must already have passed fieldSetOf (its items all have keys).
nlohmann::json mergeApplied(const nlohmann::json& live, const nlohmann::json& config, const Slot& root);

// Removes from `object` each field or list item the manager applied last time (`last`) that
// nobody keeps owning (`keep`: the manager's new set and every other manager's). A struct
// field counts as owned when anything under it is; a list item only when the item itself is.
void removeUnowned(nlohmann::json& object, const FieldSet& last, const FieldSet& keep, const Slot& root);

}  // namespace edgeway::api::detail
