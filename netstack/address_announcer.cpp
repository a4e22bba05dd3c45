#include "netstack/address_announcer.h"

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "base/log.h"
#include "netstack/src/netlink_socket.h"

namespace edgeway::netstack {
namespace {

using detail::NetlinkMessage;
using detail::NetlinkSocket;

constexpr uint32_t kInfiniteLifetime = 0xFFFFFFFFu;

std::string errnoText(int negErrno) { return std::strerror(-negErrno); }

Status netlinkError(const std::string& what, int negErrno) {
  std::string hint;
  if (negErrno == -EPERM) hint = " (needs CAP_NET_ADMIN)";
  return internalError(what + ": " + errnoText(negErrno) + hint);
}

// Every attribute of `nlh` after a fixed header of `headerLen` bytes, indexed by type.
std::vector<const nlattr*> attributes(const nlmsghdr* nlh, size_t headerLen, uint16_t maxType) {
  std::vector<const nlattr*> tb(maxType + 1u, nullptr);
  detail::forEachAttribute(nlh, headerLen, [&](const nlattr* attr) {
    uint16_t type = mnl_attr_get_type(attr);
    if (type <= maxType) tb[type] = attr;
  });
  return tb;
}

struct Link {
  int index = 0;
  std::string name;
  std::string kind;  // IFLA_INFO_KIND; empty for devices without one (physical, lo)
  unsigned flags = 0;
};

Link parseLink(const nlmsghdr* nlh) {
  const auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
  Link link;
  link.index = ifi->ifi_index;
  link.flags = ifi->ifi_flags;
  auto tb = attributes(nlh, sizeof(ifinfomsg), IFLA_MAX);
  if (tb[IFLA_IFNAME]) link.name = mnl_attr_get_str(tb[IFLA_IFNAME]);
  if (tb[IFLA_LINKINFO]) {
    detail::forEachNested(tb[IFLA_LINKINFO], [&](const nlattr* nested) {
      if (mnl_attr_get_type(nested) == IFLA_INFO_KIND) link.kind = mnl_attr_get_str(nested);
    });
  }
  return link;
}

// Starts an rtnetlink link request of `type` with `flags` in `m`: the header and an
// ifinfomsg for `index` (0: by name or all), which the caller may amend.
ifinfomsg* startLinkRequest(NetlinkMessage& m, uint16_t type, uint16_t flags, int index, nlmsghdr** nlh) {
  *nlh = mnl_nlmsg_put_header(m.header());
  (*nlh)->nlmsg_type = type;
  (*nlh)->nlmsg_flags = flags;
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(*nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  return ifi;
}

// The link called `name`, nullopt when there is none.
Result<std::optional<Link>> findLink(NetlinkSocket& nl, const std::string& name) {
  NetlinkMessage m;
  nlmsghdr* nlh = nullptr;
  startLinkRequest(m, RTM_GETLINK, NLM_F_REQUEST, 0, &nlh);
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
  std::optional<Link> found;
  int err = nl.request(nlh, [&](const nlmsghdr* reply) {
    if (reply->nlmsg_type == RTM_NEWLINK) found = parseLink(reply);
  });
  if (err == -ENODEV) return std::optional<Link>();
  if (err) return netlinkError("cannot look up interface " + name, err);
  return found;
}

Result<std::map<int, Link>> dumpLinks(NetlinkSocket& nl) {
  NetlinkMessage m;
  nlmsghdr* nlh = nullptr;
  startLinkRequest(m, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 0, &nlh);
  std::map<int, Link> links;
  int err = nl.request(nlh, [&](const nlmsghdr* reply) {
    if (reply->nlmsg_type != RTM_NEWLINK) return;
    Link l = parseLink(reply);
    links[l.index] = l;
  });
  if (err) return netlinkError("cannot list interfaces", err);
  return links;
}

int createLink(NetlinkSocket& nl, const std::string& name, const std::string& kind) {
  NetlinkMessage m;
  nlmsghdr* nlh = nullptr;
  ifinfomsg* ifi = startLinkRequest(m, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL, 0, &nlh);
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
  nlattr* info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
  mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind.c_str());
  mnl_attr_nest_end(nlh, info);
  return nl.request(nlh);
}

int setLinkUp(NetlinkSocket& nl, int index) {
  NetlinkMessage m;
  nlmsghdr* nlh = nullptr;
  ifinfomsg* ifi = startLinkRequest(m, RTM_NEWLINK, NLM_F_REQUEST, index, &nlh);
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  return nl.request(nlh);
}

int deleteLink(NetlinkSocket& nl, int index) {
  NetlinkMessage m;
  nlmsghdr* nlh = nullptr;
  startLinkRequest(m, RTM_DELLINK, NLM_F_REQUEST, index, &nlh);
  return nl.request(nlh);
}

struct InterfaceAddress {
  int index = 0;
  IpAddress address;
  int prefixLength = 0;
  uint8_t scope = 0;
};

Result<std::vector<InterfaceAddress>> dumpAddresses(NetlinkSocket& nl) {
  NetlinkMessage m;
  nlmsghdr* nlh = mnl_nlmsg_put_header(m.header());
  nlh->nlmsg_type = RTM_GETADDR;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = AF_UNSPEC;
  std::vector<InterfaceAddress> out;
  int err = nl.request(nlh, [&](const nlmsghdr* reply) {
    if (reply->nlmsg_type != RTM_NEWADDR) return;
    const auto* msg = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(reply));
    auto tb = attributes(reply, sizeof(ifaddrmsg), IFA_MAX);
    // IFA_LOCAL is the interface's own IPv4 address (IFA_ADDRESS is the peer on
    // point-to-point links); IPv6 only has IFA_ADDRESS unless it is point-to-point.
    const nlattr* a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
    if (!a) return;
    auto ip = detail::addressFromBytes(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a));
    if (!ip) return;
    out.push_back({static_cast<int>(msg->ifa_index), *ip, msg->ifa_prefixlen, msg->ifa_scope});
  });
  if (err) return netlinkError("cannot list interface addresses", err);
  return out;
}

