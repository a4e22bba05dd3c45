#include "netstack/conntrack_cleaner.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <string>
#include <utility>

#include "base/log.h"
#include "netstack/src/netlink_socket.h"

namespace edgeway::netstack {
namespace {

using detail::NetlinkMessage;
using detail::NetlinkSocket;

// CTA_FILTER flag bits (kernel ABI of net/netfilter/nf_conntrack_netlink.c, not in the
// uapi header of Debian 12's linux-libc-dev).
constexpr uint32_t kFilterIpSrc = 1u << 0;
constexpr uint32_t kFilterIpDst = 1u << 1;
constexpr uint32_t kFilterProtoNum = 1u << 3;
constexpr uint32_t kFilterProtoSrcPort = 1u << 4;
constexpr uint32_t kFilterProtoDstPort = 1u << 5;

int familyOf(IpFamily f) { return f == IpFamily::kIPv4 ? AF_INET : AF_INET6; }

nlmsghdr* putConntrackHeader(NetlinkMessage& m, uint8_t msgType, uint16_t flags, IpFamily family) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(m.header());
  nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | msgType;
  nlh->nlmsg_flags = flags;
  auto* nfg = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
  nfg->nfgen_family = static_cast<uint8_t>(familyOf(family));
  nfg->version = NFNETLINK_V0;
  nfg->res_id = 0;
  return nlh;
}

// Puts a tuple nest holding the given fields (UDP always); returns the filter flags.
uint32_t putTuple(nlmsghdr* nlh, uint16_t type, const std::optional<IpAddress>& src,
                  const std::optional<IpAddress>& dst, std::optional<uint16_t> srcPort,
                  std::optional<uint16_t> dstPort) {
  uint32_t flags = kFilterProtoNum;
  nlattr* tuple = mnl_attr_nest_start(nlh, type);
  if (src || dst) {
    nlattr* ip = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
    if (src) {
      mnl_attr_put(nlh, src->isV4() ? CTA_IP_V4_SRC : CTA_IP_V6_SRC, detail::addressLength(*src),
                   detail::addressBytes(*src));
      flags |= kFilterIpSrc;
    }
    if (dst) {
      mnl_attr_put(nlh, dst->isV4() ? CTA_IP_V4_DST : CTA_IP_V6_DST, detail::addressLength(*dst),
                   detail::addressBytes(*dst));
      flags |= kFilterIpDst;
    }
    mnl_attr_nest_end(nlh, ip);
  }
  nlattr* proto = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
  mnl_attr_put_u8(nlh, CTA_PROTO_NUM, IPPROTO_UDP);
  if (srcPort) {
    mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(*srcPort));
    flags |= kFilterProtoSrcPort;
  }
  if (dstPort) {
    mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(*dstPort));
    flags |= kFilterProtoDstPort;
  }
  mnl_attr_nest_end(nlh, proto);
  mnl_attr_nest_end(nlh, tuple);
  return flags;
}

struct Tuple {
  IpAddress src, dst;
  uint8_t proto = 0;
  uint16_t srcPort = 0, dstPort = 0;
};

Tuple parseTuple(const nlattr* tupleAttr) {
  Tuple t;
  detail::forEachNested(tupleAttr, [&](const nlattr* a) {
    switch (mnl_attr_get_type(a)) {
      case CTA_TUPLE_IP: {
        detail::forEachNested(a, [&](const nlattr* ip) {
          auto addr = detail::addressFromBytes(mnl_attr_get_payload(ip), mnl_attr_get_payload_len(ip));
          if (!addr) return;
          uint16_t type = mnl_attr_get_type(ip);
          if (type == CTA_IP_V4_SRC || type == CTA_IP_V6_SRC) t.src = *addr;
          if (type == CTA_IP_V4_DST || type == CTA_IP_V6_DST) t.dst = *addr;
        });
        break;
      }
      case CTA_TUPLE_PROTO: {
        detail::forEachNested(a, [&](const nlattr* p) {
          switch (mnl_attr_get_type(p)) {
            case CTA_PROTO_NUM:
              t.proto = mnl_attr_get_u8(p);
              break;
            case CTA_PROTO_SRC_PORT:
              t.srcPort = ntohs(mnl_attr_get_u16(p));
              break;
            case CTA_PROTO_DST_PORT:
              t.dstPort = ntohs(mnl_attr_get_u16(p));
              break;
            default:
              break;
          }
        });
        break;
      }
      default:
        break;
    }
  });
  return t;
}

Status conntrackError(const std::string& what, int negErrno) {
  std::string hint;
  if (negErrno == -EPERM) hint = " (needs CAP_NET_ADMIN)";
  if (negErrno == -EPROTONOSUPPORT || negErrno == -ENOENT) hint = " (is conntrack built into the kernel?)";
  return internalError(what + ": " + std::strerror(-negErrno) + hint);
}

}  // namespace

