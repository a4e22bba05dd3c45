#pragma once
// Discovery documents built from the catalog, in both shapes kubectl understands:
//  - legacy: GET /api (APIVersions), /apis (APIGroupList), /api/v1 and /apis/<g>/<v>
//    (APIResourceList);
//  - aggregated: GET /api and /apis answered with an apidiscovery.k8s.io/v2
//    APIGroupDiscoveryList when the client's Accept asks for it. kubectl only reads that body
//    as aggregated when the reply carries kAggregatedDiscoveryContentType.
// Besides the catalog, every document lists authorization.k8s.io/v1 with the create-only
// selfsubjectaccessreviews and selfsubjectrulesreviews (kubectl maps `auth can-i` through it).

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "apiserver/resources.h"

namespace edgeway::apiserver {

inline constexpr std::string_view kAggregatedDiscoveryContentType =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

// Whether an Accept header lists the v2 APIGroupDiscoveryList media type (its g, v and as
// parameters in any order), i.e. whether /api and /apis should answer aggregated.
bool acceptsAggregatedDiscovery(std::string_view accept);

// GET /api (legacy): {"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[...]}
// with `serverAddress` ("host:port") advertised for every client.
nlohmann::json apiVersions(std::string_view serverAddress);

// GET /apis (legacy): every named group with its versions; the first version is preferred.
nlohmann::json apiGroupList(const ResourceCatalog& catalog);

// GET /api/v1 (group "") or /apis/<group>/<version>: an APIResourceList with one entry per
// resource and one per status subresource ("services/status"). Null JSON when the catalog
// serves nothing in that group version.
nlohmann::json apiResourceList(const ResourceCatalog& catalog, std::string_view group,
                               std::string_view version);

// Every (group, version) served, core first: the catalog's, then authorization.k8s.io/v1
// with its create-only SelfSubjectAccessReview and SelfSubjectRulesReview.
std::vector<std::pair<std::string, std::string>> servedGroupVersions(const ResourceCatalog& catalog);

// GET /api (legacyCore: the core group only, named "") or /apis (the named groups) as an
// apidiscovery.k8s.io/v2 APIGroupDiscoveryList.
nlohmann::json aggregatedDiscovery(const ResourceCatalog& catalog, bool legacyCore);

}  // namespace edgeway::apiserver
