#include "apiserver/service_strategy.h"

#include <nlohmann/json.hpp>
#include <set>

#include "apiserver/src/service_allocation.h"
#include "apiserver/src/service_defaults.h"
#include "apiserver/src/service_fields.h"
#include "apiserver/src/service_ip_families.h"
#include "apiserver/src/service_validation.h"

namespace edgeway::apiserver {
namespace {

using json = nlohmann::json;

// kube-apiserver prints each distinct error once (its error aggregate de-duplicates), and
// some rules run twice on update (metadata labels, loadBalancerClass), as they do in kube.
api::FieldErrors unique(api::FieldErrors errs) {
  std::set<std::string> seen;
  api::FieldErrors out;
  for (auto& e : errs) {
    if (seen.insert(e.toString()).second) out.push_back(std::move(e));
  }
  return out;
}

// Nothing here should throw, but a type error in an unforeseen corner of a client's JSON
// must become an error response, not an exception through the registry.
template <typename F>
api::FieldErrors guarded(F&& f) {
  try {
    return f();
  } catch (const json::exception& e) {
    return {api::internalError(api::FieldPath(), e.what())};
  }
}

template <typename F>
Strategy::AllocResult guardedAlloc(F&& f) {
  try {
    return f();
  } catch (const json::exception& e) {
    Strategy::AllocResult result;
    result.error = internalServerError(e.what());
    return result;
  }
}

template <typename F>
void guardedPrepare(F&& f) {
  try {
    f();
  } catch (const json::exception&) {
    // Leave the object as far as it got; validation reports what is wrong with it.
  }
}

class ServiceStrategy : public Strategy {
 public:
  explicit ServiceStrategy(ServiceAllocators& allocators) : allocators_(allocators) {}

  void prepareForCreate(json& obj) const override {
    if (!obj.is_object()) return;
    guardedPrepare([&] {
      obj["status"] = {{"loadBalancer", json::object()}};
      svc::applyServiceDefaults(obj);
      svc::normalizeClusterIPs(obj, nullptr);
    });
  }

  api::FieldErrors validate(const json& obj) const override {
    return guarded([&] {
      if (auto errs = svc::validateServiceShape(obj); !errs.empty()) return errs;
      // kube validates after filling in the IP families (and rejects what the cluster
      // cannot serve first); do the same on a copy, allocation repeats it for real.
      json filled = obj;
      if (auto errs = svc::initIPFamilyFields(filled, nullptr, svc::clusterFamilies(allocators_));
          !errs.empty()) {
        return errs;
      }
      return unique(svc::validateService(filled));
    });
  }

  void prepareForUpdate(json& obj, const json& old) const override {
    if (!obj.is_object() || !old.is_object()) return;
    Strategy::prepareForUpdate(obj, old);  // status stays as stored
    guardedPrepare([&] {
      svc::applyServiceDefaults(obj);
      svc::patchAllocatedValues(obj, old);
      svc::normalizeClusterIPs(obj, &old);
      svc::dropTypeDependentFields(obj, old);
    });
  }

  api::FieldErrors validateUpdate(const json& obj, const json& old) const override {
    return guarded([&] {
      if (auto errs = svc::validateServiceShape(obj); !errs.empty()) return errs;
      json filled = obj;
      if (auto errs = svc::initIPFamilyFields(filled, &old, svc::clusterFamilies(allocators_));
          !errs.empty()) {
        return errs;
      }
      return unique(svc::validateServiceUpdate(filled, old));
    });
  }

  void prepareForStatusUpdate(json& obj, const json& old) const override {
    if (!obj.is_object() || !old.is_object()) return;
    Strategy::prepareForStatusUpdate(obj, old);  // spec stays as stored
    guardedPrepare([&] { svc::applyServiceStatusDefaults(obj); });
  }

  api::FieldErrors validateStatusUpdate(const json& obj, const json& old) const override {
    return guarded([&] { return svc::validateServiceStatusUpdate(obj, old); });
  }

  AllocResult allocateForCreate(json& obj) const override {
    return guardedAlloc([&] { return svc::allocateForCreate(obj, allocators_); });
  }

  AllocResult allocateForUpdate(json& obj, const json& old) const override {
    return guardedAlloc([&] { return svc::allocateForUpdate(obj, old, allocators_); });
  }

  void releaseForDelete(const json& old) const override {
    try {
      svc::releaseAll(old, allocators_);
    } catch (const json::exception&) {
      // The repair pass at the next start-up reclaims whatever this left held.
    }
  }

 private:
  ServiceAllocators& allocators_;
};

}  // namespace

std::unique_ptr<Strategy> makeServiceStrategy(ServiceAllocators& allocators) {
  return std::make_unique<ServiceStrategy>(allocators);
}

}  // namespace edgeway::apiserver
