#pragma once
// ClusterIP addresses of one service CIDR (one allocator per IP family). Thread-safe.
//
// Follows kube-apiserver's bitmap allocator: the network address is never handed out, nor
// the IPv4 broadcast address; an IPv6 block tracks at most its first 65536 host addresses;
// random choices prefer the upper part of the block and leave the lower band
// (min(max(16, size/16), 256) addresses) to users who ask for a specific IP. Error messages
// are kube's, since they reach users inside field errors.

#include <cstdint>
#include <memory>
#include <mutex>

#include "apiserver/alloc/offset_bitmap.h"
#include "base/ip.h"
#include "base/status.h"

namespace edgeway::apiserver {

class ClusterIpAllocator {
 public:
  // Rejects blocks with more than 20 host bits, as kube-apiserver rejects such a
  // --service-cluster-ip-range.
  static Result<std::unique_ptr<ClusterIpAllocator>> create(const Cidr& cidr, uint64_t seed = randomSeed());

  const Cidr& cidr() const { return cidr_; }
  IpFamily family() const { return cidr_.family(); }

  // A free address (kResourceExhausted "range is full" when there is none).
  Result<IpAddress> allocateNext();
  // Reserves `ip`: kInvalidArgument "the provided IP (ip) is not in the valid range. The range
  // of valid IPs is <cidr>", or kAlreadyExists "provided IP is already allocated". The repair
  // pass marks stored addresses with this too, and reads those codes as conflicts.
  Status allocate(const IpAddress& ip);
  // Returns `ip` to the pool; a no-op for addresses not held or outside the range.
  void release(const IpAddress& ip);
  bool has(const IpAddress& ip) const;

  size_t capacity() const { return bitmap_.size(); }
  size_t used() const;
  // Forgets every allocation (before a repair pass rebuilds them).
  void clear();

 private:
  ClusterIpAllocator(const Cidr& cidr, size_t slots, size_t reserved, uint64_t seed);
  // Slot of `ip`, or nullopt when it is not allocatable from this range.
  std::optional<size_t> slotOf(const IpAddress& ip) const;

  const Cidr cidr_;
  mutable std::mutex mu_;
  OffsetBitmap bitmap_;  // slot i is network + 1 + i
};

}  // namespace edgeway::apiserver
