// validateClusterIPsRelatedFields: spec.clusterIP, clusterIPs, ipFamilies and ipFamilyPolicy
// must agree with each other (kube's ValidateServiceClusterIPsRelatedFields). Whether the
// cluster has the requested families is checked later, with the allocators
// (service_ip_families.h).

#include <set>
#include <string>

#include "api/validation.h"
#include "apiserver/src/service_fields.h"
#include "apiserver/src/service_validation.h"

namespace edgeway::apiserver::svc {

api::FieldErrors validateClusterIPsRelatedFields(const json& svc) {
  api::FieldErrors errs;
  // For ExternalName all of these must be unset, which validateService checks.
  if (type(svc) == "ExternalName") return errs;

  const json& s = spec(svc);
  const api::FieldPath ipsPath("spec.clusterIPs");
  const api::FieldPath familiesPath("spec.ipFamilies");
  std::string clusterIP = str(s, "clusterIP");
  std::vector<std::string> ips = clusterIPs(svc);
  std::string renderedIPs = goStringSlice(svc, "clusterIPs");

  if (!clusterIP.empty()) {
    if (ips.empty()) {
      errs.push_back(api::required(ipsPath));
    } else if (ips[0] != clusterIP) {
      errs.push_back(invalidRendered(ipsPath, renderedIPs, "first value must match `clusterIP`"));
    }
  } else if (!ips.empty()) {
    errs.push_back(invalidRendered(ipsPath, renderedIPs, "must be empty when `clusterIP` is not specified"));
  }

  std::vector<std::string> families = ipFamilies(svc);
  std::set<std::string> seen;
  for (size_t i = 0; i < families.size(); ++i) {
    if (families[i] != "IPv4" && families[i] != "IPv6") {
      errs.push_back(api::notSupported(familiesPath.index(i), families[i], {"IPv4", "IPv6"}));
    }
    // Rejecting repeats also means two families are always one of each.
    if (!seen.insert(families[i]).second) errs.push_back(api::duplicate(familiesPath.index(i), families[i]));
  }

  if (has(s, "ipFamilyPolicy")) {
    std::string policy = ipFamilyPolicy(svc);
    if (policy != "SingleStack" && policy != "PreferDualStack" && policy != "RequireDualStack") {
      errs.push_back(api::notSupported(api::FieldPath("spec.ipFamilyPolicy"), policy,
                                       {"PreferDualStack", "RequireDualStack", "SingleStack"}));
    }
  }

  bool hasInvalidIPs = false;
  for (size_t i = 0; i < ips.size(); ++i) {
    if (i == 0 && ips[i] == kClusterIPNone) {
      if (ips.size() > 1) {
        hasInvalidIPs = true;
        errs.push_back(invalidRendered(ipsPath, renderedIPs, "'None' must be the first and only value"));
      }
      continue;
    }
    for (const auto& msg : api::isValidIp(ips[i])) {
      hasInvalidIPs = true;
      errs.push_back(api::invalid(ipsPath.index(i), ips[i], msg));
    }
  }
  if (ips.size() > 2) errs.push_back(invalidRendered(ipsPath, renderedIPs, "may only hold up to 2 values"));

  // Bad IPs would only skew the messages below.
  if (hasInvalidIPs) return errs;

  if (ips.size() > 1) {
    bool v4 = false, v6 = false;
    for (const auto& ip : ips) (familyOf(ip) == IpFamily::kIPv6 ? v6 : v4) = true;
    if (!(v4 && v6)) {
      errs.push_back(
          invalidRendered(ipsPath, renderedIPs, "may specify no more than one IP for each IP family"));
    }
  }

  if (!isHeadless(svc) && !ips.empty() && !families.empty()) {
    for (size_t i = 0; i < ips.size() && i < families.size(); ++i) {
      bool isV6 = familyOf(ips[i]) == IpFamily::kIPv6;
      std::string index = std::to_string(i);
      if (families[i] == "IPv4" && isV6) {
        errs.push_back(api::invalid(ipsPath.index(i), ips[i],
                                    "expected an IPv4 value as indicated by `ipFamilies[" + index + "]`"));
      }
      if (families[i] == "IPv6" && !isV6) {
        errs.push_back(api::invalid(ipsPath.index(i), ips[i],
                                    "expected an IPv6 value as indicated by `ipFamilies[" + index + "]`"));
      }
    }
  }
  return errs;
}

}  // namespace edgeway::apiserver::svc
