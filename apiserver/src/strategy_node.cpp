// Nodes. Unlike most kinds, a Node is created with its status: the agent that registers a
// node reports its addresses and conditions in the same request, as the kubelet does. Later
// writes to the main resource keep the stored status. A pod CIDR, once assigned, is fixed.

#include <map>
#include <set>

#include "apiserver/src/json_fields.h"
#include "apiserver/src/strategies.h"
#include "apiserver/src/strategy_support.h"

namespace edgeway::apiserver {
namespace {

using nlohmann::json;

// spec.podCIDRs is authoritative; spec.podCIDR mirrors its first entry for older readers.
void syncPodCidrs(json& node) {
  if (!node.is_object() || !node.contains("spec") || !node["spec"].is_object()) return;
  json& spec = node["spec"];
  const json& cidrs = fields::array(spec, {"podCIDRs"});
  std::string single = fields::str(spec, {"podCIDR"});
  if (!cidrs.empty()) {
    if (cidrs[0].is_string()) spec["podCIDR"] = cidrs[0];
  } else if (!single.empty()) {
    spec["podCIDRs"] = json::array({single});
  }
}

api::FieldErrors validatePodCidrs(const json& node) {
  api::FieldErrors errs;
  const api::FieldPath path("spec.podCIDRs");
  const json& cidrs = fields::array(node, {"spec", "podCIDRs"});
  std::set<std::string> seen;
  int v4 = 0, v6 = 0;
  for (size_t i = 0; i < cidrs.size(); ++i) {
    std::string cidr = cidrs[i].is_string() ? cidrs[i].get<std::string>() : "";
    auto cidrErrors = support::validateCidr(cidr, path.index(i));
    support::append(errs, cidrErrors);
    if (cidrErrors.empty()) ++(support::isIpv4(cidr.substr(0, cidr.find('/'))) ? v4 : v6);
    if (cidrs.size() > 1 && !seen.insert(cidr).second) errs.push_back(api::duplicate(path.index(i), cidr));
  }
  if (cidrs.size() > 1 && (cidrs.size() > 2 || v4 != 1 || v6 != 1)) {
    api::FieldError e = api::invalid(path, cidrs, "may specify no more than one CIDR for each IP family");
    e.badValue = support::goStringSlice(cidrs);
    errs.push_back(e);
  }
  return errs;
}

api::FieldErrors validateTaints(const json& node) {
  api::FieldErrors errs;
  const api::FieldPath path("spec.taints");
  const json& taints = fields::array(node, {"spec", "taints"});
  std::map<std::string, std::set<std::string>> seen;  // effect -> keys
  for (size_t i = 0; i < taints.size(); ++i) {
    const json& t = taints[i];
    std::string key = fields::str(t, {"key"}), value = fields::str(t, {"value"});
    std::string effect = fields::str(t, {"effect"});
    support::appendInvalid(errs, path.index(i).child("key"), key, api::isQualifiedName(key));
    if (auto valueErrors = api::isValidLabelValue(value); !valueErrors.empty()) {
      std::string joined;
      for (const auto& e : valueErrors) joined += (joined.empty() ? "" : ";") + e;
      errs.push_back(api::invalid(path.index(i).child("value"), value, joined));
    }
    if (effect.empty()) {
      errs.push_back(api::required(path.index(i).child("effect")));
    } else if (effect != "NoSchedule" && effect != "PreferNoSchedule" && effect != "NoExecute") {
      errs.push_back(api::notSupported(path.index(i).child("effect"), effect,
                                       {"NoSchedule", "PreferNoSchedule", "NoExecute"}));
    }
    if (!seen[effect].insert(key).second) {
      api::FieldError dup = api::duplicate(path.index(i), t);
      dup.detail = "taints must be unique by key and effect pair";
      errs.push_back(dup);
    }
  }
  return errs;
}

api::FieldErrors validateSpec(const json& node) {
  api::FieldErrors errs = validatePodCidrs(node);
  support::append(errs, validateTaints(node));
  return errs;
}

class NodeStrategy : public Strategy {
 public:
  void prepareForCreate(json& node) const override { syncPodCidrs(node); }

  api::FieldErrors validate(const json& node) const override {
    api::FieldErrors errs =
        api::validateObjectMeta(support::metadataOf(node), false, api::NameRule::kDns1123Subdomain);
    support::append(errs, validateSpec(node));
    return errs;
  }

  void prepareForUpdate(json& node, const json& old) const override {
    Strategy::prepareForUpdate(node, old);  // keeps status
    syncPodCidrs(node);
  }

  api::FieldErrors validateUpdate(const json& node, const json& old) const override {
    api::FieldErrors errs =
        api::validateObjectMetaUpdate(support::metadataOf(node), support::metadataOf(old));
    support::append(errs, validateSpec(node));
    // The IPAM controller may assign a pod CIDR once; after that it is fixed.
    const json& oldCidrs = fields::array(old, {"spec", "podCIDRs"});
    if (!oldCidrs.empty() && oldCidrs != fields::array(node, {"spec", "podCIDRs"})) {
      errs.push_back(api::forbidden(api::FieldPath("spec.podCIDRs"),
                                    "node updates may not change podCIDR except from \"\" to valid"));
    }
    std::string oldProvider = fields::str(old, {"spec", "providerID"});
    if (!oldProvider.empty() && oldProvider != fields::str(node, {"spec", "providerID"})) {
      errs.push_back(api::forbidden(api::FieldPath("spec.providerID"),
                                    "node updates may not change providerID except from \"\" to valid"));
    }
    return errs;
  }

  api::FieldErrors validateStatusUpdate(const json& node, const json& old) const override {
    return api::validateObjectMetaUpdate(support::metadataOf(node), support::metadataOf(old));
  }
};

}  // namespace

std::unique_ptr<Strategy> makeNodeStrategy() { return std::make_unique<NodeStrategy>(); }

}  // namespace edgeway::apiserver
