#include "api/ingress_view.h"

#include "api/src/view_reader.h"

namespace edgeway::api {
namespace {

using detail::ViewField;

constexpr const char* kLegacyClassAnnotation = "kubernetes.io/ingress.class";

IngressBackend readBackend(const ViewField& f) {
  IngressBackend b;
  ViewField service = f["service"];
  ViewField resource = f["resource"];
  if (!service.absent()) {
    b.serviceName = service["name"].string();
    if (b.serviceName.empty()) service["name"].fail("required");
    ViewField port = service["port"];
    b.servicePortNumber = port["number"].integerIn(1, 65535);
    b.servicePortName = port["name"].string();
    if (b.servicePortNumber == 0 && b.servicePortName.empty()) port.fail("a port number or name is required");
  } else if (!resource.absent()) {
    b.resource = IngressBackend::Resource{resource["apiGroup"].string(), resource["kind"].string(),
                                          resource["name"].string()};
  } else {
    f.fail("a service or resource backend is required");
  }
  return b;
}

PathType readPathType(const ViewField& f) {
  std::string t = f.string();
  if (t == "Exact") return PathType::kExact;
  if (t == "Prefix") return PathType::kPrefix;
  if (t.empty() || t == "ImplementationSpecific") return PathType::kImplementationSpecific;
  f.fail("unsupported path type \"" + t + "\"");
}

void fill(const ViewField& root, IngressView& in) {
  detail::readObjectName(root, &in.ns, in.name);
  ViewField spec = root["spec"];
  in.className = spec["ingressClassName"].string();
  if (in.className.empty()) in.className = root["metadata"]["annotations"][kLegacyClassAnnotation].string();
  if (!spec["defaultBackend"].absent()) in.defaultBackend = readBackend(spec["defaultBackend"]);
  spec["rules"].forEach([&](const ViewField& r) {
    IngressRule rule;
    rule.host = r["host"].string();
    r["http"]["paths"].forEach([&](const ViewField& p) {
      IngressPath path;
      path.path = p["path"].string();
      path.pathType = readPathType(p["pathType"]);
      path.backend = readBackend(p["backend"]);
      rule.paths.push_back(std::move(path));
    });
    in.rules.push_back(std::move(rule));
  });
  spec["tls"].forEach([&](const ViewField& t) {
    in.tls.push_back(IngressTls{t["hosts"].strings(), t["secretName"].string()});
  });
}

}  // namespace

Result<IngressView> IngressView::parse(std::string_view json) {
  return detail::parseViewText<IngressView>("Ingress", json, fill);
}

Result<IngressView> IngressView::fromJson(const nlohmann::json& object) {
  return detail::parseView<IngressView>("Ingress", object, fill);
}

const char* pathTypeName(PathType type) {
  switch (type) {
    case PathType::kExact:
      return "Exact";
    case PathType::kPrefix:
      return "Prefix";
    case PathType::kImplementationSpecific:
      return "ImplementationSpecific";
  }
  return "ImplementationSpecific";
}

}  // namespace edgeway::api
