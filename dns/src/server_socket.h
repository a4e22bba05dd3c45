#pragma once
// Plain BSD-socket helpers for the DNS server's UDP fast path (which bypasses Asio to use
// SO_REUSEPORT sockets per worker thread and recvmmsg/sendmmsg batches).

#include <sys/socket.h>

#include <optional>

#include "base/status.h"
#include "dns/resolv_conf.h"

namespace edgeway::dns::server_detail {

socklen_t toSockaddr(const SocketAddress& address, sockaddr_storage& out);
// IPv4-mapped IPv6 addresses come back as IPv4.
std::optional<SocketAddress> fromSockaddr(const sockaddr* address, socklen_t length);

// A non-blocking UDP socket bound to `address`, with SO_REUSEPORT so that every worker
// thread can bind its own socket to the same address and port; IPv6 sockets are
// V6ONLY so that [::] and 0.0.0.0 can be bound side by side. A wildcard address also
// asks for the destination address of each datagram (IP_PKTINFO / IPV6_RECVPKTINFO), so
// the reply leaves from the address the client wrote to. Errors read
// "dns: listen ADDRESS: reason".
Result<int> openUdpSocket(const SocketAddress& address);

// The address a socket is bound to (the port chosen for port 0).
Result<SocketAddress> boundAddress(int fd);

// A UDP socket shared by a worker and the forwarded queries it is waiting on: closed only
// when the last of them lets go, so a late reply never writes to a reused descriptor.
class UdpSocket {
 public:
  UdpSocket(int fd, const SocketAddress& bound) : fd_(fd), bound_(bound) {}
  ~UdpSocket();
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  int fd() const { return fd_; }
  const SocketAddress& bound() const { return bound_; }
  bool wantsPacketInfo() const { return bound_.ip.isUnspecified(); }

 private:
  int fd_;
  SocketAddress bound_;
};

// Room for one IP_PKTINFO or IPV6_PKTINFO control message.
constexpr size_t kControlSize = 64;

// From the control messages of a received datagram, the control message that makes the
// reply leave from the address it was sent to. Returns its length (0: none needed).
size_t replyControl(const msghdr& received, char* out, size_t outSize);

}  // namespace edgeway::dns::server_detail
