// POST: kube-apiserver's create pipeline (rest.BeforeCreate, admission, storage).

#include "api/managed_fields.h"
#include "api/schema.h"
#include "apiserver/src/json_fields.h"
#include "apiserver/src/object_meta.h"
#include "apiserver/src/registry_runs.h"
#include "apiserver/src/strategy_support.h"
#include "base/clock.h"

namespace edgeway::apiserver {

std::string nowTimestamp() { return clock::nowRfc3339(); }

const api::TypeDef* typeOf(const ResourceInfo& info) { return api::findKind(info.group, info.version, info.kind); }

void setTypeMeta(nlohmann::json& obj, const ResourceInfo& info) {
  obj["apiVersion"] = info.apiVersion();
  obj["kind"] = info.kind;
}

void Registry::create(const ResourceInfo& info, const std::string& ns, nlohmann::json obj, WriteOptions options,
                      Done done) {
  auto run = std::make_shared<CreateRun>();
  run->info = &info;
  run->ns = ns;
  run->obj = std::move(obj);
  run->options = std::move(options);
  run->done = std::move(done);
  runCreate(std::move(run));
}

void Registry::runCreate(std::shared_ptr<CreateRun> run) {
  const ResourceInfo& info = *run->info;
  const std::string& ns = run->ns;
  nlohmann::json& o = run->obj;
  setTypeMeta(o, info);
  nlohmann::json& meta = metadataOf(o);
  std::string objNs = fields::str(o, {"metadata", "namespace"});
  if (!info.namespaced) {
    meta.erase("namespace");
  } else if (objNs.empty()) {
    meta["namespace"] = ns;
  } else if (objNs != ns) {
    return run->finish(Outcome::failure(badRequestError("the namespace of the provided object does not match the namespace sent on the request")));
  }
  if (!fields::str(o, {"metadata", "resourceVersion"}).empty()) {
    // kube's storage layer refuses this with a plain (500) error; kubectl users see it
    // when they create from a saved `get -o yaml`.
    ApiError e;
    e.code = 500;
    e.reason = "InternalError";
    e.message = "resourceVersion should not be set on objects to be created";
    return run->finish(Outcome::failure(std::move(e)));
  }
  meta.erase("resourceVersion");
  if (fields::str(o, {"metadata", "name"}).empty()) run->generateBase = fields::str(o, {"metadata", "generateName"});

  std::string now = nowTimestamp();
  prepareCreateMeta(o, now);
  const Strategy& strategy = *info.strategy;
  strategy.prepareForCreate(o);
  std::string name = fields::str(o, {"metadata", "name"});
  api::FieldErrors errs = strategy.validate(o);
  // Names become store keys and URL segments; whatever the kind's own rules, these never pass.
  if (!name.empty()) support::appendInvalid(errs, api::FieldPath("metadata.name"), name, support::isValidPathSegmentName(name));
  if (!errs.empty()) return run->finish(Outcome::failure(invalidError(info.ref(name), errs)));
  strategy.canonicalize(o);
  if (auto denied = admitCreate(info, ns, name)) return run->finish(Outcome::failure(std::move(*denied)));

  Strategy::AllocResult alloc = strategy.allocateForCreate(o);
  if (alloc.error) return run->finish(Outcome::failure(std::move(*alloc.error)));
  run->txn = std::move(alloc.txn);

  const api::TypeDef* type = typeOf(info);
  if (type && !run->managedFieldsDone) {
    api::recordUpdate(o, nlohmann::json(), *type, run->options.fieldManager, info.apiVersion(), now);
  }

  if (run->options.dryRun) {
    if (run->txn) run->txn->revert();
    Outcome out;
    out.code = 201;
    out.object = dumpJson(o);
    return run->finish(std::move(out));
  }
  startCreate(run);
}

void Registry::startCreate(std::shared_ptr<CreateRun> run) {
  run->stored.emplace(run->obj);
  ++run->attempts;
  std::string key = keyFor(*run->info, run->ns, fields::str(run->obj, {"metadata", "name"}));
  write(
      WriteKind::kCreate, std::move(key), 0, [run](store::Revision rev) { return run->stored->render(rev); },
      [this, run](Result<store::Record> result) {
        if (result.isOk()) {
          if (run->txn) run->txn->commit();
          Outcome out;
          out.code = 201;
          out.object = std::move(result.value().value);
          return run->finish(std::move(out));
        }
        const Status& status = result.status();
        if (status.code() == StatusCode::kAlreadyExists && !run->generateBase.empty() &&
            run->attempts < kMaxGenerateNameAttempts) {
          // The generated name was taken: draw another, off the store's thread.
          post([this, run] {
            metadataOf(run->obj)["name"] = generateName(run->generateBase);
            startCreate(run);
          });
          return;
        }
        if (run->txn) run->txn->revert();
        run->finish(Outcome::failure(fromStatus(status, run->info->ref(fields::str(run->obj, {"metadata", "name"})))));
      });
}

}  // namespace edgeway::apiserver