int changeAddress(NetlinkSocket& nl, uint16_t type, int index, const IpAddress& ip) {
  NetlinkMessage m;
  nlmsghdr* nlh = mnl_nlmsg_put_header(m.header());
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST | (type == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_EXCL : 0);
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = ip.isV4() ? AF_INET : AF_INET6;
  ifa->ifa_prefixlen = static_cast<uint8_t>(ip.bitLength());
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = static_cast<uint32_t>(index);
  if (ip.isV4()) mnl_attr_put(nlh, IFA_LOCAL, 4, detail::addressBytes(ip));
  mnl_attr_put(nlh, IFA_ADDRESS, detail::addressLength(ip), detail::addressBytes(ip));
  if (ip.isV6() && type == RTM_NEWADDR) {
    // No DAD (nothing on this link to collide with), no /128 prefix route in the main
    // table, and deprecated so that source address selection avoids it.
    mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD | IFA_F_NOPREFIXROUTE);
    ifa_cacheinfo ci{};
    ci.ifa_prefered = 0;
    ci.ifa_valid = kInfiniteLifetime;
    mnl_attr_put(nlh, IFA_CACHEINFO, sizeof ci, &ci);
  }
  return nl.request(nlh);
}

struct ProxyEntry {
  int index = 0;
  IpAddress address;
  friend bool operator<(const ProxyEntry& a, const ProxyEntry& b) {
    return a.index != b.index ? a.index < b.index : a.address < b.address;
  }
};

