#include "apiserver/src/service_allocation_txn.h"

#include "apiserver/alloc/cluster_ip_allocator.h"
#include "apiserver/alloc/node_port_allocator.h"

namespace edgeway::apiserver::svc {

ServiceAllocationTxn::~ServiceAllocationTxn() {
  if (!done_) revert();
}

void ServiceAllocationTxn::commit() {
  if (done_) return;
  done_ = true;
  for (auto& [allocator, ip] : releasedIps_) allocator->release(ip);
  for (int port : releasedPorts_) nodePorts_.release(port);
}

void ServiceAllocationTxn::revert() {
  if (done_) return;
  done_ = true;
  for (auto& [allocator, ip] : reservedIps_) allocator->release(ip);
  for (int port : reservedPorts_) nodePorts_.release(port);
}

bool ServiceAllocationTxn::empty() const {
  return reservedIps_.empty() && releasedIps_.empty() && reservedPorts_.empty() && releasedPorts_.empty();
}

}  // namespace edgeway::apiserver::svc
