#pragma once
// `edgeway kubeconfig`: issues a client certificate signed by the cluster CA and prints a
// kubeconfig that uses it, so an operator can hand out credentials without the server's
// help (it only needs to read DATA_DIR/tls).

#include <iosfwd>
#include <string>
#include <vector>

namespace edgeway::cmd {

// `args` are the arguments after `edgeway kubeconfig`. Prints the kubeconfig on `out` and
// returns 0; usage errors print the usage on `err` and return 2; other failures (no PKI yet,
// unreadable CA key) print one line on `err` and return 1.
int runKubeconfigCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int runKubeconfigCommand(const std::vector<std::string>& args);  // stdout and stderr

const char* kubeconfigUsage();

}  // namespace edgeway::cmd
