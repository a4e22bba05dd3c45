#pragma once
// metadata.managedFields in memory: one entry per (manager, operation, apiVersion for
// Update, subresource) with its field set, and the codec to and from the JSON list.

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "api/src/field_set.h"
#include "base/status.h"

namespace edgeway::api::detail {

struct ManagerEntry {
  std::string manager;
  std::string operation;  // "Apply" or "Update"
  std::string apiVersion;
  std::string time;  // RFC 3339; empty when unknown
  std::string subresource;
  FieldSet fields;

  bool isApply() const { return operation == "Apply"; }
  // kube keys entries by manager, operation and subresource, plus apiVersion for Update
  // (an applier keeps one entry whatever version it applies with).
  bool sameOwner(const std::string& otherManager, const std::string& otherOperation,
                 const std::string& otherApiVersion, const std::string& otherSubresource) const;
  // The owner as conflict messages name it: "mgr" [with subresource "status"] [using v1]
  std::string displayName() const;
};

using ManagerEntries = std::vector<ManagerEntry>;

// Null or absent decodes to no entries. Errors on malformed entries and duplicate owners.
Result<ManagerEntries> decodeManagedFields(const nlohmann::json& managedFields);

// Drops empty entries, folds the oldest Update entries into "ancient-changes" beyond 10,
// sorts, and encodes. An empty result means the object should carry no managedFields.
nlohmann::json encodeManagedFields(ManagerEntries entries);

}  // namespace edgeway::api::detail
