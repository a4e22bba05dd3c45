// DELETE and deletecollection. An object without finalizers is removed at once (the store
// keeps its final state as the DELETED event's object); one with finalizers only gets a
// deletionTimestamp and goes when an update removes its last finalizer (registry_update.cpp).

#include <atomic>
#include <mutex>

#include "apiserver/src/json_fields.h"
#include "apiserver/src/namespace_lifecycle.h"
#include "apiserver/src/object_meta.h"
#include "apiserver/src/registry_runs.h"

namespace edgeway::apiserver {
void Registry::remove(const ResourceInfo& info, const std::string& ns, const std::string& name,
                      DeleteOptions options, Done done) {
  auto run = std::make_shared<DeleteRun>();
  run->info = &info;
  run->ns = ns;
  run->name = name;
  run->options = std::move(options);
  run->done = std::move(done);
  if (&info == namespaces_->info()) return namespaces_->remove(std::move(run));
  startDelete(std::move(run));
}

void Registry::startDelete(std::shared_ptr<DeleteRun> run) {
  const ResourceInfo& info = *run->info;
  ++run->attempts;
  std::string key = keyFor(info, run->ns, run->name);
  auto rec = store_.get(key);
  if (!rec) return run->done(Outcome::failure(notFoundError(info.ref(run->name))));
  auto parsed = parseStored(rec->value);
  if (!parsed) return run->done(Outcome::failure(internalServerError("stored object " + key + " is not valid JSON")));
  auto old = std::make_shared<nlohmann::json>(std::move(*parsed));

  std::string uid = fields::str(*old, {"metadata", "uid"});
  std::string rv = std::to_string(rec->modRevision);
  if (run->options.uid && *run->options.uid != uid) {
    return run->done(Outcome::failure(conflictError(info.ref(run->name), "Precondition failed: UID in precondition: " +
                                                                    *run->options.uid + ", UID in object meta: " + uid)));
  }
  if (run->options.resourceVersion && *run->options.resourceVersion != rv) {
    return run->done(Outcome::failure(conflictError(info.ref(run->name), "Precondition failed: ResourceVersion in precondition: " +
                                                                    *run->options.resourceVersion +
                                                                    ", ResourceVersion in object meta: " + rv)));
  }

  bool graceful = hasFinalizers(*old);
  if (run->options.dryRun || (graceful && hasDeletionTimestamp(*old))) {
    Outcome out;
    out.object = std::move(rec->value);
    return run->done(std::move(out));
  }

  auto retryOrFail = [this, run](const Status& st) {
    if (st.code() == StatusCode::kConflict && !run->options.resourceVersion && run->attempts < kMaxWriteAttempts) {
      post([this, run] { startDelete(run); });
      return;
    }
    run->done(Outcome::failure(fromStatus(st, run->info->ref(run->name))));
  };

  if (graceful) {
    // Mark it; whoever owns the finalizers finishes the job.
    nlohmann::json obj = *old;
    nlohmann::json& meta = metadataOf(obj);
    meta["deletionTimestamp"] = nowTimestamp();
    meta["deletionGracePeriodSeconds"] = 0;
    if (fields::integer(obj, {"metadata", "generation"}) > 0) {
      meta["generation"] = fields::integer(obj, {"metadata", "generation"}) + 1;
    }
    auto stored = std::make_shared<StoredObject>(obj);
    write(
        WriteKind::kUpdate, std::move(key), rec->modRevision, [stored](store::Revision r) { return stored->render(r); },
        [run, retryOrFail](Result<store::Record> result) {
          if (!result.isOk()) return retryOrFail(result.status());
          Outcome out;
          out.object = std::move(result.value().value);
          run->done(std::move(out));
        });
    return;
  }

  auto stored = std::make_shared<StoredObject>(*old);
  write(
      WriteKind::kRemove, std::move(key), rec->modRevision, [stored](store::Revision r) { return stored->render(r); },
      [run, old, retryOrFail](Result<store::Record> result) {
        if (!result.isOk()) return retryOrFail(result.status());
        run->info->strategy->releaseForDelete(*old);
        Outcome out;
        out.object = std::move(result.value().value);
        run->done(std::move(out));
      });
}

void Registry::removeCollection(const ResourceInfo& info, const std::string& ns, const ListOptions& options,
                                DeleteOptions deleteOptions, Done done) {
  ListOptions all = options;
  all.limit = 0;
  all.continueToken.clear();
  ListPage page = list(info, ns, all);
  if (page.error) return done(Outcome::failure(std::move(*page.error)));

  // One delete per item, concurrently; the answer lists what was deleted, in key order.
  struct Collect {
    std::mutex mu;
    std::vector<std::string> deleted;
    std::optional<ApiError> error;
    std::atomic<size_t> pending{0};
    Done done;
    store::Revision revision = 0;
    std::string listHead;
  };
  auto c = std::make_shared<Collect>();
  c->deleted.resize(page.records.size());
  c->pending = page.records.size() + 1;  // +1 until every delete has been started
  c->done = std::move(done);
  c->listHead = "{\"kind\":\"" + info.listKind() + "\",\"apiVersion\":\"" + info.apiVersion() +
                "\",\"metadata\":{\"resourceVersion\":\"";
  c->revision = page.revision;
  auto finishOne = [c] {
    if (--c->pending != 0) return;
    if (c->error) return c->done(Outcome::failure(std::move(*c->error)));
    Outcome out;
    out.object = c->listHead + std::to_string(c->revision) + "\"},\"items\":[";
    bool first = true;
    for (auto& item : c->deleted) {
      if (item.empty()) continue;
      if (!first) out.object += ',';
      out.object += item;
      first = false;
    }
    out.object += "]}";
    c->done(std::move(out));
  };
  for (size_t i = 0; i < page.records.size(); ++i) {
    const std::string& key = page.records[i].key;
    std::string rest = key.substr(info.storePrefix().size());
    size_t slash = rest.find('/');
    std::string itemNs = rest.substr(0, slash);
    std::string name = rest.substr(slash + 1);
    remove(info, itemNs, name, deleteOptions, [c, i, finishOne](Outcome out) {
      {
        std::lock_guard<std::mutex> lock(c->mu);
        // An item deleted meanwhile by someone else is not an error of this request.
        if (out.error && out.error->code != 404 && !c->error) c->error = std::move(out.error);
        if (!out.error) c->deleted[i] = std::move(out.object);
      }
      finishOne();
    });
  }
  finishOne();
}

}  // namespace edgeway::apiserver
