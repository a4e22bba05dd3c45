// validateService and its update/status variants. Checks run in kube's order, so that error
// lists read the same as kube-apiserver's.

#include "apiserver/src/service_validation.h"

#include <set>
#include <string>
#include <utility>

#include "api/validation.h"
#include "apiserver/src/service_fields.h"
#include "base/ip.h"

namespace edgeway::apiserver::svc {
namespace {

using api::FieldErrors;
using api::FieldPath;

const FieldPath kSpec("spec");
constexpr int kMaxClientIPAffinitySeconds = 86400;
const char* const kTopologyModeAnnotation = "service.kubernetes.io/topology-mode";
const char* const kTopologyHintsAnnotation = "service.kubernetes.io/topology-aware-hints";
const char* const kSourceRangesAnnotation = "service.beta.kubernetes.io/load-balancer-source-ranges";

void append(FieldErrors& to, FieldErrors from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

void invalidEach(FieldErrors& errs, const FieldPath& path, const json& value,
                 const std::vector<std::string>& msgs) {
  for (const auto& m : msgs) errs.push_back(api::invalid(path, value, m));
}

std::string trimSpace(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n\v\f");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n\v\f");
  return s.substr(b, e - b + 1);
}

bool isValidCidr(const std::string& s) { return static_cast<bool>(Cidr::parse(s)); }
const char* const kInvalidCidr = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";

const json& metadataOf(const json& obj) {
  static const json kEmpty = json::object();
  const json* m = member(obj, "metadata");
  return m ? *m : kEmpty;
}

// Go's %#v of the (protocol, port) key kube reports for a duplicate port.
std::string goServicePortKey(const std::string& protocol, long long port) {
  return "core.ServicePort{Name:\"\", Protocol:" + goQuote(protocol) +
         ", AppProtocol:(*string)(nil), Port:" + std::to_string(port) +
         ", TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:0}";
}

FieldErrors validatePort(const json& port, bool requireName, std::set<std::string>& names,
                         const FieldPath& path) {
  FieldErrors errs;
  std::string name = str(port, "name");
  if (requireName && name.empty()) {
    errs.push_back(api::required(path.child("name")));
  } else if (!name.empty()) {
    invalidEach(errs, path.child("name"), name, api::isDns1123Label(name));
    if (!names.insert(name).second) errs.push_back(api::duplicate(path.child("name"), name));
  }

  long long number = integer(port, "port").value_or(0);
  invalidEach(errs, path.child("port"), number, api::isValidPortNum(number));

  std::string protocol = str(port, "protocol");
  if (protocol.empty()) {
    errs.push_back(api::required(path.child("protocol")));
  } else if (protocol != "TCP" && protocol != "UDP" && protocol != "SCTP") {
    errs.push_back(api::notSupported(path.child("protocol"), protocol, {"SCTP", "TCP", "UDP"}));
  }

  if (const json* target = member(port, "targetPort")) {
    if (target->is_number_integer()) {
      invalidEach(errs, path.child("targetPort"), *target, api::isValidPortNum(target->get<long long>()));
    } else if (target->is_string()) {
      invalidEach(errs, path.child("targetPort"), *target, api::isValidPortName(target->get<std::string>()));
    }
  }
  if (const json* app = member(port, "appProtocol"); app && app->is_string()) {
    invalidEach(errs, path.child("appProtocol"), *app, api::isQualifiedName(app->get<std::string>()));
  }
  return errs;
}

FieldErrors validateClientIPConfig(const json& spec, const FieldPath& path) {
  const std::string why = "when session affinity type is ClientIP";
  const json* config = member(spec, "sessionAffinityConfig");
  if (!config) return {api::required(path, why)};
  const json* clientIP = member(*config, "clientIP");
  if (!clientIP) return {api::required(path.child("clientIP"), why)};
  FieldPath timeoutPath = path.child("clientIP").child("timeoutSeconds");
  auto timeout = integer(*clientIP, "timeoutSeconds");
  if (!timeout) return {api::required(timeoutPath, why)};
  if (*timeout <= 0 || *timeout > kMaxClientIPAffinitySeconds) {
    return {
        api::invalid(timeoutPath, *timeout,
                     "must be greater than 0 and less than " + std::to_string(kMaxClientIPAffinitySeconds))};
  }
  return {};
}

FieldErrors validateExternalIPs(const json& spec) {
  FieldErrors errs;
  auto ips = strings(spec, "externalIPs");
  for (size_t i = 0; i < ips.size(); ++i) {
    FieldPath path = kSpec.child("externalIPs").index(i);
    auto ip = IpAddress::parseSloppy(ips[i]);
    if (!ip) {
      invalidEach(errs, path, ips[i], api::isValidIp(ips[i]));
      continue;
    }
    // Unspecified and loopback addresses make no sense as destinations, and link-local ones
    // are used for node-centric purposes (e.g. metadata services).
    if (ip->isUnspecified()) {
      errs.push_back(api::invalid(path, ips[i], "may not be unspecified (" + ips[i] + ")"));
    }
    if (ip->isLoopback()) {
      errs.push_back(api::invalid(path, ips[i], "may not be in the loopback range (127.0.0.0/8, ::1/128)"));
    }
    if (ip->isLinkLocalUnicast()) {
      errs.push_back(
          api::invalid(path, ips[i], "may not be in the link-local range (169.254.0.0/16, fe80::/10)"));
    }
    if (ip->isLinkLocalMulticast()) {
      errs.push_back(api::invalid(path, ips[i],
                                  "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"));
    }
  }
  return errs;
}

FieldErrors validateSourceRanges(const json& svc, const json& spec, const std::string& type) {
  FieldErrors errs;
  auto ranges = strings(spec, "loadBalancerSourceRanges");
  if (!ranges.empty()) {
    // kube names this path with a capital L; kept so the message matches.
    FieldPath path = kSpec.child("LoadBalancerSourceRanges");
    if (type != "LoadBalancer") {
      errs.push_back(api::forbidden(path, "may only be used when `type` is 'LoadBalancer'"));
    }
    for (size_t i = 0; i < ranges.size(); ++i) {
      // Historically these may be space-padded (they started life as an annotation).
      std::string value = trimSpace(ranges[i]);
      if (!isValidCidr(value)) errs.push_back(api::invalid(path.index(i), value, kInvalidCidr));
    }
    return errs;
  }
  const json* annotations = member(metadataOf(svc), "annotations");
  const json* value = annotations ? member(*annotations, kSourceRangesAnnotation) : nullptr;
  if (!value || !value->is_string()) return errs;
  FieldPath path = FieldPath("metadata").child("annotations").key(kSourceRangesAnnotation);
  if (type != "LoadBalancer") {
    errs.push_back(api::forbidden(path, "may only be used when `type` is 'LoadBalancer'"));
  }
  std::string list = trimSpace(value->get<std::string>());
  if (list.empty()) return errs;
  size_t start = 0;
  while (true) {
    size_t comma = list.find(',', start);
    std::string item =
        trimSpace(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (!isValidCidr(item)) errs.push_back(api::invalid(path, item, kInvalidCidr));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return errs;
}

FieldErrors validateLoadBalancerClass(const json* old, const json& svc) {
  FieldErrors errs;
  FieldPath path = kSpec.child("loadBalancerClass");
  const json* cls = member(spec(svc), "loadBalancerClass");
  if (old && type(*old) == "LoadBalancer" && type(svc) == "LoadBalancer") {
    const json* oldCls = member(spec(*old), "loadBalancerClass");
    bool same = (!cls && !oldCls) || (cls && oldCls && *cls == *oldCls);
    if (!same) {
      errs.push_back(
          invalidRendered(path, goOptionalString(spec(svc), "loadBalancerClass"), "may not change once set"));
    }
  }
  if (type(svc) == "LoadBalancer") {
    if (cls && cls->is_string()) invalidEach(errs, path, *cls, api::isQualifiedName(cls->get<std::string>()));
  } else if (cls) {
    errs.push_back(api::forbidden(path, "may only be used when `type` is 'LoadBalancer'"));
  }
  return errs;
}

FieldErrors validateExternalTrafficPolicy(const json& svc) {
  FieldErrors errs;
  const json& s = spec(svc);
  std::string etp = str(s, "externalTrafficPolicy");
  if (!externallyAccessible(svc)) {
    if (!etp.empty()) {
      errs.push_back(api::invalid(kSpec.child("externalTrafficPolicy"), etp,
                                  "may only be set for externally-accessible services"));
    }
  } else if (etp.empty()) {
    errs.push_back(api::required(kSpec.child("externalTrafficPolicy")));
  } else if (etp != "Cluster" && etp != "Local") {
    errs.push_back(api::notSupported(kSpec.child("externalTrafficPolicy"), etp, {"Cluster", "Local"}));
  }

  long long hc = healthCheckNodePort(svc);
  FieldPath hcPath = kSpec.child("healthCheckNodePort");
  if (!needsHealthCheck(svc)) {
    if (hc != 0) {
      errs.push_back(api::invalid(
          hcPath, hc,
          "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
    }
  } else if (hc != 0) {
    // Unset is fine here: allocation assigns one after validation.
    invalidEach(errs, hcPath, hc, api::isValidPortNum(hc));
  }
  return errs;
}

FieldErrors validateTypeSpecific(const json& svc, const std::string& t) {
  FieldErrors errs;
  const json& s = spec(svc);
  if (t == "LoadBalancer" || t == "NodePort") {
    if (isHeadless(svc)) {
      errs.push_back(api::invalid(kSpec.child("clusterIPs").index(0), clusterIPs(svc)[0],
                                  "may not be set to 'None' for " + t + " services"));
    }
  } else if (t == "ExternalName") {
    if (!clusterIPs(svc).empty()) {
      errs.push_back(api::forbidden(kSpec.child("clusterIPs"), "may not be set for ExternalName services"));
    }
    if (!ipFamilies(svc).empty()) {
      errs.push_back(api::forbidden(kSpec.child("ipFamilies"), "may not be set for ExternalName services"));
    }
    if (has(s, "ipFamilyPolicy")) {
      errs.push_back(
          api::forbidden(kSpec.child("ipFamilyPolicy"), "may not be set for ExternalName services"));
    }
    // The value (a CNAME) may end in a dot to mark it fully qualified.
    std::string cname = str(s, "externalName");
    if (!cname.empty() && cname.back() == '.') cname.pop_back();
    if (cname.empty()) {
      errs.push_back(api::required(kSpec.child("externalName")));
    } else {
      invalidEach(errs, kSpec.child("externalName"), cname, api::isDns1123Subdomain(cname));
    }
  }
  return errs;
}

FieldErrors validatePorts(const json& svc) {
  FieldErrors errs;
  auto list = ports(svc);
  std::set<std::string> names;
  for (size_t i = 0; i < list.size(); ++i) {
    append(errs, validatePort(*list[i], list.size() > 1, names, kSpec.child("ports").index(i)));
  }
  return errs;
}

// Checks that need every port: nodePorts with type ClusterIP, and (protocol, nodePort) and
// (protocol, port) pairs that repeat.
FieldErrors validatePortCombinations(const json& svc, const std::string& t) {
  FieldErrors errs;
  auto list = ports(svc);
  if (t == "ClusterIP") {
    for (size_t i = 0; i < list.size(); ++i) {
      if (nodePortOf(*list[i]) != 0) {
        errs.push_back(api::forbidden(kSpec.child("ports").index(i).child("nodePort"),
                                      "may not be used when `type` is 'ClusterIP'"));
      }
    }
  }
  std::set<std::pair<std::string, long long>> nodePorts, servicePorts;
  for (size_t i = 0; i < list.size(); ++i) {
    long long np = nodePortOf(*list[i]);
    if (np != 0 && !nodePorts.insert({str(*list[i], "protocol"), np}).second) {
      errs.push_back(api::duplicate(kSpec.child("ports").index(i).child("nodePort"), np));
    }
  }
  for (size_t i = 0; i < list.size(); ++i) {
    std::string protocol = str(*list[i], "protocol");
    long long port = integer(*list[i], "port").value_or(0);
    if (!servicePorts.insert({protocol, port}).second) {
      errs.push_back(duplicateRendered(kSpec.child("ports").index(i), goServicePortKey(protocol, port)));
    }
  }
  return errs;
}

FieldErrors validateLoadBalancerStatus(const json& svc) {
  FieldErrors errs;
  FieldPath ingressPath = FieldPath("status").child("loadBalancer").child("ingress");
  const json* status = member(svc, "status");
  const json* lb = status ? member(*status, "loadBalancer") : nullptr;
  const json* ingress = lb ? member(*lb, "ingress") : nullptr;
  if (!ingress) return errs;
  if (!ingress->is_array()) return {api::invalid(ingressPath, *ingress, "must be a list")};
  if (type(svc) != "LoadBalancer" && !ingress->empty()) {
    return {api::forbidden(ingressPath, "may only be used when `spec.type` is 'LoadBalancer'")};
  }
  for (size_t i = 0; i < ingress->size(); ++i) {
    const json& entry = (*ingress)[i];
    FieldPath path = ingressPath.index(i);
    if (!entry.is_object()) {
      errs.push_back(api::invalid(path, entry, "must be an object"));
      continue;
    }
    std::string ip = str(entry, "ip");
    if (!ip.empty()) invalidEach(errs, path.child("ip"), ip, api::isValidIp(ip));
    if (const json* mode = member(entry, "ipMode")) {
      if (ip.empty()) {
        errs.push_back(api::forbidden(path.child("ipMode"), "may not be specified when `ip` is not set"));
      } else if (*mode != "VIP" && *mode != "Proxy") {
        errs.push_back(api::notSupported(path.child("ipMode"), *mode, {"Proxy", "VIP"}));
      }
    }
    std::string hostname = str(entry, "hostname");
    if (!hostname.empty()) {
      invalidEach(errs, path.child("hostname"), hostname, api::isDns1123Subdomain(hostname));
      if (IpAddress::parseSloppy(hostname)) {
        errs.push_back(
            api::invalid(path.child("hostname"), hostname, "must be a DNS name, not an IP address"));
      }
    }
  }
  return errs;
}

// validateUpgradeDowngradeClusterIPs: clusterIPs[0] never changes; a second IP may be added,
// or dropped together with ipFamilyPolicy SingleStack. ExternalName and headless are exempt.
FieldErrors validateClusterIPsUpdate(const json& old, const json& svc) {
  FieldErrors errs;
  if (type(svc) == "ExternalName" || type(old) == "ExternalName") return errs;
  if (isHeadless(old) && isHeadless(svc)) return errs;
  auto before = clusterIPs(old), after = clusterIPs(svc);
  FieldPath path = kSpec.child("clusterIPs");
  std::string rendered = goStringSlice(svc, "clusterIPs");
  if (before.size() == after.size()) {
    for (size_t i = 0; i < before.size(); ++i) {
      if (before[i] != after[i]) {
        errs.push_back(invalidRendered(path.index(i), rendered, "may not change once set"));
      }
    }
  } else if (before.size() > after.size()) {
    if (after.empty()) {
      errs.push_back(invalidRendered(path.index(0), rendered, "primary clusterIP can not be unset"));
    }
    if (!before.empty() && !after.empty() && after[0] != before[0]) {
      errs.push_back(invalidRendered(path.index(0), rendered, "may not change once set"));
    }
    if (after.size() == 1 && ipFamilyPolicy(svc) != "SingleStack") {
      errs.push_back(invalidRendered(kSpec.child("ipFamilyPolicy"),
                                     goOptionalString(spec(svc), "ipFamilyPolicy"),
                                     "must be set to 'SingleStack' when releasing the secondary clusterIP"));
    }
  } else if (!before.empty() && after[0] != before[0]) {
    errs.push_back(invalidRendered(path.index(0), rendered, "may not change once set"));
  }
  return errs;
}

// validateUpgradeDowngradeIPFamilies, including kube's choice of values in its messages.
FieldErrors validateIPFamiliesUpdate(const json& old, const json& svc) {
  FieldErrors errs;
  if (type(svc) == "ExternalName" || type(old) == "ExternalName") return errs;
  if (isHeadless(old) || isHeadless(svc)) return errs;  // headless may change families
  auto before = ipFamilies(old), after = ipFamilies(svc);
  FieldPath path = kSpec.child("ipFamilies").index(0);
  if (before.size() == after.size()) {
    for (size_t i = 0; i < before.size(); ++i) {
      if (before[i] != after[i]) {
        errs.push_back(invalidRendered(path, goIpFamilySlice(after, !has(spec(svc), "ipFamilies")),
                                       "may not change once set"));
      }
    }
  } else if (before.size() > after.size()) {
    if (clusterIPs(svc).empty()) {
      errs.push_back(invalidRendered(path, goIpFamilySlice(after, !has(spec(svc), "ipFamilies")),
                                     "primary ipFamily can not be unset"));
    }
    if (!after.empty() && after[0] != before[0]) {
      errs.push_back(invalidRendered(path, goStringSlice(svc, "clusterIPs"), "may not change once set"));
    }
    if (after.size() == 1 && ipFamilyPolicy(svc) != "SingleStack") {
      errs.push_back(invalidRendered(kSpec.child("ipFamilyPolicy"),
                                     goOptionalString(spec(svc), "ipFamilyPolicy"),
                                     "must be set to 'SingleStack' when releasing the secondary ipFamily"));
    }
  } else if (!before.empty() && !after.empty() && after[0] != before[0]) {
    errs.push_back(invalidRendered(path, goStringSlice(svc, "clusterIPs"), "may not change once set"));
  }
  return errs;
}

}  // namespace

FieldErrors validateService(const json& svc) {
  const json& meta = metadataOf(svc);
  FieldErrors errs = api::validateObjectMeta(meta, true, api::NameRule::kDns1035Label);

  if (const json* ann = member(meta, "annotations"); ann && ann->is_object()) {
    const json* mode = member(*ann, kTopologyModeAnnotation);
    const json* hints = member(*ann, kTopologyHintsAnnotation);
    if (mode && hints && *mode != *hints) {
      errs.push_back(api::invalid(
          FieldPath("metadata").child("annotations").key(kTopologyModeAnnotation), *mode,
          std::string("must match annotations[") + kTopologyHintsAnnotation + "] when both are specified"));
    }
  }

  const json& s = spec(svc);
  std::string t = str(s, "type");
  if (ports(svc).empty() && !isHeadless(svc) && t != "ExternalName") {
    errs.push_back(api::required(kSpec.child("ports")));
  }
  append(errs, validateTypeSpecific(svc, t));
  append(errs, validatePorts(svc));

  if (const json* selector = member(s, "selector")) {
    append(errs, api::validateLabels(*selector, kSpec.child("selector")));
  }

  std::string affinity = str(s, "sessionAffinity");
  if (affinity.empty()) {
    errs.push_back(api::required(kSpec.child("sessionAffinity")));
  } else if (affinity != "ClientIP" && affinity != "None") {
    errs.push_back(api::notSupported(kSpec.child("sessionAffinity"), affinity, {"ClientIP", "None"}));
  }
  if (affinity == "ClientIP") {
    append(errs, validateClientIPConfig(s, kSpec.child("sessionAffinityConfig")));
  } else if (affinity == "None" && has(s, "sessionAffinityConfig")) {
    errs.push_back(api::forbidden(kSpec.child("sessionAffinityConfig"),
                                  "must not be set when session affinity is None"));
  }

  append(errs, validateClusterIPsRelatedFields(svc));
  append(errs, validateExternalIPs(s));

  if (t.empty()) {
    errs.push_back(api::required(kSpec.child("type")));
  } else if (t != "ClusterIP" && t != "NodePort" && t != "LoadBalancer" && t != "ExternalName") {
    errs.push_back(
        api::notSupported(kSpec.child("type"), t, {"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"}));
  }
  append(errs, validatePortCombinations(svc, t));
  append(errs, validateSourceRanges(svc, s, t));

  bool hasAllocate = has(s, "allocateLoadBalancerNodePorts");
  if (hasAllocate && t != "LoadBalancer") {
    errs.push_back(api::forbidden(kSpec.child("allocateLoadBalancerNodePorts"),
                                  "may only be used when `type` is 'LoadBalancer'"));
  }
  if (t == "LoadBalancer" && !hasAllocate) {
    errs.push_back(api::required(FieldPath("allocateLoadBalancerNodePorts")));  // sic: kube omits "spec."
  }
  append(errs, validateLoadBalancerClass(nullptr, svc));
  append(errs, validateExternalTrafficPolicy(svc));

  std::string itp = str(s, "internalTrafficPolicy");
  if (!has(s, "internalTrafficPolicy")) {
    if (t == "ClusterIP" || t == "NodePort" || t == "LoadBalancer") {
      errs.push_back(api::required(kSpec.child("internalTrafficPolicy")));
    }
  } else if (itp != "Cluster" && itp != "Local") {
    errs.push_back(api::notSupported(kSpec.child("internalTrafficPolicy"), itp, {"Cluster", "Local"}));
  }

  if (has(s, "trafficDistribution") && str(s, "trafficDistribution") != "PreferClose") {
    errs.push_back(api::notSupported(kSpec.child("trafficDistribution"), str(s, "trafficDistribution"),
                                     {"PreferClose"}));
  }
  return errs;
}

FieldErrors validateServiceUpdate(const json& svc, const json& old) {
  FieldErrors errs = api::validateObjectMetaUpdate(metadataOf(svc), metadataOf(old));
  append(errs, validateClusterIPsUpdate(old, svc));
  append(errs, validateIPFamiliesUpdate(old, svc));
  append(errs, validateLoadBalancerClass(&old, svc));
  if (needsHealthCheck(old) && needsHealthCheck(svc) &&
      healthCheckNodePort(old) != healthCheckNodePort(svc)) {
    errs.push_back(api::forbidden(kSpec.child("healthCheckNodePort"), "field is immutable"));
  }
  append(errs, validateService(svc));
  return errs;
}

FieldErrors validateServiceStatusUpdate(const json& svc, const json& old) {
  FieldErrors errs = api::validateObjectMetaUpdate(metadataOf(svc), metadataOf(old));
  append(errs, validateLoadBalancerStatus(svc));
  return errs;
}

}  // namespace edgeway::apiserver::svc
