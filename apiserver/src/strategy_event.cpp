// core/v1 Events. Events written the old way (no eventTime) must name an involved object in
// the event's own namespace; events written the events.k8s.io way (eventTime set) must also
// say who reported them and what happened. Updates through core/v1 may change anything,
// because recorders bump count and lastTimestamp in place.

#include "apiserver/src/json_fields.h"
#include "apiserver/src/strategies.h"
#include "apiserver/src/strategy_support.h"

namespace edgeway::apiserver {
namespace {

using nlohmann::json;

constexpr size_t kMaxShortField = 128;  // reportingInstance, action, reason
constexpr size_t kMaxNote = 1024;       // message

api::FieldErrors validateBody(const json& event) {
  api::FieldErrors errs;
  std::string ns = fields::str(event, {"metadata", "namespace"});
  std::string involvedNs = fields::str(event, {"involvedObject", "namespace"});
  const api::FieldPath involvedNsPath("involvedObject.namespace");
  const char* mismatch = "does not match event.namespace";

  if (!fields::has(event, {"eventTime"})) {
    // Cluster-scoped objects' events live in "default" (or nowhere, for old clients).
    bool ok = involvedNs.empty() ? (ns.empty() || ns == "default") : ns == involvedNs;
    if (!ok) errs.push_back(api::invalid(involvedNsPath, involvedNs, mismatch));
    return errs;
  }

  if (involvedNs.empty() && ns != "default" && ns != "kube-system") {
    errs.push_back(api::invalid(involvedNsPath, involvedNs, mismatch));
  }
  auto requireShort = [&](const char* field, size_t max) {
    std::string value = fields::str(event, {field});
    if (value.empty()) errs.push_back(api::required(api::FieldPath(field)));
    if (value.size() > max) {
      errs.push_back(
          api::invalid(api::FieldPath(field), "", "can have at most " + std::to_string(max) + " characters"));
    }
  };
  std::string controller = fields::str(event, {"reportingComponent"});
  const api::FieldPath controllerPath("reportingComponent");
  if (controller.empty()) errs.push_back(api::required(controllerPath));
  support::appendInvalid(errs, controllerPath, controller, api::isQualifiedName(controller));
  requireShort("reportingInstance", kMaxShortField);
  requireShort("action", kMaxShortField);
  requireShort("reason", kMaxShortField);
  if (fields::str(event, {"message"}).size() > kMaxNote) {
    errs.push_back(api::invalid(api::FieldPath("message"), "",
                                "can have at most " + std::to_string(kMaxNote) + " characters"));
  }
  return errs;
}

class EventStrategy : public support::StatuslessStrategy {
 public:
  api::FieldErrors validate(const json& event) const override {
    api::FieldErrors errs =
        api::validateObjectMeta(support::metadataOf(event), true, api::NameRule::kDns1123Subdomain);
    support::append(errs, validateBody(event));
    return errs;
  }

  api::FieldErrors validateUpdate(const json& event, const json& old) const override {
    api::FieldErrors errs =
        api::validateObjectMetaUpdate(support::metadataOf(event), support::metadataOf(old));
    support::append(errs, validateBody(event));
    return errs;
  }
};

}  // namespace

std::unique_ptr<Strategy> makeEventStrategy() { return std::make_unique<EventStrategy>(); }

}  // namespace edgeway::apiserver
