#pragma once
// The LoadBalancer address pool: the `--lb-pool` ranges and which of their addresses are
// handed out. Pure bookkeeping, no I/O; the LoadBalancerIpamController owns one and is its
// only user (one thread).

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/ip.h"
#include "base/status.h"

namespace edgeway::apiserver::controllers {

// A closed range of addresses of one family.
struct AddressRange {
  IpAddress first;
  IpAddress last;

  // A CIDR ("192.0.2.0/28", every address in it usable: a LoadBalancer address is a /32
  // VIP, not a host on that subnet) or "FIRST-LAST" of one family, FIRST <= LAST.
  static Result<AddressRange> parse(std::string_view text);

  IpFamily family() const { return first.family(); }
  bool contains(const IpAddress& ip) const {
    return ip.family() == family() && !(ip < first) && !(last < ip);
  }
  bool overlaps(const AddressRange& other) const {
    return family() == other.family() && !(last < other.first) && !(other.last < first);
  }
  std::string toString() const;
};

class LbPool {
 public:
  // `ranges` as given to --lb-pool. Fails (kInvalidArgument) on a range that does not
  // parse, ranges that overlap each other, or a range overlapping a service CIDR (those
  // addresses belong to ClusterIPs). No ranges: an empty pool.
  static Result<LbPool> create(const std::vector<std::string>& ranges, const std::vector<Cidr>& serviceCidrs);

  LbPool() = default;

  bool empty() const { return ranges_.empty(); }
  bool hasFamily(IpFamily family) const;
  bool contains(const IpAddress& ip) const;
  bool isAllocated(const IpAddress& ip) const { return allocated_.count(ip) != 0; }

  // Marks `ip` taken; false when it is outside the pool or already taken.
  bool reserve(const IpAddress& ip);
  // The lowest free address of `family`, marked taken; nullopt when none is left.
  std::optional<IpAddress> allocateNext(IpFamily family);
  void release(const IpAddress& ip) { allocated_.erase(ip); }
  size_t allocatedCount() const { return allocated_.size(); }
  const std::vector<AddressRange>& ranges() const { return ranges_; }

 private:
  std::vector<AddressRange> ranges_;
  std::set<IpAddress> allocated_;
};

// The address after `ip`; nullopt past the end of the family's space.
std::optional<IpAddress> nextAddress(const IpAddress& ip);

}  // namespace edgeway::apiserver::controllers
