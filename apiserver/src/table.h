#pragma once
// Server-side printing: meta.k8s.io Table and PartialObjectMetadata(List) answers, which
// `kubectl get` asks for with Accept: application/json;as=Table;v=v1;g=meta.k8s.io.

#include <ctime>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "apiserver/resource_info.h"

namespace edgeway::apiserver {

enum class IncludeObject { kNone, kMetadata, kObject };

// includeObject=None|Metadata|Object; "" is Metadata. nullopt for any other value.
std::optional<IncludeObject> parseIncludeObject(std::string_view value);

class TableWriter {
 public:
  TableWriter(const ResourceInfo& info, std::string metaApiVersion, IncludeObject include, std::time_t now);

  // A Table of `objects`; `withColumns` false leaves columnDefinitions empty (later watch
  // events). `listMeta` (resourceVersion/continue) is copied to the Table's metadata.
  nlohmann::json table(const std::vector<nlohmann::json>& objects, bool withColumns,
                       const nlohmann::json& listMeta) const;
  nlohmann::json row(const nlohmann::json& object) const;
  nlohmann::json columnDefinitions() const;

 private:

  const ResourceInfo& info_;
  std::string metaApiVersion_;
  IncludeObject include_;
  std::time_t now_;
};

// {"kind":"PartialObjectMetadata","apiVersion":<metaApiVersion>,"metadata":{...}}.
nlohmann::json partialObjectMetadata(const nlohmann::json& object, const std::string& metaApiVersion);

}  // namespace edgeway::apiserver
