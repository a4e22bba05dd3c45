#include "cmd/kubeconfig_command.h"

#include <fstream>
#include <iostream>
#include <iterator>
#include <map>

#include "base/clock.h"
#include "cmd/flag_args.h"
#include "cmd/kubeconfig.h"
#include "cmd/server_flags.h"  // wantsHelp
#include "http/pki.h"
#include "http/pki_store.h"

namespace edgeway::cmd {
namespace {

constexpr const char* kDefaultServer = "https://127.0.0.1:6443";
constexpr int kMaxDays = 3650;  // the CA's own lifetime; a longer certificate is clamped anyway

struct KubeconfigFlags {
  std::string dataDir;
  std::string user;
  std::vector<std::string> groups;
  int days = 365;
  std::string server;  // empty: from DATA_DIR/kubeconfig, else kDefaultServer
};

Result<int> parseDays(const std::string& value) {
  if (value.empty() || value.size() > 5 || value.find_first_not_of("0123456789") != std::string::npos) {
    return invalidArgument("--days must be a whole number of days");
  }
  int days = std::stoi(value);
  if (days < 1 || days > kMaxDays)
    return invalidArgument("--days must be between 1 and " + std::to_string(kMaxDays));
  return days;
}

Result<KubeconfigFlags> parseFlags(const std::vector<std::string>& args) {
  KubeconfigFlags f;
  auto known = [](const std::string& name) {
    return name == "--data-dir" || name == "--user" || name == "--group" || name == "--days" || name == "--server";
  };
  Status parsed = forEachFlag(args, known, [&f](const std::string& name, const std::string& value) {
    if (name == "--data-dir") {
      f.dataDir = value;
    } else if (name == "--user") {
      f.user = value;
    } else if (name == "--group") {
      if (value.empty()) return invalidArgument("--group must not be empty");
      f.groups.push_back(value);
    } else if (name == "--days") {
      auto days = parseDays(value);
      if (!days) return days.status();
      f.days = *days;
    } else {
      if (value.rfind("https://", 0) != 0) return invalidArgument("--server must be an https:// URL");
      f.server = value;
    }
    return Status::ok();
  });
  if (!parsed.isOk()) return parsed;
  if (f.dataDir.empty()) return invalidArgument("--data-dir is required");
  if (f.user.empty()) return invalidArgument("--user is required");
  return f;
}

// The URL in the admin kubeconfig the server wrote: it knows the real listen port.
std::string defaultServerUrl(const std::string& dataDir) {
  std::ifstream in(dataDir + "/kubeconfig");
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string url = kubeconfigServerUrl(content);
  return url.rfind("https://", 0) == 0 ? url : kDefaultServer;
}

}  // namespace

const char* kubeconfigUsage() {
  return R"(Usage: edgeway kubeconfig --data-dir DIR --user NAME [--group GROUP]... [--days N] [--server URL]

Issues a client certificate signed by the cluster CA in DIR/tls and prints a kubeconfig
that uses it. The user is the certificate's CN and each group one of its O values, which
is how the API server reads them.

Flags:
  --data-dir DIR   the server's data directory (required; DIR/tls must exist)
  --user NAME      user name (required)
  --group GROUP    group the user belongs to (repeatable), e.g. edgeway:view
  --days N         certificate validity in days, 1-3650 (default 365)
  --server URL     API server URL (default: the one in DIR/kubeconfig, else https://127.0.0.1:6443)
)";
}

int runKubeconfigCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (wantsHelp(args)) {
    out << kubeconfigUsage();
    return 0;
  }
  auto flags = parseFlags(args);
  if (!flags) {
    err << "edgeway kubeconfig: " << flags.status().message() << "\n\n" << kubeconfigUsage();
    return 2;
  }
  auto ca = http::PkiStore::loadCertificateAuthority(flags->dataDir + "/tls");
  if (!ca) {
    err << "edgeway kubeconfig: " << ca.status().message() << "\n";
    return 1;
  }
  auto issued = http::issueClientCertificate(*ca, flags->user, flags->groups, clock::nowSeconds(),
                                             flags->days * http::kSecondsPerDay);
  if (!issued) {
    err << "edgeway kubeconfig: " << issued.status().message() << "\n";
    return 1;
  }
  std::string server = flags->server.empty() ? defaultServerUrl(flags->dataDir) : flags->server;
  out << renderKubeconfig(server, ca->certPem, issued->certPem, issued->keyPem, flags->user);
  return out.flush() ? 0 : 1;
}

int runKubeconfigCommand(const std::vector<std::string>& args) {
  return runKubeconfigCommand(args, std::cout, std::cerr);
}

}  // namespace edgeway::cmd
