#pragma once
// Reading stored JSON into the typed views (api/*_view.h). The objects come from the store
// or a remote API server, so every read checks the type it expects; the first mismatch
// aborts the whole view with a message naming the field ("spec.ports[1].port: must be an
// integer"). Absent and null fields read as their zero value, as Go's decoder treats them.
//
// A ViewField throws MalformedView; parseView() catches it at the module door, so no
// exception leaves api/.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/protocol.h"
#include "base/ip.h"
#include "base/status.h"

namespace edgeway::api::detail {

struct MalformedView {
  std::string message;
};

// A JSON value (possibly absent) and the path that reached it. Paths are built as fields
// are visited; parsing is once per stored revision, not per lookup, so clarity wins.
class ViewField {
 public:
  ViewField(const nlohmann::json* value, std::string path) : value_(value), path_(std::move(path)) {}

  // Absent or null.
  bool absent() const { return value_ == nullptr || value_->is_null(); }
  bool isString() const { return !absent() && value_->is_string(); }
  const std::string& path() const { return path_; }
  [[noreturn]] void fail(std::string_view problem) const;

  // A member of an object; absent when this is absent. Fails when this is not an object.
  ViewField operator[](const char* key) const;

  std::string string() const;  // "" when absent
  int64_t integer() const;     // 0 when absent; fails on fractions and non-numbers
  bool boolean() const;        // false when absent
  std::optional<bool> optionalBoolean() const;
  // An integer in [lo, hi]; 0 when absent (so callers choose what "unset" means).
  int integerIn(int64_t lo, int64_t hi) const;
  Protocol protocol() const;  // TCP when absent
  IpAddress ip() const;       // read as Kubernetes does (leading zeros allowed)
  Cidr cidr() const;          // surrounding spaces ignored, as Kubernetes' validation does
  std::vector<std::string> strings() const;
  std::map<std::string, std::string> stringMap() const;

  // Calls f(ViewField) for each element of an array (none when absent).
  template <typename F>
  void forEach(F&& f) const {
    if (absent()) return;
    if (!value_->is_array()) fail("must be an array");
    for (size_t i = 0; i < value_->size(); ++i)
      f(ViewField(&(*value_)[i], path_ + "[" + std::to_string(i) + "]"));
  }

 private:
  const nlohmann::json* value_;
  std::string path_;
};

// metadata.name, which must be set, and for namespaced kinds (ns != nullptr)
// metadata.namespace, which must be set too.
void readObjectName(const ViewField& root, std::string* ns, std::string& name);

// "Service default/web" when the metadata names it, else just the kind.
std::string describeObject(const char* kind, const nlohmann::json& object);

// Runs fill(root, view) and turns a MalformedView into kInvalidArgument naming the object.
template <typename View, typename Fill>
Result<View> parseView(const char* kind, const nlohmann::json& object, Fill&& fill) {
  if (!object.is_object()) return invalidArgument(std::string(kind) + ": not a JSON object");
  try {
    View view;
    fill(ViewField(&object, ""), view);
    return view;
  } catch (const MalformedView& e) {
    return invalidArgument(describeObject(kind, object) + ": " + e.message);
  } catch (const nlohmann::json::exception& e) {  // a read the accessors did not guard
    return invalidArgument(describeObject(kind, object) + ": " + e.what());
  }
}

// Parses JSON text first; text that is not JSON is malformed too.
template <typename View, typename Fill>
Result<View> parseViewText(const char* kind, std::string_view text, Fill&& fill) {
  auto object = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (object.is_discarded()) return invalidArgument(std::string(kind) + ": not valid JSON");
  return parseView<View>(kind, object, std::forward<Fill>(fill));
}

}  // namespace edgeway::api::detail
