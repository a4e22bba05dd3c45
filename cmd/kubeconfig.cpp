#include "cmd/kubeconfig.h"

#include <cstdio>
#include <fstream>

namespace edgeway::cmd {
namespace {

std::string clientReachable(const std::string& address) {
  auto colon = address.rfind(':');
  std::string host = colon == std::string::npos ? address : address.substr(0, colon);
  std::string port = colon == std::string::npos ? "6443" : address.substr(colon + 1);
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  if (host == "[::]") host = "[::1]";
  return host + ":" + port;
}

}  // namespace

std::string renderKubeconfig(const std::string& apiAddress) {
  return "apiVersion: v1\n"
         "kind: Config\n"
         "clusters:\n"
         "- name: edgeway\n"
         "  cluster:\n"
         "    server: http://" + clientReachable(apiAddress) + "\n"
         "contexts:\n"
         "- name: edgeway\n"
         "  context:\n"
         "    cluster: edgeway\n"
         "    user: admin\n"
         "    namespace: default\n"
         "current-context: edgeway\n"
         "users:\n"
         "- name: admin\n"
         "  user: {}\n";
}

Status writeKubeconfig(const std::string& path, const std::string& apiAddress) {
  // Write then rename, so a reader never sees half a file.
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return internalError("cannot write " + tmp);
    out << renderKubeconfig(apiAddress);
    if (!out.flush()) return internalError("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return internalError("cannot rename " + tmp + " to " + path);
  return Status::ok();
}

}  // namespace edgeway::cmd
