#pragma once
// Drives the Service strategy the way the generic registry does, for the service_*_test files.

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "apiserver/service_strategy.h"

namespace edgeway::apiserver::svctest {

using json = nlohmann::json;

inline std::vector<std::string> render(const api::FieldErrors& errs) {
  std::vector<std::string> out;
  for (const auto& e : errs) out.push_back(e.toString());
  return out;
}

// A minimal valid ClusterIP Service, to be adjusted by each test.
inline json service(const std::string& name = "web") {
  return {{"apiVersion", "v1"},
          {"kind", "Service"},
          {"metadata", {{"name", name}, {"namespace", "default"}}},
          {"spec", {{"selector", {{"app", name}}}, {"ports", json::array({{{"port", 80}}})}}}};
}

class ServiceHarness {
 public:
  explicit ServiceHarness(ServiceNetworkOptions options = {}) {
    auto created = ServiceAllocators::create(options);
    EXPECT_TRUE(created) << created.status().message();
    allocators = std::move(*created);
    strategy = makeServiceStrategy(*allocators);
  }

  // prepareForCreate + validate; the prepared object stays in `obj`.
  std::vector<std::string> validateCreate(json& obj) const {
    strategy->prepareForCreate(obj);
    return render(strategy->validate(obj));
  }

  // The registry's create path up to the write. Returns the error message (empty on success)
  // and leaves the transaction for the caller to commit or revert.
  struct Attempt {
    json obj;
    std::vector<std::string> validationErrors;
    std::optional<ApiError> error;
    std::unique_ptr<AllocationTxn> txn;
    bool ok() const { return validationErrors.empty() && !error; }
  };

  Attempt tryCreate(json obj) const {
    Attempt a;
    strategy->prepareForCreate(obj);
    a.validationErrors = render(strategy->validate(obj));
    if (a.validationErrors.empty()) {
      strategy->canonicalize(obj);
      auto result = strategy->allocateForCreate(obj);
      a.error = std::move(result.error);
      a.txn = std::move(result.txn);
    }
    a.obj = std::move(obj);
    return a;
  }

  Attempt tryUpdate(json obj, const json& old) const {
    Attempt a;
    strategy->prepareForUpdate(obj, old);
    a.validationErrors = render(strategy->validateUpdate(obj, old));
    if (a.validationErrors.empty()) {
      strategy->canonicalize(obj);
      auto result = strategy->allocateForUpdate(obj, old);
      a.error = std::move(result.error);
      a.txn = std::move(result.txn);
    }
    a.obj = std::move(obj);
    return a;
  }

  // A create whose write succeeds; fails the test on any error.
  json create(json obj) const {
    Attempt a = tryCreate(std::move(obj));
    EXPECT_TRUE(a.ok()) << describe(a);
    if (a.txn) a.txn->commit();
    return a.obj;
  }

  json update(json obj, const json& old) const {
    Attempt a = tryUpdate(std::move(obj), old);
    EXPECT_TRUE(a.ok()) << describe(a);
    if (a.txn) a.txn->commit();
    return a.obj;
  }

  static std::string describe(const Attempt& a) {
    std::string out;
    for (const auto& e : a.validationErrors) out += e + "\n";
    if (a.error) out += a.error->message;
    return out;
  }

  std::unique_ptr<ServiceAllocators> allocators;
  std::unique_ptr<Strategy> strategy;
};

}  // namespace edgeway::apiserver::svctest
