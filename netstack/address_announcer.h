#pragma once
// LoadBalancerAnnouncer: makes LoadBalancer ingress addresses (from --lb-pool) reachable
// from the node's neighbours, as kube-proxy's IPVS mode (kube-ipvs0) and MetalLB's L2 mode
// do. The addresses live on an interface of edgeway's own, `edgeway-lb`, as IPv4 /32 and
// IPv6 /128, which makes them local addresses of the node; the neighbours learn them by:
//
// * IPv4 (ARP): with net.ipv4.conf.{all,UPLINK}.arp_ignore = 0 (the default) the kernel
//   answers an ARP request on any interface for any local address, whichever interface
//   holds it. arp_ignore >= 1 (answer only for addresses on the receiving interface; set
//   by some clusters for IPVS "strictARP") stops that: sync() then reports a warning and
//   leaves the sysctl alone, since an administrator set it on purpose.
// * IPv6 (NDP): the kernel answers a neighbour solicitation only for addresses on the
//   receiving interface, so for each address it adds a proxy-NDP entry (NTF_PROXY, as
//   `ip -6 neigh add proxy ADDR dev UPLINK`) on every interface holding a global address
//   whose prefix contains it, and sets net.ipv6.conf.UPLINK.proxy_ndp=1. The kernel only
//   answers proxy NDP on interfaces with net.ipv6.conf.UPLINK.forwarding=1 (verified on
//   6.18: without it the solicitation goes unanswered). A service proxy that forwards to
//   IPv6 endpoints needs forwarding on anyway; sync() turns it on when
//   AnnouncerOptions::enableIpv6Forwarding is set and otherwise reports a warning. A
//   proxied answer to a multicast solicitation is delayed by up to proxy_delay (0.8 s by
//   default), per RFC 4861; only a neighbour's first contact pays it.
//
// The interface is a `dummy` device, or an `ifb` device on kernels built without dummy
// (both are NOARP and carry no traffic of their own). IPv6 addresses are added without
// DAD, without a prefix route and deprecated (preferred lifetime 0), so they are never
// picked as the source of the node's own connections.
//
// Ownership: the announcer owns exactly the addresses on its interface and the proxy-NDP
// entries for those addresses; it never touches anything else, so a restart picks up (and
// cleans) what a previous run left. Not thread-safe: call from one thread (the proxy's
// syncer). The netlink socket stays in the network namespace of the thread that called
// create(); sysctls are written in the namespace of the calling thread -- the same one.

#include <memory>
#include <string>
#include <vector>

#include "base/ip.h"
#include "base/status.h"

namespace edgeway::netstack {

namespace detail {
class NetlinkSocket;
}

struct AnnouncerOptions {
  std::string interfaceName = "edgeway-lb";
  // Set net.ipv6.conf.UPLINK.forwarding=1 where proxy NDP needs it (else: a warning).
  bool enableIpv6Forwarding = false;
};

class LoadBalancerAnnouncer {
 public:
  // Opens an rtnetlink socket; the interface is created by the first sync().
  static Result<std::unique_ptr<LoadBalancerAnnouncer>> create(AnnouncerOptions options = AnnouncerOptions());
  ~LoadBalancerAnnouncer();

  // Makes the announced set equal `wanted`: creates and brings up the interface if needed,
  // adds missing addresses, removes stale ones (only its own), and keeps the proxy-NDP
  // entries in line with the current uplinks. Loopback, unspecified, link-local and
  // multicast addresses are skipped with a warning. Errors are environment failures
  // (no CAP_NET_ADMIN, the interface name taken by a foreign device); conditions that
  // leave an address unreachable but are not errors end up in warnings().
  Status sync(const std::vector<IpAddress>& wanted);

  // Clean shutdown: deletes the proxy-NDP entries of its addresses and the interface.
  Status removeAll();

  // Why some announced address may not be reachable, from the last sync(); each new
  // warning is also logged once.
  const std::vector<std::string>& warnings() const { return warnings_; }
  // "dummy" or "ifb" once the interface exists; empty before.
  const std::string& interfaceKind() const { return kind_; }

 private:
  LoadBalancerAnnouncer(AnnouncerOptions options, std::unique_ptr<detail::NetlinkSocket> nl);
  Result<int> ensureInterface();
  void setWarnings(std::vector<std::string> warnings);

  AnnouncerOptions options_;
  std::unique_ptr<detail::NetlinkSocket> nl_;
  std::string kind_;
  std::vector<std::string> warnings_;
};

}  // namespace edgeway::netstack
