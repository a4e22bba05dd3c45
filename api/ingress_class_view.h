#pragma once
// A read-only, typed view of a networking.k8s.io/v1 IngressClass: which controller owns
// the class, and whether it is the cluster's default.

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "base/status.h"

namespace edgeway::api {

struct IngressClassView {
  std::string name;
  std::string controller;  // spec.controller, e.g. "edgeway.io/ingress"
  bool isDefault = false;  // annotation ingressclass.kubernetes.io/is-default-class: "true"

  static Result<IngressClassView> parse(std::string_view json);
  static Result<IngressClassView> fromJson(const nlohmann::json& object);
};

}  // namespace edgeway::api
