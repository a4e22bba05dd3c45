#include "cmd/check_command.h"

#include <ostream>

#include "netstack/nft_backend.h"

namespace edgeway::cmd {

int runCheckCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (!args.empty()) {
    err << "Usage: edgeway check\n\nChecks that this kernel and these privileges can run the nftables proxy.\n";
    return 2;
  }
  Status nftables = netstack::checkKernel();
  if (nftables.isOk()) {
    out << "ok: nftables (tables, NAT chains, concatenated and interval maps, numgen, reject, masquerade)\n";
    return 0;
  }
  out << "missing: " << nftables.message() << "\n"
      << "  edgeway server needs it for --proxy nftables; --proxy none runs without the proxy\n";
  return 1;
}

}  // namespace edgeway::cmd
