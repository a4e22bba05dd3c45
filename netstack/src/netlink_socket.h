#pragma once
// NetlinkSocket: a blocking libmnl socket for request/reply netlink conversations
// (rtnetlink, ctnetlink). One request at a time: send a message, read every reply up to the
// ack or the end of the dump. The socket lives in the network namespace of the thread that
// opened it, whatever thread uses it later.

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "base/ip.h"
#include "base/status.h"

struct mnl_socket;
struct nlmsghdr;
struct nlattr;

namespace edgeway::netstack::detail {

class NetlinkSocket {
 public:
  // bus: NETLINK_ROUTE, NETLINK_NETFILTER, ...
  static Result<std::unique_ptr<NetlinkSocket>> open(int bus);
  ~NetlinkSocket();
  NetlinkSocket(const NetlinkSocket&) = delete;
  NetlinkSocket& operator=(const NetlinkSocket&) = delete;

  // Called for every data message of a reply (not for acks, errors or NLMSG_DONE).
  using OnMessage = std::function<void(const nlmsghdr*)>;

  // Sends `msg` (its seq and pid are filled in here; set NLM_F_ACK or NLM_F_DUMP as wanted)
  // and reads replies until the kernel acks it, ends the dump or reports an error.
  // Returns 0 or the negative errno the kernel (or the socket) reported.
  int request(nlmsghdr* msg, const OnMessage& onMessage = nullptr);

 private:
  explicit NetlinkSocket(mnl_socket* nl);
  mnl_socket* nl_;
  uint32_t portId_;
  uint32_t seq_;
  std::vector<char> buf_;
};

// A buffer for building one request; sized for any single rtnetlink/ctnetlink request.
class NetlinkMessage {
 public:
  NetlinkMessage();
  nlmsghdr* header() { return reinterpret_cast<nlmsghdr*>(buf_.data()); }

 private:
  std::vector<char> buf_;
};

// Calls f(const nlattr*) for each attribute after a fixed header of `headerLen` bytes
// (libmnl's mnl_attr_for_each macros do not compile as C++).
void forEachAttribute(const nlmsghdr* nlh, size_t headerLen, const std::function<void(const nlattr*)>& f);
// Calls f(const nlattr*) for each attribute nested in `nest`.
void forEachNested(const nlattr* nest, const std::function<void(const nlattr*)>& f);

// An address as the kernel carries it in netlink attributes: 4 or 16 network-order bytes.
inline const uint8_t* addressBytes(const IpAddress& ip) { return ip.bytes().data() + (ip.isV4() ? 12 : 0); }
inline size_t addressLength(const IpAddress& ip) { return ip.isV4() ? 4 : 16; }
// The address in `len` bytes at `p` (4: IPv4, 16: IPv6); nullopt for any other length.
std::optional<IpAddress> addressFromBytes(const void* p, size_t len);

}  // namespace edgeway::netstack::detail
