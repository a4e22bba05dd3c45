// discovery.k8s.io/v1 EndpointSlices: a fixed address type, addresses of that type, at most
// 1000 endpoints of 1..100 addresses each, uniquely named ports (kube does not bound their
// numbers). An EndpointSlice has no spec, so its generation follows the endpoints, ports and
// address type.

#include <set>

#include "apiserver/src/json_fields.h"
#include "apiserver/src/strategies.h"
#include "apiserver/src/strategy_support.h"

namespace edgeway::apiserver {
namespace {

using nlohmann::json;

constexpr size_t kMaxEndpoints = 1000;
constexpr size_t kMaxAddresses = 100;
constexpr size_t kMaxPorts = 20000;

void applyDefaults(json& slice) {
  if (!slice.is_object() || !slice.contains("ports") || !slice["ports"].is_array()) return;
  for (auto& port : slice["ports"]) {
    if (!port.is_object()) continue;
    if (!port.contains("name") || port["name"].is_null()) port["name"] = "";
    if (!port.contains("protocol") || port["protocol"].is_null()) port["protocol"] = "TCP";
  }
}

api::FieldErrors validateAddress(const std::string& address, const std::string& type,
                                 const api::FieldPath& path) {
  api::FieldErrors errs;
  if (type == "IPv4" || type == "IPv6") {
    bool ok = type == "IPv4" ? support::isIpv4(address) : support::isIpv6(address);
    if (!ok) {
      errs.push_back(api::invalid(path, address, "must be a valid " + type + " address"));
    } else {
      support::append(errs, support::validateEndpointIp(address, path));
    }
  } else if (type == "FQDN") {
    support::append(errs, support::validateFullyQualifiedDomainName(address, path));
  }
  return errs;
}

api::FieldErrors validateEndpoints(const json& slice, const std::string& type) {
  api::FieldErrors errs;
  const api::FieldPath path("endpoints");
  const json& endpoints = fields::array(slice, {"endpoints"});
  if (endpoints.size() > kMaxEndpoints) return {api::tooMany(path, endpoints.size(), kMaxEndpoints)};
  for (size_t i = 0; i < endpoints.size(); ++i) {
    const json& e = endpoints[i];
    api::FieldPath addressPath = path.index(i).child("addresses");
    const json& addresses = fields::array(e, {"addresses"});
    if (addresses.empty()) {
      errs.push_back(api::required(addressPath, "must contain at least 1 address"));
    } else if (addresses.size() > kMaxAddresses) {
      errs.push_back(api::tooMany(addressPath, addresses.size(), kMaxAddresses));
    }
    for (size_t a = 0; a < addresses.size(); ++a) {
      std::string address = addresses[a].is_string() ? addresses[a].get<std::string>() : "";
      support::append(errs, validateAddress(address, type, addressPath.index(a)));
    }
    if (fields::has(e, {"nodeName"})) {
      std::string node = fields::str(e, {"nodeName"});
      support::appendInvalid(errs, path.index(i).child("nodeName"), node, api::isDns1123Subdomain(node));
    }
    if (fields::has(e, {"hostname"})) {
      std::string hostname = fields::str(e, {"hostname"});
      support::appendInvalid(errs, path.index(i).child("hostname"), hostname, api::isDns1123Label(hostname));
    }
  }
  return errs;
}

api::FieldErrors validatePorts(const json& slice) {
  api::FieldErrors errs;
  const api::FieldPath path("ports");
  const json& ports = fields::array(slice, {"ports"});
  if (ports.size() > kMaxPorts) return {api::tooMany(path, ports.size(), kMaxPorts)};
  std::set<std::string> names;
  for (size_t i = 0; i < ports.size(); ++i) {
    const json& p = ports[i];
    api::FieldPath portPath = path.index(i);
    std::string name = fields::str(p, {"name"});
    if (!name.empty()) support::appendInvalid(errs, portPath.child("name"), name, api::isDns1123Label(name));
    if (!names.insert(name).second) errs.push_back(api::duplicate(portPath.child("name"), name));
    support::append(errs, support::validateProtocol(p, portPath.child("protocol")));
    if (fields::has(p, {"appProtocol"})) {
      std::string appProtocol = fields::str(p, {"appProtocol"});
      support::appendInvalid(errs, portPath.child("appProtocol"), appProtocol,
                             api::isQualifiedName(appProtocol));
    }
  }
  return errs;
}

api::FieldErrors validateBody(const json& slice) {
  api::FieldErrors errs;
  std::string type = fields::str(slice, {"addressType"});
  if (type.empty()) {
    errs.push_back(api::required(api::FieldPath("addressType")));
  } else if (type != "IPv4" && type != "IPv6" && type != "FQDN") {
    errs.push_back(api::notSupported(api::FieldPath("addressType"), type, {"FQDN", "IPv4", "IPv6"}));
  }
  support::append(errs, validateEndpoints(slice, type));
  support::append(errs, validatePorts(slice));
  return errs;
}

class EndpointSliceStrategy : public support::StatuslessStrategy {
 public:
  void prepareForCreate(json& slice) const override { applyDefaults(slice); }
  void prepareForUpdate(json& slice, const json&) const override { applyDefaults(slice); }

  api::FieldErrors validate(const json& slice) const override {
    api::FieldErrors errs =
        api::validateObjectMeta(support::metadataOf(slice), true, api::NameRule::kDns1123Subdomain);
    support::append(errs, validateBody(slice));
    return errs;
  }

  api::FieldErrors validateUpdate(const json& slice, const json& old) const override {
    api::FieldErrors errs =
        api::validateObjectMetaUpdate(support::metadataOf(slice), support::metadataOf(old));
    support::append(errs, validateBody(slice));
    support::checkImmutable(errs, api::FieldPath("addressType"), fields::str(slice, {"addressType"}),
                            fields::str(old, {"addressType"}));
    return errs;
  }

  bool specChanged(const json& slice, const json& old) const override {
    for (const char* key : {"addressType", "endpoints", "ports"}) {
      const json* a = fields::find(slice, {key});
      const json* b = fields::find(old, {key});
      if ((a == nullptr) != (b == nullptr) || (a && *a != *b)) return true;
    }
    return false;
  }
};

}  // namespace

std::unique_ptr<Strategy> makeEndpointSliceStrategy() { return std::make_unique<EndpointSliceStrategy>(); }

}  // namespace edgeway::apiserver
