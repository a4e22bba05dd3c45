#pragma once
// ClusterIP, NodePort and healthCheckNodePort allocation for Service writes, with
// kube-apiserver's rules (pkg/registry/core/service/storage/alloc.go) and error messages.
// Called after validation; writes the allocated values into the object.

#include <nlohmann/json_fwd.hpp>

#include "apiserver/service_strategy.h"
#include "apiserver/src/service_ip_families.h"
#include "apiserver/strategy.h"

namespace edgeway::apiserver::svc {

ClusterFamilies clusterFamilies(const ServiceAllocators& allocators);

Strategy::AllocResult allocateForCreate(nlohmann::json& svc, ServiceAllocators& allocators);
Strategy::AllocResult allocateForUpdate(nlohmann::json& svc, const nlohmann::json& old,
                                        ServiceAllocators& allocators);
// Everything a stored Service holds, after its delete committed.
void releaseAll(const nlohmann::json& svc, ServiceAllocators& allocators);

}  // namespace edgeway::apiserver::svc
