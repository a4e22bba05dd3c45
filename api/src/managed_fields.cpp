// Server-side apply and Update bookkeeping, following kube-apiserver's field manager and
// structured-merge-diff's Updater (Apply: merge, prune, check conflicts; Update: move the
// changed fields to the writer).
#include "api/managed_fields.h"

#include <algorithm>
#include <map>

#include "api/patch.h"
#include "api/schema.h"
#include "api/src/apply_merge.h"
#include "api/src/json_limits.h"
#include "api/src/manager_entries.h"
#include "api/src/typed_fields.h"

namespace edgeway::api {

namespace {

using json = nlohmann::json;
using detail::FieldSet;
using detail::ManagerEntries;
using detail::ManagerEntry;

// metadata fields the server owns; kube strips them from every field set.
const char* const kUntrackedMetadata[] = {
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "selfLink",
    "managedFields",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
};

// The top-level field a write through `subresource` cannot change (kube's reset fields).
const char* ignoredTopLevel(std::string_view subresource) {
  return subresource == "status" ? "spec" : "status";
}

// The part of an object whose fields are owned.
json trackedView(const json& object, std::string_view subresource) {
  if (!object.is_object()) return json::object();
  json view = object;
  view.erase("apiVersion");
  view.erase("kind");
  view.erase(ignoredTopLevel(subresource));
  auto meta = view.find("metadata");
  if (meta != view.end() && meta->is_object()) {
    for (const char* field : kUntrackedMetadata) meta->erase(field);
    if (meta->empty()) view.erase(meta);
  }
  return view;
}

// Nulls in an applied configuration are treated as absent.
void dropNulls(json& value) {
  if (value.is_object()) {
    for (auto it = value.begin(); it != value.end();) {
      if (it->is_null()) {
        it = value.erase(it);
      } else {
        dropNulls(*it);
        ++it;
      }
    }
  } else if (value.is_array()) {
    for (auto& item : value) dropNulls(item);
  }
}

const json& managedFieldsOf(const json& object) {
  static const json kNone;
  if (!object.is_object()) return kNone;
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return kNone;
  auto mf = meta->find("managedFields");
  return mf == meta->end() ? kNone : *mf;
}

void storeManagedFields(json& object, ManagerEntries entries) {
  json encoded = detail::encodeManagedFields(std::move(entries));
  auto meta = object.find("metadata");
  if (encoded.empty()) {
    if (meta != object.end() && meta->is_object()) meta->erase("managedFields");
    return;
  }
  if (meta == object.end() || !meta->is_object()) object["metadata"] = json::object();
  object["metadata"]["managedFields"] = std::move(encoded);
}

ManagerEntries decodeOrEmpty(const json& managedFields) {
  auto entries = detail::decodeManagedFields(managedFields);
  return entries ? std::move(*entries) : ManagerEntries{};
}

// kube's rule for which managedFields an Update starts from: the client may replace them
// (kubectl does when it migrates client-side apply owners), [{}] clears them, and a missing
// or empty list keeps the stored ones so that clients unaware of the field cannot drop it.
ManagerEntries entriesForUpdate(const json& newObj, const json& oldObj, std::string_view subresource) {
  const json& requested = managedFieldsOf(newObj);
  if (subresource.empty() && requested.is_array()) {
    if (requested.size() == 1 && requested[0] == json::object()) return {};
    auto entries = detail::decodeManagedFields(requested);
    if (entries && !entries->empty()) return std::move(*entries);
  }
  return decodeOrEmpty(managedFieldsOf(oldObj));
}

std::string apiVersionOf(const json& applied, const TypeDef& type) {
  auto it = applied.find("apiVersion");
  if (it != applied.end() && it->is_string()) return it->get<std::string>();
  return type.group.empty() ? type.version : type.group + "/" + type.version;
}

bool tooDeep(const json& value) { return detail::jsonDepth(value, kMaxPatchDepth) > kMaxPatchDepth; }

Result<ApplyResult> apply(const json& live, const json& applied, const TypeDef& type,
                          const std::string& manager, bool force, const std::string& now,
                          std::string_view subresource) {
  const detail::Slot root = detail::rootSlot(type);
  json config = applied;
  dropNulls(config);
  config.erase(ignoredTopLevel(subresource));
  auto newSet = detail::fieldSetOf(trackedView(config, subresource), root);
  if (!newSet)
    return invalidArgument("the applied configuration cannot be applied: " + newSet.status().message());

  const json current = live.is_object() ? live : json::object();
  ManagerEntries entries = decodeOrEmpty(managedFieldsOf(current));
  const std::string sub(subresource);
  auto mine = entries.end();
  FieldSet keep = *newSet;
  for (auto it = entries.begin(); it != entries.end(); ++it) {
    if (it->sameOwner(manager, "Apply", "", sub)) {
      mine = it;
    } else {
      keep.unite(it->fields);
    }
  }

  json merged = detail::mergeApplied(current, config, root);
  if (mine != entries.end()) detail::removeUnowned(merged, mine->fields, keep, root);

  // Others own what they own; they conflict where this apply changes or adds it.
  const detail::Comparison changes =
      detail::compareObjects(trackedView(current, subresource), trackedView(merged, subresource), root);
  FieldSet changed = changes.modified;
  changed.unite(changes.added);
  ApplyResult result;
  std::map<const ManagerEntry*, FieldSet> taken;
  for (const auto& e : entries) {
    if (mine != entries.end() && &e == &*mine) continue;
    FieldSet lost = e.fields.intersect(changed);
    if (lost.empty()) continue;
    lost.forEachMember([&](const detail::FieldPath& path) {
      result.conflicts.push_back({e.displayName(), detail::pathString(path)});
    });
    taken.emplace(&e, std::move(lost));
  }
  if (!result.conflicts.empty() && !force) {
    std::stable_sort(result.conflicts.begin(), result.conflicts.end(),
                     [](const ApplyConflict& a, const ApplyConflict& b) { return a.manager < b.manager; });
    return result;
  }
  result.conflicts.clear();

  for (auto& e : entries) {
    if (mine != entries.end() && &e == &*mine) continue;
    if (auto t = taken.find(&e); t != taken.end()) e.fields.subtract(t->second);
    e.fields.subtract(changes.removed);
  }
  const bool objectChanged = !changes.same();
  if (mine == entries.end()) {
    entries.push_back(ManagerEntry{manager, "Apply", "", now, sub, {}});
    mine = entries.end() - 1;
  } else if (objectChanged) {
    mine->time = now;
  }
  mine->apiVersion = apiVersionOf(applied, type);
  mine->fields = std::move(*newSet);
  storeManagedFields(merged, std::move(entries));
  result.object = std::move(merged);
  return result;
}

void update(json& newObj, const json& oldObj, const TypeDef& type, const std::string& manager,
            const std::string& apiVersion, const std::string& now, std::string_view subresource) {
  ManagerEntries entries = entriesForUpdate(newObj, oldObj, subresource);
  const detail::Comparison changes = detail::compareObjects(
      trackedView(oldObj, subresource), trackedView(newObj, subresource), detail::rootSlot(type));
  FieldSet touched = changes.modified;
  touched.unite(changes.added);
  for (auto& e : entries) {
    e.fields.subtract(touched);
    e.fields.subtract(changes.removed);
  }
  if (!touched.empty()) {
    const std::string sub(subresource);
    auto mine = std::find_if(entries.begin(), entries.end(), [&](const ManagerEntry& e) {
      return e.sameOwner(manager, "Update", apiVersion, sub);
    });
    if (mine == entries.end()) {
      entries.push_back(ManagerEntry{manager, "Update", apiVersion, now, sub, {}});
      mine = entries.end() - 1;
    }
    mine->time = now;
    mine->fields.unite(touched);
  }
  storeManagedFields(newObj, std::move(entries));
}

}  // namespace

std::string applyConflictMessage(const std::vector<ApplyConflict>& conflicts) {
  if (conflicts.size() == 1) {
    return "Apply failed with 1 conflict: " + conflicts[0].message() + ": " + conflicts[0].field;
  }
  std::map<std::string, std::vector<std::string>> byManager;  // sorted by manager, as kube prints
  for (const auto& c : conflicts) byManager[c.manager].push_back(c.field);
  std::string out = "Apply failed with " + std::to_string(conflicts.size()) + " conflicts: ";
  bool first = true;
  for (const auto& [manager, fields] : byManager) {
    out += (first ? "" : "\n") + std::string("conflicts with ") + manager + ":";
    for (const auto& f : fields) out += "\n- " + f;
    first = false;
  }
  return out;
}

Result<ApplyResult> serverSideApply(const nlohmann::json& live, const nlohmann::json& applied,
                                    const TypeDef& type, const std::string& manager, bool force,
                                    const std::string& now, std::string_view subresource) {
  if (manager.empty()) return invalidArgument("fieldManager is required for apply requests");
  if (!applied.is_object()) {
    return invalidArgument("the applied configuration must be a JSON object, got " +
                           std::string(applied.type_name()));
  }
  if (!managedFieldsOf(applied).is_null()) return invalidArgument("metadata.managedFields must be nil");
  if (tooDeep(applied)) return invalidArgument(detail::tooDeepMessage("the applied configuration"));
  if (tooDeep(live)) return invalidArgument(detail::tooDeepMessage("the object"));
  try {
    return apply(live, applied, type, manager, force, now, subresource);
  } catch (const nlohmann::json::exception& e) {
    return invalidArgument(std::string("cannot apply the configuration: ") + e.what());
  }
}

void recordUpdate(nlohmann::json& newObj, const nlohmann::json& oldObj, const TypeDef& type,
                  const std::string& manager, const std::string& apiVersion, const std::string& now,
                  std::string_view subresource) {
  if (!newObj.is_object() || tooDeep(newObj) || tooDeep(oldObj)) return;
  try {
    json updated = newObj;
    update(updated, oldObj, type, manager, apiVersion, now, subresource);
    newObj = std::move(updated);
  } catch (const nlohmann::json::exception&) {
    // Ownership is bookkeeping: a write never fails over it (kube logs and carries on).
  }
}

}  // namespace edgeway::api