// A dumped entry: the parsed flow and the raw attributes needed to delete exactly it.
struct ConntrackCleaner::Entry {
  UdpFlow flow;
  std::vector<char> origTuple;   // payload of CTA_TUPLE_ORIG
  std::optional<uint32_t> id;    // CTA_ID, network order
  std::optional<uint16_t> zone;  // CTA_ZONE, network order
};

bool UdpFlowFilter::matches(const UdpFlow& f) const {
  return (!origDst || *origDst == f.origDst) && (!origDstPort || *origDstPort == f.origDstPort) &&
         (!replySrc || *replySrc == f.replySrc) && (!replySrcPort || *replySrcPort == f.replySrcPort);
}

Result<std::unique_ptr<ConntrackCleaner>> ConntrackCleaner::create() {
  auto nl = NetlinkSocket::open(NETLINK_NETFILTER);
  if (!nl) return nl.status();
  return std::unique_ptr<ConntrackCleaner>(new ConntrackCleaner(std::move(*nl)));
}

ConntrackCleaner::ConntrackCleaner(std::unique_ptr<detail::NetlinkSocket> nl) : nl_(std::move(nl)) {}
ConntrackCleaner::~ConntrackCleaner() = default;

Result<std::vector<ConntrackCleaner::Entry>> ConntrackCleaner::dump(IpFamily family, const UdpFlowFilter& filter,
                                                                    const std::function<bool(const UdpFlow&)>& keep) {
  for (auto check : {filter.origDst, filter.replySrc}) {
    if (check && check->family() != family)
      return invalidArgument("conntrack filter address of the wrong family");
  }
  std::vector<Entry> entries;
  auto onMessage = [&](const nlmsghdr* nlh) {
    std::vector<const nlattr*> tb(CTA_MAX + 1, nullptr);
    detail::forEachAttribute(nlh, sizeof(nfgenmsg), [&](const nlattr* a) {
      uint16_t type = mnl_attr_get_type(a);
      if (type <= CTA_MAX) tb[type] = a;
    });
    if (!tb[CTA_TUPLE_ORIG] || !tb[CTA_TUPLE_REPLY]) return;
    Tuple orig = parseTuple(tb[CTA_TUPLE_ORIG]);
    Tuple reply = parseTuple(tb[CTA_TUPLE_REPLY]);
    if (orig.proto != IPPROTO_UDP || orig.src.family() != family) return;
    Entry e;
    e.flow = {orig.src,  orig.dst,  orig.srcPort,  orig.dstPort,
              reply.src, reply.dst, reply.srcPort, reply.dstPort};
    if (!filter.matches(e.flow) || !keep(e.flow)) return;
    const auto* p = static_cast<const char*>(mnl_attr_get_payload(tb[CTA_TUPLE_ORIG]));
    e.origTuple.assign(p, p + mnl_attr_get_payload_len(tb[CTA_TUPLE_ORIG]));
    if (tb[CTA_ID]) e.id = mnl_attr_get_u32(tb[CTA_ID]);
    if (tb[CTA_ZONE]) e.zone = mnl_attr_get_u16(tb[CTA_ZONE]);
    entries.push_back(std::move(e));
  };

  if (kernelFilter_) {
    NetlinkMessage m;
    nlmsghdr* nlh = putConntrackHeader(m, IPCTNL_MSG_CT_GET, NLM_F_REQUEST | NLM_F_DUMP, family);
    // IPv6 addresses stay out of the kernel filter: ctnetlink_filter_match_tuple tests
    // them with `!ipv6_addr_cmp(...)`, i.e. inverted (seen on 6.18: a filter on an entry's
    // own IPv6 address returns nothing). Ports and protocol are filtered there, the
    // addresses here.
    const bool v6 = family == IpFamily::kIPv6;
    auto origDst = v6 ? std::nullopt : filter.origDst;
    auto replySrc = v6 ? std::nullopt : filter.replySrc;
    uint32_t origFlags =
        putTuple(nlh, CTA_TUPLE_ORIG, std::nullopt, origDst, std::nullopt, filter.origDstPort);
    uint32_t replyFlags = 0;
    if (replySrc || filter.replySrcPort)
      replyFlags = putTuple(nlh, CTA_TUPLE_REPLY, replySrc, std::nullopt, filter.replySrcPort, std::nullopt);
    nlattr* f = mnl_attr_nest_start(nlh, CTA_FILTER);
    mnl_attr_put_u32(nlh, CTA_FILTER_ORIG_FLAGS, origFlags);
    if (replyFlags) mnl_attr_put_u32(nlh, CTA_FILTER_REPLY_FLAGS, replyFlags);
    mnl_attr_nest_end(nlh, f);
    int err = nl_->request(nlh, onMessage);
    if (err == 0) return entries;
    if (err != -EOPNOTSUPP && err != -EINVAL) return conntrackError("cannot list conntrack entries", err);
    log::info("conntrack: the kernel refuses filtered dumps (", std::strerror(-err),
              "); filtering here instead");
    kernelFilter_ = false;
    entries.clear();
  }
  NetlinkMessage m;
  nlmsghdr* nlh = putConntrackHeader(m, IPCTNL_MSG_CT_GET, NLM_F_REQUEST | NLM_F_DUMP, family);
  int err = nl_->request(nlh, onMessage);
  if (err) return conntrackError("cannot list conntrack entries", err);
  return entries;
}

