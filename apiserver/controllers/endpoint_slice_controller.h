#pragma once
// EndpointSliceController: keeps the endpoints of every Service in the store, as
// kube-controller-manager's endpointslice, endpoints and endpointslicemirroring controllers
// do together:
//   - a Service with a selector (not ExternalName) gets EndpointSlices managed by
//     "endpointslice-controller.k8s.io", built from the Pods of its namespace that match
//     the selector and have addresses, and a core/v1 Endpoints of the same name;
//   - a selectorless Service's user-written Endpoints are mirrored into slices managed by
//     "endpointslicemirroring-controller.k8s.io";
//   - slices managed by someone else (a user's, for a selectorless Service) are never
//     touched.
//
// Reads: Pods from the cluster-state cache; Services, slices and Endpoints from the store
// through the Registry (fresh, so that a slice just created is never created twice). A
// Service's slices are found by name, not by listing its namespace: those named as this
// controller names them (`<service>-xxxxx`) and those the cache knows for the Service,
// each read fresh -- so a sync costs the same with 10 or 10,000 Services in the namespace.
// A slice someone else labels for the Service is seen once the cache has it (its event
// syncs the Service again).
// Writes: through the Registry, like any client (validation, resourceVersion, watch).
//
// One worker thread reconciles one Service at a time. Cache changes and Endpoints events
// mark Services dirty (a Pod marks the Services selecting it, found through an index of
// the Services by selector); a failed write retries that Service with backoff. start()
// resyncs everything, so a restart converges on what is stored (no duplicate slices).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <tuple>

#include "apiserver/controllers/event_recorder.h"
#include "cache/changes.h"
#include "cache/cluster_state.h"
#include "cache/namespaced_name.h"

namespace edgeway::store {
class Watch;
}

namespace edgeway::apiserver {

class Registry;
class ResourceCatalog;
struct ResourceInfo;

namespace controllers {

struct EndpointSliceControllerOptions {
  std::chrono::milliseconds retryInitial{200};
  std::chrono::milliseconds retryMax{10000};
};

struct EndpointSliceControllerStats {
  uint64_t syncs = 0;        // Service reconciles run
  uint64_t writes = 0;       // successful creates, updates and deletes
  uint64_t writeErrors = 0;  // failed writes (each schedules a retry)
};

class EndpointSliceController {
 public:
  // `state`, `registry` and `catalog` must outlive the controller; stop it before the
  // ApiServer that owns the registry is destroyed.
  static std::unique_ptr<EndpointSliceController> create(cache::ClusterState& state, Registry& registry,
                                                         const ResourceCatalog& catalog,
                                                         EndpointSliceControllerOptions options = {});
  ~EndpointSliceController();
  EndpointSliceController(const EndpointSliceController&) = delete;
  EndpointSliceController& operator=(const EndpointSliceController&) = delete;

  // Subscribes to the cache, watches Endpoints and starts the worker, which waits for the
  // cache to sync, then reconciles every Service. Call once.
  void start();
  // Ends the watch and the subscription and joins the worker. Idempotent.
  void stop();

  EndpointSliceControllerStats stats() const;

 private:
  struct Delivery {
    std::shared_ptr<const cache::Snapshot> snapshot;
    cache::Changes changes;
  };
  struct Retry {
    std::chrono::steady_clock::time_point at;
    std::chrono::milliseconds delay{0};
  };

  EndpointSliceController(cache::ClusterState& state, Registry& registry, const ResourceInfo& services,
                          const ResourceInfo& slices, const ResourceInfo& endpoints,
                          EndpointSliceControllerOptions options);

  void run();
  void watchEndpoints();
  void markDirty(cache::NamespacedName key);
  void ingest(const Delivery& delivery);
  // Files `service` under its selector in servicesBySelector_, or takes it out.
  void fileSelector(const api::ServiceView& service, bool add);
  void resyncAll();
  // False when a write failed and the Service must be retried.
  bool sync(const cache::NamespacedName& key);
  // Hands every stored slice labelled for the Service `key` to `take`, read fresh (see
  // above). False when one could not be read.
  bool readSlices(const cache::NamespacedName& key, const cache::Snapshot& snapshot,
                  const std::function<void(nlohmann::json&&)>& take);

  cache::ClusterState& state_;
  Registry& registry_;
  const ResourceInfo& services_;
  const ResourceInfo& slices_;
  const ResourceInfo& endpoints_;
  const EndpointSliceControllerOptions options_;
  const EventRecorder events_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::optional<Delivery> pending_;  // snapshots not yet ingested, coalesced
  std::set<cache::NamespacedName> dirty_;
  std::map<cache::NamespacedName, Retry> retries_;
  bool stopping_ = false;
  bool resync_ = true;  // everything, on start and after the Endpoints watch ended
  bool watchEnded_ = false;
  EndpointSliceControllerStats stats_;

  // Worker thread only.
  std::shared_ptr<const cache::Snapshot> last_;
  // The names of the Services of last_ that have a selector, by namespace and the
  // selector's first pair: a Pod change looks at the Services filed under its labels, not
  // at every Service.
  std::map<std::tuple<std::string, std::string, std::string>, std::set<std::string>, std::less<>>
      servicesBySelector_;
  std::unique_ptr<store::Watch> endpointsWatch_;

  cache::ClusterState::SubscriptionId subscription_ = 0;
  std::thread worker_;
  bool started_ = false;
};

}  // namespace controllers
}  // namespace edgeway::apiserver
