// Namespace rows: NAME STATUS AGE.

#include <nlohmann/json.hpp>

#include "apiserver/src/json_fields.h"
#include "apiserver/src/tables.h"

namespace edgeway::apiserver::tables {
namespace {

nlohmann::json cells(const nlohmann::json& ns, std::time_t now) {
  return nlohmann::json::array(
      {fields::str(ns, {"metadata", "name"}), fields::str(ns, {"status", "phase"}), age(ns, now)});
}

}  // namespace

TableConvertor namespaceTable() {
  return TableConvertor{
      {nameColumn(), column("Status", "The phase of the namespace: Active or Terminating."), ageColumn()},
      cells};
}

}  // namespace edgeway::apiserver::tables
