// networking.k8s.io/v1 IngressClasses: a controller named by a domain-prefixed path, fixed
// once created, and an optional reference to a parameters resource.

#include "apiserver/src/json_fields.h"
#include "apiserver/src/strategies.h"
#include "apiserver/src/strategy_support.h"

namespace edgeway::apiserver {
namespace {

using nlohmann::json;

constexpr size_t kMaxControllerLength = 250;

api::FieldErrors validateParameters(const json& cls) {
  const json* p = fields::find(cls, {"spec", "parameters"});
  if (!p || p->is_null()) return {};
  const api::FieldPath path("spec.parameters");
  api::FieldErrors errs = support::validateTypedLocalObjectReference(*p, path);
  std::string scope = fields::str(*p, {"scope"});
  bool hasNamespace = fields::has(*p, {"namespace"});
  if (scope.empty()) {
    errs.push_back(api::required(path.child("scope")));
  } else if (scope == "Namespace") {
    if (!hasNamespace) {
      errs.push_back(api::required(path.child("namespace"), "`parameters.scope` is set to 'Namespace'"));
    } else {
      std::string ns = fields::str(*p, {"namespace"});
      support::appendInvalid(errs, path.child("namespace"), ns, api::isDns1123Label(ns));
    }
  } else if (scope == "Cluster") {
    if (hasNamespace) {
      errs.push_back(api::forbidden(path.child("namespace"), "`parameters.scope` is set to 'Cluster'"));
    }
  } else {
    errs.push_back(api::notSupported(path.child("scope"), scope, {"Cluster", "Namespace"}));
  }
  return errs;
}

api::FieldErrors validateClassSpec(const json& cls) {
  api::FieldErrors errs;
  const api::FieldPath controllerPath("spec.controller");
  std::string controller = fields::str(cls, {"spec", "controller"});
  if (controller.size() > kMaxControllerLength) {
    errs.push_back(api::tooLong(controllerPath, kMaxControllerLength));
  }
  support::append(errs, support::validateDomainPrefixedPath(controller, controllerPath));
  support::append(errs, validateParameters(cls));
  return errs;
}

class IngressClassStrategy : public support::StatuslessStrategy {
 public:
  void prepareForCreate(json& cls) const override { applyDefaults(cls); }
  void prepareForUpdate(json& cls, const json&) const override { applyDefaults(cls); }

  api::FieldErrors validate(const json& cls) const override {
    api::FieldErrors errs =
        api::validateObjectMeta(support::metadataOf(cls), false, api::NameRule::kDns1123Subdomain);
    support::append(errs, validateClassSpec(cls));
    return errs;
  }

  api::FieldErrors validateUpdate(const json& cls, const json& old) const override {
    api::FieldErrors errs = api::validateObjectMetaUpdate(support::metadataOf(cls), support::metadataOf(old));
    support::append(errs, validateClassSpec(cls));
    support::checkImmutable(errs, api::FieldPath("spec.controller"), fields::str(cls, {"spec", "controller"}),
                            fields::str(old, {"spec", "controller"}));
    return errs;
  }

 private:
  static void applyDefaults(json& cls) {
    if (!cls.is_object() || !fields::find(cls, {"spec", "parameters"})) return;
    json& p = cls["spec"]["parameters"];
    if (p.is_object() && (!p.contains("scope") || p["scope"].is_null())) p["scope"] = "Cluster";
  }
};

}  // namespace

std::unique_ptr<Strategy> makeIngressClassStrategy() { return std::make_unique<IngressClassStrategy>(); }

}  // namespace edgeway::apiserver
