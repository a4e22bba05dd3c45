#pragma once
// `edgeway check`: the preflight a user runs on a new gateway image. Tries what the proxy
// needs from the kernel (a throwaway nftables transaction with every chain type, hook and
// expression edgeway uses) and says in plain words what is missing.

#include <iosfwd>
#include <string>
#include <vector>

namespace edgeway::cmd {

// Prints one line per check ("ok: ..." or "missing: ...") on `out`; returns 0 when all
// pass, 1 when something is missing, 2 on usage errors.
int runCheckCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace edgeway::cmd
