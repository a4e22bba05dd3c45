#pragma once
// A read-only, typed view of a core/v1 Secret, reduced to what the ingress serves TLS
// with: the decoded tls.crt and tls.key. Other keys are neither decoded nor kept, so the
// cache holds no secret material nobody reads and no memory for large opaque Secrets.

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "base/status.h"

namespace edgeway::api {

struct SecretView {
  std::string ns;
  std::string name;
  std::string type;     // "kubernetes.io/tls", "Opaque" (the default), ...
  std::string tlsCert;  // data["tls.crt"], decoded (PEM); empty when absent
  std::string tlsKey;   // data["tls.key"], decoded (PEM); empty when absent

  bool hasTlsPair() const { return !tlsCert.empty() && !tlsKey.empty(); }

  static Result<SecretView> parse(std::string_view json);
  static Result<SecretView> fromJson(const nlohmann::json& object);
};

}  // namespace edgeway::api
