#include "apiserver/controllers/lb_pool.h"

namespace edgeway::apiserver::controllers {
namespace {

// The highest address of a block: its network with every host bit set.
IpAddress lastOf(const Cidr& cidr) {
  const IpAddress& net = cidr.network();
  if (net.isV4()) {
    uint32_t hostMask = cidr.hostBits() == 32 ? 0xffffffffu : ((uint32_t{1} << cidr.hostBits()) - 1);
    return IpAddress::v4(net.v4Value() | hostMask);
  }
  std::array<uint8_t, 16> bytes = net.bytes();
  for (int bit = cidr.prefixLength(); bit < 128; ++bit) bytes[bit / 8] |= uint8_t(0x80u >> (bit % 8));
  return IpAddress::v6(bytes);
}

}  // namespace

std::optional<IpAddress> nextAddress(const IpAddress& ip) {
  if (ip.isV4()) {
    if (ip.v4Value() == 0xffffffffu) return std::nullopt;
    return IpAddress::v4(ip.v4Value() + 1);
  }
  std::array<uint8_t, 16> bytes = ip.bytes();
  for (int i = 15; i >= 0; --i) {
    if (++bytes[i] != 0) return IpAddress::v6(bytes);
  }
  return std::nullopt;  // wrapped: ip was the last address
}

Result<AddressRange> AddressRange::parse(std::string_view text) {
  if (text.find('/') != std::string_view::npos) {
    auto cidr = Cidr::parse(text);
    if (!cidr)
      return invalidArgument("invalid address range \"" + std::string(text) +
                             "\": " + cidr.status().message());
    return AddressRange{cidr->network(), lastOf(*cidr)};
  }
  size_t dash = text.find('-');
  if (dash == std::string_view::npos) {
    return invalidArgument("invalid address range \"" + std::string(text) + "\": want a CIDR or FIRST-LAST");
  }
  auto first = IpAddress::parse(text.substr(0, dash));
  auto last = IpAddress::parse(text.substr(dash + 1));
  if (!first || !last) {
    return invalidArgument("invalid address range \"" + std::string(text) +
                           "\": " + (!first ? first.status().message() : last.status().message()));
  }
  if (first->family() != last->family()) {
    return invalidArgument("invalid address range \"" + std::string(text) + "\": mixes IPv4 and IPv6");
  }
  if (*last < *first) {
    return invalidArgument("invalid address range \"" + std::string(text) + "\": first address after last");
  }
  return AddressRange{*first, *last};
}

std::string AddressRange::toString() const { return first.toString() + "-" + last.toString(); }

Result<LbPool> LbPool::create(const std::vector<std::string>& ranges, const std::vector<Cidr>& serviceCidrs) {
  LbPool pool;
  for (const std::string& text : ranges) {
    auto range = AddressRange::parse(text);
    if (!range) return range.status();
    for (const Cidr& cidr : serviceCidrs) {
      if (range->overlaps(AddressRange{cidr.network(), lastOf(cidr)})) {
        return invalidArgument("load balancer pool " + text + " overlaps the service CIDR " +
                               cidr.toString());
      }
    }
    for (const AddressRange& other : pool.ranges_) {
      if (range->overlaps(other)) {
        return invalidArgument("load balancer pool " + text + " overlaps the pool " + other.toString());
      }
    }
    pool.ranges_.push_back(*range);
  }
  return pool;
}

bool LbPool::hasFamily(IpFamily family) const {
  for (const AddressRange& r : ranges_) {
    if (r.family() == family) return true;
  }
  return false;
}

bool LbPool::contains(const IpAddress& ip) const {
  for (const AddressRange& r : ranges_) {
    if (r.contains(ip)) return true;
  }
  return false;
}

bool LbPool::reserve(const IpAddress& ip) {
  if (!contains(ip)) return false;
  return allocated_.insert(ip).second;
}

std::optional<IpAddress> LbPool::allocateNext(IpFamily family) {
  for (const AddressRange& r : ranges_) {
    if (r.family() != family) continue;
    // Walk the taken addresses from the start of the range: the first gap is the answer,
    // so the cost is bounded by the number taken, not by the size of the range.
    IpAddress candidate = r.first;
    bool full = false;
    for (auto it = allocated_.lower_bound(r.first); it != allocated_.end() && *it == candidate; ++it) {
      if (candidate == r.last) {
        full = true;
        break;
      }
      candidate = *nextAddress(candidate);
    }
    if (full) continue;
    allocated_.insert(candidate);
    return candidate;
  }
  return std::nullopt;
}

}  // namespace edgeway::apiserver::controllers
