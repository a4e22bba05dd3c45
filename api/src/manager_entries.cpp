#include "api/src/manager_entries.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <tuple>

namespace edgeway::api::detail {

namespace {

using json = nlohmann::json;

// kube-apiserver's cap on Update entries, and the entry older ones are folded into.
constexpr size_t kMaxUpdateEntries = 10;
const std::string kAncientChanges = "ancient-changes";

Result<std::string> optionalString(const json& entry, const char* member) {
  auto it = entry.find(member);
  if (it == entry.end() || it->is_null()) return std::string();
  if (!it->is_string())
    return invalidArgument(std::string("managedFields: \"") + member + "\" must be a string");
  return it->get<std::string>();
}

void capUpdateEntries(ManagerEntries& entries) {
  auto updates = [&] {
    return static_cast<size_t>(
        std::count_if(entries.begin(), entries.end(), [](const ManagerEntry& e) { return !e.isApply(); }));
  };
  while (updates() > kMaxUpdateEntries) {
    // The oldest Update entry that is not already a bucket.
    auto oldest = entries.end();
    for (auto it = entries.begin(); it != entries.end(); ++it) {
      if (it->isApply() || it->manager == kAncientChanges) continue;
      if (oldest == entries.end() || it->time < oldest->time) oldest = it;
    }
    if (oldest == entries.end()) return;  // only buckets left (one per version): nothing to fold
    auto bucket = std::find_if(entries.begin(), entries.end(), [&](const ManagerEntry& e) {
      return e.sameOwner(kAncientChanges, "Update", oldest->apiVersion, "");
    });
    if (bucket == entries.end()) {  // the oldest becomes the bucket of its version
      oldest->manager = kAncientChanges;
      oldest->subresource.clear();
      continue;
    }
    bucket->fields.unite(oldest->fields);
    bucket->time = std::max(bucket->time, oldest->time);
    entries.erase(oldest);
  }
}

}  // namespace

bool ManagerEntry::sameOwner(const std::string& otherManager, const std::string& otherOperation,
                             const std::string& otherApiVersion, const std::string& otherSubresource) const {
  return manager == otherManager && operation == otherOperation && subresource == otherSubresource &&
         (isApply() || apiVersion == otherApiVersion);
}

std::string ManagerEntry::displayName() const {
  std::string out = json(manager).dump();
  if (!subresource.empty()) out += " with subresource " + json(subresource).dump();
  if (!isApply()) out += " using " + apiVersion;
  return out;
}

Result<ManagerEntries> decodeManagedFields(const json& managedFields) {
  ManagerEntries out;
  if (managedFields.is_null()) return out;
  if (!managedFields.is_array()) return invalidArgument("managedFields must be a list");
  for (const auto& e : managedFields) {
    if (!e.is_object()) return invalidArgument("managedFields entries must be objects");
    ManagerEntry entry;
    for (auto [member, target] : {std::pair<const char*, std::string*>{"manager", &entry.manager},
                                  {"operation", &entry.operation},
                                  {"apiVersion", &entry.apiVersion},
                                  {"time", &entry.time},
                                  {"subresource", &entry.subresource}}) {
      auto value = optionalString(e, member);
      if (!value) return value.status();
      *target = std::move(*value);
    }
    if (entry.operation != "Apply" && entry.operation != "Update") {
      return invalidArgument("managedFields: operation must be Apply or Update, got " +
                             json(entry.operation).dump());
    }
    auto type = optionalString(e, "fieldsType");
    if (!type) return type.status();
    if (!type->empty() && *type != "FieldsV1") {
      return invalidArgument("managedFields: unsupported fieldsType " + json(*type).dump());
    }
    auto fields = FieldSet::fromFieldsV1(e.contains("fieldsV1") ? e["fieldsV1"] : json());
    if (!fields) return fields.status();
    entry.fields = std::move(*fields);
    for (const auto& other : out) {
      if (other.sameOwner(entry.manager, entry.operation, entry.apiVersion, entry.subresource)) {
        return invalidArgument("managedFields: duplicate entries for manager " + json(entry.manager).dump());
      }
    }
    out.push_back(std::move(entry));
  }
  return out;
}

json encodeManagedFields(ManagerEntries entries) {
  entries.erase(
      std::remove_if(entries.begin(), entries.end(), [](const ManagerEntry& e) { return e.fields.empty(); }),
      entries.end());
  capUpdateEntries(entries);
  std::stable_sort(entries.begin(), entries.end(), [](const ManagerEntry& a, const ManagerEntry& b) {
    return std::tie(a.operation, a.time, a.manager, a.apiVersion, a.subresource) <
           std::tie(b.operation, b.time, b.manager, b.apiVersion, b.subresource);
  });
  json out = json::array();
  for (const auto& e : entries) {
    json entry = {{"manager", e.manager},
                  {"operation", e.operation},
                  {"apiVersion", e.apiVersion},
                  {"fieldsType", "FieldsV1"},
                  {"fieldsV1", e.fields.toFieldsV1()}};
    if (!e.time.empty()) entry["time"] = e.time;
    if (!e.subresource.empty()) entry["subresource"] = e.subresource;
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace edgeway::api::detail
