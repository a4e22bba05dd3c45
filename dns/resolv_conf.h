#pragma once
// Where the DNS module listens and forwards to: "HOST:PORT" text as given on the command
// line, and the `nameserver` lines of /etc/resolv.conf, the default upstreams.
//
// The default upstreams must never include edgeway itself: a box whose resolv.conf points
// at 127.0.0.1 while edgeway listens on 127.0.0.1:53 would forward its own queries to
// itself until they time out. withoutOwnAddresses() drops those.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/ip.h"
#include "base/status.h"

namespace edgeway::dns {

constexpr uint16_t kDnsPort = 53;

// An IP address and a UDP/TCP port.
struct SocketAddress {
  IpAddress ip;
  uint16_t port = kDnsPort;

  std::string toString() const;  // "10.0.0.1:53", "[fd00::1]:53"

  friend bool operator==(const SocketAddress& a, const SocketAddress& b) {
    return a.ip == b.ip && a.port == b.port;
  }
  friend bool operator!=(const SocketAddress& a, const SocketAddress& b) { return !(a == b); }
};

// "1.2.3.4:53", "[::1]:53"; without a port ("1.2.3.4", "::1", "[::1]") `defaultPort` is
// used, and when that is 0 the port is required. Port 0 itself is accepted (tests bind
// ephemeral ports). Host names are not resolved: the resolver cannot depend on itself.
Result<SocketAddress> parseSocketAddress(std::string_view text, uint16_t defaultPort = 0);

// The `nameserver` addresses of resolv.conf text, in order, each on port 53. Comments ('#'
// or ';'), other keywords and unreadable addresses are skipped; so are scoped IPv6
// addresses ("fe80::1%eth0"), which cannot be reached without their interface.
std::vector<SocketAddress> parseResolvConf(std::string_view text);

// Reads and parses a resolv.conf file; fails only when the file cannot be read.
Result<std::vector<SocketAddress>> readResolvConf(const std::string& path);

// `upstreams` without edgeway's own listen addresses: an upstream equal to a listen
// address, or a loopback upstream on the port of a wildcard listen address (0.0.0.0, ::)
// of its family, would be a forwarding loop.
std::vector<SocketAddress> withoutOwnAddresses(const std::vector<SocketAddress>& upstreams,
                                               const std::vector<SocketAddress>& listen);

}  // namespace edgeway::dns
