#include "apiserver/src/namespace_lifecycle.h"

#include <atomic>
#include <cassert>

#include "apiserver/src/json_fields.h"
#include "apiserver/src/object_meta.h"
#include "apiserver/src/registry_runs.h"

namespace edgeway::apiserver {
namespace {

constexpr int kRetryMillis = 1000;


}  // namespace

NamespaceLifecycle::NamespaceLifecycle(Registry& registry)
    : registry_(registry), info_(registry.catalog().find("", "v1", "namespaces")) {
  assert(info_ && "the catalog serves core/v1 namespaces");
}

bool NamespaceLifecycle::isSystemNamespace(const std::string& name) {
  return name == "default" || name == "kube-system" || name == "kube-public" || name == "kube-node-lease";
}

void NamespaceLifecycle::remove(std::shared_ptr<Registry::DeleteRun> run) {
  if (isSystemNamespace(run->name)) {
    return run->done(Outcome::failure(forbiddenError(info_->ref(run->name), "this namespace may not be deleted")));
  }
  mark(std::move(run));
}

void NamespaceLifecycle::mark(std::shared_ptr<Registry::DeleteRun> run) {
  ++run->attempts;
  std::string key = Registry::keyFor(*info_, "", run->name);
  auto rec = registry_.store().get(key);
  if (!rec) return run->done(Outcome::failure(notFoundError(info_->ref(run->name))));
  auto obj = parseStored(rec->value);
  if (!obj) return run->done(Outcome::failure(internalServerError("stored object " + key + " is not valid JSON")));
  std::string uid = fields::str(*obj, {"metadata", "uid"});
  std::string rv = std::to_string(rec->modRevision);
  if (run->options.uid && *run->options.uid != uid) {
    return run->done(Outcome::failure(conflictError(info_->ref(run->name), "Precondition failed: UID in precondition: " +
                                                                      *run->options.uid + ", UID in object meta: " + uid)));
  }
  if (run->options.resourceVersion && *run->options.resourceVersion != rv) {
    return run->done(Outcome::failure(conflictError(info_->ref(run->name),
                                           "Precondition failed: ResourceVersion in precondition: " +
                                               *run->options.resourceVersion + ", ResourceVersion in object meta: " + rv)));
  }
  if (run->options.dryRun || hasDeletionTimestamp(*obj)) {
    if (!run->options.dryRun) registry_.post([this, ns = run->name] { finalize(ns); });
    Outcome out;
    out.object = std::move(rec->value);
    return run->done(std::move(out));
  }
  metadataOf(*obj)["deletionTimestamp"] = nowTimestamp();
  (*obj)["status"]["phase"] = "Terminating";
  auto stored = std::make_shared<StoredObject>(*obj);
  registry_.write(
      Registry::WriteKind::kUpdate, std::move(key), rec->modRevision, [stored](store::Revision r) { return stored->render(r); },
      [this, run](Result<store::Record> result) {
        if (!result.isOk()) {
          if (result.status().code() == StatusCode::kConflict && !run->options.resourceVersion &&
              run->attempts < kMaxWriteAttempts) {
            registry_.post([this, run] { mark(run); });
            return;
          }
          return run->done(Outcome::failure(fromStatus(result.status(), info_->ref(run->name))));
        }
        Outcome out;
        out.object = std::move(result.value().value);
        run->done(std::move(out));
        registry_.post([this, ns = run->name] { finalize(ns); });
      });
}

void NamespaceLifecycle::resume() {
  store::ListResult all = registry_.store().list(info_->storePrefix());
  for (const auto& rec : all.records) {
    auto obj = parseStored(rec.value);
    if (obj && hasDeletionTimestamp(*obj)) finalize(fields::str(*obj, {"metadata", "name"}));
  }
}

void NamespaceLifecycle::finalize(const std::string& ns) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!finalizing_.insert(ns).second) return;  // already under way
  }
  // Delete everything in every namespaced resource; when the last delete has answered,
  // check that the namespace is empty.
  struct Pending {
    std::atomic<size_t> count{1};
  };
  auto pending = std::make_shared<Pending>();
  auto oneDone = [this, pending, ns] {
    if (--pending->count == 0) registry_.post([this, ns] { removeWhenEmpty(ns); });
  };
  for (const auto& res : registry_.catalog().all()) {
    if (!res->namespaced) continue;
    store::ListResult content = registry_.store().list(Registry::prefixFor(*res, ns));
    for (const auto& rec : content.records) {
      std::string name = rec.key.substr(Registry::prefixFor(*res, ns).size());
      ++pending->count;
      registry_.remove(*res, ns, name, DeleteOptions{}, [oneDone](Outcome) { oneDone(); });
    }
  }
  oneDone();
}

void NamespaceLifecycle::removeWhenEmpty(const std::string& ns) {
  for (const auto& res : registry_.catalog().all()) {
    if (res->namespaced && !registry_.store().list(Registry::prefixFor(*res, ns), {}, 1).records.empty()) {
      return retryLater(ns);  // finalizers still pending, or content created in a race
    }
  }
  std::string key = Registry::keyFor(*info_, "", ns);
  auto rec = registry_.store().get(key);
  if (!rec) return finished(ns);
  auto obj = parseStored(rec->value);
  if (!obj) return finished(ns);
  // The "kubernetes" finalizer is ours and is now done.
  (*obj)["spec"]["finalizers"] = nlohmann::json::array();
  auto stored = std::make_shared<StoredObject>(*obj);
  auto render = [stored](store::Revision r) { return stored->render(r); };
  auto onWritten = [this, ns](Result<store::Record> result) {
    if (!result.isOk() && result.status().code() == StatusCode::kConflict) return retryLater(ns);
    finished(ns);
  };
  if (hasFinalizers(*obj)) {
    // Someone else's metadata finalizers: clear ours and leave the last step to the update
    // that removes theirs.
    registry_.write(Registry::WriteKind::kUpdate, std::move(key), rec->modRevision, std::move(render),
                    std::move(onWritten));
  } else {
    registry_.write(Registry::WriteKind::kRemove, std::move(key), rec->modRevision, std::move(render),
                    std::move(onWritten));
  }
}

void NamespaceLifecycle::finished(const std::string& ns) {
  std::lock_guard<std::mutex> lock(mu_);
  finalizing_.erase(ns);
}

void NamespaceLifecycle::retryLater(const std::string& ns) {
  finished(ns);
  registry_.after(kRetryMillis, [this, ns] { finalize(ns); });
}

}  // namespace edgeway::apiserver
