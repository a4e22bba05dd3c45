#pragma once
// The kinds of object the cache follows. The order is the order of Changes::byKind and of
// the initial list.

#include <array>
#include <cstddef>

namespace edgeway::cache {

enum class Kind { kService, kEndpointSlice, kPod, kNode, kIngress, kIngressClass, kSecret };

inline constexpr size_t kKindCount = 7;
inline constexpr std::array<Kind, kKindCount> kAllKinds = {
    Kind::kService, Kind::kEndpointSlice, Kind::kPod,   Kind::kNode,
    Kind::kIngress, Kind::kIngressClass,  Kind::kSecret};

// "Service", "EndpointSlice", ...: the Kubernetes kind, for logs.
const char* kindName(Kind kind);
// Cluster-scoped kinds (Node, IngressClass) have an empty namespace.
bool isNamespaced(Kind kind);

inline constexpr size_t kindIndex(Kind kind) { return static_cast<size_t>(kind); }

}  // namespace edgeway::cache
