// Node rows: NAME STATUS ROLES AGE VERSION [INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION
// CONTAINER-RUNTIME].

#include <nlohmann/json.hpp>
#include <set>

#include "apiserver/src/json_fields.h"
#include "apiserver/src/tables.h"

namespace edgeway::apiserver::tables {
namespace {

using nlohmann::json;

// "Ready", "NotReady" or "Unknown" (no Ready condition), then ",SchedulingDisabled" when cordoned.
std::string status(const json& node) {
  std::string out = "Unknown";
  for (const auto& c : fields::array(node, {"status", "conditions"})) {
    if (fields::str(c, {"type"}) == "Ready") {
      out = fields::str(c, {"status"}) == "True" ? "Ready" : "NotReady";
    }
  }
  if (fields::boolean(node, {"spec", "unschedulable"})) out += ",SchedulingDisabled";
  return out;
}

// Roles come from node-role.kubernetes.io/<role> label keys and the older kubernetes.io/role
// label value, sorted and deduplicated.
std::string roles(const json& node) {
  static const std::string kPrefix = "node-role.kubernetes.io/";
  std::set<std::string> out;
  for (const auto& [key, value] : fields::object(node, {"metadata", "labels"}).items()) {
    if (key.rfind(kPrefix, 0) == 0 && key.size() > kPrefix.size()) {
      out.insert(key.substr(kPrefix.size()));
    } else if (key == "kubernetes.io/role" && value.is_string() && !value.get<std::string>().empty()) {
      out.insert(value.get<std::string>());
    }
  }
  return out.empty() ? "<none>" : join({out.begin(), out.end()}, ",");
}

std::string address(const json& node, const char* type) {
  for (const auto& a : fields::array(node, {"status", "addresses"})) {
    if (fields::str(a, {"type"}) == type) return fields::str(a, {"address"});
  }
  return "<none>";
}

std::string info(const json& node, const char* key) {
  std::string v = fields::str(node, {"status", "nodeInfo", key});
  return v.empty() ? "<unknown>" : v;
}

json cells(const json& node, std::time_t now) {
  return json::array({fields::str(node, {"metadata", "name"}), status(node), roles(node), age(node, now),
                      fields::str(node, {"status", "nodeInfo", "kubeletVersion"}),
                      address(node, "InternalIP"), address(node, "ExternalIP"), info(node, "osImage"),
                      info(node, "kernelVersion"), info(node, "containerRuntimeVersion")});
}

}  // namespace

TableConvertor nodeTable() {
  return TableConvertor{
      {nameColumn(), column("Status", "The status of the node."), column("Roles", "The roles of the node."),
       ageColumn(), column("Version", "The kubelet version the node reports."),
       column("Internal-IP", "The node's first InternalIP address.", 1),
       column("External-IP", "The node's first ExternalIP address.", 1),
       column("OS-Image", "The operating system image the node reports.", 1),
       column("Kernel-Version", "The kernel version the node reports.", 1),
       column("Container-Runtime", "The container runtime and version the node reports.", 1)},
      cells};
}

}  // namespace edgeway::apiserver::tables
