#include "api/validation.h"

#include <nlohmann/json.hpp>

#include "base/ip.h"

namespace edgeway::api {
namespace {

// The wording below is apimachinery's (k8s.io/apimachinery/pkg/util/validation); users compare
// it with what kube-apiserver prints, so it must not drift.
constexpr size_t kDns1123LabelMaxLength = 63;
constexpr size_t kDns1123SubdomainMaxLength = 253;
constexpr size_t kDns1035LabelMaxLength = 63;
constexpr size_t kQualifiedNameMaxLength = 63;
constexpr size_t kLabelValueMaxLength = 63;
constexpr size_t kPortNameMaxLength = 15;
constexpr size_t kTotalAnnotationSizeLimit = 256 * 1024;

const char* const kDns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const char* const kDns1123LabelMsg =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
    "start and end with an alphanumeric character";
const char* const kDns1123SubdomainFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const char* const kDns1123SubdomainMsg =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and "
    "must start and end with an alphanumeric character";
const char* const kDns1035LabelFmt = "[a-z]([-a-z0-9]*[a-z0-9])?";
const char* const kDns1035LabelMsg =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character";
const char* const kQualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const char* const kQualifiedNameMsg =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character";
const char* const kLabelValueFmt = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const char* const kLabelValueMsg =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and "
    "must start and end with an alphanumeric character";

std::string maxLenError(size_t n) { return "must be no more than " + std::to_string(n) + " characters"; }

// apimachinery's RegexError: "<msg> (e.g. 'a',  or 'b', regex used for validation is '<fmt>')".
// The doubled space before "or" is theirs and is kept on purpose.
std::string regexError(const std::string& msg, const std::string& fmt,
                       std::initializer_list<const char*> examples) {
  std::string out = msg;
  if (examples.size() == 0) return out + " (regex used for validation is '" + fmt + "')";
  out += " (e.g. ";
  bool first = true;
  for (const char* e : examples) {
    if (!first) out += " or ";
    first = false;
    out += std::string("'") + e + "', ";
  }
  return out + "regex used for validation is '" + fmt + "')";
}

bool isLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool isAlnum(char c) { return isLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }

// [a-z0-9]([-a-z0-9]*[a-z0-9])?
bool matchesDns1123Label(std::string_view s) {
  if (s.empty() || !isLowerAlnum(s.front()) || !isLowerAlnum(s.back())) return false;
  for (char c : s) {
    if (!isLowerAlnum(c) && c != '-') return false;
  }
  return true;
}

bool matchesDns1123Subdomain(std::string_view s) {
  if (s.empty()) return false;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    if (!matchesDns1123Label(s.substr(start, dot == std::string_view::npos ? dot : dot - start))) {
      return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]
bool matchesQualifiedNamePart(std::string_view s) {
  if (s.empty() || !isAlnum(s.front()) || !isAlnum(s.back())) return false;
  for (char c : s) {
    if (!isAlnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

std::string toLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// generateName is a prefix: a trailing '-' is fine because random characters follow it.
std::string maskTrailingDash(std::string_view s) {
  std::string out(s);
  if (out.size() > 1 && out.back() == '-') out.back() = 'a';
  return out;
}

std::vector<std::string> validateName(std::string_view name, NameRule rule) {
  switch (rule) {
    case NameRule::kDns1123Label:
      return isDns1123Label(name);
    case NameRule::kDns1035Label:
      return isDns1035Label(name);
    case NameRule::kDns1123Subdomain:
      break;
  }
  return isDns1123Subdomain(name);
}

const nlohmann::json* member(const nlohmann::json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

std::string stringMember(const nlohmann::json& obj, const char* key) {
  const nlohmann::json* v = member(obj, key);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

// A map of strings (labels, annotations) must decode as one; otherwise kube would reject the
// body before validation. We report the shape on the field instead of throwing.
bool checkStringMap(const nlohmann::json& value, const FieldPath& path, FieldErrors& errs) {
  if (!value.is_object()) {
    errs.push_back(invalid(path, value, "must be a map of string keys to string values"));
    return false;
  }
  bool ok = true;
  for (auto it = value.begin(); it != value.end(); ++it) {
    if (!it.value().is_string()) {
      errs.push_back(invalid(path.key(it.key()), it.value(), "must be a string"));
      ok = false;
    }
  }
  return ok;
}

FieldErrors validateAnnotations(const nlohmann::json& annotations, const FieldPath& path) {
  FieldErrors errs;
  if (!checkStringMap(annotations, path, errs)) return errs;
  size_t total = 0;
  for (auto it = annotations.begin(); it != annotations.end(); ++it) {
    // Annotation keys are qualified names, except that case does not matter.
    for (const auto& msg : isQualifiedName(toLower(it.key()))) errs.push_back(invalid(path, it.key(), msg));
    total += it.key().size() + it.value().get_ref<const std::string&>().size();
  }
  if (total > kTotalAnnotationSizeLimit) errs.push_back(tooLong(path, kTotalAnnotationSizeLimit));
  return errs;
}

void append(FieldErrors& to, FieldErrors from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

void checkImmutable(const nlohmann::json& meta, const nlohmann::json& old, const char* key,
                    const FieldPath& path, FieldErrors& errs) {
  const nlohmann::json* now = member(meta, key);
  const nlohmann::json* before = member(old, key);
  nlohmann::json a = now ? *now : nlohmann::json();
  nlohmann::json b = before ? *before : nlohmann::json();
  if (a != b) {
    // Go renders the zero value of a missing string as "".
    if (a.is_null() && (b.is_string())) a = "";
    errs.push_back(invalid(path.child(key), a, "field is immutable"));
  }
}

}  // namespace

std::vector<std::string> isDns1123Label(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > kDns1123LabelMaxLength) errs.push_back(maxLenError(kDns1123LabelMaxLength));
  if (!matchesDns1123Label(value)) {
    // A valid subdomain that is not a label can only be failing on its dots.
    if (matchesDns1123Subdomain(value)) {
      errs.push_back("must not contain dots");
    } else {
      errs.push_back(regexError(kDns1123LabelMsg, kDns1123LabelFmt, {"my-name", "123-abc"}));
    }
  }
  return errs;
}

std::vector<std::string> isDns1123Subdomain(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > kDns1123SubdomainMaxLength) errs.push_back(maxLenError(kDns1123SubdomainMaxLength));
  if (!matchesDns1123Subdomain(value)) {
    errs.push_back(regexError(kDns1123SubdomainMsg, kDns1123SubdomainFmt, {"example.com"}));
  }
  return errs;
}

std::vector<std::string> isDns1035Label(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > kDns1035LabelMaxLength) errs.push_back(maxLenError(kDns1035LabelMaxLength));
  bool ok = matchesDns1123Label(value) && value.front() >= 'a' && value.front() <= 'z';
  if (!ok) errs.push_back(regexError(kDns1035LabelMsg, kDns1035LabelFmt, {"my-name", "abc-123"}));
  return errs;
}

std::vector<std::string> isQualifiedName(std::string_view value) {
  std::vector<std::string> errs;
  std::string_view name = value;
  size_t slash = value.find('/');
  if (slash != std::string_view::npos) {
    if (value.find('/', slash + 1) != std::string_view::npos) {
      return {"a qualified name " +
              regexError(kQualifiedNameMsg, kQualifiedNameFmt, {"MyName", "my.name", "123-abc"}) +
              " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"};
    }
    std::string_view prefix = value.substr(0, slash);
    name = value.substr(slash + 1);
    if (prefix.empty()) {
      errs.push_back("prefix part must be non-empty");
    } else {
      for (const auto& msg : isDns1123Subdomain(prefix)) errs.push_back("prefix part " + msg);
    }
  }
  if (name.empty()) {
    errs.push_back("name part must be non-empty");
  } else if (name.size() > kQualifiedNameMaxLength) {
    errs.push_back("name part " + maxLenError(kQualifiedNameMaxLength));
  }
  if (!matchesQualifiedNamePart(name)) {
    errs.push_back("name part " +
                   regexError(kQualifiedNameMsg, kQualifiedNameFmt, {"MyName", "my.name", "123-abc"}));
  }
  return errs;
}

std::vector<std::string> isValidLabelValue(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > kLabelValueMaxLength) errs.push_back(maxLenError(kLabelValueMaxLength));
  if (!value.empty() && !matchesQualifiedNamePart(value)) {
    errs.push_back(regexError(kLabelValueMsg, kLabelValueFmt, {"MyValue", "my_value", "12345"}));
  }
  return errs;
}

std::vector<std::string> isValidPortName(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > kPortNameMaxLength) errs.push_back(maxLenError(kPortNameMaxLength));
  bool charset = !value.empty();
  bool letter = false;
  for (char c : value) {
    if (!isLowerAlnum(c) && c != '-') charset = false;
    if (c >= 'a' && c <= 'z') letter = true;
  }
  if (!charset) errs.push_back("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (!letter) errs.push_back("must contain at least one letter (a-z)");
  if (value.find("--") != std::string_view::npos) errs.push_back("must not contain consecutive hyphens");
  if (!value.empty() && (value.front() == '-' || value.back() == '-')) {
    errs.push_back("must not begin or end with a hyphen");
  }
  return errs;
}

std::vector<std::string> isValidIp(std::string_view value) {
  if (IpAddress::parseSloppy(value)) return {};
  return {"must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"};
}

std::vector<std::string> isInRange(long long value, long long lo, long long hi) {
  if (value >= lo && value <= hi) return {};
  return {"must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", inclusive"};
}

std::vector<std::string> isValidPortNum(long long port) { return isInRange(port, 1, 65535); }

FieldErrors validateLabels(const nlohmann::json& labels, const FieldPath& path) {
  FieldErrors errs;
  if (!checkStringMap(labels, path, errs)) return errs;
  // apimachinery reports label problems on the labels field itself, not on labels[key].
  for (auto it = labels.begin(); it != labels.end(); ++it) {
    for (const auto& msg : isQualifiedName(it.key())) errs.push_back(invalid(path, it.key(), msg));
    for (const auto& msg : isValidLabelValue(it.value().get_ref<const std::string&>())) {
      errs.push_back(invalid(path, it.value(), msg));
    }
  }
  return errs;
}

FieldErrors validateObjectMeta(const nlohmann::json& metadata, bool namespaced, NameRule rule,
                               const FieldPath& path) {
  FieldErrors errs;
  if (!metadata.is_object()) {
    errs.push_back(required(path.child("name"), "name or generateName is required"));
    return errs;
  }
  for (const char* key : {"name", "generateName", "namespace"}) {
    const nlohmann::json* v = member(metadata, key);
    if (v && !v->is_string()) errs.push_back(invalid(path.child(key), *v, "must be a string"));
  }
  std::string name = stringMember(metadata, "name");
  std::string generateName = stringMember(metadata, "generateName");
  std::string ns = stringMember(metadata, "namespace");

  if (!generateName.empty()) {
    for (const auto& msg : validateName(maskTrailingDash(generateName), rule)) {
      errs.push_back(invalid(path.child("generateName"), generateName, msg));
    }
  }
  if (!name.empty()) {
    for (const auto& msg : validateName(name, rule)) errs.push_back(invalid(path.child("name"), name, msg));
  } else if (generateName.empty()) {
    errs.push_back(required(path.child("name"), "name or generateName is required"));
  }

  if (namespaced) {
    if (ns.empty()) {
      errs.push_back(required(path.child("namespace")));
    } else {
      for (const auto& msg : isDns1123Label(ns)) errs.push_back(invalid(path.child("namespace"), ns, msg));
    }
  } else if (!ns.empty()) {
    errs.push_back(forbidden(path.child("namespace"), "not allowed on this type"));
  }

  if (const nlohmann::json* g = member(metadata, "generation")) {
    if (!g->is_number_integer()) {
      errs.push_back(invalid(path.child("generation"), *g, "must be an integer"));
    } else if (g->get<long long>() < 0) {
      errs.push_back(invalid(path.child("generation"), *g, "must be greater than or equal to 0"));
    }
  }
  if (const nlohmann::json* labels = member(metadata, "labels")) {
    append(errs, validateLabels(*labels, path.child("labels")));
  }
  if (const nlohmann::json* ann = member(metadata, "annotations")) {
    append(errs, validateAnnotations(*ann, path.child("annotations")));
  }
  return errs;
}

FieldErrors validateObjectMetaUpdate(const nlohmann::json& metadata, const nlohmann::json& old,
                                     const FieldPath& path) {
  FieldErrors errs;
  for (const char* key :
       {"name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"}) {
    checkImmutable(metadata, old, key, path, errs);
  }
  const nlohmann::json* g = member(metadata, "generation");
  const nlohmann::json* og = member(old, "generation");
  if (g && og && g->is_number_integer() && og->is_number_integer() &&
      g->get<long long>() < og->get<long long>()) {
    errs.push_back(invalid(path.child("generation"), *g, "must not be decremented"));
  }
  // Like apimachinery's update check, labels and annotations are validated again here; a
  // strategy that also runs validateObjectMeta gets them twice, as kube-apiserver does.
  if (const nlohmann::json* labels = member(metadata, "labels")) {
    append(errs, validateLabels(*labels, path.child("labels")));
  }
  if (const nlohmann::json* ann = member(metadata, "annotations")) {
    append(errs, validateAnnotations(*ann, path.child("annotations")));
  }
  return errs;
}

}  // namespace edgeway::api
