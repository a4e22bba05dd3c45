#include <algorithm>
#include <cctype>
#include <string>

#include "http/pki.h"

namespace edgeway::http {
namespace {

// A DNS name as certificates carry it: LDH labels (underscore tolerated, as Go's verifier
// does), optionally a leading "*." wildcard, at most 253 characters.
bool isDnsName(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  std::string_view rest = name;
  if (rest.substr(0, 2) == "*.") rest.remove_prefix(2);
  size_t labelLength = 0;
  for (size_t i = 0; i <= rest.size(); ++i) {
    if (i == rest.size() || rest[i] == '.') {
      if (labelLength == 0 || labelLength > 63) return false;
      labelLength = 0;
      continue;
    }
    char c = rest[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
    ++labelLength;
  }
  return true;
}

}  // namespace

Status SubjectAltNames::add(std::string_view nameOrIp) {
  // Brackets are how IPv6 appears in URLs and HOST:PORT; accept them here too.
  std::string_view bare = nameOrIp;
  if (bare.size() > 2 && bare.front() == '[' && bare.back() == ']') bare = bare.substr(1, bare.size() - 2);
  if (auto ip = IpAddress::parse(bare); ip.isOk()) {
    add(*ip);
    return Status::ok();
  }
  std::string name(nameOrIp);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  if (!isDnsName(name)) {
    return invalidArgument("\"" + std::string(nameOrIp) + "\" is neither an IP address nor a DNS name");
  }
  if (std::find(dnsNames.begin(), dnsNames.end(), name) == dnsNames.end())
    dnsNames.push_back(std::move(name));
  return Status::ok();
}

void SubjectAltNames::add(const IpAddress& ip) {
  if (std::find(ipAddresses.begin(), ipAddresses.end(), ip) == ipAddresses.end()) ipAddresses.push_back(ip);
}

bool SubjectAltNames::covers(const SubjectAltNames& required) const {
  for (const auto& name : required.dnsNames) {
    if (std::find(dnsNames.begin(), dnsNames.end(), name) == dnsNames.end()) return false;
  }
  for (const auto& ip : required.ipAddresses) {
    if (std::find(ipAddresses.begin(), ipAddresses.end(), ip) == ipAddresses.end()) return false;
  }
  return true;
}

std::string SubjectAltNames::toString() const {
  std::string out;
  auto append = [&out](const std::string& s) { out += (out.empty() ? "" : ", ") + s; };
  for (const auto& name : dnsNames) append(name);
  for (const auto& ip : ipAddresses) append(ip.toString());
  return out;
}

}  // namespace edgeway::http
