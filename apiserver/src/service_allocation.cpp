#include "apiserver/src/service_allocation.h"

#include <climits>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "apiserver/alloc/cluster_ip_allocator.h"
#include "apiserver/alloc/node_port_allocator.h"
#include "apiserver/src/service_allocation_txn.h"
#include "apiserver/src/service_fields.h"

namespace edgeway::apiserver::svc {
namespace {

using MaybeError = std::optional<ApiError>;

ApiError invalidService(const json& svc, api::FieldErrors errs) {
  const json* meta = member(svc, "metadata");
  std::string name = meta ? str(*meta, "name") : std::string();
  return invalidError(ResourceRef{"", "services", "Service", name}, errs);
}

ApiError invalidService(const json& svc, api::FieldError err) {
  return invalidService(svc, api::FieldErrors{err});
}

int toPort(long long value) {
  // Anything beyond int is outside every port range; -1 makes the allocator say so.
  return value < INT_MIN || value > INT_MAX ? -1 : static_cast<int>(value);
}

IpFamily familyNamed(const std::string& name) { return name == "IPv6" ? IpFamily::kIPv6 : IpFamily::kIPv4; }

// Does the allocation work of one write, recording it in `txn`.
class Allocation {
 public:
  Allocation(ServiceAllocators& allocators, ServiceAllocationTxn& txn) : allocators_(allocators), txn_(txn) {}

  // ClusterIPs for each entry of spec.ipFamilies: the requested address, or a random one.
  // `from` is the first family index to allocate (1 when adding a secondary family).
  MaybeError allocateClusterIPs(json& svc, size_t from = 0) {
    if (!needsClusterIP(svc) || isHeadless(svc)) return std::nullopt;
    json& s = *mutableSpec(svc);
    std::vector<std::string> families = ipFamilies(svc);
    std::vector<std::string> ips = clusterIPs(svc);
    if (ips.size() < families.size()) ips.resize(families.size());  // "" marks "pick one"

    for (size_t i = from; i < families.size(); ++i) {
      ClusterIpAllocator* allocator = allocators_.clusterIps(familyNamed(families[i]));
      if (!allocator) return internalServerError("no service CIDR of family " + families[i]);
      if (ips[i].empty()) {
        auto ip = allocator->allocateNext();
        if (!ip) return internalServerError("failed to allocate a serviceIP: " + ip.status().message());
        txn_.reserved(*allocator, *ip);
        ips[i] = ip->toString();
        continue;
      }
      auto ip = IpAddress::parseSloppy(ips[i]);
      if (!ip) return internalServerError("failed to parse service IP \"" + ips[i] + "\"");
      if (Status st = allocator->allocate(*ip); !st) {
        return invalidService(svc,
                              invalidRendered(api::FieldPath("spec.clusterIPs"), goStringSlice(ips, false),
                                              "failed to allocate IP " + ips[i] + ": " + st.message()));
      }
      txn_.reserved(*allocator, *ip);
    }
    if (!ips.empty()) {
      s["clusterIPs"] = ips;
      s["clusterIP"] = ips[0];
    }
    return std::nullopt;
  }

  // Releases, on commit, the addresses `svc` holds (all, or from index `from` on).
  void releaseClusterIPsOnCommit(const json& svc, size_t from = 0) {
    auto ips = clusterIPs(svc);
    for (size_t i = from; i < ips.size(); ++i) {
      auto ip = IpAddress::parseSloppy(ips[i]);
      ClusterIpAllocator* allocator = ip ? allocators_.clusterIps(ip->family()) : nullptr;
      if (allocator) txn_.releaseOnCommit(*allocator, *ip);
    }
  }

