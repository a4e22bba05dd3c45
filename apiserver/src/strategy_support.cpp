#include "apiserver/src/strategy_support.h"

#include <algorithm>
#include <regex>

#include "apiserver/src/json_fields.h"
#include "base/ip.h"

namespace edgeway::apiserver::support {

using edgeway::Cidr;
using edgeway::IpAddress;
using nlohmann::json;

const json& metadataOf(const json& obj) {
  static const json kNull;
  const json* m = fields::find(obj, {"metadata"});
  return m ? *m : kNull;
}

void append(api::FieldErrors& to, api::FieldErrors from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

void appendInvalid(api::FieldErrors& to, const api::FieldPath& path, const json& value,
                   const std::vector<std::string>& details) {
  for (const auto& d : details) to.push_back(api::invalid(path, value, d));
}

std::string goStringSlice(const json& list) {
  std::string out = "[]string{";
  bool first = true;
  for (const auto& v : list) {
    if (!first) out += ", ";
    first = false;
    out += json(v.is_string() ? v.get<std::string>() : v.dump()).dump();
  }
  return out + "}";
}

std::string regexError(const std::string& msg, const std::string& regex,
                       const std::vector<std::string>& examples) {
  if (examples.empty()) return msg + " (regex used for validation is '" + regex + "')";
  std::string out = msg + " (e.g. ";
  for (size_t i = 0; i < examples.size(); ++i) {
    if (i > 0) out += " or ";
    out += "'" + examples[i] + "', ";
  }
  return out + "regex used for validation is '" + regex + "')";
}

// Sloppy parsing (leading zeros allowed in IPv4 octets) is how kube reads addresses.
bool isIpv4(std::string_view value) {
  auto ip = IpAddress::parseSloppy(value);
  return ip.isOk() && ip->isV4();
}

bool isIpv6(std::string_view value) {
  auto ip = IpAddress::parseSloppy(value);
  return ip.isOk() && ip->isV6();
}

bool isIp(std::string_view value) { return isIpv4(value) || isIpv6(value); }

void checkImmutable(api::FieldErrors& to, const api::FieldPath& path, const json& value, const json& old) {
  if (value != old) to.push_back(api::invalid(path, value, "field is immutable"));
}

api::FieldErrors validateEndpointIp(const std::string& value, const api::FieldPath& path) {
  auto ip = IpAddress::parseSloppy(value);
  if (!ip.isOk()) return {api::invalid(path, value, "must be a valid IP address")};
  api::FieldErrors errs;
  if (ip->isUnspecified()) {
    errs.push_back(api::invalid(path, value, "may not be unspecified (" + value + ")"));
  }
  if (ip->isLoopback()) {
    errs.push_back(api::invalid(path, value, "may not be in the loopback range (127.0.0.0/8, ::1/128)"));
  }
  if (ip->isLinkLocalUnicast()) {
    errs.push_back(
        api::invalid(path, value, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"));
  }
  if (ip->isLinkLocalMulticast()) {
    errs.push_back(
        api::invalid(path, value, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"));
  }
  return errs;
}

api::FieldErrors validateCidr(const std::string& value, const api::FieldPath& path) {
  if (Cidr::parse(value).isOk()) return {};
  return {api::invalid(path, value, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)")};
}

namespace {
std::string joinDetails(const std::vector<std::string>& details) {
  std::string out;
  for (size_t i = 0; i < details.size(); ++i) out += (i ? "," : "") + details[i];
  return out;
}
}  // namespace

api::FieldErrors validateFullyQualifiedDomainName(const std::string& value, const api::FieldPath& path) {
  if (value.empty()) return {api::required(path)};
  std::string name = value.back() == '.' ? value.substr(0, value.size() - 1) : value;
  if (auto errs = api::isDns1123Subdomain(name); !errs.empty()) {
    return {api::invalid(path, name, joinDetails(errs))};
  }
  if (name.find('.') == std::string::npos) {
    return {api::invalid(path, name, "should be a domain with at least two segments separated by dots")};
  }
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    std::string label = name.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (auto errs = api::isDns1123Label(label); !errs.empty()) {
      return {api::invalid(path, label, joinDetails(errs))};
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return {};
}

api::FieldErrors validateDomainPrefixedPath(const std::string& value, const api::FieldPath& path) {
  if (value.empty()) return {api::required(path)};
  size_t slash = value.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == value.size()) {
    return {api::invalid(path, value, "must be a domain-prefixed path (such as \"acme.io/foo\")")};
  }
  api::FieldErrors errs;
  std::string host = value.substr(0, slash), rest = value.substr(slash + 1);
  appendInvalid(errs, path, host, api::isDns1123Subdomain(host));
  static const std::string kPathFmt = R"([A-Za-z0-9/\-._~%!$&'()*+,;=:]+)";
  static const std::regex kPath("^" + kPathFmt + "$");
  if (!std::regex_match(rest, kPath)) {
    errs.push_back(api::invalid(path, rest, regexError("must be a valid path", kPathFmt, {})));
  }
  return errs;
}

api::FieldErrors validateProtocol(const json& port, const api::FieldPath& path) {
  std::string protocol = fields::str(port, {"protocol"});
  if (protocol.empty()) return {api::required(path)};
  if (protocol != "TCP" && protocol != "UDP" && protocol != "SCTP") {
    return {api::notSupported(path, protocol, {"SCTP", "TCP", "UDP"})};
  }
  return {};
}

api::FieldErrors validateTypedLocalObjectReference(const json& ref, const api::FieldPath& path) {
  api::FieldErrors errs;
  if (fields::has(ref, {"apiGroup"})) {
    std::string group = fields::str(ref, {"apiGroup"});
    appendInvalid(errs, path.child("apiGroup"), group, api::isDns1123Subdomain(group));
  }
  for (const char* key : {"kind", "name"}) {
    std::string value = fields::str(ref, {key});
    if (value.empty()) {
      errs.push_back(api::required(path.child(key), std::string(key) + " is required"));
    } else {
      appendInvalid(errs, path.child(key), value, isValidPathSegmentName(value));
    }
  }
  return errs;
}

std::vector<std::string> isWildcardDns1123Subdomain(std::string_view value) {
  static const std::string kFmt = R"(\*\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)";
  static const std::regex kRe("^" + kFmt + "$");
  std::vector<std::string> errs;
  if (value.size() > 253) errs.push_back("must be no more than 253 characters");
  if (!std::regex_match(std::string(value), kRe)) {
    errs.push_back(regexError(
        "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must "
        "consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character",
        kFmt, {"*.example.com"}));
  }
  return errs;
}

std::vector<std::string> isConfigMapKey(std::string_view value) {
  static const std::string kFmt = "[-._a-zA-Z0-9]+";
  static const std::regex kRe("^" + kFmt + "$");
  std::vector<std::string> errs;
  if (value.size() > 253) errs.push_back("must be no more than 253 characters");
  if (!std::regex_match(std::string(value), kRe)) {
    errs.push_back(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                              kFmt, {"key.name", "KEY_NAME", "key-name"}));
  }
  // Keys become file names when mounted; these would escape the directory.
  if (value == ".") {
    errs.push_back("must not be '.'");
  } else if (value == "..") {
    errs.push_back("must not be '..'");
  } else if (value.substr(0, 2) == "..") {
    errs.push_back("must not start with '..'");
  }
  return errs;
}

std::vector<std::string> isValidPathSegmentName(std::string_view value) {
  if (value == "." || value == "..") return {"may not be '" + std::string(value) + "'"};
  std::vector<std::string> errs;
  if (value.find('/') != std::string_view::npos) errs.push_back("may not contain '/'");
  if (value.find('%') != std::string_view::npos) errs.push_back("may not contain '%'");
  return errs;
}

}  // namespace edgeway::apiserver::support
