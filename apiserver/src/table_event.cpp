// Event rows: LAST SEEN TYPE REASON OBJECT [SUBOBJECT SOURCE] MESSAGE [FIRST SEEN COUNT NAME].
// Columns are in kube-apiserver's order; the wide ones sit between the default ones.

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "apiserver/src/json_fields.h"
#include "apiserver/src/tables.h"

namespace edgeway::apiserver::tables {
namespace {

using nlohmann::json;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string trim(const std::string& s) {
  const char* ws = " \t\n\r\f\v";
  size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

std::string sinceField(const json& event, std::initializer_list<const char*> path, std::time_t now) {
  const json* v = fields::find(event, path);
  return v ? since(*v, now) : "<unknown>";
}

// "component, host", falling back to the events.k8s.io reporting fields.
std::string source(const json& event) {
  std::string component = fields::str(event, {"source", "component"});
  if (component.empty()) component = fields::str(event, {"reportingComponent"});
  std::string host = fields::str(event, {"source", "host"});
  if (host.empty()) host = fields::str(event, {"reportingInstance"});
  return host.empty() ? component : component + ", " + host;
}

json cells(const json& event, std::time_t now) {
  // Events written through events.k8s.io carry eventTime (and series) instead of the
  // first/last timestamps.
  std::string first = fields::has(event, {"firstTimestamp"}) ? sinceField(event, {"firstTimestamp"}, now)
                                                             : sinceField(event, {"eventTime"}, now);
  std::string last =
      fields::has(event, {"lastTimestamp"}) ? sinceField(event, {"lastTimestamp"}, now) : first;
  long long count = fields::integer(event, {"count"});
  if (fields::has(event, {"series"})) {
    last = sinceField(event, {"series", "lastObservedTime"}, now);
    count = fields::integer(event, {"series", "count"});
  } else if (count == 0) {
    count = 1;  // singleton events have no count
  }

  std::string kind = lower(fields::str(event, {"involvedObject", "kind"}));
  std::string name = fields::str(event, {"involvedObject", "name"});
  std::string object = name.empty() ? kind : kind + "/" + name;

  return json::array({last, fields::str(event, {"type"}), fields::str(event, {"reason"}), object,
                      fields::str(event, {"involvedObject", "fieldPath"}), source(event),
                      trim(fields::str(event, {"message"})), first, count,
                      fields::str(event, {"metadata", "name"})});
}

}  // namespace

TableConvertor eventTable() {
  TableColumn name = nameColumn();
  name.priority = 1;
  return TableConvertor{
      {column("Last Seen", "Time since the event was last observed."), column("Type", "Normal or Warning."),
       column("Reason", "Why the event was emitted."), column("Object", "The object the event is about."),
       column("Subobject", "The part of the object the event is about.", 1),
       column("Source", "The component that reported the event.", 1),
       column("Message", "A human-readable description of the event."),
       column("First Seen", "Time since the event was first observed.", 1),
       column("Count", "How many times the event occurred.", 1), name},
      cells};
}

}  // namespace edgeway::apiserver::tables
