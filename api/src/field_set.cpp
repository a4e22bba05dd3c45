#include "api/src/field_set.h"

#include <nlohmann/json.hpp>

namespace edgeway::api::detail {

namespace {

using json = nlohmann::json;

// Keys and values inside path elements are compared as strings, so they are re-encoded in
// one canonical form (compact JSON, object keys sorted) whatever wrote them.
bool canonicalElement(const std::string& element, std::string& out) {
  if (element.size() < 2 || element[1] != ':') return false;
  const char kind = element[0];
  const std::string body = element.substr(2);
  switch (kind) {
    case 'f':
      out = element;
      return true;
    case 'i': {
      if (body.empty() || body.size() > 15) return false;
      for (char c : body) {
        if (c < '0' || c > '9') return false;
      }
      out = element;
      return true;
    }
    case 'k':
    case 'v': {
      json parsed = json::parse(body, nullptr, false);
      if (parsed.is_discarded() || (kind == 'k' && !parsed.is_object())) return false;
      out = std::string(1, kind) + ":" + parsed.dump();
      return true;
    }
    default:
      return false;
  }
}

Status parseNode(const json& node, FieldSet& into) {
  if (!node.is_object()) return invalidArgument("fieldsV1: expected an object, got " + node.dump());
  if (node.empty()) {
    into.markMember();
    return Status::ok();
  }
  for (const auto& [key, value] : node.items()) {
    if (key == ".") {
      into.markMember();
      continue;
    }
    std::string element;
    if (!canonicalElement(key, element))
      return invalidArgument("fieldsV1: invalid path element " + json(key).dump());
    if (Status s = parseNode(value, into.child(element)); !s) return s;
  }
  return Status::ok();
}

}  // namespace

const FieldSet* FieldSet::find(const std::string& element) const {
  auto it = children_.find(element);
  return it == children_.end() ? nullptr : &it->second;
}

void FieldSet::insert(const FieldPath& path) {
  FieldSet* node = this;
  for (const auto& element : path) node = &node->children_[element];
  node->member_ = true;
}

void FieldSet::unite(const FieldSet& other) {
  member_ = member_ || other.member_;
  for (const auto& [element, child] : other.children_) children_[element].unite(child);
}

void FieldSet::subtract(const FieldSet& other) {
  if (other.member_) member_ = false;
  for (auto it = children_.begin(); it != children_.end();) {
    if (const FieldSet* o = other.find(it->first)) it->second.subtract(*o);
    it = it->second.empty() ? children_.erase(it) : std::next(it);
  }
}

FieldSet FieldSet::intersect(const FieldSet& other) const {
  FieldSet out;
  out.member_ = member_ && other.member_;
  for (const auto& [element, child] : children_) {
    if (const FieldSet* o = other.find(element)) {
      FieldSet both = child.intersect(*o);
      if (!both.empty()) out.children_.emplace(element, std::move(both));
    }
  }
  return out;
}

void FieldSet::forEachMember(const std::function<void(const FieldPath&)>& visit) const {
  FieldPath prefix;
  forEachMember(prefix, visit);
}

void FieldSet::forEachMember(FieldPath& prefix, const std::function<void(const FieldPath&)>& visit) const {
  if (member_ && !prefix.empty()) visit(prefix);
  for (const auto& [element, child] : children_) {
    prefix.push_back(element);
    child.forEachMember(prefix, visit);
    prefix.pop_back();
  }
}

json FieldSet::toFieldsV1() const {
  json out = json::object();
  for (const auto& [element, child] : children_) {
    json encoded = child.toFieldsV1();
    if (child.member_ && !child.children_.empty()) encoded["."] = json::object();
    out[element] = std::move(encoded);
  }
  return out;
}

Result<FieldSet> FieldSet::fromFieldsV1(const json& fields) {
  FieldSet set;
  if (fields.is_null()) return set;
  if (Status s = parseNode(fields, set); !s) return s;
  set.member_ = false;  // the root is not a path
  return set;
}

std::string fieldElement(const std::string& name) { return "f:" + name; }
std::string keyElement(const json& keyObject) { return "k:" + keyObject.dump(); }
std::string valueElement(const json& value) { return "v:" + value.dump(); }

std::string pathString(const FieldPath& path) {
  std::string out;
  for (const auto& element : path) {
    const std::string body = element.size() > 2 ? element.substr(2) : std::string();
    switch (element.empty() ? '\0' : element[0]) {
      case 'f':
        out += "." + body;
        break;
      case 'k': {
        json key = json::parse(body, nullptr, false);
        out += "[";
        bool first = true;
        if (key.is_object()) {
          for (const auto& [name, value] : key.items()) {
            out += (first ? "" : ",") + name + "=" + value.dump();
            first = false;
          }
        }
        out += "]";
        break;
      }
      case 'v':
        out += "[=" + body + "]";
        break;
      default:  // 'i'
        out += "[" + body + "]";
        break;
    }
  }
  return out;
}

}  // namespace edgeway::api::detail
