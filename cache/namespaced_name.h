#pragma once
// The identity of an object within its kind: namespace (empty for cluster-scoped kinds)
// and name.

#include <string>
#include <tuple>

namespace edgeway::cache {

struct NamespacedName {
  std::string ns;
  std::string name;

  // "ns/name", or "name" for cluster-scoped objects.
  std::string toString() const { return ns.empty() ? name : ns + "/" + name; }

  friend bool operator==(const NamespacedName& a, const NamespacedName& b) {
    return a.ns == b.ns && a.name == b.name;
  }
  friend bool operator!=(const NamespacedName& a, const NamespacedName& b) { return !(a == b); }
  friend bool operator<(const NamespacedName& a, const NamespacedName& b) {
    return std::tie(a.ns, a.name) < std::tie(b.ns, b.name);
  }
};

}  // namespace edgeway::cache
