#pragma once
// What kube-apiserver fills in or rewrites on a Service before validating it:
//  - the v1 defaults applied to every decoded Service (create and update),
//  - keeping spec.clusterIP and spec.clusterIPs in step,
//  - on update, re-using values the server allocated when the client left them out, and
//    clearing type-dependent fields the new type no longer uses.
// IP family fields are not here: they depend on the cluster's CIDRs (service_ip_families.h).

#include <nlohmann/json_fwd.hpp>

namespace edgeway::apiserver::svc {

// SetDefaults_Service: type, sessionAffinity (+ClientIP timeout), port protocol and
// targetPort, externalTrafficPolicy, internalTrafficPolicy, allocateLoadBalancerNodePorts.
void applyServiceDefaults(nlohmann::json& svc);

// Old clients send only spec.clusterIP: derive spec.clusterIPs from it. `old` is the stored
// object on update, nullptr on create.
void normalizeClusterIPs(nlohmann::json& svc, const nlohmann::json* old);

// A client that re-submits its original manifest (no clusterIP, no nodePorts) keeps what was
// allocated for it instead of having those fields read as "release this".
void patchAllocatedValues(nlohmann::json& svc, const nlohmann::json& old);

// On a type change, clears clusterIPs/ipFamilies/ipFamilyPolicy, nodePorts,
// healthCheckNodePort, allocateLoadBalancerNodePorts, loadBalancerClass and
// externalTrafficPolicy when the new type does not use them and the client did not change
// them (a changed value is left for validation to reject). Clears status.loadBalancer for
// non-LoadBalancer types.
void dropTypeDependentFields(nlohmann::json& svc, const nlohmann::json& old);

// Status defaults for an update of /status: ingress entries with an ip get ipMode "VIP".
void applyServiceStatusDefaults(nlohmann::json& svc);

}  // namespace edgeway::apiserver::svc
