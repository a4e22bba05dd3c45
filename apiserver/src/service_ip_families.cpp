#include "apiserver/src/service_ip_families.h"

#include "apiserver/src/service_fields.h"
#include "apiserver/src/service_validation.h"

namespace edgeway::apiserver::svc {
namespace {

const api::FieldPath kPolicyPath("spec.ipFamilyPolicy");

bool sameSpecMember(const json& a, const json& b, const char* key) {
  return strings(spec(a), key) == strings(spec(b), key);
}

api::FieldError policyError(const json& svc, const char* detail) {
  return invalidRendered(kPolicyPath, goOptionalString(spec(svc), "ipFamilyPolicy"), detail);
}

void appendFamily(json& s, IpFamily family) {
  json& list = s["ipFamilies"];
  if (!list.is_array()) list = json::array();
  list.push_back(ipFamilyName(family));
}

}  // namespace

bool isUnchangedPreferDualStack(const json& svc, const json* old) {
  if (!old || !has(spec(svc), "ipFamilyPolicy")) return false;
  if (type(*old) != type(svc)) return false;
  std::string t = type(svc);
  if (t != "ClusterIP" && t != "NodePort" && t != "LoadBalancer") return false;
  if (ipFamilyPolicy(svc) != "PreferDualStack") return false;
  if (has(spec(*old), "ipFamilyPolicy") && ipFamilyPolicy(*old) != "PreferDualStack") return false;
  return sameSpecMember(*old, svc, "clusterIPs") && sameSpecMember(*old, svc, "ipFamilies");
}

api::FieldErrors initIPFamilyFields(json& svc, const json* old, const ClusterFamilies& cluster) {
  json* s = mutableSpec(svc);
  if (!s || type(svc) == "ExternalName") return {};
  if (isUnchangedPreferDualStack(svc, old)) return {};

  // No static default: a create without a policy is SingleStack, an update keeps the old
  // policy, so that a PUT never switches stack mode without saying so.
  bool headlessSelectorless = str(*s, "clusterIP") == kClusterIPNone && !hasSelector(svc);
  if (!has(*s, "ipFamilyPolicy")) {
    if (old && has(spec(*old), "ipFamilyPolicy")) {
      (*s)["ipFamilyPolicy"] = spec(*old)["ipFamilyPolicy"];
    } else {
      // Headless without a selector may front endpoints of both families.
      (*s)["ipFamilyPolicy"] = headlessSelectorless ? "RequireDualStack" : "SingleStack";
    }
  }

  if (auto errs = validateClusterIPsRelatedFields(svc); !errs.empty()) return errs;

  api::FieldErrors errs;
  std::string policy = ipFamilyPolicy(svc);
  if (old) {
    std::vector<std::string> ips = clusterIPs(svc), families = ipFamilies(svc);
    if (policy == "SingleStack") {
      // SingleStack with unchanged dual values is a clear request to drop the secondary.
      if (sameSpecMember(*old, svc, "clusterIPs") && ips.size() > 1) {
        (*s)["clusterIPs"] = json::array({ips[0]});
      }
      if (sameSpecMember(*old, svc, "ipFamilies") && families.size() > 1) {
        (*s)["ipFamilies"] = json::array({families[0]});
      }
    } else {
      if (!ips.empty() && ips.size() < clusterIPs(*old).size()) {
        errs.push_back(policyError(svc, "must be 'SingleStack' to release the secondary cluster IP"));
      }
      if (!families.empty() && families.size() < ipFamilies(*old).size()) {
        errs.push_back(policyError(svc, "must be 'SingleStack' to release the secondary IP family"));
      }
    }
  }

  std::vector<std::string> ips = clusterIPs(svc);
  if (policy == "SingleStack") {
    if (ips.size() == 2) {
      errs.push_back(policyError(
          svc, "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified"));
    }
    if (ipFamilies(svc).size() == 2) {
      errs.push_back(policyError(
          svc, "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"));
    }
  }

  // Families follow from requested IPs where the client did not list them.
  for (size_t i = 0; i < ips.size(); ++i) {
    if (ips[i] == kClusterIPNone) break;
    auto family = familyOf(ips[i]);
    if (!family || i < ipFamilies(svc).size()) continue;
    if (!cluster.has(*family)) {
      errs.push_back(
          invalidRendered(api::FieldPath("spec.clusterIPs").index(i), goStringSlice(svc, "clusterIPs"),
                          std::string(ipFamilyName(*family)) + " is not configured on this cluster"));
    } else {
      appendFamily(*s, *family);
    }
  }
  if (!errs.empty()) return errs;

  if (headlessSelectorless) {
    // Allowed to list both families even on a single-stack cluster.
    if (ipFamilies(svc).empty()) appendFamily(*s, cluster.primary);
    auto families = ipFamilies(svc);
    if (families.size() < 2 && policy != "SingleStack") {
      appendFamily(*s, families[0] == "IPv4" ? IpFamily::kIPv6 : IpFamily::kIPv4);
    }
    return {};
  }

  if (policy == "RequireDualStack" && !cluster.dualStack) {
    errs.push_back(policyError(svc, "this cluster is not configured for dual-stack services"));
  }
  auto families = ipFamilies(svc);
  for (size_t i = 0; i < families.size(); ++i) {
    IpFamily family = families[i] == "IPv6" ? IpFamily::kIPv6 : IpFamily::kIPv4;
    if (!cluster.has(family)) {
      errs.push_back(api::invalid(api::FieldPath("spec.ipFamilies").index(i), families[i],
                                  "not configured on this cluster"));
    }
  }
  if (!errs.empty()) return errs;

  if (families.empty()) appendFamily(*s, cluster.primary);
  families = ipFamilies(svc);
  if (policy != "SingleStack" && families.size() == 1 && cluster.dualStack) {
    appendFamily(*s, families[0] == "IPv4" ? IpFamily::kIPv6 : IpFamily::kIPv4);
  }
  return {};
}

}  // namespace edgeway::apiserver::svc
