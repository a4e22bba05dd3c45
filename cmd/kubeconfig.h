#pragma once
// The admin kubeconfig written to DATA_DIR/kubeconfig: what `kubectl --kubeconfig` needs.

#include <string>

#include "base/status.h"

namespace edgeway::cmd {

// `apiAddress` is the HOST:PORT the API server listens on; a wildcard host is written as
// loopback so the file works on the box itself.
std::string renderKubeconfig(const std::string& apiAddress);
Status writeKubeconfig(const std::string& path, const std::string& apiAddress);

}  // namespace edgeway::cmd
