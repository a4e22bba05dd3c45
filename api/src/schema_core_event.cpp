// core/v1 Event: field numbers from k8s.io/api core/v1 generated.proto (1.32).
#include "api/src/schema_build.h"

namespace edgeway::api::schema {
namespace {

const std::string kCore = "io.k8s.api.core.v1.";

const TypeDef& eventSource() {
  static const TypeDef t = type(kCore + "EventSource", "Who reported an event.",
                                {
                                    str("component", 1, "Reporting component."),
                                    str("host", 2, "Node the component runs on."),
                                });
  return t;
}

}  // namespace

const TypeDef& event() {
  static const TypeDef t = kind(
      "", "v1", "Event", kCore + "Event", "A report of something that happened to an object.",
      {
          object("metadata", 1, objectMeta(), "Standard object metadata.").required(),
          object("involvedObject", 2, objectReference(), "Object the event is about.").required(),
          str("reason", 3, "Short CamelCase reason for the event."),
          str("message", 4, "Human-readable description."),
          object("source", 5, eventSource(), "Component that reported the event."),
          time("firstTimestamp", 6, "When the event was first recorded."),
          time("lastTimestamp", 7, "When the event last happened."),
          i32("count", 8, "How many times the event happened."),
          str("type", 9, "Normal or Warning."),
          microTime("eventTime", 10, "When the event was first observed, with microseconds."),
          any("series", 11, "Data about a series of repeats of this event."),
          str("action", 12, "What was done, or what failed."),
          object("related", 13, objectReference(), "Secondary object of the event.").keep(),
          str("reportingComponent", 14, "Controller that emitted the event, e.g. edgeway/lb-ipam.").keep(),
          str("reportingInstance", 15, "Instance of that controller, e.g. the node name.").keep(),
      });
  return t;
}

}  // namespace edgeway::api::schema
