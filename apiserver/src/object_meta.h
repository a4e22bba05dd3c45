#pragma once
// The system-owned parts of ObjectMeta, set the way kube-apiserver's rest.BeforeCreate and
// rest.BeforeUpdate set them: uid, creationTimestamp, generation, generateName, and the
// deletion fields a client may not change.

#include <nlohmann/json.hpp>
#include <string>

namespace edgeway::apiserver {

// The metadata object of `obj`, created when absent or not an object.
nlohmann::json& metadataOf(nlohmann::json& obj);

// Create: clears deletion fields, sets uid and creationTimestamp, generation 1, and a
// name from generateName when no name was given.
void prepareCreateMeta(nlohmann::json& obj, const std::string& now);

// Update: keeps uid (when none sent), creationTimestamp, deletion fields and generation
// from the stored object; the registry bumps generation afterwards when the spec changed.
void prepareUpdateMeta(nlohmann::json& obj, const nlohmann::json& old);

// generateName + 5 random characters from kube's alphabet (no vowels, no look-alikes).
std::string generateName(const std::string& base);

// True when `obj` has a non-empty metadata.finalizers list.
bool hasFinalizers(const nlohmann::json& obj);
bool hasDeletionTimestamp(const nlohmann::json& obj);

}  // namespace edgeway::apiserver