  // NodePorts on create. Ports with the same number (say TCP and UDP 53) share one NodePort,
  // preferring one the client asked for on any of them.
  MaybeError nodePortsForCreate(json& svc) {
    if (!needsNodePorts(svc)) return std::nullopt;
    bool allocate = shouldAllocateNodePorts(svc);
    auto list = mutablePorts(svc);
    std::map<long long, long long> byServicePort;
    for (size_t i = 0; i < list.size(); ++i) {
      json& port = *list[i];
      long long requested = nodePortOf(port);
      if (requested == 0 && !allocate) continue;  // respect explicit requests only
      long long number = integer(port, "port").value_or(0);
      auto shared = byServicePort.find(number);
      if (shared == byServicePort.end()) {
        long long wanted = requestedFor(number, list);
        if (wanted != 0) {
          if (auto err = reservePort(svc, i, wanted)) return err;
          port["nodePort"] = wanted;
          byServicePort[number] = wanted;
        } else {
          auto np = allocators_.nodePorts().allocateNext();
          if (!np) return internalServerError("failed to allocate a nodePort: " + np.status().message());
          txn_.reserved(*np);
          port["nodePort"] = *np;
          byServicePort[number] = *np;
        }
      } else if (requested != shared->second) {
        if (requested == 0) {
          port["nodePort"] = shared->second;
        } else {
          if (auto err = reservePort(svc, i, requested)) return err;
        }
      }
    }
    return std::nullopt;
  }

  // NodePorts on update: ports the old object held stay held, new requests are reserved,
  // unset ones get a random port, and old ports no longer used are released on commit.
  MaybeError nodePortsForUpdate(json& svc, const json& old) {
    auto oldPorts = collectNodePorts(old);
    std::set<long long> held(oldPorts.begin(), oldPorts.end()), reservedNow;
    bool allocate = shouldAllocateNodePorts(svc);
    auto list = mutablePorts(svc);
    for (size_t i = 0; i < list.size(); ++i) {
      json& port = *list[i];
      long long np = nodePortOf(port);
      if (np == 0 && !allocate) continue;
      if (np != 0) {
        if (!held.count(np) && !reservedNow.count(np)) {
          if (auto err = reservePort(svc, i, np)) return err;
          reservedNow.insert(np);
        }
      } else {
        auto next = allocators_.nodePorts().allocateNext();
        if (!next) return internalServerError("failed to allocate a nodePort: " + next.status().message());
        txn_.reserved(*next);
        port["nodePort"] = *next;
      }
    }
    auto now = collectNodePorts(svc);
    std::set<long long> kept(now.begin(), now.end()), released;
    for (long long np : oldPorts) {
      if (!kept.count(np) && released.insert(np).second) txn_.releaseOnCommit(toPort(np));
    }
    return std::nullopt;
  }

  void releaseNodePortsOnCommit(const json& svc) {
    std::set<long long> released;
    for (long long np : collectNodePorts(svc)) {
      if (released.insert(np).second) txn_.releaseOnCommit(toPort(np));
    }
  }

  // kube reports health-check port failures as internal errors, not field errors.
  MaybeError healthCheckPort(json& svc) {
    long long requested = healthCheckNodePort(svc);
    if (requested != 0) {
      if (Status st = allocators_.nodePorts().allocate(toPort(requested)); !st) {
        return internalServerError("failed to allocate requested HealthCheck NodePort " +
                                   std::to_string(requested) + ": " + st.message());
      }
      txn_.reserved(toPort(requested));
      return std::nullopt;
    }
    auto np = allocators_.nodePorts().allocateNext();
    if (!np) {
      return internalServerError("failed to allocate a HealthCheck NodePort 0: " + np.status().message());
    }
    txn_.reserved(*np);
    (*mutableSpec(svc))["healthCheckNodePort"] = *np;
    return std::nullopt;
  }

 private:
  // The first nodePort requested by a port with this number, or 0.
  static long long requestedFor(long long number, const std::vector<json*>& list) {
    for (const json* p : list) {
      if (integer(*p, "port").value_or(0) == number && nodePortOf(*p) != 0) return nodePortOf(*p);
    }
    return 0;
  }

  MaybeError reservePort(const json& svc, size_t index, long long port) {
    if (Status st = allocators_.nodePorts().allocate(toPort(port)); !st) {
      return invalidService(
          svc, api::invalid(api::FieldPath("spec.ports").index(index).child("nodePort"), port, st.message()));
    }
    txn_.reserved(toPort(port));
    return std::nullopt;
  }

