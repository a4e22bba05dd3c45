// JSON Patch (RFC 6902) with JSON Pointers (RFC 6901), used by `kubectl patch --type=json`.
// Messages follow the shape of the library kube-apiserver uses ("add operation does not
// apply: doc is missing path: ...") so users recognise them.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/patch.h"
#include "api/src/json_limits.h"

namespace edgeway::api {
namespace {

using json = nlohmann::json;

struct Pointer {
  std::string text;                 // as written, for messages
  std::vector<std::string> tokens;  // unescaped reference tokens
};

std::string quoted(const std::string& s) { return json(s).dump(); }

Result<Pointer> parsePointer(const std::string& text) {
  Pointer p{text, {}};
  if (text.empty()) return p;  // the whole document
  if (text[0] != '/') {
    return invalidArgument("invalid JSON pointer " + quoted(text) + ": it must be empty or start with \"/\"");
  }
  std::string token;
  for (size_t i = 1; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '/') {
      p.tokens.push_back(std::move(token));
      token.clear();
    } else if (text[i] == '~') {
      const char next = i + 1 < text.size() ? text[i + 1] : '\0';
      if (next != '0' && next != '1') {
        return invalidArgument("invalid JSON pointer " + quoted(text) + ": \"~\" must be followed by 0 or 1");
      }
      token += next == '0' ? '~' : '/';
      ++i;
    } else {
      token += text[i];
    }
  }
  return p;
}

// An array index per RFC 6901: decimal digits without leading zeros.
std::optional<size_t> parseIndex(const std::string& token) {
  if (token.empty() || token.size() > 15) return std::nullopt;
  if (token.size() > 1 && token[0] == '0') return std::nullopt;
  size_t n = 0;
  for (char c : token) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<size_t>(c - '0');
  }
  return n;
}

class Patcher {
 public:
  explicit Patcher(json doc) : doc_(std::move(doc)) {}

  Status apply(const json& op);
  json take() { return std::move(doc_); }

 private:
  // The value at tokens[0, count), or nullptr when some step does not exist.
  json* find(const std::vector<std::string>& tokens, size_t count);
  json* find(const Pointer& p) { return find(p.tokens, p.tokens.size()); }

  Status add(const std::string& op, const Pointer& at, json value);
  Result<json> remove(const std::string& op, const Pointer& at);
  Status replace(const Pointer& at, json value);
  Status move(const Pointer& from, const Pointer& to);
  Status copy(const Pointer& from, const Pointer& to);
  Status test(const Pointer& at, const json& value);

  json doc_;
  size_t copiedValues_ = 0;
};

Status missing(const std::string& op, const Pointer& at) {
  return invalidArgument(op + " operation does not apply: doc is missing path: " + quoted(at.text));
}

json* Patcher::find(const std::vector<std::string>& tokens, size_t count) {
  json* current = &doc_;
  for (size_t i = 0; i < count; ++i) {
    if (current->is_object()) {
      auto it = current->find(tokens[i]);
      if (it == current->end()) return nullptr;
      current = &*it;
    } else if (current->is_array()) {
      auto index = parseIndex(tokens[i]);
      if (!index || *index >= current->size()) return nullptr;
      current = &(*current)[*index];
    } else {
      return nullptr;
    }
  }
  return current;
}

Status Patcher::add(const std::string& op, const Pointer& at, json value) {
  if (at.tokens.empty()) {
    doc_ = std::move(value);
    return Status::ok();
  }
  json* parent = find(at.tokens, at.tokens.size() - 1);
  if (parent == nullptr) return missing(op, at);
  const std::string& last = at.tokens.back();
  if (parent->is_object()) {
    (*parent)[last] = std::move(value);
    return Status::ok();
  }
  if (!parent->is_array()) return missing(op, at);
  if (last == "-") {
    parent->push_back(std::move(value));
    return Status::ok();
  }
  auto index = parseIndex(last);
  if (!index || *index > parent->size()) {
    return invalidArgument(op + " operation does not apply: index " + quoted(last) + " is out of range in " +
                           quoted(at.text) + " (the array has " + std::to_string(parent->size()) +
                           " elements)");
  }
  parent->insert(parent->begin() + static_cast<std::ptrdiff_t>(*index), std::move(value));
  return Status::ok();
}

Result<json> Patcher::remove(const std::string& op, const Pointer& at) {
  if (at.tokens.empty())
    return invalidArgument(op + " operation does not apply: cannot remove the whole document");
  json* parent = find(at.tokens, at.tokens.size() - 1);
  if (parent == nullptr) return missing(op, at);
  const std::string& last = at.tokens.back();
  if (parent->is_object()) {
    auto it = parent->find(last);
    if (it == parent->end()) return missing(op, at);
    json value = std::move(*it);
    parent->erase(it);
    return value;
  }
  if (!parent->is_array()) return missing(op, at);
  auto index = parseIndex(last);
  if (!index || *index >= parent->size()) return missing(op, at);
  json value = std::move((*parent)[*index]);
  parent->erase(parent->begin() + static_cast<std::ptrdiff_t>(*index));
  return value;
}

