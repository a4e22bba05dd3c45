#include "apiserver/alloc/cluster_ip_allocator.h"

namespace edgeway::apiserver {
namespace {
constexpr int kMaxHostBits = 20;
constexpr uint64_t kMaxIPv6Slots = 65536;
}  // namespace

Result<std::unique_ptr<ClusterIpAllocator>> ClusterIpAllocator::create(const Cidr& cidr, uint64_t seed) {
  if (cidr.hostBits() > kMaxHostBits) {
    return invalidArgument(
        "specified service CIDR " + cidr.toString() + " is too large; for " +
        std::to_string(cidr.network().bitLength()) +
        "-bit addresses, the mask must be >= " + std::to_string(cidr.network().bitLength() - kMaxHostBits));
  }
  uint64_t size = cidr.size();
  // Not the network address; for IPv4 not the broadcast address either.
  uint64_t slots = size - 1;
  if (cidr.family() == IpFamily::kIPv4 && slots > 0) --slots;
  if (cidr.family() == IpFamily::kIPv6 && slots > kMaxIPv6Slots) slots = kMaxIPv6Slots;
  size_t reserved = reservedBandSize(size, 16, 16, 256);
  return std::unique_ptr<ClusterIpAllocator>(
      new ClusterIpAllocator(cidr, static_cast<size_t>(slots), reserved, seed));
}

ClusterIpAllocator::ClusterIpAllocator(const Cidr& cidr, size_t slots, size_t reserved, uint64_t seed)
    : cidr_(cidr), bitmap_(slots, reserved, seed) {}

std::optional<size_t> ClusterIpAllocator::slotOf(const IpAddress& ip) const {
  auto offset = cidr_.offsetOf(ip);
  if (!offset || *offset == 0 || *offset > bitmap_.size()) return std::nullopt;
  return static_cast<size_t>(*offset - 1);
}

Result<IpAddress> ClusterIpAllocator::allocateNext() {
  std::lock_guard<std::mutex> lock(mu_);
  auto slot = bitmap_.allocateRandom();
  if (!slot) return resourceExhausted("range is full");
  return *cidr_.addressAt(*slot + 1);
}

Status ClusterIpAllocator::allocate(const IpAddress& ip) {
  auto slot = slotOf(ip);
  if (!slot) {
    return invalidArgument("the provided IP (" + ip.toString() +
                           ") is not in the valid range. The range of valid IPs is " + cidr_.toString());
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (!bitmap_.set(*slot)) return alreadyExists("provided IP is already allocated");
  return Status::ok();
}

void ClusterIpAllocator::release(const IpAddress& ip) {
  auto slot = slotOf(ip);
  if (!slot) return;
  std::lock_guard<std::mutex> lock(mu_);
  bitmap_.clear(*slot);
}

bool ClusterIpAllocator::has(const IpAddress& ip) const {
  auto slot = slotOf(ip);
  if (!slot) return false;
  std::lock_guard<std::mutex> lock(mu_);
  return bitmap_.test(*slot);
}

size_t ClusterIpAllocator::used() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bitmap_.used();
}

void ClusterIpAllocator::clear() {
  std::lock_guard<std::mutex> lock(mu_);
  bitmap_.clearAll();
}

}  // namespace edgeway::apiserver
