#include "apiserver/controllers/endpoint_slice_controller.h"

#include <functional>
#include <future>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "api/selector.h"
#include "apiserver/controllers/endpoint_group.h"
#include "apiserver/controllers/slice_plan.h"
#include "apiserver/registry.h"
#include "apiserver/resources.h"
#include "base/log.h"
#include "store/store.h"

namespace edgeway::apiserver::controllers {
namespace {

using cache::NamespacedName;
using nlohmann::json;

constexpr const char* kServiceNameLabel = "kubernetes.io/service-name";
constexpr const char* kManagedByLabel = "endpointslice.kubernetes.io/managed-by";
constexpr const char* kSliceManager = "endpointslice-controller.k8s.io";
constexpr const char* kMirrorManager = "endpointslicemirroring-controller.k8s.io";
// On Endpoints this controller writes: tells mirroring they are not a user's.
constexpr const char* kSkipMirrorLabel = "endpointslice.kubernetes.io/skip-mirror";
constexpr const char* kHeadlessLabel = "service.kubernetes.io/headless";

// The Registry answers asynchronously; the worker has nothing else to do meanwhile, and a
// write's callback never runs on the worker, so waiting here cannot deadlock.
template <typename Start>
Outcome await(Start start) {
  auto promise = std::make_shared<std::promise<Outcome>>();
  auto future = promise->get_future();
  start([promise](Outcome out) { promise->set_value(std::move(out)); });
  return future.get();
}

json parseOrNull(const std::string& text) {
  json out = json::parse(text, nullptr, false);
  return out.is_discarded() ? json() : out;
}

const json& metadataOf(const json& obj) {
  static const json kEmpty = json::object();
  auto it = obj.find("metadata");
  return it != obj.end() && it->is_object() ? *it : kEmpty;
}

std::string labelOf(const json& obj, const char* key) {
  const json& meta = metadataOf(obj);
  auto labels = meta.find("labels");
  if (labels == meta.end() || !labels->is_object()) return {};
  auto it = labels->find(key);
  return it != labels->end() && it->is_string() ? it->get<std::string>() : std::string();
}

json labelsOf(const json& obj) {
  const json& meta = metadataOf(obj);
  auto labels = meta.find("labels");
  return labels != meta.end() && labels->is_object() ? *labels : json::object();
}

json controllerRef(const char* kind, const json& owner) {
  const json& meta = metadataOf(owner);
  return json::array({{{"apiVersion", "v1"},
                       {"kind", kind},
                       {"name", meta.value("name", "")},
                       {"uid", meta.value("uid", "")},
                       {"controller", true},
                       {"blockOwnerDeletion", true}}});
}

// "/core/endpoints/<ns>/<name>" → {ns, name}.
std::optional<NamespacedName> nameFromKey(const std::string& key, const std::string& prefix) {
  if (key.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  std::string rest = key.substr(prefix.size());
  auto slash = rest.find('/');
  if (slash == std::string::npos) return std::nullopt;
  return NamespacedName{rest.substr(0, slash), rest.substr(slash + 1)};
}

}  // namespace

std::unique_ptr<EndpointSliceController> EndpointSliceController::create(
    cache::ClusterState& state, Registry& registry, const ResourceCatalog& catalog,
    EndpointSliceControllerOptions options) {
  const ResourceInfo* services = catalog.find("", "v1", "services");
  const ResourceInfo* slices = catalog.find("discovery.k8s.io", "v1", "endpointslices");
  const ResourceInfo* endpoints = catalog.find("", "v1", "endpoints");
  if (!services || !slices || !endpoints) return nullptr;
  return std::unique_ptr<EndpointSliceController>(
      new EndpointSliceController(state, registry, *services, *slices, *endpoints, options));
}

EndpointSliceController::EndpointSliceController(cache::ClusterState& state, Registry& registry,
                                                 const ResourceInfo& services, const ResourceInfo& slices,
                                                 const ResourceInfo& endpoints,
                                                 EndpointSliceControllerOptions options)
    : state_(state),
      registry_(registry),
      services_(services),
      slices_(slices),
      endpoints_(endpoints),
      options_(options),
      events_(registry, "endpointslice-controller") {}

EndpointSliceController::~EndpointSliceController() { stop(); }

void EndpointSliceController::start() {
  if (started_) return;
  started_ = true;
  subscription_ = state_.subscribe(
      [this](const std::shared_ptr<const cache::Snapshot>& snapshot, const cache::Changes& changes) {
        std::lock_guard<std::mutex> lock(mu_);
        // While the worker is busy, snapshots coalesce into one delivery: ingest compares
        // the last snapshot it saw with the newest, so the ones between need not be kept
        // (each would hold its own copy of the indexes it changed).
        if (pending_) {
          pending_->snapshot = snapshot;
          pending_->changes.merge(changes);
        } else {
          pending_ = Delivery{snapshot, changes};
        }
        cv_.notify_all();
      });
  worker_ = std::thread([this] { run(); });
}

void EndpointSliceController::stop() {
  if (!started_) return;
  state_.unsubscribe(subscription_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    cv_.notify_all();
  }
  if (worker_.joinable()) worker_.join();
}

EndpointSliceControllerStats EndpointSliceController::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void EndpointSliceController::markDirty(NamespacedName key) {
  std::lock_guard<std::mutex> lock(mu_);
  dirty_.insert(std::move(key));
  cv_.notify_all();
}

void EndpointSliceController::watchEndpoints() {
  endpointsWatch_.reset();
  store::Store& store = registry_.store();
  const std::string prefix = endpoints_.storePrefix();
  store::WatchCallbacks callbacks;
  callbacks.onEvent = [this, prefix](const store::Event& event) {
    if (auto name = nameFromKey(event.record.key, prefix)) markDirty(std::move(*name));
    return true;
  };
  callbacks.onClosed = [this](const Status&) {
    std::lock_guard<std::mutex> lock(mu_);
    watchEnded_ = true;
    cv_.notify_all();
  };
  auto watch = store.watch(prefix, store.currentRevision(), std::move(callbacks));
  if (!watch.isOk()) {
    log::warn("endpointslice controller: cannot watch Endpoints: ", watch.status().message());
    std::lock_guard<std::mutex> lock(mu_);
    watchEnded_ = true;
    return;
  }
  endpointsWatch_ = std::move(watch).value();
}

void EndpointSliceController::run() {
  using Clock = std::chrono::steady_clock;
  while (true) {
    std::optional<Delivery> delivery;
    std::set<NamespacedName> dirty;
    bool resync = false, rewatch = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      auto ready = [&] {
        if (stopping_ || pending_) return true;
        if (!state_.hasSynced()) return false;
        if (resync_ || watchEnded_ || !dirty_.empty()) return true;
        return !retries_.empty() && retries_.begin()->second.at <= Clock::now();
      };
      // Retries are few; the earliest one bounds the wait.
      auto wakeAt = Clock::now() + options_.retryMax;
      for (const auto& [key, retry] : retries_) wakeAt = std::min(wakeAt, retry.at);
      cv_.wait_until(lock, wakeAt, ready);
      if (stopping_) break;
      delivery.swap(pending_);
      if (!state_.hasSynced()) continue;
      rewatch = watchEnded_;
      watchEnded_ = false;
      resync = resync_ || rewatch;
      resync_ = false;
      dirty.swap(dirty_);
      auto now = Clock::now();
      for (const auto& [key, retry] : retries_) {
        if (retry.at <= now) dirty.insert(key);
      }
    }
    if (rewatch || !endpointsWatch_) watchEndpoints();
    if (delivery) ingest(*delivery);
    {
      // Keys found while ingesting went to dirty_; take them in this round.
      std::lock_guard<std::mutex> lock(mu_);
      dirty.insert(dirty_.begin(), dirty_.end());
      dirty_.clear();
    }
    if (resync) resyncAll();
    {
      std::lock_guard<std::mutex> lock(mu_);
      dirty.insert(dirty_.begin(), dirty_.end());
      dirty_.clear();
    }
    for (const auto& key : dirty) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) break;
      }
      bool ok = sync(key);
      std::lock_guard<std::mutex> lock(mu_);
      if (ok) {
        retries_.erase(key);
        continue;
      }
      Retry& retry = retries_[key];
      retry.delay =
          retry.delay.count() == 0 ? options_.retryInitial : std::min(retry.delay * 2, options_.retryMax);
      retry.at = Clock::now() + retry.delay;
    }
  }
  endpointsWatch_.reset();
}

