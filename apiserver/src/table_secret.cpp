// Secret rows: NAME TYPE DATA AGE.

#include <nlohmann/json.hpp>

#include "apiserver/src/json_fields.h"
#include "apiserver/src/tables.h"

namespace edgeway::apiserver::tables {
namespace {

nlohmann::json cells(const nlohmann::json& secret, std::time_t now) {
  // DATA is a count; kube-apiserver sends it as a JSON number under a "string" column.
  return nlohmann::json::array({fields::str(secret, {"metadata", "name"}), fields::str(secret, {"type"}),
                                fields::object(secret, {"data"}).size(), age(secret, now)});
}

}  // namespace

TableConvertor secretTable() {
  return TableConvertor{
      {nameColumn(), column("Type", "The type of the secret, e.g. Opaque or kubernetes.io/tls."),
       column("Data", "Number of keys in the secret's data."), ageColumn()},
      cells};
}

}  // namespace edgeway::apiserver::tables
