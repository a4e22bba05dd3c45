#pragma once
// Field ownership (metadata.managedFields) and server-side apply, as kube-apiserver does them
// with structured-merge-diff.
//
// Every write records who set which fields: an ordinary create/update/patch through
// recordUpdate (an "Update" entry for the field manager), `kubectl apply --server-side`
// through serverSideApply (an "Apply" entry holding exactly the fields of the applied
// configuration). Entries are merged per (manager, operation, apiVersion for Update,
// subresource), sorted as kube sorts them (Apply before Update, then by time, manager,
// apiVersion), and at most 10 Update entries are kept (older ones fold into
// "ancient-changes"). Not tracked, as in kube: apiVersion, kind, metadata.name, namespace,
// uid, resourceVersion, generation, creationTimestamp, selfLink, managedFields (plus
// deletionTimestamp and deletionGracePeriodSeconds, which only the server sets), and status
// on main-resource writes (spec on "status" subresource writes).
//
// This header includes nlohmann/json.hpp because ApplyResult holds an object; include it
// only where apply is handled.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace edgeway::api {

struct TypeDef;

// One field a server-side apply would take from another manager.
struct ApplyConflict {
  std::string manager;  // as kube prints the owner: "kubectl-client-side-apply" using v1
  std::string field;    // .spec.ports[port=80,protocol="TCP"].targetPort
  // The StatusCause message (reason "FieldManagerConflict", field `field`).
  std::string message() const { return "conflict with " + manager; }
};

// The 409 Status message for refused applies, exactly as kube words it:
//   Apply failed with 1 conflict: conflict with "mgr" using v1: .spec.replicas
//   Apply failed with 2 conflicts: conflicts with "mgr" using v1:\n- .spec.a\n- .spec.b
std::string applyConflictMessage(const std::vector<ApplyConflict>& conflicts);

struct ApplyResult {
  // Non-empty: the apply was refused and nothing changed; answer 409 Conflict with reason
  // "Conflict", applyConflictMessage() and one cause per conflict. `object` is then null.
  std::vector<ApplyConflict> conflicts;
  // Otherwise the object to store: live with the configuration merged in, fields this
  // manager applied before but no longer applies (and nobody else owns) removed, and
  // metadata.managedFields updated. Defaulting and validation are still the caller's; the
  // fields defaulting adds are owned by nobody, as in kube.
  nlohmann::json object;
  bool refused() const { return !conflicts.empty(); }
};

// Server-side apply (PATCH with application/apply-patch+yaml, decoded to JSON). `live` is
// null when the object does not exist yet. A conflict is a field the configuration sets to
// a value other than the current one while another manager owns it; `force` takes such
// fields over instead. `now` is an RFC 3339 time for the entry. `subresource` is "" or
// "status". kInvalidArgument for configurations that cannot be applied (not an object,
// metadata.managedFields set, list items without their keys, duplicate items).
Result<ApplyResult> serverSideApply(const nlohmann::json& live, const nlohmann::json& applied,
                                    const TypeDef& type, const std::string& manager, bool force,
                                    const std::string& now, std::string_view subresource = {});

// For every other write: call with the object about to be stored (after patching, defaulting
// and validation) and the stored one (null on create). The manager's Update entry gains the
// fields that changed (on create: every field set) and other managers lose them; fields that
// disappeared leave every entry. managedFields sent by the client are used when they differ
// from an empty list ([{}] clears them), as kube allows; otherwise the stored ones are kept.
// Never fails: an object that cannot be analysed keeps its managedFields as they are.
void recordUpdate(nlohmann::json& newObj, const nlohmann::json& oldObj, const TypeDef& type,
                  const std::string& manager, const std::string& apiVersion, const std::string& now,
                  std::string_view subresource = {});

}  // namespace edgeway::api
