#pragma once
// The generic registry: the REST verbs implemented once for every kind, each kind plugging
// in its Strategy (apiserver/strategy.h). It runs kube-apiserver's pipeline: system
// metadata, strategy hooks, validation, allocation, managed fields, then one store write
// whose outcome commits or reverts the allocations.
//
// Objects are JSON. Stored values always carry kind, apiVersion and their own
// resourceVersion (the store revision of the write), so reads can return stored bytes as
// they are.
//
// Threading: call the verbs from any thread except a store callback. CPU work runs on the
// calling thread; `Done` runs later, on whichever thread completed the write (often the
// store's writer thread), so it must be cheap: respond, or post heavier work elsewhere.

#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/selector.h"
#include "apiserver/api_error.h"
#include "apiserver/resources.h"
#include "store/store.h"

namespace edgeway::apiserver {

class NamespaceLifecycle;

// Where the registry runs deferred work (write retries, namespace clean-up).
struct Scheduler {
  std::function<void(std::function<void()>)> post;
  std::function<void(int millis, std::function<void()>)> after;
};

enum class PatchType { kJsonPatch, kMergePatch, kStrategicMergePatch, kApply };

struct WriteOptions {
  bool dryRun = false;
  std::string fieldManager;  // recorded in managedFields; required for kApply
  bool force = false;        // server-side apply: take over conflicting fields
  bool status = false;       // the /status subresource
  // PATCH: holds each patched result to the kind's schema (the fieldValidation directive),
  // adding warnings or failing the request. Runs on every attempt of the retry loop.
  std::function<std::optional<ApiError>(nlohmann::json& patched, std::vector<std::string>& warnings)> checkPatched;
};

struct DeleteOptions {
  bool dryRun = false;
  std::optional<std::string> uid;              // preconditions
  std::optional<std::string> resourceVersion;
};

struct Outcome {
  std::optional<ApiError> error;
  int code = 200;                     // 201 for a create
  std::string object;                 // the resulting object as JSON
  std::vector<std::string> warnings;  // texts for Warning headers

  bool ok() const { return !error.has_value(); }
  static Outcome failure(ApiError e) {
    Outcome out;
    out.error = std::move(e);
    return out;
  }
};
using Done = std::function<void(Outcome)>;

struct ListOptions {
  const api::LabelSelector* labels = nullptr;  // may be null: everything
  const api::FieldSelector* fields = nullptr;
  size_t limit = 0;           // 0: no limit
  std::string continueToken;  // from a previous page
};

struct ListPage {
  std::optional<ApiError> error;
  std::vector<store::Record> records;  // matching objects in key order
  store::Revision revision = 0;        // the list's resourceVersion
  std::string continueToken;           // non-empty when more may follow
};

class Registry {
 public:
  Registry(store::Store& store, const ResourceCatalog& catalog, Scheduler scheduler);
  // Waits for the writes and deferred work in flight; later ones are refused (503).
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  Outcome get(const ResourceInfo& info, const std::string& ns, const std::string& name) const;
  ListPage list(const ResourceInfo& info, const std::string& ns, const ListOptions& options) const;
  // The same list, handing each matching record to `sink` as it is found instead of
  // collecting them in ListPage::records, so a large list never holds a second copy of the
  // objects: the store is read a batch at a time.
  ListPage list(const ResourceInfo& info, const std::string& ns, const ListOptions& options,
                const std::function<void(store::Record&&)>& sink) const;

  // `obj` is a decoded object of the resource's kind (apiVersion/kind already checked).
  void create(const ResourceInfo& info, const std::string& ns, nlohmann::json obj, WriteOptions options,
              Done done);
  // PUT: replaces the object; a metadata.resourceVersion in `obj` is a precondition.
  void update(const ResourceInfo& info, const std::string& ns, const std::string& name, nlohmann::json obj,
              WriteOptions options, Done done);
  // `patch` is the parsed patch document (for kApply, the applied configuration).
  void patch(const ResourceInfo& info, const std::string& ns, const std::string& name, PatchType type,
             nlohmann::json patch, WriteOptions options, Done done);
  // Deletes, or marks for deletion an object with finalizers (it goes once an update
  // removes them). Deleting a Namespace starts its termination.
  void remove(const ResourceInfo& info, const std::string& ns, const std::string& name, DeleteOptions options,
              Done done);
  // Deletes every object matching `options` (limit/continue ignored); `done` gets the
  // deleted objects as a list.
  void removeCollection(const ResourceInfo& info, const std::string& ns, const ListOptions& options,
                        DeleteOptions deleteOptions, Done done);

  // Resumes the termination of Namespaces left Terminating by a previous run.
  void resumeNamespaceTermination();

  store::Store& store() const { return store_; }
  const ResourceCatalog& catalog() const { return catalog_; }

  // "/core/services/default/web"; ns is "" for cluster-scoped kinds.
  static std::string keyFor(const ResourceInfo& info, const std::string& ns, const std::string& name);
  // Keys of one namespace ("/core/services/default/"), or of all when ns is "".
  static std::string prefixFor(const ResourceInfo& info, const std::string& ns);

 private:
  friend class NamespaceLifecycle;
  struct UpdateRun;
  struct CreateRun;
  struct DeleteRun;
  struct Life;
  enum class WriteKind { kCreate, kUpdate, kRemove };

  // Every store write and deferred task goes through these, so that the destructor can
  // wait for them: their callbacks use the catalog, strategies and allocators.
  void write(WriteKind kind, std::string key, store::Revision expected, store::Render render,
             store::WriteCallback done);
  void post(std::function<void()> fn);
  void after(int millis, std::function<void()> fn);

  std::optional<ApiError> admitCreate(const ResourceInfo& info, const std::string& ns,
                                      const std::string& name) const;
  void runCreate(std::shared_ptr<CreateRun> run);
  void startCreate(std::shared_ptr<CreateRun> run);
  void createFromApply(std::shared_ptr<UpdateRun> run);
  void startUpdate(std::shared_ptr<UpdateRun> run);
  void startDelete(std::shared_ptr<DeleteRun> run);

  store::Store& store_;
  const ResourceCatalog& catalog_;
  Scheduler scheduler_;
  std::shared_ptr<Life> life_;
  std::unique_ptr<NamespaceLifecycle> namespaces_;
};

}  // namespace edgeway::apiserver