Result<std::set<ProxyEntry>> dumpProxyEntries(NetlinkSocket& nl) {
  NetlinkMessage m;
  nlmsghdr* nlh = mnl_nlmsg_put_header(m.header());
  nlh->nlmsg_type = RTM_GETNEIGH;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  auto* ndm = static_cast<ndmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ndmsg)));
  ndm->ndm_family = AF_INET6;
  ndm->ndm_flags = NTF_PROXY;  // the kernel then dumps the proxy table
  std::set<ProxyEntry> out;
  int err = nl.request(nlh, [&](const nlmsghdr* reply) {
    if (reply->nlmsg_type != RTM_NEWNEIGH) return;
    const auto* msg = static_cast<const ndmsg*>(mnl_nlmsg_get_payload(reply));
    if (!(msg->ndm_flags & NTF_PROXY)) return;
    auto tb = attributes(reply, sizeof(ndmsg), NDA_MAX);
    if (!tb[NDA_DST]) return;
    auto ip =
        detail::addressFromBytes(mnl_attr_get_payload(tb[NDA_DST]), mnl_attr_get_payload_len(tb[NDA_DST]));
    if (ip && ip->isV6()) out.insert({msg->ndm_ifindex, *ip});
  });
  if (err) return netlinkError("cannot list proxy-NDP entries", err);
  return out;
}

int changeProxyEntry(NetlinkSocket& nl, uint16_t type, const ProxyEntry& e) {
  NetlinkMessage m;
  nlmsghdr* nlh = mnl_nlmsg_put_header(m.header());
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST | (type == RTM_NEWNEIGH ? NLM_F_CREATE | NLM_F_EXCL : 0);
  auto* ndm = static_cast<ndmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ndmsg)));
  ndm->ndm_family = AF_INET6;
  ndm->ndm_ifindex = e.index;
  ndm->ndm_flags = NTF_PROXY;
  ndm->ndm_state = NUD_PERMANENT;
  mnl_attr_put(nlh, NDA_DST, 16, detail::addressBytes(e.address));
  return nl.request(nlh);
}

std::optional<int> readSysctl(const std::string& path) {
  std::ifstream in("/proc/sys/" + path);
  int v;
  if (in >> v) return v;
  return std::nullopt;
}

bool writeSysctl(const std::string& path, int value) {
  std::ofstream out("/proc/sys/" + path);
  out << value << '\n';
  out.flush();
  return static_cast<bool>(out);
}

bool announceable(const IpAddress& ip) {
  return !ip.isUnspecified() && !ip.isLoopback() && !ip.isLinkLocalUnicast() &&
         !(ip.isV4() ? (ip.bytes()[12] & 0xf0) == 0xe0 : ip.bytes()[0] == 0xff);
}

