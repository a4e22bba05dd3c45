#include "apiserver/src/service_fields.h"

namespace edgeway::apiserver::svc {

const json* member(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

std::string str(const json& obj, const char* key) {
  const json* v = member(obj, key);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

std::optional<long long> integer(const json& obj, const char* key) {
  const json* v = member(obj, key);
  if (!v || !v->is_number_integer()) return std::nullopt;
  // Unsigned values beyond long long are out of every range we check; clamp rather than wrap.
  if (v->is_number_unsigned() && v->get<unsigned long long>() > 0x7fffffffffffffffULL) {
    return 0x7fffffffffffffffLL;
  }
  return v->get<long long>();
}

std::vector<std::string> strings(const json& obj, const char* key) {
  std::vector<std::string> out;
  const json* v = member(obj, key);
  if (!v || !v->is_array()) return out;
  for (const auto& e : *v) {
    if (e.is_string()) out.push_back(e.get<std::string>());
  }
  return out;
}

bool has(const json& obj, const char* key) { return member(obj, key) != nullptr; }

const json& spec(const json& svc) {
  static const json kEmpty = json::object();
  const json* s = member(svc, "spec");
  return s && s->is_object() ? *s : kEmpty;
}

json* mutableSpec(json& svc) {
  if (!svc.is_object()) return nullptr;
  json& s = svc["spec"];
  if (s.is_null()) s = json::object();
  return s.is_object() ? &s : nullptr;
}

std::vector<const json*> ports(const json& svc) {
  std::vector<const json*> out;
  const json* list = member(spec(svc), "ports");
  if (!list || !list->is_array()) return out;
  for (const auto& p : *list) {
    if (p.is_object()) out.push_back(&p);
  }
  return out;
}

std::vector<json*> mutablePorts(json& svc) {
  std::vector<json*> out;
  json* s = mutableSpec(svc);
  if (!s) return out;
  auto it = s->find("ports");
  if (it == s->end() || !it->is_array()) return out;
  for (auto& p : *it) {
    if (p.is_object()) out.push_back(&p);
  }
  return out;
}

std::string type(const json& svc) { return str(spec(svc), "type"); }
std::string externalTrafficPolicy(const json& svc) { return str(spec(svc), "externalTrafficPolicy"); }
std::vector<std::string> clusterIPs(const json& svc) { return strings(spec(svc), "clusterIPs"); }
std::vector<std::string> ipFamilies(const json& svc) { return strings(spec(svc), "ipFamilies"); }
std::string ipFamilyPolicy(const json& svc) { return str(spec(svc), "ipFamilyPolicy"); }

bool hasSelector(const json& svc) {
  const json* sel = member(spec(svc), "selector");
  return sel && sel->is_object() && !sel->empty();
}

long long nodePortOf(const json& port) { return integer(port, "nodePort").value_or(0); }
long long healthCheckNodePort(const json& svc) {
  return integer(spec(svc), "healthCheckNodePort").value_or(0);
}

bool needsClusterIP(const json& svc) { return type(svc) != "ExternalName"; }

bool needsNodePorts(const json& svc) {
  std::string t = type(svc);
  return t == "NodePort" || t == "LoadBalancer";
}

bool isHeadless(const json& svc) {
  auto ips = clusterIPs(svc);
  return ips.size() == 1 && ips[0] == kClusterIPNone;
}

bool externallyAccessible(const json& svc) {
  std::string t = type(svc);
  if (t == "LoadBalancer" || t == "NodePort") return true;
  return t == "ClusterIP" && !strings(spec(svc), "externalIPs").empty();
}

bool needsHealthCheck(const json& svc) {
  return type(svc) == "LoadBalancer" && externalTrafficPolicy(svc) == "Local";
}

bool shouldAllocateNodePorts(const json& svc) {
  std::string t = type(svc);
  if (t == "NodePort") return true;
  if (t != "LoadBalancer") return false;
  const json* v = member(spec(svc), "allocateLoadBalancerNodePorts");
  return !(v && v->is_boolean() && !v->get<bool>());
}

std::vector<long long> collectNodePorts(const json& svc) {
  std::vector<long long> out;
  for (const json* p : ports(svc)) {
    if (long long np = nodePortOf(*p); np != 0) out.push_back(np);
  }
  return out;
}

std::optional<IpFamily> familyOf(const std::string& ip) {
  auto parsed = IpAddress::parseSloppy(ip);
  if (!parsed) return std::nullopt;
  return parsed->family();
}

std::string goQuote(const std::string& s) { return json(s).dump(); }

std::string goStringSlice(const std::vector<std::string>& values, bool isNil) {
  if (isNil) return "[]string(nil)";
  std::string out = "[]string{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ", ";
    out += goQuote(values[i]);
  }
  return out + "}";
}

std::string goStringSlice(const json& svc, const char* specKey) {
  const json* v = member(spec(svc), specKey);
  return goStringSlice(strings(spec(svc), specKey), v == nullptr);
}

std::string goIpFamilySlice(const std::vector<std::string>& values, bool isNil) {
  if (isNil) return "[]core.IPFamily(nil)";
  std::string out = "[]core.IPFamily{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ", ";
    out += goQuote(values[i]);
  }
  return out + "}";
}

std::string goOptionalString(const json& obj, const char* key) {
  const json* v = member(obj, key);
  return v ? api::renderValue(*v) : "null";
}

api::FieldError invalidRendered(const api::FieldPath& path, std::string rendered, std::string detail) {
  api::FieldError e = api::invalid(path, nullptr, std::move(detail));
  e.badValue = std::move(rendered);
  return e;
}

api::FieldError duplicateRendered(const api::FieldPath& path, std::string rendered) {
  api::FieldError e = api::duplicate(path, nullptr);
  e.badValue = std::move(rendered);
  return e;
}

}  // namespace edgeway::apiserver::svc
