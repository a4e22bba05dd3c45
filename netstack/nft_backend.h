#pragma once
// NftBackend: the syncer's only door to the kernel. The real one is a NETLINK_NETFILTER
// socket (libmnl) that sends an encoded NftBatch as one transaction and reads every reply;
// tests use a fake that records batches and injects failures.

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "netstack/nft_encoder.h"
#include "netstack/rule_model.h"

namespace edgeway::netstack {

class NftBackend {
 public:
  virtual ~NftBackend() = default;
  // Applies `batch` as one kernel transaction: all of it or (on error) none of it. The
  // Status names the operation the kernel refused and why.
  virtual Status commit(const NftBatch& batch) = 0;
  // The elements the kernel holds in `set` (used to read the packet-filled affinity maps).
  virtual Result<std::vector<Element>> listElements(IpFamily family, const std::string& table,
                                                    const NamedSet& set) = 0;
};

// A backend on a NETLINK_NETFILTER socket opened in the calling thread's network
// namespace (the socket stays there). Fails with a plain-words Status when the kernel has
// no nftables or the process lacks CAP_NET_ADMIN.
Result<std::unique_ptr<NftBackend>> openNetlinkBackend();

// Preflight: opens the socket and commits a throwaway transaction that creates the full
// edgeway table shape (every chain type, hook and expression the proxy uses, with empty
// sets) under a probe name and deletes it again, so the kernel validates everything and
// nothing is left behind. Reports what is missing in plain words.
Status checkKernel();

// "needs CAP_NET_ADMIN", "not supported by this kernel", ... for an errno from netfilter.
std::string describeNetlinkErrno(int err);

}  // namespace edgeway::netstack