// Interfaces other than `own` holding a global address whose prefix contains `ip`.
std::set<int> uplinksFor(const IpAddress& ip, const std::vector<InterfaceAddress>& addrs, int own) {
  std::set<int> out;
  for (const auto& a : addrs) {
    if (a.index == own || a.scope != RT_SCOPE_UNIVERSE || a.address.family() != ip.family()) continue;
    if (a.prefixLength >= a.address.bitLength()) continue;
    if (Cidr(a.address, a.prefixLength).contains(ip)) out.insert(a.index);
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<LoadBalancerAnnouncer>> LoadBalancerAnnouncer::create(AnnouncerOptions options) {
  if (options.interfaceName.empty() || options.interfaceName.size() >= IFNAMSIZ)
    return invalidArgument("announcer interface name must be 1-15 characters: '" + options.interfaceName +
                           "'");
  auto nl = NetlinkSocket::open(NETLINK_ROUTE);
  if (!nl) return nl.status();
  return std::unique_ptr<LoadBalancerAnnouncer>(
      new LoadBalancerAnnouncer(std::move(options), std::move(*nl)));
}

LoadBalancerAnnouncer::LoadBalancerAnnouncer(AnnouncerOptions options,
                                             std::unique_ptr<detail::NetlinkSocket> nl)
    : options_(std::move(options)), nl_(std::move(nl)) {}

LoadBalancerAnnouncer::~LoadBalancerAnnouncer() = default;

Result<int> LoadBalancerAnnouncer::ensureInterface() {
  const std::string& name = options_.interfaceName;
  auto existing = findLink(*nl_, name);
  if (!existing) return existing.status();
  if (*existing) {
    const Link& link = **existing;
    if (link.kind != "dummy" && link.kind != "ifb")
      return alreadyExists("interface " + name + " exists and is a " +
                           (link.kind.empty() ? std::string("device") : link.kind) +
                           " device, not an edgeway dummy/ifb interface; rename or delete it");
    kind_ = link.kind;
    if (!(link.flags & IFF_UP)) {
      if (int err = setLinkUp(*nl_, link.index)) return netlinkError("cannot bring up " + name, err);
    }
    return link.index;
  }
  // A kernel without CONFIG_DUMMY answers EOPNOTSUPP ("Unknown device type").
  std::string kind = "dummy";
  int err = createLink(*nl_, name, kind);
  if (err == -EOPNOTSUPP) {
    kind = "ifb";
    err = createLink(*nl_, name, kind);
  }
  if (err && err != -EEXIST) return netlinkError("cannot create interface " + name, err);
  auto created = findLink(*nl_, name);
  if (!created) return created.status();
  if (!*created) return internalError("interface " + name + " vanished right after it was created");
  kind_ = (*created)->kind;
  log::info("announcer: created interface ", name, " (", kind_, ")");
  return (*created)->index;
}

Status LoadBalancerAnnouncer::sync(const std::vector<IpAddress>& wantedList) {
  std::vector<std::string> warnings;
  std::set<IpAddress> wanted;
  for (const auto& ip : wantedList) {
    if (announceable(ip)) {
      wanted.insert(ip);
    } else {
      warnings.push_back("not announcing " + ip.toString() +
                         ": loopback, unspecified, link-local and multicast addresses cannot be announced");
    }
  }

  auto own = ensureInterface();
  if (!own) return own.status();
  const int ownIndex = *own;
  const std::string& ownName = options_.interfaceName;

  auto addrs = dumpAddresses(*nl_);
  if (!addrs) return addrs.status();
  auto links = dumpLinks(*nl_);
  if (!links) return links.status();
  auto proxies = dumpProxyEntries(*nl_);
  if (!proxies) return proxies.status();
  auto linkName = [&](int index) {
    auto it = links->find(index);
    return it != links->end() ? it->second.name : "if" + std::to_string(index);
  };

  std::set<IpAddress> owned;
  for (const auto& a : *addrs) {
    // The kernel's own fe80:: address on the interface is not ours to manage.
    if (a.index == ownIndex && !a.address.isLinkLocalUnicast()) owned.insert(a.address);
  }

  // Stale: proxy entries first, then the address, so that a crash in between never leaves
  // a proxy entry whose address is no longer ours (and would never be cleaned).
  for (const auto& ip : owned) {
    if (wanted.count(ip)) continue;
    for (const auto& e : *proxies) {
      if (e.address != ip) continue;
      int err = changeProxyEntry(*nl_, RTM_DELNEIGH, e);
      if (err && err != -ENOENT)
        return netlinkError("cannot remove proxy-NDP entry " + ip.toString() + " on " + linkName(e.index),
                            err);
    }
    int err = changeAddress(*nl_, RTM_DELADDR, ownIndex, ip);
    if (err && err != -EADDRNOTAVAIL)
      return netlinkError("cannot remove " + ip.toString() + " from " + ownName, err);
    log::info("announcer: withdrew ", ip.toString());
  }

  for (const auto& ip : wanted) {
    if (!owned.count(ip)) {
      int err = changeAddress(*nl_, RTM_NEWADDR, ownIndex, ip);
      if (err && err != -EEXIST) return netlinkError("cannot add " + ip.toString() + " to " + ownName, err);
      log::info("announcer: announcing ", ip.toString(), " on ", ownName);
    }
    std::set<int> uplinks = uplinksFor(ip, *addrs, ownIndex);
    if (uplinks.empty()) {
      warnings.push_back(ip.toString() +
                         " is in no prefix of this node's interfaces: neighbours reach it only " +
                         "through a route to this node");
    }
    if (ip.isV4()) {
      auto all = readSysctl("net/ipv4/conf/all/arp_ignore").value_or(0);
      for (int index : uplinks) {
        const std::string dev = linkName(index);
        int effective = std::max(all, readSysctl("net/ipv4/conf/" + dev + "/arp_ignore").value_or(0));
        if (effective != 0) {
          warnings.push_back("arp_ignore is " + std::to_string(effective) + " on " + dev +
                             ": the kernel does not " + "answer ARP there for " + ip.toString() +
                             " (held by " + ownName + "); set net.ipv4.conf.{all," + dev + "}.arp_ignore=0");
        }
      }
      continue;
    }
    // IPv6: proxy-NDP entries on exactly the current uplinks.
    for (const auto& e : *proxies) {
      if (e.address != ip || uplinks.count(e.index)) continue;
      int err = changeProxyEntry(*nl_, RTM_DELNEIGH, e);
      if (err && err != -ENOENT)
        return netlinkError("cannot remove proxy-NDP entry " + ip.toString() + " on " + linkName(e.index),
                            err);
    }
    for (int index : uplinks) {
      const std::string dev = linkName(index);
      const std::string conf = "net/ipv6/conf/" + dev + "/";
      if (readSysctl(conf + "proxy_ndp").value_or(0) == 0 && !writeSysctl(conf + "proxy_ndp", 1))
        return internalError("cannot set net.ipv6.conf." + dev + ".proxy_ndp=1");
      if (readSysctl(conf + "forwarding").value_or(0) == 0) {
        if (options_.enableIpv6Forwarding) {
          if (!writeSysctl(conf + "forwarding", 1))
            return internalError("cannot set net.ipv6.conf." + dev + ".forwarding=1");
        } else {
          warnings.push_back(
              "net.ipv6.conf." + dev + ".forwarding is 0: the kernel answers proxy NDP only on " +
              "forwarding interfaces, so neighbours on " + dev + " cannot resolve " + ip.toString());
        }
      }
      if (proxies->count({index, ip})) continue;
      int err = changeProxyEntry(*nl_, RTM_NEWNEIGH, {index, ip});
      if (err && err != -EEXIST)
        return netlinkError("cannot add proxy-NDP entry " + ip.toString() + " on " + dev, err);
    }
  }
  setWarnings(std::move(warnings));
  return Status::ok();
}

Status LoadBalancerAnnouncer::removeAll() {
  auto link = findLink(*nl_, options_.interfaceName);
  if (!link) return link.status();
  if (!*link) return Status::ok();
  if ((*link)->kind != "dummy" && (*link)->kind != "ifb") return Status::ok();  // not ours
  const int ownIndex = (*link)->index;
  auto addrs = dumpAddresses(*nl_);
  if (!addrs) return addrs.status();
  auto proxies = dumpProxyEntries(*nl_);
  if (!proxies) return proxies.status();
  std::set<IpAddress> owned;
  for (const auto& a : *addrs)
    if (a.index == ownIndex) owned.insert(a.address);
  for (const auto& e : *proxies) {
    if (!owned.count(e.address)) continue;
    int err = changeProxyEntry(*nl_, RTM_DELNEIGH, e);
    if (err && err != -ENOENT)
      return netlinkError("cannot remove proxy-NDP entry " + e.address.toString(), err);
  }
  int err = deleteLink(*nl_, ownIndex);
  if (err && err != -ENODEV) return netlinkError("cannot delete interface " + options_.interfaceName, err);
  log::info("announcer: deleted interface ", options_.interfaceName);
  kind_.clear();
  setWarnings({});
  return Status::ok();
}

void LoadBalancerAnnouncer::setWarnings(std::vector<std::string> warnings) {
  for (const auto& w : warnings) {
    if (std::find(warnings_.begin(), warnings_.end(), w) == warnings_.end()) log::warn("announcer: ", w);
  }
  warnings_ = std::move(warnings);
}

}  // namespace edgeway::netstack
