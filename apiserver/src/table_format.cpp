// Cell formatting shared by every kind's Table: ages, timestamps, the Name and Age columns.

#include <nlohmann/json.hpp>

#include "apiserver/src/json_fields.h"
#include "apiserver/src/tables.h"
#include "base/clock.h"

namespace edgeway::apiserver::tables {

std::string humanDuration(long long seconds) {
  // Up to one second in the future counts as now: clocks of two machines disagree a little.
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return std::to_string(seconds) + "s";

  const long long minutes = seconds / 60;
  if (minutes < 10) {
    long long s = seconds % 60;
    return std::to_string(minutes) + "m" + (s == 0 ? "" : std::to_string(s) + "s");
  }
  if (minutes < 3 * 60) return std::to_string(minutes) + "m";

  const long long hours = seconds / 3600;
  if (hours < 8) {
    long long m = minutes % 60;
    return std::to_string(hours) + "h" + (m == 0 ? "" : std::to_string(m) + "m");
  }
  if (hours < 48) return std::to_string(hours) + "h";
  if (hours < 24 * 8) {
    long long h = hours % 24;
    return std::to_string(hours / 24) + "d" + (h == 0 ? "" : std::to_string(h) + "h");
  }
  if (hours < 24 * 365 * 2) return std::to_string(hours / 24) + "d";
  if (hours < 24 * 365 * 8) {
    long long d = (hours / 24) % 365;
    return std::to_string(hours / 24 / 365) + "y" + (d == 0 ? "" : std::to_string(d) + "d");
  }
  return std::to_string(hours / 24 / 365) + "y";
}

std::string since(const nlohmann::json& timestamp, std::time_t now) {
  if (!timestamp.is_string()) return "<unknown>";
  auto t = clock::parseRfc3339(timestamp.get_ref<const std::string&>());
  if (!t) return "<unknown>";
  return humanDuration(static_cast<long long>(now) - static_cast<long long>(*t));
}

std::string age(const nlohmann::json& obj, std::time_t now) {
  const nlohmann::json* ts = fields::find(obj, {"metadata", "creationTimestamp"});
  return ts ? since(*ts, now) : "<unknown>";
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += items[i];
  }
  return out;
}

TableColumn column(std::string name, std::string description, int priority, std::string type) {
  TableColumn c;
  c.name = std::move(name);
  c.type = std::move(type);
  c.description = std::move(description);
  c.priority = priority;
  return c;
}

TableColumn nameColumn() {
  // "format: name" is what lets kubectl print kind/name prefixes (`get svc,ing`).
  TableColumn c = column("Name", "Name of the object, unique within its namespace.");
  c.format = "name";
  return c;
}

TableColumn ageColumn() {
  return column("Age", "Time since the object was created (metadata.creationTimestamp).");
}

}  // namespace edgeway::apiserver::tables
