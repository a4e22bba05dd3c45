#include "api/src/view_reader.h"

#include <limits>

namespace edgeway::api::detail {

using json = nlohmann::json;

namespace {

const char* typeName(const json& v) {
  switch (v.type()) {
    case json::value_t::object:
      return "object";
    case json::value_t::array:
      return "array";
    case json::value_t::string:
      return "string";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::number_float:
      return "number with a fraction";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "integer";
    default:
      return "null";
  }
}

std::string_view trimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

void ViewField::fail(std::string_view problem) const {
  throw MalformedView{(path_.empty() ? std::string("object") : path_) + ": " + std::string(problem)};
}

ViewField ViewField::operator[](const char* key) const {
  std::string child = path_.empty() ? std::string(key) : path_ + "." + key;
  if (absent()) return ViewField(nullptr, std::move(child));
  if (!value_->is_object()) fail(std::string("must be an object, not ") + typeName(*value_));
  auto it = value_->find(key);
  return ViewField(it == value_->end() ? nullptr : &*it, std::move(child));
}

std::string ViewField::string() const {
  if (absent()) return {};
  if (!value_->is_string()) fail(std::string("must be a string, not ") + typeName(*value_));
  return value_->get<std::string>();
}

int64_t ViewField::integer() const {
  if (absent()) return 0;
  if (value_->is_number_integer() && !value_->is_number_unsigned()) return value_->get<int64_t>();
  if (value_->is_number_unsigned()) {
    auto u = value_->get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) fail("integer out of range");
    return static_cast<int64_t>(u);
  }
  fail(std::string("must be an integer, not ") + typeName(*value_));
}

bool ViewField::boolean() const { return optionalBoolean().value_or(false); }

std::optional<bool> ViewField::optionalBoolean() const {
  if (absent()) return std::nullopt;
  if (!value_->is_boolean()) fail(std::string("must be a boolean, not ") + typeName(*value_));
  return value_->get<bool>();
}

int ViewField::integerIn(int64_t lo, int64_t hi) const {
  int64_t v = integer();
  if (absent()) return 0;
  if (v < lo || v > hi) fail("must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  return static_cast<int>(v);
}

Protocol ViewField::protocol() const {
  std::string p = string();
  if (p.empty() || p == "TCP") return Protocol::kTCP;
  if (p == "UDP") return Protocol::kUDP;
  if (p == "SCTP") return Protocol::kSCTP;
  fail("unsupported protocol \"" + p + "\"");
}

IpAddress ViewField::ip() const {
  std::string text = string();
  auto ip = IpAddress::parseSloppy(text);
  if (!ip) fail("\"" + text + "\" is not an IP address");
  return *ip;
}

Cidr ViewField::cidr() const {
  std::string text = string();
  auto cidr = Cidr::parse(trimSpaces(text));
  if (!cidr) fail("\"" + text + "\" is not a CIDR");
  return *cidr;
}

std::vector<std::string> ViewField::strings() const {
  std::vector<std::string> out;
  forEach([&](const ViewField& item) { out.push_back(item.string()); });
  return out;
}

std::map<std::string, std::string> ViewField::stringMap() const {
  std::map<std::string, std::string> out;
  if (absent()) return out;
  if (!value_->is_object()) fail(std::string("must be an object, not ") + typeName(*value_));
  for (auto it = value_->begin(); it != value_->end(); ++it) {
    out.emplace(it.key(), ViewField(&it.value(), path_ + "[" + it.key() + "]").string());
  }
  return out;
}

void readObjectName(const ViewField& root, std::string* ns, std::string& name) {
  ViewField meta = root["metadata"];
  name = meta["name"].string();
  if (name.empty()) meta["name"].fail("required");
  if (ns == nullptr) return;
  *ns = meta["namespace"].string();
  if (ns->empty()) meta["namespace"].fail("required");
}

std::string describeObject(const char* kind, const json& object) {
  std::string out = kind;
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return out;
  auto ns = meta->find("namespace");
  auto name = meta->find("name");
  if (name == meta->end() || !name->is_string()) return out;
  out += ' ';
  if (ns != meta->end() && ns->is_string() && !ns->get_ref<const std::string&>().empty()) {
    out += ns->get_ref<const std::string&>() + "/";
  }
  return out + name->get_ref<const std::string&>();
}

}  // namespace edgeway::api::detail
