#pragma once
// The AllocationTxn of one Service write. Addresses and ports the write needs are reserved
// at once (so a concurrent write cannot take them); addresses and ports the write gives up
// are only released when it commits, because until then the stored object still holds them.

#include <utility>
#include <vector>

#include "apiserver/strategy.h"
#include "base/ip.h"

namespace edgeway::apiserver {
class ClusterIpAllocator;
class NodePortAllocator;
}  // namespace edgeway::apiserver

namespace edgeway::apiserver::svc {

class ServiceAllocationTxn : public AllocationTxn {
 public:
  explicit ServiceAllocationTxn(NodePortAllocator& nodePorts) : nodePorts_(nodePorts) {}
  // A transaction dropped without commit() or revert() reverts: nothing leaks.
  ~ServiceAllocationTxn() override;

  void commit() override;  // releases what the write gave up
  void revert() override;  // releases what the write reserved

  void reserved(ClusterIpAllocator& allocator, const IpAddress& ip) {
    reservedIps_.emplace_back(&allocator, ip);
  }
  void releaseOnCommit(ClusterIpAllocator& allocator, const IpAddress& ip) {
    releasedIps_.emplace_back(&allocator, ip);
  }
  void reserved(int port) { reservedPorts_.push_back(port); }
  void releaseOnCommit(int port) { releasedPorts_.push_back(port); }

  bool empty() const;

 private:
  NodePortAllocator& nodePorts_;
  std::vector<std::pair<ClusterIpAllocator*, IpAddress>> reservedIps_, releasedIps_;
  std::vector<int> reservedPorts_, releasedPorts_;
  bool done_ = false;
};

}  // namespace edgeway::apiserver::svc
