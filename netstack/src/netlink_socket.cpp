#include "netstack/src/netlink_socket.h"

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <string>

namespace edgeway::netstack::detail {
namespace {
constexpr size_t kReceiveBufferSize = 32768;  // libmnl's MNL_SOCKET_DUMP_SIZE
constexpr size_t kRequestBufferSize = 8192;   // MNL_SOCKET_BUFFER_SIZE on 4 KiB pages

int dataCallback(const nlmsghdr* nlh, void* data) {
  const auto* onMessage = static_cast<const NetlinkSocket::OnMessage*>(data);
  if (*onMessage) (*onMessage)(nlh);
  return MNL_CB_OK;
}
}  // namespace

Result<std::unique_ptr<NetlinkSocket>> NetlinkSocket::open(int bus) {
  mnl_socket* nl = mnl_socket_open2(bus, SOCK_CLOEXEC);
  if (!nl) return internalError(std::string("cannot open a netlink socket: ") + std::strerror(errno));
  if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
    int err = errno;
    mnl_socket_close(nl);
    return internalError(std::string("cannot bind a netlink socket: ") + std::strerror(err));
  }
  // Ask for extended acks so errors carry the kernel's message where it has one; harmless
  // when unsupported.
  int on = 1;
  mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &on, sizeof on);
  return std::unique_ptr<NetlinkSocket>(new NetlinkSocket(nl));
}

NetlinkSocket::NetlinkSocket(mnl_socket* nl)
    : nl_(nl),
      portId_(mnl_socket_get_portid(nl)),
      seq_(static_cast<uint32_t>(time(nullptr))),
      buf_(kReceiveBufferSize) {}

NetlinkSocket::~NetlinkSocket() { mnl_socket_close(nl_); }

int NetlinkSocket::request(nlmsghdr* msg, const OnMessage& onMessage) {
  msg->nlmsg_seq = ++seq_;
  msg->nlmsg_pid = 0;
  // Without an ack a plain request would leave us waiting after its single reply.
  if ((msg->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP) msg->nlmsg_flags |= NLM_F_ACK;
  if (mnl_socket_sendto(nl_, msg, msg->nlmsg_len) < 0) return -errno;
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(nl_, buf_.data(), buf_.size());
    if (n < 0) return -errno;
    int ret = mnl_cb_run(buf_.data(), static_cast<size_t>(n), msg->nlmsg_seq, portId_, dataCallback,
                         const_cast<OnMessage*>(&onMessage));
    if (ret == MNL_CB_ERROR) return -errno;
    if (ret == MNL_CB_STOP) return 0;
  }
}

std::optional<IpAddress> addressFromBytes(const void* p, size_t len) {
  const auto* b = static_cast<const uint8_t*>(p);
  if (len == 4)
    return IpAddress::v4((uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3]);
  if (len == 16) {
    std::array<uint8_t, 16> bytes;
    std::memcpy(bytes.data(), b, 16);
    return IpAddress::v6(bytes);
  }
  return std::nullopt;
}

void forEachAttribute(const nlmsghdr* nlh, size_t headerLen, const std::function<void(const nlattr*)>& f) {
  const char* end = static_cast<const char*>(mnl_nlmsg_get_payload_tail(nlh));
  const auto* a = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(nlh, headerLen));
  while (mnl_attr_ok(a, static_cast<int>(end - reinterpret_cast<const char*>(a)))) {
    f(a);
    a = mnl_attr_next(a);
  }
}

void forEachNested(const nlattr* nest, const std::function<void(const nlattr*)>& f) {
  const char* end = reinterpret_cast<const char*>(nest) + mnl_attr_get_len(nest);
  const auto* a = static_cast<const nlattr*>(mnl_attr_get_payload(nest));
  while (mnl_attr_ok(a, static_cast<int>(end - reinterpret_cast<const char*>(a)))) {
    f(a);
    a = mnl_attr_next(a);
  }
}

NetlinkMessage::NetlinkMessage() : buf_(kRequestBufferSize) {}

}  // namespace edgeway::netstack::detail
