// networking.k8s.io/v1 Ingresses: rules of hosts and typed paths to Service (or resource)
// backends, TLS hosts. The status (load-balancer addresses) is written only by the ingress
// controller through /status.

#include "apiserver/src/json_fields.h"
#include "apiserver/src/strategies.h"
#include "apiserver/src/strategy_support.h"

namespace edgeway::apiserver {
namespace {

using nlohmann::json;

api::FieldErrors validateBackend(const json& backend, const api::FieldPath& path) {
  bool hasResource = fields::has(backend, {"resource"});
  bool hasService = fields::has(backend, {"service"});
  if (hasResource && hasService) {
    return {api::invalid(path, "", "cannot set both resource and service backends")};
  }
  if (hasResource) {
    return support::validateTypedLocalObjectReference(fields::object(backend, {"resource"}),
                                                      path.child("resource"));
  }
  if (!hasService) return {api::invalid(path, "", "resource or service backend is required")};

  api::FieldErrors errs;
  const json& service = fields::object(backend, {"service"});
  api::FieldPath servicePath = path.child("service");
  std::string name = fields::str(service, {"name"});
  if (name.empty()) {
    errs.push_back(api::required(servicePath.child("name")));
  } else {
    support::appendInvalid(errs, servicePath.child("name"), name, api::isDns1035Label(name));
  }
  std::string portName = fields::str(service, {"port", "name"});
  long long portNumber = fields::integer(service, {"port", "number"});
  if (!portName.empty() && portNumber != 0) {
    errs.push_back(api::invalid(path, "", "cannot set both port name & port number"));
  } else if (!portName.empty()) {
    support::appendInvalid(errs, servicePath.child("port").child("name"), portName,
                           api::isValidPortName(portName));
  } else if (portNumber != 0) {
    support::appendInvalid(errs, servicePath.child("port").child("number"), portNumber,
                           api::isValidPortNum(portNumber));
  } else {
    errs.push_back(api::required(path, "port name or number is required"));
  }
  return errs;
}

api::FieldErrors validatePath(const json& p, const api::FieldPath& path) {
  api::FieldErrors errs;
  if (!fields::has(p, {"pathType"})) {
    return {api::required(path.child("pathType"), "pathType must be specified")};
  }
  std::string type = fields::str(p, {"pathType"});
  std::string value = fields::str(p, {"path"});
  api::FieldPath valuePath = path.child("path");
  if (type == "Exact" || type == "Prefix") {
    if (value.rfind('/', 0) != 0) errs.push_back(api::invalid(valuePath, value, "must be an absolute path"));
    if (!value.empty()) {
      // Sequences a proxy could normalise into a different route than the one validated.
      for (const char* seq : {"//", "/./", "/../", "%2f", "%2F"}) {
        if (value.find(seq) != std::string::npos) {
          errs.push_back(api::invalid(valuePath, value, std::string("must not contain '") + seq + "'"));
        }
      }
      for (std::string suffix : {"/..", "/."}) {
        if (value.size() >= suffix.size() &&
            value.compare(value.size() - suffix.size(), suffix.size(), suffix) == 0) {
          errs.push_back(api::invalid(valuePath, value, "cannot end with '" + suffix + "'"));
        }
      }
    }
  } else if (type == "ImplementationSpecific") {
    if (!value.empty() && value[0] != '/') {
      errs.push_back(api::invalid(valuePath, value, "must be an absolute path"));
    }
  } else {
    errs.push_back(
        api::notSupported(path.child("pathType"), type, {"Exact", "ImplementationSpecific", "Prefix"}));
  }
  support::append(errs, validateBackend(fields::object(p, {"backend"}), path.child("backend")));
  return errs;
}

// Hosts may carry one leading wildcard label ("*.example.com") but may not be IP addresses.
void validateHost(api::FieldErrors& errs, const std::string& host, const api::FieldPath& path,
                  bool rejectIp) {
  if (rejectIp && support::isIp(host)) {
    errs.push_back(api::invalid(path, host, "must be a DNS name, not an IP address"));
  }
  if (host.find('*') != std::string::npos) {
    support::appendInvalid(errs, path, host, support::isWildcardDns1123Subdomain(host));
  } else {
    support::appendInvalid(errs, path, host, api::isDns1123Subdomain(host));
  }
}

api::FieldErrors validateSpec(const json& ing) {
  api::FieldErrors errs;
  const api::FieldPath spec("spec");
  const json* rulesValue = fields::find(ing, {"spec", "rules"});
  const json& rules = fields::array(ing, {"spec", "rules"});
  bool hasDefault = fields::has(ing, {"spec", "defaultBackend"});
  if (rules.empty() && !hasDefault) {
    // kube prints the Go value of the empty rules list here.
    api::FieldError e = api::invalid(spec, nullptr, "either `defaultBackend` or `rules` must be specified");
    e.badValue =
        rulesValue && rulesValue->is_array() ? "[]networking.IngressRule{}" : "[]networking.IngressRule(nil)";
    errs.push_back(e);
  }
  if (hasDefault) {
    support::append(
        errs, validateBackend(fields::object(ing, {"spec", "defaultBackend"}), spec.child("defaultBackend")));
  }
  for (size_t i = 0; i < rules.size(); ++i) {
    api::FieldPath rulePath = spec.child("rules").index(i);
    std::string host = fields::str(rules[i], {"host"});
    if (!host.empty()) validateHost(errs, host, rulePath.child("host"), true);
    if (!fields::has(rules[i], {"http"})) continue;
    api::FieldPath pathsPath = rulePath.child("http").child("paths");
    const json& paths = fields::array(rules[i], {"http", "paths"});
    if (paths.empty()) errs.push_back(api::required(pathsPath));
    for (size_t p = 0; p < paths.size(); ++p) {
      support::append(errs, validatePath(paths[p], pathsPath.index(p)));
    }
  }
  const json& tls = fields::array(ing, {"spec", "tls"});
  for (size_t i = 0; i < tls.size(); ++i) {
    api::FieldPath tlsPath = spec.child("tls").index(i);
    const json& hosts = fields::array(tls[i], {"hosts"});
    for (size_t h = 0; h < hosts.size(); ++h) {
      validateHost(errs, hosts[h].is_string() ? hosts[h].get<std::string>() : "",
                   tlsPath.child("hosts").index(h), false);
    }
    if (std::string secret = fields::str(tls[i], {"secretName"}); !secret.empty()) {
      support::appendInvalid(errs, tlsPath.child("secretName"), secret, api::isDns1123Subdomain(secret));
    }
  }
  if (std::string cls = fields::str(ing, {"spec", "ingressClassName"}); !cls.empty()) {
    support::appendInvalid(errs, spec.child("ingressClassName"), cls, api::isDns1123Subdomain(cls));
  }
  return errs;
}

api::FieldErrors validateLoadBalancerStatus(const json& ing) {
  api::FieldErrors errs;
  const json& points = fields::array(ing, {"status", "loadBalancer", "ingress"});
  for (size_t i = 0; i < points.size(); ++i) {
    api::FieldPath path = api::FieldPath("status.loadBalancer.ingress").index(i);
    if (std::string ip = fields::str(points[i], {"ip"}); !ip.empty()) {
      support::appendInvalid(errs, path.child("ip"), ip, api::isValidIp(ip));
    }
    if (std::string host = fields::str(points[i], {"hostname"}); !host.empty()) {
      support::appendInvalid(errs, path.child("hostname"), host, api::isDns1123Subdomain(host));
      if (support::isIp(host)) {
        errs.push_back(api::invalid(path.child("hostname"), host, "must be a DNS name, not an IP address"));
      }
    }
  }
  return errs;
}

class IngressStrategy : public Strategy {
 public:
  void prepareForCreate(json& ing) const override {
    if (ing.is_object()) ing["status"] = {{"loadBalancer", json::object()}};
  }

