#include "apiserver/controllers/load_balancer_ipam_controller.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "apiserver/registry.h"
#include "base/clock.h"
#include "base/log.h"

namespace edgeway::apiserver::controllers {

using nlohmann::json;

namespace {

std::string keyOf(const std::string& ns, const std::string& name) { return ns + "/" + name; }

// Ours: a LoadBalancer Service whose class is unset (the cluster's default implementation).
bool ours(const api::ServiceView& svc) {
  return svc.type == api::ServiceType::kLoadBalancer && svc.loadBalancerClass.empty();
}

std::vector<IpFamily> familiesOf(const api::ServiceView& svc) {
  if (!svc.ipFamilies.empty()) return svc.ipFamilies;
  return {IpFamily::kIPv4};
}

bool hasFamily(const std::vector<IpFamily>& families, IpFamily family) {
  for (IpFamily f : families) {
    if (f == family) return true;
  }
  return false;
}

std::vector<IpAddress> ingressIps(const api::ServiceView& svc) {
  std::vector<IpAddress> out;
  for (const api::LoadBalancerIngress& in : svc.loadBalancerIngress) {
    if (in.ip) out.push_back(*in.ip);
  }
  return out;
}

// The current ingress is exactly `ips` as VIPs (no hostnames, no Proxy mode).
// This controller's condition on `svc`, or null.
const api::ServiceCondition* ourCondition(const api::ServiceView& svc) {
  for (const api::ServiceCondition& c : svc.conditions) {
    if (c.type == LoadBalancerIpamController::kConditionType) return &c;
  }
  return nullptr;
}

bool ingressIs(const api::ServiceView& svc, const std::vector<IpAddress>& ips) {
  if (svc.loadBalancerIngress.size() != ips.size()) return false;
  for (size_t i = 0; i < ips.size(); ++i) {
    const api::LoadBalancerIngress& in = svc.loadBalancerIngress[i];
    if (!in.ip || *in.ip != ips[i] || !in.hostname.empty() || in.ipModeProxy) return false;
  }
  return true;
}

// The addresses a Service asks for: the annotation wins over spec.loadBalancerIP. Empty
// when it asks for none.
Result<std::vector<IpAddress>> requestedIps(const api::ServiceView& svc) {
  std::string text =
      !svc.requestedLoadBalancerIps.empty() ? svc.requestedLoadBalancerIps : svc.loadBalancerIp;
  std::vector<IpAddress> out;
  size_t start = 0;
  while (start <= text.size() && !text.empty()) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    while (!item.empty() && item.front() == ' ') item.erase(item.begin());
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty()) {
      auto ip = IpAddress::parse(item);
      if (!ip) return invalidArgument("requested address \"" + item + "\" is not a valid IP address");
      for (const IpAddress& seen : out) {
        if (seen.family() == ip->family()) {
          return invalidArgument("more than one requested address of family " +
                                 std::string(ipFamilyName(ip->family())));
        }
      }
      out.push_back(*ip);
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string joinIps(const std::vector<IpAddress>& ips) {
  std::string out;
  for (const IpAddress& ip : ips) out += (out.empty() ? "" : ",") + ip.toString();
  return out;
}

}  // namespace

// What a Service should get: its addresses, or why it gets none (or not all).
struct LoadBalancerIpamController::Desired {
  std::vector<IpAddress> ips;
  std::string failure;  // empty: fully served
};

Result<std::unique_ptr<LoadBalancerIpamController>> LoadBalancerIpamController::create(
    Registry& registry, cache::ClusterState& state, LoadBalancerIpamOptions options) {
  auto pool = LbPool::create(options.pools, options.serviceCidrs);
  if (!pool) return pool.status();
  return std::unique_ptr<LoadBalancerIpamController>(
      new LoadBalancerIpamController(registry, state, std::move(options), std::move(pool).value()));
}

LoadBalancerIpamController::LoadBalancerIpamController(Registry& registry, cache::ClusterState& state,
                                                       LoadBalancerIpamOptions options, LbPool pool)
    : registry_(registry),
      state_(state),
      options_(std::move(options)),
      services_(registry.catalog().find("", "v1", "services")),
      events_(registry, kComponent),
      pool_(std::move(pool)) {}

LoadBalancerIpamController::~LoadBalancerIpamController() { stop(); }

void LoadBalancerIpamController::start() {
  if (started_) return;
  started_ = true;
  executor_->start();
  subscription_ = state_.subscribe(
      [this](const std::shared_ptr<const cache::Snapshot>& snapshot, const cache::Changes& changes) {
        executor_->post([this, snapshot, changes] { onSnapshot(snapshot, changes); });
      });
  // A snapshot published before subscribing would otherwise be missed; seeing one twice
  // is harmless.
  executor_->post([this, snapshot = state_.current()] { onSnapshot(snapshot, cache::Changes{}); });
}

void LoadBalancerIpamController::stop() {
  if (!started_) return;
  started_ = false;
  state_.unsubscribe(subscription_);
  executor_->stop();
}

void LoadBalancerIpamController::onSnapshot(const std::shared_ptr<const cache::Snapshot>& snapshot,
                                            const cache::Changes& changes) {
  if (!snapshot->synced()) return;
  if (latest_ && snapshot->revision() < latest_->revision()) return;
  latest_ = snapshot;
  if (!rebuilt_) {
    rebuild(*snapshot);
    rebuilt_ = true;
    for (const cache::ServicePtr& svc : snapshot->services()) pending_.insert(keyOf(svc->ns, svc->name));
  } else {
    for (const cache::NamespacedName& n : changes.of(cache::Kind::kService))
      pending_.insert(keyOf(n.ns, n.name));
    // Without a pool the node's addresses are every Service's addresses.
    if (pool_.empty() && !changes.of(cache::Kind::kNode).empty()) {
      for (const cache::ServicePtr& svc : snapshot->services()) {
        if (ours(*svc)) pending_.insert(keyOf(svc->ns, svc->name));
      }
    }
  }
  reconcilePending();
}

void LoadBalancerIpamController::rebuild(const cache::Snapshot& snapshot) {
  if (pool_.empty()) return;
  for (const cache::ServicePtr& svc : snapshot.services()) {
    if (!ours(*svc)) continue;
    std::string key = keyOf(svc->ns, svc->name);
    for (const IpAddress& ip : ingressIps(*svc)) {
      // An address outside the pools (they changed) or already claimed (the store holds a
      // duplicate) is not held: reconcile gives this Service another one.
      if (pool_.reserve(ip)) {
        assigned_[key].push_back(ip);
        owner_[ip] = key;
      } else if (pool_.contains(ip)) {
        log::warn("lb-ipam: ", key, " and ", owner_[ip], " both hold ", ip.toString(), "; reassigning ", key);
      }
    }
  }
}

void LoadBalancerIpamController::reconcilePending() {
  // Reconciling may queue more (a release wakes the waiting Services); those run in the
  // next round. A round only queues Services again after freeing an address, so this ends.
  while (!pending_.empty()) {
    std::set<std::string> keys;
    keys.swap(pending_);
    for (const std::string& key : keys) reconcile(key);
  }
}

void LoadBalancerIpamController::releaseAll(const std::string& key) {
  auto it = assigned_.find(key);
  if (it == assigned_.end()) return;
  for (const IpAddress& ip : it->second) {
    pool_.release(ip);
    owner_.erase(ip);
  }
  assigned_.erase(it);
  // Freed addresses may serve a Service that is waiting for one.
  pending_.insert(waiting_.begin(), waiting_.end());
}

void LoadBalancerIpamController::reconcile(const std::string& key) {
  // The outcome of a write in flight re-queues the Service; a written status waits until
  // the cache holds it, so a stale snapshot never triggers a second write.
  if (inFlight_.count(key)) return;
  auto rev = writtenRevision_.find(key);
  if (rev != writtenRevision_.end() && rev->second > latest_->revision()) return;

  size_t slash = key.find('/');
  cache::ServicePtr svc = latest_->service(key.substr(0, slash), key.substr(slash + 1));
  if (!svc || !ours(*svc)) {
    releaseAll(key);
    waiting_.erase(key);
    lastFailure_.erase(key);
    written_.erase(key);
    if (!svc) writtenRevision_.erase(key);
    // A Service that stopped being a LoadBalancer keeps no external address (validation
    // forbids one on other types) nor our condition. A foreign class's status belongs to
    // its controller.
    if (svc && svc->type != api::ServiceType::kLoadBalancer &&
        (!svc->loadBalancerIngress.empty() || ourCondition(*svc) != nullptr)) {
      clearStatus(key, *svc);
    }
    return;
  }

  Desired desired = pool_.empty() ? desiredFromNode(*svc) : desiredFromPool(key, *svc);
  if (desired.failure.empty()) {
    waiting_.erase(key);
    lastFailure_.erase(key);
  } else {
    waiting_.insert(key);
    if (lastFailure_[key] != desired.failure) {
      lastFailure_[key] = desired.failure;
      log::warn("lb-ipam: ", key, ": ", desired.failure);
      events_.warning({"Service", svc->ns, svc->name, svc->uid}, "AllocationFailed", desired.failure);
    }
  }
  writeStatus(key, *svc, desired);
}

LoadBalancerIpamController::Desired LoadBalancerIpamController::desiredFromNode(
    const api::ServiceView& svc) const {
  Desired d;
  std::vector<IpFamily> families = familiesOf(svc);
  cache::NodePtr node = latest_->node(options_.nodeName);
  if (node) {
    for (const char* type : {"InternalIP", "ExternalIP"}) {
      for (const IpAddress& ip : node->ipsOfType(type)) {
        bool dup = false;
        for (const IpAddress& have : d.ips) dup |= have == ip;
        if (!dup && hasFamily(families, ip.family())) d.ips.push_back(ip);
      }
    }
  }
  if (d.ips.empty()) {
    d.failure = "no load balancer pool is configured and node \"" + options_.nodeName +
                "\" has no address of the Service's IP families";
  }
  return d;
}

LoadBalancerIpamController::Desired LoadBalancerIpamController::desiredFromPool(const std::string& key,
                                                                                const api::ServiceView& svc) {
  Desired d;
  std::vector<IpAddress>& held = assigned_[key];
  auto requested = requestedIps(svc);
  if (!requested) {
    d.ips = held;
    d.failure = requested.status().message();
    return d;
  }

  if (!requested->empty()) {
    for (const IpAddress& ip : *requested) {
      if (!pool_.contains(ip)) {
        d.failure = "requested address " + ip.toString() + " is not in any load balancer pool";
      } else if (pool_.isAllocated(ip) && owner_[ip] != key) {
        d.failure = "requested address " + ip.toString() + " is already assigned to Service " + owner_[ip];
      }
    }
    if (!d.failure.empty()) {  // keep what it has until what it asks for can be given
      d.ips = held;
      return d;
    }
    bool changed = held != *requested;
    for (const IpAddress& ip : held) {
      pool_.release(ip);
      owner_.erase(ip);
    }
    for (const IpAddress& ip : *requested) {
      pool_.reserve(ip);
      owner_[ip] = key;
    }
    held = *requested;
    d.ips = held;
    if (changed) pending_.insert(waiting_.begin(), waiting_.end());
    return d;
  }

  // Next free: keep what is held for the Service's families, add one for each family
  // that lacks one and has a pool, give back the rest.
  std::vector<IpFamily> families = familiesOf(svc);
  std::vector<IpAddress> keep;
  bool released = false;
  for (const IpAddress& ip : held) {
    bool familyTaken = false;
    for (const IpAddress& k : keep) familyTaken |= k.family() == ip.family();
    if (hasFamily(families, ip.family()) && !familyTaken) {
      keep.push_back(ip);
    } else {
      pool_.release(ip);
      owner_.erase(ip);
      released = true;
    }
  }
  std::vector<IpAddress> out;
  bool anyPool = false;
  for (IpFamily family : families) {
    if (!pool_.hasFamily(family)) continue;
    anyPool = true;
    std::optional<IpAddress> ip;
    for (const IpAddress& k : keep) {
      if (k.family() == family) ip = k;
    }
    if (!ip) {
      ip = pool_.allocateNext(family);
      if (ip) owner_[*ip] = key;
    }
    if (ip) {
      out.push_back(*ip);
    } else {
      d.failure = std::string("no free ") + ipFamilyName(family) + " address left in the load balancer pools";
    }
  }
  if (!anyPool) {
    std::string names;
    for (IpFamily f : families) names += (names.empty() ? "" : ", ") + std::string(ipFamilyName(f));
    d.failure = "no load balancer pool of the Service's IP families (" + names + ")";
  }
  held = out;
  if (held.empty()) assigned_.erase(key);
  if (released) pending_.insert(waiting_.begin(), waiting_.end());
  d.ips = out;
  return d;
}

void LoadBalancerIpamController::writeStatus(const std::string& key, const api::ServiceView& svc,
                                             const Desired& desired) {
  json ingress = json::array();
  for (const IpAddress& ip : desired.ips) ingress.push_back({{"ip", ip.toString()}, {"ipMode", "VIP"}});
  json condition = {{"type", kConditionType}};
  if (desired.failure.empty()) {
    condition["status"] = "True";
    condition["reason"] = "Allocated";
    condition["message"] = "assigned " + joinIps(desired.ips);
  } else {
    condition["status"] = "False";
    condition["reason"] = "AllocationFailed";
    condition["message"] = desired.failure;
  }
  // What decides whether to write; the transition time is not part of it. The stored
  // object counts too, so a restart (which forgets written_) rewrites nothing unchanged.
  std::string written = ingress.dump() + condition.dump();
  const api::ServiceCondition* stored = ourCondition(svc);
  const bool storedMatches = stored && stored->status == condition["status"] &&
                             stored->reason == condition["reason"] && stored->message == condition["message"];
  if (ingressIs(svc, desired.ips) && (written_[key] == written || storedMatches)) return;
  // As in every Kubernetes condition, the transition time moves only when the status does
  // (the strategic merge keeps the stored one otherwise).
  if (!stored || stored->status != condition["status"]) condition["lastTransitionTime"] = clock::nowRfc3339();
  // A strategic merge patch: conditions merge by type, so other writers' conditions stay.
  json patch = {
      {"status", {{"loadBalancer", {{"ingress", ingress}}}, {"conditions", json::array({condition})}}}};
  patchStatus(key, svc, std::move(patch), std::move(written));
}

void LoadBalancerIpamController::clearStatus(const std::string& key, const api::ServiceView& svc) {
  json patch = {{"status",
                 {{"loadBalancer", {{"ingress", nullptr}}},
                  {"conditions", json::array({{{"$patch", "delete"}, {"type", kConditionType}}})}}}};
  patchStatus(key, svc, std::move(patch), "");
}

void LoadBalancerIpamController::patchStatus(const std::string& key, const api::ServiceView& svc, json patch,
                                             std::string written) {
  inFlight_.insert(key);
  WriteOptions opts;
  opts.status = true;
  opts.fieldManager = kComponent;
  registry_.patch(*services_, svc.ns, svc.name, PatchType::kStrategicMergePatch, std::move(patch), opts,
                  [this, executor = executor_, key, written = std::move(written)](Outcome outcome) {
                    // On the store's thread: hand the outcome to ours.
                    executor->post([this, key, written, outcome = std::move(outcome)] {
                      inFlight_.erase(key);
                      if (outcome.ok()) {
                        json obj = json::parse(outcome.object, nullptr, false);
                        std::string rv = obj.is_object() ? obj["metadata"].value("resourceVersion", "") : "";
                        writtenRevision_[key] = rv.empty() ? 0 : std::stoll(rv);
                        written_[key] = written;
                        pending_.insert(key);
                        reconcilePending();
                        return;
                      }
                      written_.erase(key);
                      if (outcome.error->code == 404) return;  // deleted; the cache will say so
                      log::warn("lb-ipam: status of Service ", key, " not written: ", outcome.error->message);
                      executor_->postAfter(options_.retryDelay, [this, key] {
                        pending_.insert(key);
                        reconcilePending();
                      });
                    });
                  });
}

}  // namespace edgeway::apiserver::controllers
