#pragma once
// Serializing objects for the store. The store assigns the revision (and so the
// resourceVersion) on its writer thread, inside Render; to keep that cheap the object is
// serialized once beforehand, around a placeholder resourceVersion, and Render only splices
// the digits in.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "store/store.h"

namespace edgeway::apiserver {

// Compact JSON; invalid UTF-8 (possible from protobuf bodies) is replaced, never thrown on.
std::string dumpJson(const nlohmann::json& value);

// Parses a stored value; nullopt if it is not JSON (a damaged store must not crash us).
std::optional<nlohmann::json> parseStored(std::string_view bytes);

class StoredObject {
 public:
  // Serializes `obj` with metadata.resourceVersion as a placeholder (`obj` is modified:
  // its resourceVersion is removed afterwards).
  explicit StoredObject(nlohmann::json& obj);

  // The bytes for revision `rev`.
  std::string render(store::Revision rev) const;

 private:
  std::string head_;  // up to and including `"resourceVersion":`
  std::string tail_;  // after the value
};

}  // namespace edgeway::apiserver
