// Registry basics: keys, reads, and the namespace admission every namespaced create passes.
// The verbs live in registry_create.cpp, registry_update.cpp, registry_delete.cpp and
// registry_list.cpp.

#include "apiserver/registry.h"

#include <condition_variable>
#include <mutex>

#include "apiserver/src/json_fields.h"
#include "apiserver/src/namespace_lifecycle.h"
#include "apiserver/src/object_meta.h"
#include "apiserver/src/stored_object.h"

namespace edgeway::apiserver {

// Counts the work that may still touch the registry: store writes awaiting their callback
// and deferred tasks.
struct Registry::Life {
  std::mutex mu;
  std::condition_variable idle;
  size_t inflight = 0;
  bool closing = false;

  bool enter() {
    std::lock_guard<std::mutex> lock(mu);
    if (closing) return false;
    ++inflight;
    return true;
  }
  void exit() {
    std::lock_guard<std::mutex> lock(mu);
    if (--inflight == 0) idle.notify_all();
  }
};

Registry::Registry(store::Store& store, const ResourceCatalog& catalog, Scheduler scheduler)
    : store_(store), catalog_(catalog), scheduler_(std::move(scheduler)), life_(std::make_shared<Life>()),
      namespaces_(std::make_unique<NamespaceLifecycle>(*this)) {}

Registry::~Registry() {
  std::unique_lock<std::mutex> lock(life_->mu);
  life_->closing = true;
  life_->idle.wait(lock, [this] { return life_->inflight == 0; });
}

void Registry::write(WriteKind kind, std::string key, store::Revision expected, store::Render render,
                     store::WriteCallback done) {
  if (!life_->enter()) return done(unavailable("the server is shutting down"));
  auto tracked = [life = life_, done = std::move(done)](Result<store::Record> result) {
    done(std::move(result));
    life->exit();
  };
  switch (kind) {
    case WriteKind::kCreate: return store_.create(std::move(key), std::move(render), std::move(tracked));
    case WriteKind::kUpdate: return store_.update(std::move(key), expected, std::move(render), std::move(tracked));
    case WriteKind::kRemove: return store_.remove(std::move(key), expected, std::move(render), std::move(tracked));
  }
}

void Registry::post(std::function<void()> fn) {
  // A task counts only while it runs: one still queued when the registry goes (or whose
  // executor has stopped) finds it closing and does nothing.
  scheduler_.post([life = life_, fn = std::move(fn)] {
    if (!life->enter()) return;
    fn();
    life->exit();
  });
}

void Registry::after(int millis, std::function<void()> fn) {
  scheduler_.after(millis, [life = life_, fn = std::move(fn)] {
    if (!life->enter()) return;
    fn();
    life->exit();
  });
}

std::string Registry::keyFor(const ResourceInfo& info, const std::string& ns, const std::string& name) {
  std::string key = info.storePrefix();
  if (info.namespaced) key += ns;
  key += '/';
  key += name;
  return key;
}

std::string Registry::prefixFor(const ResourceInfo& info, const std::string& ns) {
  return ns.empty() || !info.namespaced ? info.storePrefix() : info.storePrefix() + ns + "/";
}

Outcome Registry::get(const ResourceInfo& info, const std::string& ns, const std::string& name) const {
  Outcome out;
  auto rec = store_.get(keyFor(info, ns, name));
  if (!rec) {
    out.error = notFoundError(info.ref(name));
  } else {
    out.object = std::move(rec->value);
  }
  return out;
}

std::optional<ApiError> Registry::admitCreate(const ResourceInfo& info, const std::string& ns,
                                              const std::string& name) const {
  if (!info.namespaced) return std::nullopt;
  const ResourceInfo* namespaces = namespaces_->info();
  auto rec = store_.get(keyFor(*namespaces, "", ns));
  if (!rec) return notFoundError(namespaces->ref(ns));
  auto obj = parseStored(rec->value);
  if (obj && (hasDeletionTimestamp(*obj) || fields::str(*obj, {"status", "phase"}) == "Terminating")) {
    return forbiddenError(info.ref(name),
                          "unable to create new content in namespace " + ns + " because it is being terminated");
  }
  return std::nullopt;
}

void Registry::resumeNamespaceTermination() { namespaces_->resume(); }

}  // namespace edgeway::apiserver
