#include "apiserver/strategy.h"

#include <nlohmann/json.hpp>

namespace edgeway::apiserver {

void Strategy::prepareForCreate(nlohmann::json& obj) const {
  if (obj.is_object()) obj.erase("status");
}

api::FieldErrors Strategy::validate(const nlohmann::json&) const { return {}; }

void Strategy::canonicalize(nlohmann::json&) const {}

void Strategy::prepareForUpdate(nlohmann::json& obj, const nlohmann::json& old) const {
  // Like kube-apiserver's strategies for kinds with a status subresource: the main
  // endpoint cannot change status. Kinds without one override this.
  if (old.contains("status")) {
    obj["status"] = old["status"];
  } else {
    obj.erase("status");
  }
}

api::FieldErrors Strategy::validateUpdate(const nlohmann::json& obj, const nlohmann::json&) const {
  return validate(obj);
}

void Strategy::prepareForStatusUpdate(nlohmann::json& obj, const nlohmann::json& old) const {
  // /status changes only status (and may not touch spec).
  for (const char* key : {"spec", "data", "stringData", "type"}) {
    if (old.contains(key)) {
      obj[key] = old[key];
    } else {
      obj.erase(key);
    }
  }
}

api::FieldErrors Strategy::validateStatusUpdate(const nlohmann::json&, const nlohmann::json&) const {
  return {};
}

bool Strategy::specChanged(const nlohmann::json& obj, const nlohmann::json& old) const {
  auto spec = obj.find("spec");
  auto oldSpec = old.find("spec");
  bool has = spec != obj.end(), oldHas = oldSpec != old.end();
  if (has != oldHas) return true;
  return has && *spec != *oldSpec;
}

Strategy::AllocResult Strategy::allocateForCreate(nlohmann::json&) const { return {}; }

Strategy::AllocResult Strategy::allocateForUpdate(nlohmann::json&, const nlohmann::json&) const {
  return {};
}

void Strategy::releaseForDelete(const nlohmann::json&) const {}

}  // namespace edgeway::apiserver
