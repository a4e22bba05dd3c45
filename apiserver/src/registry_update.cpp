// PUT and PATCH: both turn the current object into a desired one (a Transform), then share
// kube-apiserver's update pipeline (rest.BeforeUpdate, strategy, allocation, managed
// fields) and its optimistic-concurrency loop: a store conflict re-reads and re-applies,
// unless the request named the resourceVersion it expected.

#include "api/managed_fields.h"
#include "api/patch.h"
#include "api/schema.h"
#include "apiserver/src/json_fields.h"
#include "apiserver/src/object_meta.h"
#include "apiserver/src/registry_runs.h"

namespace edgeway::apiserver {
namespace {


const char* const kModified =
    "the object has been modified; please apply your changes to the latest version and try again";

// Compares what a client could observe, ignoring resourceVersion and the timestamps of
// managedFields entries: an update that changes nothing else must not be written, or
// `kubectl apply` would report changes (and watchers see events) for no-ops.
nlohmann::json observable(const nlohmann::json& obj) {
  nlohmann::json copy = obj;
  if (auto meta = copy.find("metadata"); meta != copy.end() && meta->is_object()) {
    meta->erase("resourceVersion");
    if (auto mf = meta->find("managedFields"); mf != meta->end() && mf->is_array()) {
      for (auto& entry : *mf) {
        if (entry.is_object()) entry.erase("time");
      }
    }
  }
  return copy;
}

// Whether a patch document sets metadata.resourceVersion (then it is a precondition).
bool patchNamesResourceVersion(PatchType type, const nlohmann::json& patch) {
  if (type == PatchType::kJsonPatch) {
    if (!patch.is_array()) return false;
    for (const auto& op : patch) {
      if (op.is_object() && op.value("path", "") == "/metadata/resourceVersion") return true;
    }
    return false;
  }
  return fields::has(patch, {"metadata", "resourceVersion"});
}

// 409 for an apply that would take fields from other managers; kubectl prints the message
// and its --force-conflicts advice.
ApiError applyConflictError(const api::ApplyResult& result, const ResourceInfo& info, const std::string& name) {
  ApiError e = conflictError(info.ref(name), "");
  e.message = api::applyConflictMessage(result.conflicts);
  return e;
}

ApiError patchError(const Status& status) {
  if (status.code() == StatusCode::kResourceExhausted) return requestEntityTooLargeError(status.message());
  // A patch that parses but does not apply: kube answers 422.
  ApiError e;
  e.code = 422;
  e.reason = "Invalid";
  e.message = status.message();
  return e;
}

// Hands a patch function's result to a transform: the patched object, or the error.
std::optional<ApiError> takePatched(Result<nlohmann::json> patched, nlohmann::json& out) {
  if (!patched.isOk()) return patchError(patched.status());
  out = std::move(patched).value();
  return std::nullopt;
}

}  // namespace

void Registry::update(const ResourceInfo& info, const std::string& ns, const std::string& name, nlohmann::json obj,
                      WriteOptions options, Done done) {
  auto run = std::make_shared<UpdateRun>();
  run->info = &info;
  run->ns = ns;
  run->name = name;
  run->options = std::move(options);
  run->done = std::move(done);
  run->preconditioned = !fields::str(obj, {"metadata", "resourceVersion"}).empty();
  auto body = std::make_shared<const nlohmann::json>(std::move(obj));
  run->transform = [body](const nlohmann::json&, nlohmann::json& out) -> std::optional<ApiError> {
    out = *body;
    return std::nullopt;
  };
  startUpdate(std::move(run));
}

void Registry::patch(const ResourceInfo& info, const std::string& ns, const std::string& name, PatchType type,
                     nlohmann::json patch, WriteOptions options, Done done) {
  auto run = std::make_shared<UpdateRun>();
  run->info = &info;
  run->ns = ns;
  run->name = name;
  run->options = std::move(options);
  run->done = std::move(done);
  run->preconditioned = patchNamesResourceVersion(type, patch);
  const api::TypeDef* schema = typeOf(info);
  auto doc = std::make_shared<const nlohmann::json>(std::move(patch));
  std::string manager = run->options.fieldManager;
  bool force = run->options.force;
  std::string apiVersion = info.apiVersion();

  switch (type) {
    case PatchType::kJsonPatch:
      run->transform = [doc](const nlohmann::json& cur, nlohmann::json& out) -> std::optional<ApiError> {
        return takePatched(api::applyJsonPatch(cur, *doc), out);
      };
      break;
    case PatchType::kMergePatch:
      run->transform = [doc](const nlohmann::json& cur, nlohmann::json& out) -> std::optional<ApiError> {
        return takePatched(api::applyMergePatch(cur, *doc), out);
      };
      break;
    case PatchType::kStrategicMergePatch:
      run->transform = [doc, schema](const nlohmann::json& cur, nlohmann::json& out) -> std::optional<ApiError> {
        // Without a schema there is no merge metadata; a merge patch is the closest meaning.
        return takePatched(schema ? api::applyStrategicMergePatch(cur, *doc, *schema) : api::applyMergePatch(cur, *doc),
                           out);
      };
      break;
    case PatchType::kApply: {
      if (!schema) {
        return run->finish(Outcome::failure(unsupportedMediaTypeError("application/apply-patch+yaml")));
      }
      run->applyToCreate = *doc;
      const ResourceInfo* infoPtr = &info;
      std::string subresource = run->options.status ? "status" : "";
      run->transform = [doc, schema, manager, force, infoPtr, subresource](
                           const nlohmann::json& cur, nlohmann::json& out) -> std::optional<ApiError> {
        auto r = api::serverSideApply(cur, *doc, *schema, manager, force, nowTimestamp(), subresource);
        if (!r.isOk()) return badRequestError(r.status().message());
        if (r->refused()) return applyConflictError(*r, *infoPtr, fields::str(cur, {"metadata", "name"}));
        out = std::move(r->object);
        return std::nullopt;
      };
      break;
    }
  }
  startUpdate(std::move(run));
}

void Registry::startUpdate(std::shared_ptr<UpdateRun> run) {
  const ResourceInfo& info = *run->info;
  const Strategy& strategy = *info.strategy;
  ++run->attempts;
  std::string key = keyFor(info, run->ns, run->name);
  auto rec = store_.get(key);
  if (!rec) {
    if (run->applyToCreate) return createFromApply(run);
    return run->finish(Outcome::failure(notFoundError(info.ref(run->name))));
  }
  auto parsed = parseStored(rec->value);
  if (!parsed) return run->finish(Outcome::failure(internalServerError("stored object " + key + " is not valid JSON")));
  auto old = std::make_shared<const nlohmann::json>(std::move(*parsed));

  nlohmann::json obj;
  if (auto err = run->transform(*old, obj)) return run->finish(Outcome::failure(std::move(*err)));
  if (!obj.is_object()) return run->finish(Outcome::failure(badRequestError("the result of the request is not an object")));
  if (run->options.checkPatched) {
    run->warnings.clear();
    if (auto err = run->options.checkPatched(obj, run->warnings)) return run->finish(Outcome::failure(std::move(*err)));
  }

  std::string currentRv = std::to_string(rec->modRevision);
  std::string wantRv = fields::str(obj, {"metadata", "resourceVersion"});
  if (!wantRv.empty() && wantRv != currentRv) {
    return run->finish(Outcome::failure(conflictError(info.ref(run->name), kModified)));
  }
  std::string objName = fields::str(obj, {"metadata", "name"});
  if (objName != run->name) {
    return run->finish(Outcome::failure(badRequestError("the name of the object (" + objName +
                                               ") does not match the name on the URL (" + run->name + ")")));
  }
  nlohmann::json& meta = metadataOf(obj);
  if (info.namespaced) {
    std::string objNs = fields::str(obj, {"metadata", "namespace"});
    if (objNs.empty()) {
      meta["namespace"] = run->ns;
    } else if (objNs != run->ns) {
      return run->finish(Outcome::failure(badRequestError("the namespace of the object (" + objNs +
                                                 ") does not match the namespace on the URL (" + run->ns + ")")));
    }
  } else {
    meta.erase("namespace");
  }
  setTypeMeta(obj, info);

  std::string now = nowTimestamp();
  prepareUpdateMeta(obj, *old);
  bool status = run->options.status;
  if (status) {
    strategy.prepareForStatusUpdate(obj, *old);
  } else {
    strategy.prepareForUpdate(obj, *old);
  }
  api::FieldErrors errs = status ? strategy.validateStatusUpdate(obj, *old) : strategy.validateUpdate(obj, *old);
  if (!errs.empty()) return run->finish(Outcome::failure(invalidError(info.ref(run->name), errs)));
  strategy.canonicalize(obj);
  if (!status && strategy.specChanged(obj, *old)) {
    meta["generation"] = fields::integer(*old, {"metadata", "generation"}) + 1;
  }

  std::shared_ptr<AllocationTxn> txn;
  if (!status) {
    Strategy::AllocResult alloc = strategy.allocateForUpdate(obj, *old);
    if (alloc.error) return run->finish(Outcome::failure(std::move(*alloc.error)));
    txn = std::move(alloc.txn);
  }
  if (const api::TypeDef* type = typeOf(info)) {
    // Server-side apply recorded its own entry in the transform.
    if (!run->applyToCreate) {
      api::recordUpdate(obj, *old, *type, run->options.fieldManager, info.apiVersion(), now, status ? "status" : "");
    }
  }

  if (observable(obj) == observable(*old)) {
    if (txn) txn->revert();
    Outcome out;
    out.object = std::move(rec->value);
    return run->finish(std::move(out));
  }
  if (run->options.dryRun) {
    if (txn) txn->revert();
    meta["resourceVersion"] = currentRv;
    Outcome out;
    out.object = dumpJson(obj);
    return run->finish(std::move(out));
  }

  // Removing the last finalizer of an object marked for deletion completes the delete.
  bool finalDelete = hasDeletionTimestamp(obj) && !hasFinalizers(obj);
  auto stored = std::make_shared<StoredObject>(obj);
  auto render = [stored](store::Revision rev) { return stored->render(rev); };
  auto onWritten = [this, run, txn, old, finalDelete](Result<store::Record> result) {
    if (result.isOk()) {
      if (txn) txn->commit();
      if (finalDelete) run->info->strategy->releaseForDelete(*old);
      Outcome out;
      out.object = std::move(result.value().value);
      return run->finish(std::move(out));
    }
    if (txn) txn->revert();
    const Status& st = result.status();
    if (st.code() == StatusCode::kConflict && !run->preconditioned && run->attempts < kMaxWriteAttempts) {
      post([this, run] { startUpdate(run); });
      return;
    }
    run->finish(Outcome::failure(fromStatus(st, run->info->ref(run->name))));
  };
  if (finalDelete) {
    write(WriteKind::kRemove, std::move(key), rec->modRevision, std::move(render), std::move(onWritten));
  } else {
    write(WriteKind::kUpdate, std::move(key), rec->modRevision, std::move(render), std::move(onWritten));
  }
}

void Registry::createFromApply(std::shared_ptr<UpdateRun> run) {
  const ResourceInfo& info = *run->info;
  // Nothing to apply a status to: the object must exist first.
  if (run->options.status) return run->finish(Outcome::failure(notFoundError(info.ref(run->name))));
  const api::TypeDef* schema = typeOf(info);
  auto applied = api::serverSideApply(nlohmann::json(), *run->applyToCreate, *schema, run->options.fieldManager,
                                      run->options.force, nowTimestamp());
  if (!applied.isOk()) return run->finish(Outcome::failure(badRequestError(applied.status().message())));
  nlohmann::json obj = std::move(applied->object);
  std::string objName = fields::str(obj, {"metadata", "name"});
  if (objName != run->name) {
    return run->finish(Outcome::failure(badRequestError("the name of the object (" + objName +
                                               ") does not match the name on the URL (" + run->name + ")")));
  }
  auto create = std::make_shared<CreateRun>();
  create->info = &info;
  create->ns = run->ns;
  create->obj = std::move(obj);
  create->options = run->options;
  create->warnings = std::move(run->warnings);
  create->done = std::move(run->done);
  create->managedFieldsDone = true;
  runCreate(std::move(create));
}

}  // namespace edgeway::apiserver
