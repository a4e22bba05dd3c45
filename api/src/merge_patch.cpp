// JSON Merge Patch (RFC 7386), used by `kubectl patch --type=merge`, `kubectl label` and
// `kubectl annotate`.
#include <nlohmann/json.hpp>

#include "api/patch.h"
#include "api/src/json_limits.h"

namespace edgeway::api {
namespace {

using json = nlohmann::json;

// RFC 7386 MergePatch(target, patch). Recursion follows the patch, whose depth is bounded.
json mergeValue(json target, const json& patch) {
  if (!patch.is_object()) return patch;
  if (!target.is_object()) target = json::object();
  for (const auto& [key, value] : patch.items()) {
    if (value.is_null()) {
      target.erase(key);
      continue;
    }
    auto it = target.find(key);
    json current = it == target.end() ? json() : std::move(*it);
    target[key] = mergeValue(std::move(current), value);
  }
  return target;
}

}  // namespace

Result<nlohmann::json> applyMergePatch(const nlohmann::json& doc, const nlohmann::json& patch) {
  if (!patch.is_object()) {
    return invalidArgument("a merge patch must be a JSON object, got " + std::string(patch.type_name()));
  }
  if (detail::jsonDepth(patch, kMaxPatchDepth) > kMaxPatchDepth) {
    return invalidArgument(detail::tooDeepMessage("the patch"));
  }
  if (detail::jsonDepth(doc, kMaxPatchDepth) > kMaxPatchDepth) {
    return invalidArgument(detail::tooDeepMessage("the object"));
  }
  try {
    return mergeValue(doc, patch);
  } catch (const json::exception& e) {
    return invalidArgument(std::string("cannot apply merge patch: ") + e.what());
  }
}

}  // namespace edgeway::api
