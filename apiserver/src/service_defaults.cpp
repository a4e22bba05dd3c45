#include "apiserver/src/service_defaults.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "apiserver/src/service_fields.h"

namespace edgeway::apiserver::svc {
namespace {

constexpr int kDefaultClientIPTimeoutSeconds = 10800;

// Go's zero value: the field is absent, null or "". A value of another type is left alone
// for validation to report.
bool isUnsetString(const json& obj, const char* key) {
  const json* v = member(obj, key);
  return !v || (v->is_string() && v->get_ref<const std::string&>().empty());
}

bool isZeroTargetPort(const json* tp) {
  if (!tp) return true;
  if (tp->is_number_integer()) return tp->get<long long>() == 0;
  if (tp->is_string()) return tp->get_ref<const std::string&>().empty();
  return false;  // a wrong type is for validation to report
}

void defaultPorts(json& svc) {
  for (json* p : mutablePorts(svc)) {
    if (isUnsetString(*p, "protocol")) (*p)["protocol"] = "TCP";
    if (isZeroTargetPort(member(*p, "targetPort"))) {
      const json* port = member(*p, "port");
      if (!port) {
        (*p)["targetPort"] = 0;
      } else if (port->is_number_integer()) {
        (*p)["targetPort"] = *port;
      }
    }
  }
}

bool sameMember(const json& a, const json& b, const char* key) {
  const json* x = member(spec(a), key);
  const json* y = member(spec(b), key);
  if (!x || !y) return !x && !y;
  return *x == *y;
}

bool sameClusterIPsAndClusterIP(const json& a, const json& b) {
  return str(spec(a), "clusterIP") == str(spec(b), "clusterIP") &&
         strings(spec(a), "clusterIPs") == strings(spec(b), "clusterIPs");
}

// Whether the new object introduces no NodePort that the old one did not hold.
bool noNewNodePorts(const json& svc, const json& old) {
  auto before = collectNodePorts(old);
  std::set<long long> oldSet(before.begin(), before.end());
  for (long long np : collectNodePorts(svc)) {
    if (!oldSet.count(np)) return false;
  }
  return true;
}

}  // namespace

void applyServiceDefaults(json& svc) {
  json* s = mutableSpec(svc);
  if (!s) return;
  if (isUnsetString(*s, "sessionAffinity")) (*s)["sessionAffinity"] = "None";
  std::string affinity = str(*s, "sessionAffinity");
  if (affinity == "None") {
    s->erase("sessionAffinityConfig");
  } else if (affinity == "ClientIP") {
    const json* config = member(*s, "sessionAffinityConfig");
    const json* clientIP = config ? member(*config, "clientIP") : nullptr;
    if (!clientIP || !has(*clientIP, "timeoutSeconds")) {
      (*s)["sessionAffinityConfig"] = {{"clientIP", {{"timeoutSeconds", kDefaultClientIPTimeoutSeconds}}}};
    }
  }
  if (isUnsetString(*s, "type")) (*s)["type"] = "ClusterIP";
  defaultPorts(svc);

  std::string t = str(*s, "type");
  if (externallyAccessible(svc) && isUnsetString(*s, "externalTrafficPolicy")) {
    (*s)["externalTrafficPolicy"] = "Cluster";
  }
  if (!has(*s, "internalTrafficPolicy") && (t == "ClusterIP" || t == "NodePort" || t == "LoadBalancer")) {
    (*s)["internalTrafficPolicy"] = "Cluster";
  }
  if (t == "LoadBalancer" && !has(*s, "allocateLoadBalancerNodePorts")) {
    (*s)["allocateLoadBalancerNodePorts"] = true;
  }
}

void normalizeClusterIPs(json& svc, const json* old) {
  json* s = mutableSpec(svc);
  if (!s) return;
  std::string ip = str(*s, "clusterIP");
  bool hasPlural = !strings(*s, "clusterIPs").empty();

  if (!old) {
    // Create: an old client sent only the singular field. (A client that sends both is
    // validated; one that sends neither gets an allocation.)
    if (!ip.empty() && !hasPlural) (*s)["clusterIPs"] = json::array({ip});
    return;
  }
  const json& os = spec(*old);
  std::vector<std::string> oldIPs = strings(os, "clusterIPs");
  std::string oldIP = str(os, "clusterIP");

  // An old client patching another field dropped clusterIPs but kept clusterIP.
  if (!oldIPs.empty() && !hasPlural && oldIP == ip) (*s)["clusterIPs"] = oldIPs;

  if (oldIP != ip) {
    bool pluralUnchanged = strings(*s, "clusterIPs") == oldIPs;
    if (!oldIP.empty() && ip.empty()) {
      // Clearing the singular while the plural is untouched clears both.
      if (pluralUnchanged) s->erase("clusterIPs");
    } else if (pluralUnchanged) {
      // Changing the singular alone changes the plural with it (validation then decides).
      (*s)["clusterIPs"] = json::array({ip});
    }
  }
}

void patchAllocatedValues(json& svc, const json& old) {
  json* s = mutableSpec(svc);
  if (!s) return;
  const json& os = spec(old);

  if (needsClusterIP(old) && needsClusterIP(svc)) {
    if (str(*s, "clusterIP").empty() && has(os, "clusterIP")) (*s)["clusterIP"] = os["clusterIP"];
    if (strings(*s, "clusterIPs").empty() && !strings(os, "clusterIPs").empty()) {
      (*s)["clusterIPs"] = os["clusterIPs"];
    }
  }

  if (needsNodePorts(old) && needsNodePorts(svc)) {
    // NodePorts held by both versions cannot be handed to another port; the rest are
    // re-attached by port name (the client may have changed other properties of the port).
    auto oldPorts = collectNodePorts(old), newPorts = collectNodePorts(svc);
    std::set<long long> used;
    for (long long np : newPorts) {
      if (std::find(oldPorts.begin(), oldPorts.end(), np) != oldPorts.end()) used.insert(np);
    }
    std::map<std::string, long long> byName;
    for (const json* p : ports(old)) byName[str(*p, "name")] = nodePortOf(*p);
    for (json* p : mutablePorts(svc)) {
      const json* current = member(*p, "nodePort");
      if (current && !(current->is_number_integer() && nodePortOf(*p) == 0)) continue;
      auto it = byName.find(str(*p, "name"));
      long long oldValue = it == byName.end() ? 0 : it->second;
      if (oldValue != 0 && !used.count(oldValue)) (*p)["nodePort"] = oldValue;
    }
  }

  if (needsHealthCheck(old) && needsHealthCheck(svc) && healthCheckNodePort(svc) == 0 &&
      healthCheckNodePort(old) != 0) {
    (*s)["healthCheckNodePort"] = healthCheckNodePort(old);
  }
}

void dropTypeDependentFields(json& svc, const json& old) {
  json* s = mutableSpec(svc);
  if (!s) return;

  if (needsClusterIP(old) && !needsClusterIP(svc)) {
    if (sameClusterIPsAndClusterIP(old, svc)) {
      s->erase("clusterIP");  // released when the update commits
      s->erase("clusterIPs");
    }
    if (sameMember(old, svc, "ipFamilies")) s->erase("ipFamilies");
    if (ipFamilyPolicy(old) == ipFamilyPolicy(svc)) s->erase("ipFamilyPolicy");
  }

  if (needsNodePorts(old) && !needsNodePorts(svc) && noNewNodePorts(svc, old)) {
    for (json* p : mutablePorts(svc)) p->erase("nodePort");
  }

  if (needsHealthCheck(old) && !needsHealthCheck(svc) &&
      healthCheckNodePort(old) == healthCheckNodePort(svc)) {
    s->erase("healthCheckNodePort");
  }

  bool wasLB = type(old) == "LoadBalancer", isLB = type(svc) == "LoadBalancer";
  if (wasLB && !isLB) {
    const json* before = member(spec(old), "allocateLoadBalancerNodePorts");
    const json* now = member(*s, "allocateLoadBalancerNodePorts");
    if (before && now && *before == *now) s->erase("allocateLoadBalancerNodePorts");
    if (sameMember(old, svc, "loadBalancerClass")) s->erase("loadBalancerClass");
  }

  if (externallyAccessible(old) && !externallyAccessible(svc) &&
      externalTrafficPolicy(old) == externalTrafficPolicy(svc)) {
    s->erase("externalTrafficPolicy");
  }

  // Load-balancer de-provisioning is asynchronous, but users need not see that.
  if (!isLB && svc.is_object()) {
    json& status = svc["status"];
    if (!status.is_object()) status = json::object();
    status["loadBalancer"] = json::object();
  }
}

void applyServiceStatusDefaults(json& svc) {
  if (type(svc) != "LoadBalancer" || !svc.is_object()) return;
  auto status = svc.find("status");
  if (status == svc.end() || !status->is_object()) return;
  auto lb = status->find("loadBalancer");
  if (lb == status->end() || !lb->is_object()) return;
  auto ingress = lb->find("ingress");
  if (ingress == lb->end() || !ingress->is_array()) return;
  for (auto& entry : *ingress) {
    if (entry.is_object() && !str(entry, "ip").empty() && !has(entry, "ipMode")) entry["ipMode"] = "VIP";
  }
}

}  // namespace edgeway::apiserver::svc
