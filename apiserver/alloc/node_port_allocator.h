#pragma once
// NodePorts (and health-check NodePorts) out of --node-port-range. Thread-safe.
//
// As in kube-apiserver (1.29+), random choices prefer the upper part of the range and leave
// a lower band of min(max(16, size/32), 128) ports to users who ask for a specific port.
// Error messages are kube's, since they reach users inside field errors.

#include <cstdint>
#include <mutex>

#include "apiserver/alloc/offset_bitmap.h"
#include "base/ip.h"
#include "base/status.h"

namespace edgeway::apiserver {

class NodePortAllocator {
 public:
  explicit NodePortAllocator(const PortRange& range, uint64_t seed = randomSeed());

  const PortRange& range() const { return range_; }

  // A free port (kResourceExhausted "range is full" when there is none).
  Result<int> allocateNext();
  // Reserves `port`: kInvalidArgument "provided port is not in the valid range. The range of
  // valid ports is 30000-32767", or kAlreadyExists "provided port is already allocated". The
  // repair pass marks stored ports with this too, and reads those codes as conflicts.
  Status allocate(int port);
  // Returns `port` to the pool; a no-op for ports not held or outside the range.
  void release(int port);
  bool has(int port) const;

  size_t capacity() const { return bitmap_.size(); }
  size_t used() const;
  // Forgets every allocation (before a repair pass rebuilds them).
  void clear();

 private:
  const PortRange range_;
  mutable std::mutex mu_;
  OffsetBitmap bitmap_;  // slot i is range.low + i
};

}  // namespace edgeway::apiserver