  api::FieldErrors validate(const json& ing) const override {
    api::FieldErrors errs =
        api::validateObjectMeta(support::metadataOf(ing), true, api::NameRule::kDns1123Subdomain);
    support::append(errs, validateSpec(ing));
    // The legacy class annotation and the class field must not disagree.
    const json* annotation = fields::find(ing, {"metadata", "annotations", "kubernetes.io/ingress.class"});
    const json* cls = fields::find(ing, {"spec", "ingressClassName"});
    if (annotation && annotation->is_string() && cls && cls->is_string() && *annotation != *cls) {
      errs.push_back(api::invalid(api::FieldPath("annotations").child("kubernetes.io/ingress.class"),
                                  *annotation, "must match `ingressClassName` when both are specified"));
    }
    return errs;
  }

  api::FieldErrors validateUpdate(const json& ing, const json& old) const override {
    api::FieldErrors errs = api::validateObjectMetaUpdate(support::metadataOf(ing), support::metadataOf(old));
    support::append(errs, validateSpec(ing));
    return errs;
  }

  api::FieldErrors validateStatusUpdate(const json& ing, const json& old) const override {
    api::FieldErrors errs = api::validateObjectMetaUpdate(support::metadataOf(ing), support::metadataOf(old));
    support::append(errs, validateLoadBalancerStatus(ing));
    return errs;
  }
};

}  // namespace

std::unique_ptr<Strategy> makeIngressStrategy() { return std::make_unique<IngressStrategy>(); }

}  // namespace edgeway::apiserver
