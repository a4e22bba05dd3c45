#pragma once
// The catalog of served resources (core/v1, discovery.k8s.io/v1, networking.k8s.io/v1),
// built once at start-up by the composition root.

#include <memory>
#include <string_view>
#include <vector>

#include "apiserver/resource_info.h"

namespace edgeway::apiserver {

class ResourceCatalog {
 public:
  explicit ResourceCatalog(std::vector<std::unique_ptr<ResourceInfo>> resources);

  const ResourceInfo* find(std::string_view group, std::string_view version, std::string_view resource) const;
  const ResourceInfo* findKind(std::string_view group, std::string_view version, std::string_view kind) const;
  const std::vector<std::unique_ptr<ResourceInfo>>& all() const { return resources_; }

 private:
  std::vector<std::unique_ptr<ResourceInfo>> resources_;
};

// Every served resource with its strategy and Table columns. The Service strategy is passed
// in because it owns the address allocators, which the composition root configures.
ResourceCatalog buildCatalog(std::unique_ptr<Strategy> serviceStrategy);

}  // namespace edgeway::apiserver
