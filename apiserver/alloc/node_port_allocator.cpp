#include "apiserver/alloc/node_port_allocator.h"

namespace edgeway::apiserver {

NodePortAllocator::NodePortAllocator(const PortRange& range, uint64_t seed)
    : range_(range),
      bitmap_(static_cast<size_t>(range.size()),
              reservedBandSize(static_cast<uint64_t>(range.size()), 16, 32, 128), seed) {}

Result<int> NodePortAllocator::allocateNext() {
  std::lock_guard<std::mutex> lock(mu_);
  auto slot = bitmap_.allocateRandom();
  if (!slot) return resourceExhausted("range is full");
  return range_.low + static_cast<int>(*slot);
}

Status NodePortAllocator::allocate(int port) {
  if (!range_.contains(port)) {
    return invalidArgument("provided port is not in the valid range. The range of valid ports is " +
                           range_.toString());
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (!bitmap_.set(static_cast<size_t>(port - range_.low))) {
    return alreadyExists("provided port is already allocated");
  }
  return Status::ok();
}

void NodePortAllocator::release(int port) {
  if (!range_.contains(port)) return;
  std::lock_guard<std::mutex> lock(mu_);
  bitmap_.clear(static_cast<size_t>(port - range_.low));
}

bool NodePortAllocator::has(int port) const {
  if (!range_.contains(port)) return false;
  std::lock_guard<std::mutex> lock(mu_);
  return bitmap_.test(static_cast<size_t>(port - range_.low));
}

size_t NodePortAllocator::used() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bitmap_.used();
}

void NodePortAllocator::clear() {
  std::lock_guard<std::mutex> lock(mu_);
  bitmap_.clearAll();
}

}  // namespace edgeway::apiserver
