// Namespaces: born Active with the "kubernetes" finalizer, labelled with their own name
// (kubernetes.io/metadata.name, which namespace selectors rely on). Finalizers change only
// through the finalize subresource and status only through /status.

#include <algorithm>

#include "apiserver/src/json_fields.h"
#include "apiserver/src/strategies.h"
#include "apiserver/src/strategy_support.h"

namespace edgeway::apiserver {
namespace {

using nlohmann::json;

const char* const kKubernetesFinalizer = "kubernetes";

api::FieldErrors validateSpec(const json& ns) {
  api::FieldErrors errs;
  const api::FieldPath path("spec.finalizers");
  for (const auto& f : fields::array(ns, {"spec", "finalizers"})) {
    std::string name = f.is_string() ? f.get<std::string>() : "";
    support::appendInvalid(errs, path, name, api::isQualifiedName(name));
    bool standard = name == kKubernetesFinalizer || name == "orphan" || name == "foregroundDeletion";
    if (name.find('/') == std::string::npos && !standard) {
      errs.push_back(
          api::invalid(path, name, "name is neither a standard finalizer name nor is it fully qualified"));
    }
  }
  return errs;
}

class NamespaceStrategy : public Strategy {
 public:
  void prepareForCreate(json& ns) const override {
    if (!ns.is_object()) return;
    ns["status"] = {{"phase", "Active"}};
    json& finalizers = ns["spec"]["finalizers"];
    if (!finalizers.is_array()) finalizers = json::array();
    if (std::find(finalizers.begin(), finalizers.end(), kKubernetesFinalizer) == finalizers.end()) {
      finalizers.push_back(kKubernetesFinalizer);
    }
  }

  api::FieldErrors validate(const json& ns) const override {
    api::FieldErrors errs =
        api::validateObjectMeta(support::metadataOf(ns), false, api::NameRule::kDns1123Label);
    support::append(errs, validateSpec(ns));
    return errs;
  }

  // After validation because a generated name is only known by then.
  void canonicalize(json& ns) const override {
    if (!ns.is_object()) return;
    std::string name = fields::str(ns, {"metadata", "name"});
    if (!name.empty()) ns["metadata"]["labels"]["kubernetes.io/metadata.name"] = name;
  }

  void prepareForUpdate(json& ns, const json& old) const override {
    Strategy::prepareForUpdate(ns, old);  // keeps status
    if (!ns.is_object()) return;
    if (const json* f = fields::find(old, {"spec", "finalizers"})) {
      ns["spec"]["finalizers"] = *f;
    } else if (ns.contains("spec") && ns["spec"].is_object()) {
      ns["spec"].erase("finalizers");
    }
  }

  api::FieldErrors validateUpdate(const json& ns, const json& old) const override {
    api::FieldErrors errs = api::validateObjectMetaUpdate(support::metadataOf(ns), support::metadataOf(old));
    support::append(errs, validateSpec(ns));
    return errs;
  }

  api::FieldErrors validateStatusUpdate(const json& ns, const json& old) const override {
    api::FieldErrors errs = api::validateObjectMetaUpdate(support::metadataOf(ns), support::metadataOf(old));
    std::string phase = fields::str(ns, {"status", "phase"});
    const api::FieldPath path("status.Phase");
    if (!fields::has(ns, {"metadata", "deletionTimestamp"})) {
      if (phase != "Active") {
        errs.push_back(api::invalid(path, phase, "may only be 'Active' if `deletionTimestamp` is empty"));
      }
    } else if (phase != "Terminating") {
      errs.push_back(
          api::invalid(path, phase, "may only be 'Terminating' if `deletionTimestamp` is not empty"));
    }
    return errs;
  }
};

}  // namespace

std::unique_ptr<Strategy> makeNamespaceStrategy() { return std::make_unique<NamespaceStrategy>(); }

}  // namespace edgeway::apiserver
