#pragma once
// Per-kind behaviour plugged into the generic registry, in the order kube-apiserver runs it:
//   create: prepareForCreate -> validate -> canonicalize -> allocate -> store write
//   update: prepareForUpdate -> validateUpdate -> canonicalize -> allocateForUpdate -> write
//   delete: store write -> release
// Objects are JSON (nlohmann::json), already decoded and with apiVersion/kind checked.

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/field_error.h"
#include "apiserver/api_error.h"

namespace edgeway::apiserver {

// Side effects of a write (ClusterIP/NodePort allocations) that commit or revert with the
// store write, so a failed write never leaks an address and a crash never double-assigns
// one (the allocators are rebuilt from stored objects at start-up).
class AllocationTxn {
 public:
  virtual ~AllocationTxn() = default;
  virtual void commit() = 0;  // the write succeeded
  virtual void revert() = 0;  // the write failed or was a dry run
};

class Strategy {
 public:
  virtual ~Strategy() = default;

  // Clears fields the client may not set on create (status), sets defaults.
  virtual void prepareForCreate(nlohmann::json& obj) const;
  virtual api::FieldErrors validate(const nlohmann::json& obj) const;
  // Normalizes the stored form (e.g. sorting) after validation.
  virtual void canonicalize(nlohmann::json& obj) const;

  // Keeps fields an update may not change through this endpoint (status on the main
  // resource, spec on /status). `old` is the stored object.
  virtual void prepareForUpdate(nlohmann::json& obj, const nlohmann::json& old) const;
  virtual api::FieldErrors validateUpdate(const nlohmann::json& obj, const nlohmann::json& old) const;
  virtual void prepareForStatusUpdate(nlohmann::json& obj, const nlohmann::json& old) const;
  virtual api::FieldErrors validateStatusUpdate(const nlohmann::json& obj, const nlohmann::json& old) const;

  // Whether an update bumps metadata.generation (spec changed).
  virtual bool specChanged(const nlohmann::json& obj, const nlohmann::json& old) const;

  // Allocation hooks. Return nullptr when nothing was allocated. On error return an
  // ApiError (typically Invalid with field causes).
  struct AllocResult {
    std::unique_ptr<AllocationTxn> txn;
    std::optional<ApiError> error;
  };
  virtual AllocResult allocateForCreate(nlohmann::json& obj) const;
  virtual AllocResult allocateForUpdate(nlohmann::json& obj, const nlohmann::json& old) const;
  // After a delete committed.
  virtual void releaseForDelete(const nlohmann::json& old) const;
};

}  // namespace edgeway::apiserver
