#include "api/src/json_limits.h"

#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "api/patch.h"

namespace edgeway::api::detail {

int jsonDepth(const nlohmann::json& value, int cap) {
  int deepest = 0;
  std::vector<std::pair<const nlohmann::json*, int>> stack{{&value, 0}};
  while (!stack.empty()) {
    auto [v, depth] = stack.back();
    stack.pop_back();
    if (!v->is_structured()) continue;
    const int inner = depth + 1;
    if (inner > deepest) deepest = inner;
    if (deepest > cap) return deepest;
    for (const auto& child : *v) stack.emplace_back(&child, inner);
  }
  return deepest;
}

size_t countValues(const nlohmann::json& value, size_t cap) {
  size_t count = 0;
  std::vector<const nlohmann::json*> stack{&value};
  while (!stack.empty() && count <= cap) {
    const nlohmann::json* v = stack.back();
    stack.pop_back();
    ++count;
    if (v->is_structured()) {
      for (const auto& child : *v) stack.push_back(&child);
    }
  }
  return count;
}

std::string tooDeepMessage(const char* what) {
  return std::string(what) + " nests deeper than " + std::to_string(kMaxPatchDepth) + " levels";
}

}  // namespace edgeway::api::detail
