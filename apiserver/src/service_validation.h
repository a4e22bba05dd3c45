#pragma once
// Service validation with kube-apiserver's rules and messages (ValidateService and friends in
// pkg/apis/core/validation). The object is validated before allocation here (kube validates
// after), so checks of values that allocation fills in (healthCheckNodePort) accept them
// unset; everything else matches.

#include <nlohmann/json_fwd.hpp>

#include "api/field_error.h"

namespace edgeway::apiserver::svc {

// Fields of the wrong JSON type. kube-apiserver fails to decode such a body; we report the
// field instead. Run first: the other checks read a wrong-typed field as absent.
api::FieldErrors validateServiceShape(const nlohmann::json& svc);

api::FieldErrors validateService(const nlohmann::json& svc);
// Update rules (immutable cluster IPs and families, loadBalancerClass, healthCheckNodePort)
// followed by validateService(svc).
api::FieldErrors validateServiceUpdate(const nlohmann::json& svc, const nlohmann::json& old);

// spec.clusterIP / clusterIPs / ipFamilies / ipFamilyPolicy consistency.
api::FieldErrors validateClusterIPsRelatedFields(const nlohmann::json& svc);

// An update through /status: metadata rules and status.loadBalancer.
api::FieldErrors validateServiceStatusUpdate(const nlohmann::json& svc, const nlohmann::json& old);

}  // namespace edgeway::apiserver::svc
