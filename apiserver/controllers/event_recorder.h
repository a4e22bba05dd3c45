#pragma once
// EventRecorder: writes core/v1 Events about an object through the Registry, as client-go's
// recorder does for kube's controllers, so `kubectl describe` and `kubectl get events` show
// what a controller could not do. Fire and forget: a failed Event write is only logged.

#include <string>

namespace edgeway::apiserver {

class Registry;
struct ResourceInfo;

namespace controllers {

// The object an Event is about (describe finds Events by kind, namespace, name and uid).
struct EventSubject {
  std::string kind;
  std::string ns;
  std::string name;
  std::string uid;
};

class EventRecorder {
 public:
  // `component` is the Event's source, e.g. "endpointslice-controller". `registry` must
  // outlive the recorder.
  EventRecorder(Registry& registry, std::string component);

  void warning(const EventSubject& subject, const std::string& reason, const std::string& message) const;

 private:
  Registry& registry_;
  const ResourceInfo* events_;  // null if the catalog has none (then nothing is recorded)
  std::string component_;
};

}  // namespace controllers
}  // namespace edgeway::apiserver
