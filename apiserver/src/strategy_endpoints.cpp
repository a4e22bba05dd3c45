// core/v1 Endpoints: every subset holds at least one address, addresses are routable IPs,
// ports are valid and named when there are several.

#include "apiserver/src/json_fields.h"
#include "apiserver/src/strategies.h"
#include "apiserver/src/strategy_support.h"

namespace edgeway::apiserver {
namespace {

using nlohmann::json;

void applyDefaults(json& ep) {
  json* subsets = ep.is_object() && ep.contains("subsets") ? &ep["subsets"] : nullptr;
  if (!subsets || !subsets->is_array()) return;
  for (auto& subset : *subsets) {
    if (!subset.is_object() || !subset.contains("ports") || !subset["ports"].is_array()) continue;
    for (auto& port : subset["ports"]) {
      if (port.is_object() && !port.contains("protocol")) port["protocol"] = "TCP";
    }
  }
}

api::FieldErrors validateAddress(const json& address, const api::FieldPath& path) {
  api::FieldErrors errs;
  std::string ip = fields::str(address, {"ip"});
  auto ipErrors = api::isValidIp(ip);
  support::appendInvalid(errs, path.child("ip"), ip, ipErrors);
  if (std::string hostname = fields::str(address, {"hostname"}); !hostname.empty()) {
    support::appendInvalid(errs, path.child("hostname"), hostname, api::isDns1123Label(hostname));
  }
  if (fields::has(address, {"nodeName"})) {
    std::string node = fields::str(address, {"nodeName"});
    support::appendInvalid(errs, path.child("nodeName"), node, api::isDns1123Subdomain(node));
  }
  if (ipErrors.empty()) support::append(errs, support::validateEndpointIp(ip, path.child("ip")));
  return errs;
}

api::FieldErrors validatePort(const json& port, bool requireName, const api::FieldPath& path) {
  api::FieldErrors errs;
  std::string name = fields::str(port, {"name"});
  if (requireName && name.empty()) {
    errs.push_back(api::required(path.child("name")));
  } else if (!name.empty()) {
    support::appendInvalid(errs, path.child("name"), name, api::isDns1123Label(name));
  }
  long long number = fields::integer(port, {"port"});
  support::appendInvalid(errs, path.child("port"), number, api::isValidPortNum(number));
  support::append(errs, support::validateProtocol(port, path.child("protocol")));
  if (fields::has(port, {"appProtocol"})) {
    std::string appProtocol = fields::str(port, {"appProtocol"});
    support::appendInvalid(errs, path.child("appProtocol"), appProtocol, api::isQualifiedName(appProtocol));
  }
  return errs;
}

api::FieldErrors validateSubsets(const json& ep) {
  api::FieldErrors errs;
  const json& subsets = fields::array(ep, {"subsets"});
  for (size_t i = 0; i < subsets.size(); ++i) {
    const json& subset = subsets[i];
    api::FieldPath path = api::FieldPath("subsets").index(i);
    const json& ready = fields::array(subset, {"addresses"});
    const json& notReady = fields::array(subset, {"notReadyAddresses"});
    if (ready.empty() && notReady.empty()) {
      errs.push_back(api::required(path, "must specify `addresses` or `notReadyAddresses`"));
    }
    for (size_t a = 0; a < ready.size(); ++a) {
      support::append(errs, validateAddress(ready[a], path.child("addresses").index(a)));
    }
    for (size_t a = 0; a < notReady.size(); ++a) {
      support::append(errs, validateAddress(notReady[a], path.child("notReadyAddresses").index(a)));
    }
    const json& ports = fields::array(subset, {"ports"});
    for (size_t p = 0; p < ports.size(); ++p) {
      support::append(errs, validatePort(ports[p], ports.size() > 1, path.child("ports").index(p)));
    }
  }
  return errs;
}

class EndpointsStrategy : public support::StatuslessStrategy {
 public:
  void prepareForCreate(json& ep) const override { applyDefaults(ep); }
  void prepareForUpdate(json& ep, const json&) const override { applyDefaults(ep); }

  api::FieldErrors validate(const json& ep) const override {
    api::FieldErrors errs =
        api::validateObjectMeta(support::metadataOf(ep), true, api::NameRule::kDns1123Subdomain);
    support::append(errs, validateSubsets(ep));
    return errs;
  }

  api::FieldErrors validateUpdate(const json& ep, const json& old) const override {
    api::FieldErrors errs = api::validateObjectMetaUpdate(support::metadataOf(ep), support::metadataOf(old));
    support::append(errs, validateSubsets(ep));
    return errs;
  }
};

}  // namespace

std::unique_ptr<Strategy> makeEndpointsStrategy() { return std::make_unique<EndpointsStrategy>(); }

}  // namespace edgeway::apiserver