  ServiceAllocators& allocators_;
  ServiceAllocationTxn& txn_;
};

Strategy::AllocResult finish(std::unique_ptr<ServiceAllocationTxn> txn, MaybeError error) {
  Strategy::AllocResult result;
  if (error) {
    txn->revert();
    result.error = std::move(error);
    return result;
  }
  if (!txn->empty()) result.txn = std::move(txn);
  return result;
}

}  // namespace

ClusterFamilies clusterFamilies(const ServiceAllocators& allocators) {
  return ClusterFamilies{allocators.primaryFamily(), allocators.dualStack()};
}

Strategy::AllocResult allocateForCreate(json& svc, ServiceAllocators& allocators) {
  auto txn = std::make_unique<ServiceAllocationTxn>(allocators.nodePorts());
  if (!mutableSpec(svc)) return finish(std::move(txn), internalServerError("spec is not an object"));
  if (auto errs = initIPFamilyFields(svc, nullptr, clusterFamilies(allocators)); !errs.empty()) {
    return finish(std::move(txn), invalidService(svc, errs));
  }
  Allocation alloc(allocators, *txn);
  MaybeError err = alloc.allocateClusterIPs(svc);
  if (!err) err = alloc.nodePortsForCreate(svc);
  if (!err && needsHealthCheck(svc)) err = alloc.healthCheckPort(svc);
  return finish(std::move(txn), std::move(err));
}

Strategy::AllocResult allocateForUpdate(json& svc, const json& old, ServiceAllocators& allocators) {
  auto txn = std::make_unique<ServiceAllocationTxn>(allocators.nodePorts());
  if (!mutableSpec(svc)) return finish(std::move(txn), internalServerError("spec is not an object"));
  if (auto errs = initIPFamilyFields(svc, &old, clusterFamilies(allocators)); !errs.empty()) {
    return finish(std::move(txn), invalidService(svc, errs));
  }
  Allocation alloc(allocators, *txn);
  MaybeError err;

  // ClusterIPs: changes to and from ExternalName, and dual-stack upgrades and downgrades.
  bool wasExternal = type(old) == "ExternalName", isExternal = type(svc) == "ExternalName";
  size_t oldFamilies = ipFamilies(old).size(), newFamilies = ipFamilies(svc).size();
  if (isUnchangedPreferDualStack(svc, &old)) {
    // its addresses stay as they are
  } else if (wasExternal && !isExternal) {
    err = alloc.allocateClusterIPs(svc);
  } else if (isHeadless(old)) {
    // headless Services hold no addresses
  } else if (!wasExternal && isExternal) {
    alloc.releaseClusterIPsOnCommit(old);
  } else if (oldFamilies == 1 && newFamilies == 2) {
    err = alloc.allocateClusterIPs(svc, 1);
  } else if (oldFamilies == 2 && newFamilies == 1) {
    alloc.releaseClusterIPsOnCommit(old, 1);
  }

  // NodePorts: released when the new type has none, (re)assigned when it has them.
  if (!err && needsNodePorts(old) && !needsNodePorts(svc)) alloc.releaseNodePortsOnCommit(old);
  if (!err && needsNodePorts(svc)) err = alloc.nodePortsForUpdate(svc, old);

  // healthCheckNodePort follows LoadBalancer + externalTrafficPolicy Local.
  if (!err && !needsHealthCheck(old) && needsHealthCheck(svc)) err = alloc.healthCheckPort(svc);
  if (!err && needsHealthCheck(old) && !needsHealthCheck(svc) && healthCheckNodePort(old) != 0) {
    txn->releaseOnCommit(toPort(healthCheckNodePort(old)));
  }
  return finish(std::move(txn), std::move(err));
}

void releaseAll(const json& svc, ServiceAllocators& allocators) {
  if (needsClusterIP(svc) && !isHeadless(svc)) {
    for (const auto& text : clusterIPs(svc)) {
      auto ip = IpAddress::parseSloppy(text);
      ClusterIpAllocator* allocator = ip ? allocators.clusterIps(ip->family()) : nullptr;
      if (allocator) allocator->release(*ip);
    }
  }
  for (long long np : collectNodePorts(svc)) allocators.nodePorts().release(toPort(np));
  if (needsHealthCheck(svc) && healthCheckNodePort(svc) > 0) {
    allocators.nodePorts().release(toPort(healthCheckNodePort(svc)));
  }
}

}  // namespace edgeway::apiserver::svc
