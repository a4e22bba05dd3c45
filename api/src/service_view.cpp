#include "api/service_view.h"

#include "api/src/view_reader.h"

namespace edgeway::api {
namespace {

using detail::ViewField;

// Kubernetes' default for sessionAffinityConfig.clientIP.timeoutSeconds (3 hours).
constexpr int kDefaultAffinityTimeout = 10800;

ServiceType readType(const ViewField& f) {
  std::string t = f.string();
  if (t.empty() || t == "ClusterIP") return ServiceType::kClusterIP;
  if (t == "NodePort") return ServiceType::kNodePort;
  if (t == "LoadBalancer") return ServiceType::kLoadBalancer;
  if (t == "ExternalName") return ServiceType::kExternalName;
  f.fail("unsupported type \"" + t + "\"");
}

TrafficPolicy readPolicy(const ViewField& f) {
  std::string p = f.string();
  if (p.empty() || p == "Cluster") return TrafficPolicy::kCluster;
  if (p == "Local") return TrafficPolicy::kLocal;
  f.fail("unsupported traffic policy \"" + p + "\"");
}

IpFamily readFamily(const ViewField& f) {
  std::string fam = f.string();
  if (fam == "IPv4") return IpFamily::kIPv4;
  if (fam == "IPv6") return IpFamily::kIPv6;
  f.fail("unsupported IP family \"" + fam + "\"");
}

// spec.clusterIPs is authoritative; objects written before dual-stack carry only
// spec.clusterIP. "None" marks a headless Service and is not an address.
void readClusterIps(const ViewField& spec, ServiceView& s) {
  ViewField list = spec["clusterIPs"];
  std::vector<ViewField> items;
  if (!list.absent()) {
    list.forEach([&](const ViewField& item) { items.push_back(item); });
  } else if (!spec["clusterIP"].absent()) {
    items.push_back(spec["clusterIP"]);
  }
  for (const ViewField& item : items) {
    std::string text = item.string();
    if (text.empty()) continue;
    if (text == "None") {
      s.headless = true;
      continue;
    }
    s.clusterIps.push_back(item.ip());
  }
  if (s.headless && !s.clusterIps.empty()) spec["clusterIPs"].fail("\"None\" mixed with addresses");
}

ServicePort readPort(const ViewField& f) {
  ServicePort p;
  p.name = f["name"].string();
  p.protocol = f["protocol"].protocol();
  p.port = f["port"].integerIn(1, 65535);
  if (p.port == 0) f["port"].fail("required");
  ViewField target = f["targetPort"];
  if (target.isString()) {  // IntOrString
    p.targetPort.name = target.string();
  } else {
    p.targetPort.number = target.integerIn(0, 65535);
  }
  // Kubernetes defaults an unset (or zero) targetPort to the port itself.
  if (!p.targetPort.isNamed() && p.targetPort.number == 0) p.targetPort.number = p.port;
  p.nodePort = f["nodePort"].integerIn(0, 65535);
  p.appProtocol = f["appProtocol"].string();
  return p;
}

LoadBalancerIngress readIngress(const ViewField& f) {
  LoadBalancerIngress in;
  if (!f["ip"].absent() && !f["ip"].string().empty()) in.ip = f["ip"].ip();
  in.hostname = f["hostname"].string();
  std::string mode = f["ipMode"].string();
  if (mode == "Proxy") {
    in.ipModeProxy = true;
  } else if (!mode.empty() && mode != "VIP") {
    f["ipMode"].fail("unsupported ipMode \"" + mode + "\"");
  }
  return in;
}

void fill(const ViewField& root, ServiceView& s) {
  detail::readObjectName(root, &s.ns, s.name);
  s.uid = root["metadata"]["uid"].string();
  ViewField spec = root["spec"];
  s.type = readType(spec["type"]);
  readClusterIps(spec, s);
  spec["ipFamilies"].forEach([&](const ViewField& f) { s.ipFamilies.push_back(readFamily(f)); });
  if (spec["ipFamilies"].absent()) {
    for (const IpAddress& ip : s.clusterIps) s.ipFamilies.push_back(ip.family());
  }
  spec["ports"].forEach([&](const ViewField& f) { s.ports.push_back(readPort(f)); });
  s.selector = spec["selector"].stringMap();
  s.externalName = spec["externalName"].string();
  spec["externalIPs"].forEach([&](const ViewField& f) { s.externalIps.push_back(f.ip()); });
  spec["loadBalancerSourceRanges"].forEach(
      [&](const ViewField& f) { s.loadBalancerSourceRanges.push_back(f.cidr()); });

  std::string affinity = spec["sessionAffinity"].string();
  if (affinity == "ClientIP") {
    s.sessionAffinity = SessionAffinity::kClientIP;
    ViewField timeout = spec["sessionAffinityConfig"]["clientIP"]["timeoutSeconds"];
    s.sessionAffinityTimeoutSeconds = timeout.integerIn(1, 86400);
    if (s.sessionAffinityTimeoutSeconds == 0) s.sessionAffinityTimeoutSeconds = kDefaultAffinityTimeout;
  } else if (!affinity.empty() && affinity != "None") {
    spec["sessionAffinity"].fail("unsupported session affinity \"" + affinity + "\"");
  }

  s.externalTrafficPolicy = readPolicy(spec["externalTrafficPolicy"]);
  s.internalTrafficPolicy = readPolicy(spec["internalTrafficPolicy"]);
  s.healthCheckNodePort = spec["healthCheckNodePort"].integerIn(0, 65535);
  s.publishNotReadyAddresses = spec["publishNotReadyAddresses"].boolean();
  s.trafficDistribution = spec["trafficDistribution"].string();
  s.loadBalancerClass = spec["loadBalancerClass"].string();
  s.loadBalancerIp = spec["loadBalancerIP"].string();
  s.requestedLoadBalancerIps = root["metadata"]["annotations"]["edgeway.io/load-balancer-ips"].string();

  root["status"]["loadBalancer"]["ingress"].forEach(
      [&](const ViewField& f) { s.loadBalancerIngress.push_back(readIngress(f)); });
  root["status"]["conditions"].forEach(
      [&](const ViewField& f) {
        s.conditions.push_back({f["type"].string(), f["status"].string(), f["reason"].string(), f["message"].string()});
      });
}

}  // namespace

Result<ServiceView> ServiceView::parse(std::string_view json) {
  return detail::parseViewText<ServiceView>("Service", json, fill);
}

Result<ServiceView> ServiceView::fromJson(const nlohmann::json& object) {
  return detail::parseView<ServiceView>("Service", object, fill);
}

const char* serviceTypeName(ServiceType type) {
  switch (type) {
    case ServiceType::kClusterIP:
      return "ClusterIP";
    case ServiceType::kNodePort:
      return "NodePort";
    case ServiceType::kLoadBalancer:
      return "LoadBalancer";
    case ServiceType::kExternalName:
      return "ExternalName";
  }
  return "ClusterIP";
}

}  // namespace edgeway::api
