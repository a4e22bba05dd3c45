#pragma once
// The OpenAPI v3 documents the API server publishes at /openapi/v3. kubectl needs them for
// `apply`, `create -f`, `replace` and `edit` (it looks for a PATCH operation of the kind that
// takes a fieldValidation parameter, then leaves validation to the server), for client-side
// apply's patch metadata, and for `explain` (components.schemas).
//
// Everything is generated once, from the schema tables, and kept as serialized strings.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace edgeway::api {

// One served resource, as the API server registers it.
struct OpenApiResource {
  std::string group;     // "" for the core group
  std::string version;   // "v1"
  std::string resource;  // plural name, e.g. "services"
  std::string kind;      // "Service"
  bool namespaced = true;
  bool hasStatus = false;  // serves the /status subresource
};

class OpenApiV3 {
 public:
  // Fails with kInvalidArgument when a resource's kind has no schema (see findKind).
  static Result<OpenApiV3> create(const std::vector<OpenApiResource>& resources);

  // Body of GET /openapi/v3: {"paths":{"api/v1":{"serverRelativeURL":"/openapi/v3/api/v1?hash=…"},…}}.
  const std::string& root() const { return root_; }
  // Body of GET /openapi/v3/<gvPath>; gvPath is "api/v1" or "apis/<group>/<version>" (a
  // leading '/' is tolerated). nullptr when no served resource belongs to it.
  const std::string* document(std::string_view gvPath) const;
  // The document's hash (uppercase hex): its ETag, and the ?hash= that root() links with.
  // Empty when the document is unknown.
  std::string_view hash(std::string_view gvPath) const;

 private:
  struct Document {
    std::string body;
    std::string hash;
  };
  const Document* find(std::string_view gvPath) const;

  std::string root_;
  std::map<std::string, Document, std::less<>> documents_;
};

}  // namespace edgeway::api