Result<std::vector<UdpFlow>> ConntrackCleaner::listUdp(IpFamily family, const UdpFlowFilter& filter) {
  auto entries = dump(family, filter, [](const UdpFlow&) { return true; });
  if (!entries) return entries.status();
  std::vector<UdpFlow> out;
  for (auto& e : *entries) out.push_back(e.flow);
  return out;
}

Result<size_t> ConntrackCleaner::deleteUdp(IpFamily family, const UdpFlowFilter& filter) {
  auto entries = dump(family, filter, [](const UdpFlow&) { return true; });
  if (!entries) return entries.status();
  return deleteEntries(family, *entries);
}

Result<size_t> ConntrackCleaner::deleteUdpMatchingAny(IpFamily family, const std::vector<UdpFlowFilter>& filters) {
  std::map<std::pair<IpAddress, uint16_t>, std::vector<const UdpFlowFilter*>> byDestination;
  for (const auto& f : filters) {
    if (!f.origDst || !f.origDstPort || f.origDst->family() != family)
      return invalidArgument("conntrack: each filter needs a destination address and port of the family");
    if (f.replySrc && f.replySrc->family() != family) return invalidArgument("conntrack filter address of the wrong family");
    byDestination[{*f.origDst, *f.origDstPort}].push_back(&f);
  }
  if (byDestination.empty()) return size_t{0};
  auto entries = dump(family, UdpFlowFilter{}, [&](const UdpFlow& flow) {
    auto it = byDestination.find({flow.origDst, flow.origDstPort});
    if (it == byDestination.end()) return false;
    for (const UdpFlowFilter* f : it->second)
      if (f->matches(flow)) return true;
    return false;
  });
  if (!entries) return entries.status();
  return deleteEntries(family, *entries);
}

Result<size_t> ConntrackCleaner::deleteEntries(IpFamily family, const std::vector<Entry>& entries) {
  size_t deleted = 0;
  for (const auto& e : entries) {
    NetlinkMessage m;
    nlmsghdr* nlh = putConntrackHeader(m, IPCTNL_MSG_CT_DELETE, NLM_F_REQUEST | NLM_F_ACK, family);
    mnl_attr_put(nlh, CTA_TUPLE_ORIG | NLA_F_NESTED, e.origTuple.size(), e.origTuple.data());
    if (e.zone) mnl_attr_put_u16(nlh, CTA_ZONE, *e.zone);
    if (e.id) mnl_attr_put_u32(nlh, CTA_ID, *e.id);
    int err = nl_->request(nlh);
    if (err == -ENOENT) continue;  // expired or deleted meanwhile
    if (err) return conntrackError("cannot delete conntrack entry", err);
    ++deleted;
  }
  if (deleted) log::debug("conntrack: deleted ", deleted, " UDP entries");
  return deleted;
}

Result<size_t> ConntrackCleaner::deleteUdpToEndpoint(const IpAddress& endpoint, uint16_t endpointPort) {
  UdpFlowFilter f;
  f.replySrc = endpoint;
  f.replySrcPort = endpointPort;
  return deleteUdp(endpoint.family(), f);
}

Result<size_t> ConntrackCleaner::deleteUdpForServiceIp(const IpAddress& serviceIp, uint16_t servicePort) {
  UdpFlowFilter f;
  f.origDst = serviceIp;
  f.origDstPort = servicePort;
  return deleteUdp(serviceIp.family(), f);
}

Result<size_t> ConntrackCleaner::deleteUdpForServiceEndpoint(const IpAddress& serviceIp, uint16_t servicePort,
                                                             const IpAddress& endpoint,
                                                             uint16_t endpointPort) {
  if (serviceIp.family() != endpoint.family())
    return invalidArgument("service and endpoint of different families");
  UdpFlowFilter f;
  f.origDst = serviceIp;
  f.origDstPort = servicePort;
  f.replySrc = endpoint;
  f.replySrcPort = endpointPort;
  return deleteUdp(serviceIp.family(), f);
}

Result<size_t> ConntrackCleaner::deleteUdpForNodePort(IpFamily family, uint16_t nodePort) {
  UdpFlowFilter f;
  f.origDstPort = nodePort;
  return deleteUdp(family, f);
}

}  // namespace edgeway::netstack
