#include "dns/src/server_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace edgeway::dns::server_detail {

socklen_t toSockaddr(const SocketAddress& address, sockaddr_storage& out) {
  std::memset(&out, 0, sizeof out);
  if (address.ip.isV4()) {
    auto* in = reinterpret_cast<sockaddr_in*>(&out);
    in->sin_family = AF_INET;
    in->sin_port = htons(address.port);
    in->sin_addr.s_addr = htonl(address.ip.v4Value());
    return sizeof(sockaddr_in);
  }
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&out);
  in6->sin6_family = AF_INET6;
  in6->sin6_port = htons(address.port);
  std::memcpy(in6->sin6_addr.s6_addr, address.ip.bytes().data(), 16);
  return sizeof(sockaddr_in6);
}

std::optional<SocketAddress> fromSockaddr(const sockaddr* address, socklen_t length) {
  if (address->sa_family == AF_INET && length >= sizeof(sockaddr_in)) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(address);
    return SocketAddress{IpAddress::v4(ntohl(in->sin_addr.s_addr)), ntohs(in->sin_port)};
  }
  if (address->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
    std::array<uint8_t, 16> bytes;
    std::memcpy(bytes.data(), in6->sin6_addr.s6_addr, 16);
    const uint16_t port = ntohs(in6->sin6_port);
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(bytes.data(), kMapped, 12) == 0) {
      return SocketAddress{IpAddress::v4((uint32_t{bytes[12]} << 24) | (uint32_t{bytes[13]} << 16) |
                                         (uint32_t{bytes[14]} << 8) | bytes[15]),
                           port};
    }
    return SocketAddress{IpAddress::v6(bytes), port};
  }
  return std::nullopt;
}

namespace {

Status listenError(const SocketAddress& address, int error) {
  return unavailable("dns: listen " + address.toString() + ": " + std::strerror(error));
}

}  // namespace

Result<int> openUdpSocket(const SocketAddress& address) {
  const int family = address.ip.isV4() ? AF_INET : AF_INET6;
  const int fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return listenError(address, errno);
  const int one = 1;
  bool ok = ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) == 0;
  if (ok && family == AF_INET6) ok = ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) == 0;
  if (ok && address.ip.isUnspecified()) {
    ok = family == AF_INET ? ::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) == 0
                           : ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one) == 0;
  }
  if (ok) {
    sockaddr_storage sa;
    const socklen_t length = toSockaddr(address, sa);
    ok = ::bind(fd, reinterpret_cast<const sockaddr*>(&sa), length) == 0;
  }
  if (!ok) {
    const int error = errno;
    ::close(fd);
    return listenError(address, error);
  }
  return fd;
}

Result<SocketAddress> boundAddress(int fd) {
  sockaddr_storage sa;
  socklen_t length = sizeof sa;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &length) != 0) {
    return internalError(std::string("dns: getsockname: ") + std::strerror(errno));
  }
  auto address = fromSockaddr(reinterpret_cast<const sockaddr*>(&sa), length);
  if (!address) return internalError("dns: getsockname: unexpected address family");
  return *address;
}

UdpSocket::~UdpSocket() { ::close(fd_); }

namespace {

// Writes one control message carrying `value` at `out` (which has room for it); its size.
template <typename T>
size_t putControlMessage(char* out, int level, int type, const T& value) {
  std::memset(out, 0, CMSG_SPACE(sizeof value));
  auto* cm = reinterpret_cast<cmsghdr*>(out);
  cm->cmsg_level = level;
  cm->cmsg_type = type;
  cm->cmsg_len = CMSG_LEN(sizeof value);
  std::memcpy(CMSG_DATA(cm), &value, sizeof value);
  return CMSG_SPACE(sizeof value);
}

}  // namespace

size_t replyControl(const msghdr& received, char* out, size_t outSize) {
  for (const cmsghdr* c = CMSG_FIRSTHDR(&received); c != nullptr;
       c = CMSG_NXTHDR(const_cast<msghdr*>(&received), const_cast<cmsghdr*>(c))) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
        outSize >= CMSG_SPACE(sizeof(in_pktinfo))) {
      in_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      in_pktinfo reply{};
      reply.ipi_spec_dst = info.ipi_addr;  // source address of the reply; route decides the interface
      return putControlMessage(out, IPPROTO_IP, IP_PKTINFO, reply);
    }
    if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
        outSize >= CMSG_SPACE(sizeof(in6_pktinfo))) {
      in6_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof info);  // address and interface (link-local needs it)
      return putControlMessage(out, IPPROTO_IPV6, IPV6_PKTINFO, info);
    }
  }
  return 0;
}

}  // namespace edgeway::dns::server_detail
