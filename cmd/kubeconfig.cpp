#include "cmd/kubeconfig.h"

#include <cctype>
#include <cstdio>
#include <cstring>
#include <set>
#include <sstream>

#include "http/pki.h"

namespace edgeway::cmd {
namespace {

// A YAML scalar for a value that may come from the command line. Plain when that is
// unambiguous (the usual "https://127.0.0.1:6443", "admin"); otherwise double-quoted, so
// that ": ", "#", a leading "-", or a name such as "true" or "123" (which YAML would read as
// a boolean or a number) stay strings.
std::string scalar(const std::string& value) {
  static const std::set<std::string> kNotStrings = {"true", "false", "yes", "no", "on",
                                                    "off",  "null",  "y",   "n"};
  std::string lower;
  for (unsigned char c : value) lower += static_cast<char>(std::tolower(c));
  bool plain =
      !value.empty() && std::isalpha(static_cast<unsigned char>(value[0])) && kNotStrings.count(lower) == 0;
  for (unsigned char c : value) {
    plain = plain && (std::isalnum(c) || (c != 0 && std::strchr("._/:@%+=-", c) != nullptr));
  }
  plain = plain && value.back() != ':';  // "name: x:" is a YAML error
  if (plain) return value;
  std::string out = "\"";
  for (unsigned char c : value) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\x%02x", c);
      out += escape;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string unquoted(const std::string& value) {
  if (value.size() < 2 || value.front() != '"' || value.back() != '"') return value;
  std::string out;
  for (size_t i = 1; i + 1 < value.size(); ++i) {
    if (value[i] == '\\' && i + 2 < value.size()) ++i;
    out += value[i];
  }
  return out;
}

}  // namespace

std::string apiServerUrl(const std::string& apiAddress) {
  // HOST:PORT with IPv6 hosts in brackets, as the API server reports its address.
  size_t hostEnd = apiAddress.rfind(':');
  if (!apiAddress.empty() && apiAddress.front() == '[') {
    size_t close = apiAddress.find(']');
    hostEnd = close == std::string::npos ? std::string::npos : close + 1;
  }
  std::string host = apiAddress.substr(0, hostEnd);
  std::string port = "6443";
  if (hostEnd != std::string::npos && hostEnd + 1 < apiAddress.size() && apiAddress[hostEnd] == ':') {
    port = apiAddress.substr(hostEnd + 1);
  }
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  if (host == "[::]") host = "[::1]";
  return "https://" + host + ":" + port;
}

std::string renderKubeconfig(const std::string& serverUrl, const std::string& caPem,
                             const std::string& clientCertPem, const std::string& clientKeyPem,
                             const std::string& userName) {
  std::string out;
  out += "apiVersion: v1\n";
  out += "kind: Config\n";
  out += "clusters:\n";
  out += "- name: edgeway\n";
  out += "  cluster:\n";
  out += "    server: " + scalar(serverUrl) + "\n";
  out += "    certificate-authority-data: " + http::base64Encode(caPem) + "\n";
  out += "contexts:\n";
  out += "- name: edgeway\n";
  out += "  context:\n";
  out += "    cluster: edgeway\n";
  out += "    user: " + scalar(userName) + "\n";
  out += "    namespace: default\n";
  out += "current-context: edgeway\n";
  out += "preferences: {}\n";
  out += "users:\n";
  out += "- name: " + scalar(userName) + "\n";
  out += "  user:\n";
  out += "    client-certificate-data: " + http::base64Encode(clientCertPem) + "\n";
  out += "    client-key-data: " + http::base64Encode(clientKeyPem) + "\n";
  return out;
}

Status writeKubeconfig(const std::string& path, const std::string& serverUrl, const std::string& caPem,
                       const std::string& clientCertPem, const std::string& clientKeyPem,
                       const std::string& userName) {
  return http::writePrivateFile(path,
                                renderKubeconfig(serverUrl, caPem, clientCertPem, clientKeyPem, userName));
}

Status writeAdminKubeconfig(const std::string& path, const std::string& apiAddress,
                            const http::PkiStore& pki) {
  return writeKubeconfig(path, apiServerUrl(apiAddress), pki.caCertPem(), pki.adminCertPem(),
                         pki.adminKeyPem(), http::PkiStore::kAdminUser);
}

std::string kubeconfigServerUrl(const std::string& content) {
  std::istringstream lines(content);
  std::string line;
  while (std::getline(lines, line)) {
    size_t start = line.find_first_not_of(' ');
    if (start == std::string::npos || line.compare(start, 7, "server:") != 0) continue;
    std::string value = line.substr(start + 7);
    value.erase(0, value.find_first_not_of(' '));
    value.erase(value.find_last_not_of(" \r") + 1);
    return unquoted(value);
  }
  return "";
}

}  // namespace edgeway::cmd