void EndpointSliceController::ingest(const Delivery& delivery) {
  const auto& now = delivery.snapshot;
  std::shared_ptr<const cache::Snapshot> before = last_;
  last_ = now;
  std::set<NamespacedName> keys;
  for (const auto& name : delivery.changes.of(cache::Kind::kService)) keys.insert(name);
  for (const auto& name : delivery.changes.of(cache::Kind::kEndpointSlice)) {
    for (const auto* snap : {now.get(), before.get()}) {
      if (!snap) continue;
      if (auto slice = snap->endpointSlice(name.ns, name.name); slice && !slice->serviceName.empty()) {
        keys.insert(NamespacedName{slice->ns, slice->serviceName});
      }
    }
  }
  // The selector index follows the Services to `now`.
  if (!before) {
    for (const auto& service : now->services()) fileSelector(*service, true);
  } else {
    for (const auto& name : delivery.changes.of(cache::Kind::kService)) {
      if (auto old = before->service(name.ns, name.name)) fileSelector(*old, false);
      if (auto service = now->service(name.ns, name.name)) fileSelector(*service, true);
    }
  }
  // A Pod concerns the Services whose selector matches its labels before or after: each
  // changed Pod as it is now and as it was, against the Services filed under its labels.
  for (const auto& name : delivery.changes.of(cache::Kind::kPod)) {
    for (const auto* snap : {now.get(), before.get()}) {
      if (!snap) continue;
      cache::PodPtr pod = snap->pod(name.ns, name.name);
      if (!pod) continue;
      for (const auto& [key, value] : pod->labels) {
        auto filed = servicesBySelector_.find(
            std::make_tuple(std::string_view(pod->ns), std::string_view(key), std::string_view(value)));
        if (filed == servicesBySelector_.end()) continue;
        for (const std::string& service : filed->second) {
          auto current = now->service(pod->ns, service);
          if (current && selectorMatches(current->selector, pod->labels)) {
            keys.insert(NamespacedName{pod->ns, service});
          }
        }
      }
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  dirty_.insert(keys.begin(), keys.end());
}

void EndpointSliceController::fileSelector(const api::ServiceView& service, bool add) {
  if (service.selector.empty()) return;
  // Every Pod the selector matches carries its first pair.
  const auto& [key, value] = *service.selector.begin();
  auto at = std::make_tuple(service.ns, key, value);
  if (add) {
    servicesBySelector_[at].insert(service.name);
    return;
  }
  auto filed = servicesBySelector_.find(at);
  if (filed == servicesBySelector_.end()) return;
  filed->second.erase(service.name);
  if (filed->second.empty()) servicesBySelector_.erase(filed);
}

void EndpointSliceController::resyncAll() {
  std::set<NamespacedName> keys;
  for (const auto& service : state_.current()->services())
    keys.insert(NamespacedName{service->ns, service->name});
  // Slices and Endpoints of Services deleted while the controller was down.
  auto addOwner = [&](store::Record&& record) {
    json obj = parseOrNull(record.value);
    std::string service = labelOf(obj, kServiceNameLabel);
    std::string manager = labelOf(obj, kManagedByLabel);
    if (service.empty() || (manager != kSliceManager && manager != kMirrorManager)) return;
    keys.insert(NamespacedName{metadataOf(obj).value("namespace", ""), service});
  };
  ListPage slices = registry_.list(slices_, "", ListOptions{}, addOwner);
  if (slices.error) log::warn("endpointslice controller: listing slices: ", slices.error->message);
  ListPage endpoints = registry_.list(endpoints_, "", ListOptions{}, [&](store::Record&& record) {
    if (auto name = nameFromKey(record.key, endpoints_.storePrefix())) keys.insert(std::move(*name));
  });
  if (endpoints.error) log::warn("endpointslice controller: listing Endpoints: ", endpoints.error->message);
  std::lock_guard<std::mutex> lock(mu_);
  dirty_.insert(keys.begin(), keys.end());
  if (slices.error || endpoints.error) resync_ = true;
}

bool EndpointSliceController::readSlices(const NamespacedName& key, const cache::Snapshot& snapshot,
                                         const std::function<void(json&&)>& take) {
  // The names generateName gives them: the base cut to 58 characters (apiserver's
  // names.SimpleNameGenerator, as the registry does), then 5 random ones.
  constexpr size_t kMaxGenerateNameBase = 58;
  const std::string generated = (key.name + "-").substr(0, kMaxGenerateNameBase);
  std::set<std::string> seen;
  auto consider = [&](const std::string& stored) {
    json slice = parseOrNull(stored);
    if (labelOf(slice, kServiceNameLabel) != key.name) return;
    if (!seen.insert(metadataOf(slice).value("name", "")).second) return;
    take(std::move(slice));
  };
  for (auto& record : registry_.store().list(Registry::prefixFor(slices_, key.ns) + generated).records) {
    consider(record.value);
  }
  for (const cache::EndpointSlicePtr& slice : snapshot.endpointSlicesOf(key.ns, key.name)) {
    if (slice->name.compare(0, generated.size(), generated) == 0) continue;  // read above
    Outcome got = registry_.get(slices_, key.ns, slice->name);
    if (got.ok()) {
      consider(got.object);
    } else if (got.error->code != 404) {
      return false;
    }
  }
  return true;
}

bool EndpointSliceController::sync(const NamespacedName& key) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.syncs;
  }
  const std::string& ns = key.ns;
  const std::string& name = key.name;
  bool ok = true;
  std::string failure;  // the first write error, for the Service's Event
  auto count = [&](const Outcome& out, const char* what, const std::string& object) {
    std::lock_guard<std::mutex> lock(mu_);
    // A slice or Endpoints already gone is what a delete wanted.
    if (out.ok() || (out.error->code == 404 && std::string(what) == "delete")) {
      ++stats_.writes;
      return;
    }
    ++stats_.writeErrors;
    ok = false;
    if (failure.empty() && out.error->code != 409) failure = std::string(what) + " " + object + ": " + out.error->message;
    log::info("endpointslice controller: ", ns, "/", name, ": ", what, " ", object, ": ", out.error->message);
  };

  // The Service, fresh from the store.
  Outcome got = registry_.get(services_, ns, name);
  json service;
  std::optional<api::ServiceView> view;
  if (got.ok()) {
    service = parseOrNull(got.object);
    auto parsed = api::ServiceView::fromJson(service);
    if (!parsed.isOk()) {
      log::warn("endpointslice controller: skipping Service ", ns, "/", name, ": ",
                parsed.status().message());
      return true;
    }
    view = std::move(parsed).value();
  } else if (got.error->code != 404) {
    return false;
  }
  const bool selected = view && !view->selector.empty() && view->type != api::ServiceType::kExternalName;
  const bool mirrored = view && view->selector.empty();

  // Every slice labelled for the Service, split by manager.
  std::shared_ptr<const cache::Snapshot> snapshot = state_.current();
  std::vector<json> owned, mirroredSlices;
  if (!readSlices(key, *snapshot, [&](json&& slice) {
        std::string manager = labelOf(slice, kManagedByLabel);
        if (manager == kSliceManager)
          owned.push_back(std::move(slice));
        else if (manager == kMirrorManager)
          mirroredSlices.push_back(std::move(slice));
      })) {
    return false;
  }

  auto apply = [&](const SlicePlan& plan, const char* manager) {
    WriteOptions options;
    options.fieldManager = manager;
    for (const auto& name : plan.deletes) {
      count(await([&](Done done) { registry_.remove(slices_, ns, name, {}, std::move(done)); }), "delete",
            "EndpointSlice " + name);
    }
    for (const auto& slice : plan.updates) {
      std::string sliceName = metadataOf(slice).value("name", "");
      count(await([&](Done done) {
              registry_.update(slices_, ns, sliceName, slice, options, std::move(done));
            }),
            "update", "EndpointSlice " + sliceName);
    }
    for (const auto& slice : plan.creates) {
      count(await([&](Done done) { registry_.create(slices_, ns, slice, options, std::move(done)); }),
            "create", "EndpointSlice");
    }
  };
  auto deleteAll = [&](const std::vector<json>& slices, const char* manager) {
    SlicePlan plan;
    for (const auto& s : slices) plan.deletes.push_back(metadataOf(s).value("name", ""));
    apply(plan, manager);
  };

  // Pods of the Service, from the cache.
  std::vector<const api::PodView*> pods;
  if (selected) {
    // The Pods carrying the selector's rarest pair are the only candidates.
    cache::Span<cache::PodByLabel> candidates;
    bool first = true;
    for (const auto& [key, value] : view->selector) {
      auto withPair = snapshot->podsWithLabel(ns, key, value);
      if (first || withPair.size() < candidates.size()) candidates = withPair;
      first = false;
    }
    for (const auto& entry : candidates) {
      if (selectorMatches(view->selector, entry.pod->labels)) pods.push_back(entry.pod.get());
    }
  }

  if (selected) {
    SliceTemplate tmpl;
    tmpl.ns = ns;
    tmpl.generateName = name + "-";
    tmpl.labels = labelsOf(service);
    tmpl.labels[kServiceNameLabel] = name;
    tmpl.labels[kManagedByLabel] = kSliceManager;
    if (view->headless) tmpl.labels[kHeadlessLabel] = "";
    tmpl.ownerReferences = controllerRef("Service", service);
    if (!view->ipFamilies.empty()) tmpl.placeholderAddressType = ipFamilyName(view->ipFamilies.front());
    apply(planSlices(groupsForService(*view, pods), owned, tmpl), "endpointslice-controller");
  } else {
    deleteAll(owned, "endpointslice-controller");
  }

  // core/v1 Endpoints.
  Outcome current = registry_.get(endpoints_, ns, name);
  if (!current.ok() && current.error->code != 404) return false;
  json stored = current.ok() ? parseOrNull(current.object) : json();
  if (selected) {
    json labels = labelsOf(service);
    labels[kSkipMirrorLabel] = "true";
    if (view->headless) labels[kHeadlessLabel] = "";
    json subsets = endpointsSubsetsForService(*view, pods);
    const bool truncated = truncateEndpointSubsets(subsets);
    WriteOptions options;
    options.fieldManager = "endpoint-controller";
    if (stored.is_null()) {
      json obj = {{"apiVersion", "v1"},
                  {"kind", "Endpoints"},
                  {"metadata", {{"name", name}, {"namespace", ns}, {"labels", labels}}},
                  {"subsets", subsets}};
      if (truncated) obj["metadata"]["annotations"] = {{kOverCapacityAnnotation, "truncated"}};
      count(await([&](Done done) { registry_.create(endpoints_, ns, obj, options, std::move(done)); }),
            "create", "Endpoints");
    } else {
      json next = stored;
      next["metadata"]["labels"] = labels;
      next["subsets"] = subsets;
      json& annotations = next["metadata"]["annotations"];
      if (truncated) {
        annotations[kOverCapacityAnnotation] = "truncated";
      } else if (annotations.is_object()) {
        annotations.erase(kOverCapacityAnnotation);
      }
      if (annotations.is_null() || annotations.empty()) next["metadata"].erase("annotations");
      json before = stored;
      if (!before.contains("subsets")) before["subsets"] = json::array();
      if (next != before) {
        count(
            await([&](Done done) { registry_.update(endpoints_, ns, name, next, options, std::move(done)); }),
            "update", "Endpoints");
      }
    }
  } else if (!view && !stored.is_null() && labelOf(stored, kSkipMirrorLabel) == "true") {
    // The Service is gone: its controller-written Endpoints go with it. A user's stay.
    count(await([&](Done done) { registry_.remove(endpoints_, ns, name, {}, std::move(done)); }), "delete",
          "Endpoints");
  }

  // Mirroring of a user's Endpoints for a selectorless Service.
  if (mirrored && !stored.is_null() && labelOf(stored, kSkipMirrorLabel) != "true") {
    SliceTemplate tmpl;
    tmpl.ns = ns;
    tmpl.generateName = name + "-";
    tmpl.labels = labelsOf(stored);
    tmpl.labels[kServiceNameLabel] = name;
    tmpl.labels[kManagedByLabel] = kMirrorManager;
    tmpl.ownerReferences = controllerRef("Endpoints", stored);
    std::vector<EndpointGroup> groups = groupsFromEndpoints(stored);
    if (groups.empty()) {
      deleteAll(mirroredSlices, "endpointslicemirroring-controller");
    } else {
      apply(planSlices(std::move(groups), mirroredSlices, tmpl), "endpointslicemirroring-controller");
    }
  } else {
    deleteAll(mirroredSlices, "endpointslicemirroring-controller");
  }
  // Told once per streak of failures (retries back off; a conflict only means a newer
  // object, which the retry reads).
  if (!failure.empty() && view) {
    bool firstFailure;
    {
      std::lock_guard<std::mutex> lock(mu_);
      firstFailure = retries_.count(key) == 0;
    }
    if (firstFailure) {
      events_.warning({"Service", ns, name, view->uid}, "FailedToUpdateEndpointSlices",
                      "Error updating Endpoint Slices for Service " + ns + "/" + name + ": " + failure);
    }
  }
  return ok;
}

}  // namespace edgeway::apiserver::controllers
