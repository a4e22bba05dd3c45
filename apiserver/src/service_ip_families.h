#pragma once
// Fills spec.ipFamilyPolicy and spec.ipFamilies from the request and the cluster's service
// CIDRs, and rejects what the cluster cannot serve (kube's initIPFamilyFields). Runs before
// ClusterIPs are allocated: allocation then needs one address per listed family.

#include <nlohmann/json_fwd.hpp>

#include "api/field_error.h"
#include "base/ip.h"

namespace edgeway::apiserver::svc {

// The families the cluster has a service CIDR for; `primary` is the first CIDR's.
struct ClusterFamilies {
  IpFamily primary = IpFamily::kIPv4;
  bool dualStack = false;

  bool has(IpFamily family) const { return dualStack || family == primary; }
  IpFamily secondary() const { return primary == IpFamily::kIPv4 ? IpFamily::kIPv6 : IpFamily::kIPv4; }
};

// `old` is the stored object on update, nullptr on create. Errors are Invalid field errors
// with kube's messages ("this cluster is not configured for dual-stack services", ...).
api::FieldErrors initIPFamilyFields(nlohmann::json& svc, const nlohmann::json* old,
                                    const ClusterFamilies& cluster);

// An update that leaves a PreferDualStack Service's type, clusterIPs and ipFamilies as they
// were: its IPs are not added or removed just because the cluster's CIDRs changed.
bool isUnchangedPreferDualStack(const nlohmann::json& svc, const nlohmann::json* old);

}  // namespace edgeway::apiserver::svc