Status Patcher::replace(const Pointer& at, json value) {
  json* target = find(at);
  if (target == nullptr) return missing("replace", at);
  *target = std::move(value);
  return Status::ok();
}

Status Patcher::move(const Pointer& from, const Pointer& to) {
  if (from.tokens == to.tokens) {
    return find(from) == nullptr ? missing("move", from) : Status::ok();
  }
  // RFC 6902 4.4: a location cannot be moved into one of its children.
  if (from.tokens.size() < to.tokens.size() &&
      std::equal(from.tokens.begin(), from.tokens.end(), to.tokens.begin())) {
    return invalidArgument("move operation does not apply: " + quoted(to.text) + " is inside " +
                           quoted(from.text));
  }
  auto value = remove("move", from);
  if (!value) return value.status();
  return add("move", to, std::move(*value));
}

Status Patcher::copy(const Pointer& from, const Pointer& to) {
  json* source = find(from);
  if (source == nullptr) return missing("copy", from);
  // Count before copying: nlohmann copies recursively, and copies are where growth comes from.
  copiedValues_ += detail::countValues(*source, kMaxJsonPatchCopiedValues);
  if (copiedValues_ > kMaxJsonPatchCopiedValues) {
    return resourceExhausted("copy operations in this patch copy more than " +
                             std::to_string(kMaxJsonPatchCopiedValues) + " values");
  }
  if (detail::jsonDepth(*source, kMaxPatchDepth) > kMaxPatchDepth) {
    return invalidArgument(detail::tooDeepMessage(("the value copied from " + quoted(from.text)).c_str()));
  }
  return add("copy", to, *source);
}

Status Patcher::test(const Pointer& at, const json& value) {
  json* target = find(at);
  if (target == nullptr)
    return invalidArgument("testing value " + quoted(at.text) + " failed: doc is missing path");
  if (*target != value) return invalidArgument("testing value " + quoted(at.text) + " failed");
  return Status::ok();
}

Result<Pointer> pointerMember(const json& op, const char* member) {
  auto it = op.find(member);
  if (it == op.end()) return invalidArgument(std::string("missing \"") + member + "\"");
  if (!it->is_string()) return invalidArgument(std::string("\"") + member + "\" must be a string");
  return parsePointer(it->get<std::string>());
}

Status Patcher::apply(const json& op) {
  if (!op.is_object()) return invalidArgument("an operation must be a JSON object");
  auto opIt = op.find("op");
  if (opIt == op.end() || !opIt->is_string()) return invalidArgument("missing \"op\" (a string)");
  const std::string name = opIt->get<std::string>();
  if (name != "add" && name != "remove" && name != "replace" && name != "move" && name != "copy" &&
      name != "test") {
    return invalidArgument("unexpected op " + quoted(name) +
                           "; expected add, remove, replace, move, copy or test");
  }
  auto path = pointerMember(op, "path");
  if (!path) return path.status();

  if (name == "remove") return remove(name, *path).status();
  if (name == "move" || name == "copy") {
    auto from = pointerMember(op, "from");
    if (!from) return from.status();
    return name == "move" ? move(*from, *path) : copy(*from, *path);
  }
  auto value = op.find("value");
  if (value == op.end()) return invalidArgument(name + " operation is missing \"value\"");
  if (name == "add") return add(name, *path, *value);
  if (name == "replace") return replace(*path, *value);
  return test(*path, *value);
}

}  // namespace

Result<nlohmann::json> applyJsonPatch(const nlohmann::json& doc, const nlohmann::json& patch) {
  if (!patch.is_array()) {
    return invalidArgument("a JSON patch must be a JSON array of operations, got " +
                           std::string(patch.type_name()));
  }
  if (patch.size() > kMaxJsonPatchOperations) {
    return resourceExhausted("The allowed number of operations in a JSON patch is " +
                             std::to_string(kMaxJsonPatchOperations) + ", but received " +
                             std::to_string(patch.size()));
  }
  if (detail::jsonDepth(patch, kMaxPatchDepth + 2) > kMaxPatchDepth + 2) {  // [{"value": ...}]
    return invalidArgument(detail::tooDeepMessage("the patch"));
  }
  if (detail::jsonDepth(doc, kMaxPatchDepth) > kMaxPatchDepth) {
    return invalidArgument(detail::tooDeepMessage("the object"));
  }
  try {
    Patcher patcher(doc);
    for (size_t i = 0; i < patch.size(); ++i) {
      Status s = patcher.apply(patch[i]);
      if (!s) {
        // Say which operation failed when there are several.
        if (patch.size() == 1) return s;
        return Status(s.code(), "operation " + std::to_string(i) + ": " + s.message());
      }
    }
    json result = patcher.take();
    // "move" can push values deeper without copying; check the result once, iteratively.
    if (detail::jsonDepth(result, kMaxPatchDepth) > kMaxPatchDepth) {
      return invalidArgument(detail::tooDeepMessage("the patched object"));
    }
    return result;
  } catch (const json::exception& e) {
    return invalidArgument(std::string("cannot apply JSON patch: ") + e.what());
  }
}

}  // namespace edgeway::api
