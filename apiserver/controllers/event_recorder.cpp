#include "apiserver/controllers/event_recorder.h"

#include <nlohmann/json.hpp>

#include "apiserver/registry.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/uuid.h"

namespace edgeway::apiserver::controllers {

EventRecorder::EventRecorder(Registry& registry, std::string component)
    : registry_(registry), events_(registry.catalog().find("", "v1", "events")), component_(std::move(component)) {}

void EventRecorder::warning(const EventSubject& subject, const std::string& reason, const std::string& message) const {
  if (!events_) return;
  std::string now = clock::nowRfc3339();
  nlohmann::json event = {
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata", {{"name", subject.name + "." + newUuid().substr(0, 8)}, {"namespace", subject.ns}}},
      {"involvedObject",
       {{"apiVersion", "v1"}, {"kind", subject.kind}, {"namespace", subject.ns}, {"name", subject.name}, {"uid", subject.uid}}},
      {"reason", reason},
      {"message", message},
      {"type", "Warning"},
      {"source", {{"component", component_}}},
      {"reportingComponent", component_},
      {"firstTimestamp", now},
      {"lastTimestamp", now},
      {"count", 1}};
  WriteOptions options;
  options.fieldManager = component_;
  std::string what = subject.kind + " " + subject.ns + "/" + subject.name;
  std::string component = component_;
  registry_.create(*events_, subject.ns, std::move(event), options, [what, component](Outcome outcome) {
    if (!outcome.ok()) log::warn(component, ": event for ", what, " not recorded: ", outcome.error->message);
  });
}

}  // namespace edgeway::apiserver::controllers
