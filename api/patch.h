#pragma once
// The three patch formats of the PATCH verb (server-side apply is in api/managed_fields.h):
//   application/json-patch+json            applyJsonPatch           RFC 6902
//   application/merge-patch+json           applyMergePatch          RFC 7386
//   application/strategic-merge-patch+json applyStrategicMergePatch  Kubernetes, schema-driven
// Each takes the current object and the decoded patch body and returns the patched object.
// A malformed patch, or one that does not apply to the object, gives kInvalidArgument with a
// message naming what is wrong (kube answers 400 for undecodable patches and 422 for patches
// that do not apply); kResourceExhausted when a limit below is exceeded (kube: 413).
// No input can crash these: nesting is bounded and nothing throws across this door.

#include <cstddef>
#include <nlohmann/json_fwd.hpp>

#include "base/status.h"

namespace edgeway::api {

struct TypeDef;

// Deepest container nesting accepted in an object, a patch or a patched result. Kubernetes
// objects nest about ten levels; the bound only exists so recursion stays shallow.
inline constexpr int kMaxPatchDepth = 100;
// kube-apiserver's limit on the number of operations in one JSON Patch.
inline constexpr size_t kMaxJsonPatchOperations = 10000;
// Values (scalars and containers) that the "copy" operations of one JSON Patch may copy in
// total, so a short patch cannot blow a document up by copying it into itself repeatedly.
inline constexpr size_t kMaxJsonPatchCopiedValues = 1000000;

// RFC 6902: `patch` is an array of {op, path, value|from} operations applied in order; the
// first one that fails fails the whole patch. Paths are JSON Pointers (RFC 6901, ~0 and ~1
// escapes); "-" appends to an array in "add", "copy" and "move" targets.
Result<nlohmann::json> applyJsonPatch(const nlohmann::json& doc, const nlohmann::json& patch);

// RFC 7386: objects merge recursively, null deletes a key, anything else replaces. The patch
// must be a JSON object (anything else could not produce a Kubernetes object).
Result<nlohmann::json> applyMergePatch(const nlohmann::json& doc, const nlohmann::json& patch);

// Strategic merge patch, as apimachinery applies it, driven by `type`:
//  - lists whose field has patchStrategy "merge" merge by patchMergeKey (lists of objects)
//    or as a union (lists of scalars); other lists are replaced whole;
//  - maps merge recursively; a null value deletes the key;
//  - directives: {"$patch": "replace"|"delete"|"merge"} in a map, {"$patch": "delete"|"replace"}
//    as a list item, "$setElementOrder/<list>", "$retainKeys", "$deleteFromPrimitiveList/<list>";
//  - fields the schema does not describe, and kAny fields, merge like a merge patch.
Result<nlohmann::json> applyStrategicMergePatch(const nlohmann::json& original, const nlohmann::json& patch,
                                                const TypeDef& type);

}  // namespace edgeway::api
