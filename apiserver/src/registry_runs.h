#pragma once
// State of one write in flight through the registry. A write may outlive the call that
// started it (store callbacks, retries on conflicts), so each verb keeps its state in a
// shared Run that its callbacks hold.

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/schema.h"
#include "apiserver/registry.h"
#include "apiserver/src/stored_object.h"

namespace edgeway::apiserver {

// A conflicting store write is retried this many times before the client sees a 409.
inline constexpr int kMaxWriteAttempts = 16;
// kube retries a generateName collision a few times before answering AlreadyExists.
inline constexpr int kMaxGenerateNameAttempts = 8;

struct Registry::CreateRun {
  const ResourceInfo* info = nullptr;
  std::string ns;
  nlohmann::json obj;
  WriteOptions options;
  Done done;
  std::vector<std::string> warnings;
  std::unique_ptr<AllocationTxn> txn;
  std::string generateBase;  // metadata.generateName when the name was generated
  bool managedFieldsDone = false;  // server-side apply already recorded its entry
  int attempts = 0;
  std::optional<StoredObject> stored;

  void finish(Outcome out) {
    out.warnings = std::move(warnings);
    done(std::move(out));
  }
};

// Produces the desired object from the current one: PUT copies its body, PATCH applies
// the patch. Returns an error to end the request.
using Transform = std::function<std::optional<ApiError>(const nlohmann::json& current, nlohmann::json& out)>;

struct Registry::UpdateRun {
  const ResourceInfo* info = nullptr;
  std::string ns;
  std::string name;
  WriteOptions options;
  Done done;
  Transform transform;
  // The request itself carried a resourceVersion: a conflict is the client's, not retried.
  bool preconditioned = false;
  // Server-side apply of an absent object creates it from this applied configuration.
  std::optional<nlohmann::json> applyToCreate;
  int attempts = 0;
  std::vector<std::string> warnings;

  void finish(Outcome out) {
    out.warnings.insert(out.warnings.begin(), warnings.begin(), warnings.end());
    done(std::move(out));
  }
};

struct Registry::DeleteRun {
  const ResourceInfo* info = nullptr;
  std::string ns;
  std::string name;
  DeleteOptions options;
  Done done;
  int attempts = 0;
};

// "Update"/"Apply" bookkeeping and time stamps shared by the write paths.
std::string nowTimestamp();
// The schema of the resource's kind, or nullptr.
const api::TypeDef* typeOf(const ResourceInfo& info);
// The object with kind and apiVersion forced to the resource's.
void setTypeMeta(nlohmann::json& obj, const ResourceInfo& info);

}  // namespace edgeway::apiserver
