#pragma once
// Pieces of the OpenAPI v3 documents (openapi.cpp assembles them).

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "api/openapi.h"
#include "api/schema.h"

namespace edgeway::api::openapi {

// "#/components/schemas/<name>"
std::string refTo(std::string_view schemaName);

// Adds `type` and every type it reaches to `schemas` (components.schemas), keyed by name,
// together with the shared scalar schemas (Time, MicroTime, Quantity, IntOrString).
void addSchemas(const TypeDef& type, nlohmann::json& schemas);

// Adds the REST paths of one resource to `paths`: collection, item, optional /status and,
// for namespaced resources, the list across all namespaces.
void addPaths(const OpenApiResource& resource, const TypeDef& kind, const TypeDef& list,
              nlohmann::json& paths);

// Uppercase hex digest used for the ?hash= links and ETags.
std::string hashHex(std::string_view bytes);

}  // namespace edgeway::api::openapi
