#pragma once
// ConntrackCleaner: deletes UDP conntrack entries that would keep steering a client's
// datagrams to an endpoint that is gone, as kube-proxy does. UDP has no connection to
// close: while a client keeps sending (DNS, a game, syslog), its conntrack entry stays
// alive, keeps the DNAT it was given and never reaches a new endpoint. The proxy calls:
//
// * deleteUdpForServiceEndpoint(serviceIp, servicePort, ep, epPort) when an endpoint
//   leaves a UDP Service port (kube-proxy's narrowest form: only flows of that entry);
//   deleteUdpToEndpoint(ep, epPort) for every flow answered by the endpoint, e.g. when a
//   pod is deleted;
// * deleteUdpForServiceIp(serviceIp, port) when a UDP Service port goes from no endpoints
//   to some: flows that met the reject/drop while it had none must not stay stuck;
// * deleteUdpForNodePort(family, nodePort) likewise for a NodePort (any node address).
//
// How: one NETLINK_NETFILTER IPCTNL_MSG_CT_GET dump per call with a kernel-side filter
// (CTA_FILTER, Linux >= 5.10: only UDP entries with the requested original-destination /
// reply-source ports -- and, for IPv4, addresses -- come back; IPv6 addresses are not
// given to the kernel because its IPv6 address match is inverted (`!ipv6_addr_cmp`, seen on
// 6.18). Each entry is re-checked here, so a kernel that ignores or misapplies the filter
// still deletes nothing else), then one IPCTNL_MSG_CT_DELETE per
// match by its original tuple, zone and conntrack id (an entry recycled in between is not
// hit). An entry already gone counts as deleted by someone else, not as an error.
//
// Not thread-safe: one caller at a time. The socket stays in the network namespace of the
// thread that called create().

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "base/ip.h"
#include "base/status.h"

namespace edgeway::netstack {

namespace detail {
class NetlinkSocket;
}

// One UDP conntrack entry: the original direction (client -> what it addressed) and the
// reply direction (who answers -> client; after DNAT, the endpoint).
struct UdpFlow {
  IpAddress origSrc, origDst;
  uint16_t origSrcPort = 0, origDstPort = 0;
  IpAddress replySrc, replyDst;
  uint16_t replySrcPort = 0, replyDstPort = 0;
};

// Which flows to act on; unset fields match anything. Addresses must be of the family
// the call is for.
struct UdpFlowFilter {
  std::optional<IpAddress> origDst;  // the address the client sent to (ClusterIP, LB IP, node IP)
  std::optional<uint16_t> origDstPort;
  std::optional<IpAddress> replySrc;  // the address that answers (the endpoint)
  std::optional<uint16_t> replySrcPort;

  bool matches(const UdpFlow& flow) const;
};

class ConntrackCleaner {
 public:
  // Opens the NETLINK_NETFILTER socket; fails with a plain-words Status without
  // CAP_NET_ADMIN or conntrack in the kernel.
  static Result<std::unique_ptr<ConntrackCleaner>> create();
  ~ConntrackCleaner();

  // Each returns the number of entries deleted.
  Result<size_t> deleteUdpToEndpoint(const IpAddress& endpoint, uint16_t endpointPort);
  Result<size_t> deleteUdpForServiceIp(const IpAddress& serviceIp, uint16_t servicePort);
  Result<size_t> deleteUdpForServiceEndpoint(const IpAddress& serviceIp, uint16_t servicePort,
                                             const IpAddress& endpoint, uint16_t endpointPort);
  Result<size_t> deleteUdpForNodePort(IpFamily family, uint16_t nodePort);
  Result<size_t> deleteUdp(IpFamily family, const UdpFlowFilter& filter);
  // The flows matching any of `filters` (each with origDst and origDstPort set), found by ONE
  // dump of the family's UDP entries: k filtered dumps walk the kernel's table k times,
  // which a restart with thousands of UDP Services would pay in full.
  Result<size_t> deleteUdpMatchingAny(IpFamily family, const std::vector<UdpFlowFilter>& filters);

  // The UDP entries of `family` that match `filter` (for tests and debug output).
  Result<std::vector<UdpFlow>> listUdp(IpFamily family, const UdpFlowFilter& filter = {});

 private:
  explicit ConntrackCleaner(std::unique_ptr<detail::NetlinkSocket> nl);
  struct Entry;
  // Entries the kernel returns for `filter` (as far as it filters) that `keep` accepts.
  Result<std::vector<Entry>> dump(IpFamily family, const UdpFlowFilter& filter,
                                  const std::function<bool(const UdpFlow&)>& keep);
  Result<size_t> deleteEntries(IpFamily family, const std::vector<Entry>& entries);

  std::unique_ptr<detail::NetlinkSocket> nl_;
  bool kernelFilter_ = true;  // cleared when the kernel refuses CTA_FILTER
};

}  // namespace edgeway::netstack
