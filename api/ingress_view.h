#pragma once
// A read-only, typed view of a networking.k8s.io/v1 Ingress: its class, rules of hosts
// and typed paths to Service backends, and TLS secrets by host.

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace edgeway::api {

enum class PathType { kExact, kPrefix, kImplementationSpecific };

// A backend: a Service port (by number or name), or a reference to another resource,
// which this gateway cannot serve but must be able to tell apart.
struct IngressBackend {
  std::string serviceName;
  int servicePortNumber = 0;    // set when the port is given by number
  std::string servicePortName;  // set when the port is given by name
  struct Resource {
    std::string apiGroup;
    std::string kind;
    std::string name;
  };
  std::optional<Resource> resource;
};

struct IngressPath {
  std::string path;  // "" matches everything (ImplementationSpecific only)
  PathType pathType = PathType::kImplementationSpecific;
  IngressBackend backend;
};

struct IngressRule {
  std::string host;  // empty: any host; may start with "*." (one label wildcard)
  std::vector<IngressPath> paths;
};

struct IngressTls {
  std::vector<std::string> hosts;
  std::string secretName;
};

struct IngressView {
  std::string ns;
  std::string name;
  // spec.ingressClassName, else the deprecated kubernetes.io/ingress.class annotation;
  // empty when neither is set (the default class then applies).
  std::string className;
  std::optional<IngressBackend> defaultBackend;
  std::vector<IngressRule> rules;
  std::vector<IngressTls> tls;

  static Result<IngressView> parse(std::string_view json);
  static Result<IngressView> fromJson(const nlohmann::json& object);
};

const char* pathTypeName(PathType type);

}  // namespace edgeway::api
