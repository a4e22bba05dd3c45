// Ingress rows (NAME CLASS HOSTS ADDRESS PORTS AGE) and IngressClass rows (NAME CONTROLLER
// PARAMETERS AGE).

#include <nlohmann/json.hpp>
#include <set>

#include "apiserver/src/json_fields.h"
#include "apiserver/src/tables.h"

namespace edgeway::apiserver::tables {
namespace {

using nlohmann::json;

// The first three rule hosts; "*" when no rule names a host. The "more" count is of rules,
// not hosts, as kube-apiserver prints it.
std::string hosts(const json& ing) {
  const json& rules = fields::array(ing, {"spec", "rules"});
  std::vector<std::string> list;
  bool more = false;
  for (const auto& rule : rules) {
    if (list.size() == 3) {
      more = true;
      break;
    }
    std::string host = fields::str(rule, {"host"});
    if (!host.empty()) list.push_back(host);
  }
  if (list.empty()) return "*";
  std::string out = join(list, ",");
  if (more) out += " + " + std::to_string(rules.size() - 3) + " more...";
  return out;
}

std::string address(const json& ing) {
  std::set<std::string> out;
  for (const auto& lb : fields::array(ing, {"status", "loadBalancer", "ingress"})) {
    std::string ip = fields::str(lb, {"ip"}), host = fields::str(lb, {"hostname"});
    if (!ip.empty()) {
      out.insert(ip);
    } else if (!host.empty()) {
      out.insert(host);
    }
  }
  return join({out.begin(), out.end()}, ",");
}

json ingressCells(const json& ing, std::time_t now) {
  const json* cls = fields::find(ing, {"spec", "ingressClassName"});
  std::string className = cls && cls->is_string() ? cls->get<std::string>() : "<none>";
  std::string ports = fields::array(ing, {"spec", "tls"}).empty() ? "80" : "80, 443";
  return json::array(
      {fields::str(ing, {"metadata", "name"}), className, hosts(ing), address(ing), ports, age(ing, now)});
}

json ingressClassCells(const json& cls, std::time_t now) {
  std::string parameters = "<none>";
  if (const json* p = fields::find(cls, {"spec", "parameters"}); p && p->is_object()) {
    parameters = fields::str(*p, {"kind"});
    if (fields::has(*p, {"apiGroup"})) parameters += "." + fields::str(*p, {"apiGroup"});
    parameters += "/" + fields::str(*p, {"name"});
  }
  return json::array({fields::str(cls, {"metadata", "name"}), fields::str(cls, {"spec", "controller"}),
                      parameters, age(cls, now)});
}

}  // namespace

TableConvertor ingressTable() {
  return TableConvertor{{nameColumn(), column("Class", "The IngressClass that handles this ingress."),
                         column("Hosts", "Hosts the ingress rules match."),
                         column("Address", "Addresses of the load balancer serving the ingress."),
                         column("Ports", "Ports the ingress is served on."), ageColumn()},
                        ingressCells};
}

TableConvertor ingressClassTable() {
  return TableConvertor{{nameColumn(), column("Controller", "The controller that implements this class."),
                         column("Parameters", "The resource holding the class's parameters."), ageColumn()},
                        ingressClassCells};
}

}  // namespace edgeway::apiserver::tables
