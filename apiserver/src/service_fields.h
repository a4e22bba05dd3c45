#pragma once
// Reading a Service's JSON without ever throwing (a field of the wrong type reads as absent;
// validation reports it), the predicates kube's service code is written in, and the Go
// renderings (%#v) that kube-apiserver puts in some field errors.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/field_error.h"
#include "base/ip.h"

namespace edgeway::apiserver::svc {

using json = nlohmann::json;

inline constexpr const char* kClusterIPNone = "None";

// obj[key] when obj is an object holding a non-null key, else nullptr.
const json* member(const json& obj, const char* key);
// obj[key] as a string; "" when absent or not a string.
std::string str(const json& obj, const char* key);
// obj[key] as an integer; nullopt when absent or not an integer.
std::optional<long long> integer(const json& obj, const char* key);
// The string elements of the array obj[key]; empty when absent or not an array.
std::vector<std::string> strings(const json& obj, const char* key);
// Whether obj[key] is present (and not null): Go's "pointer is set".
bool has(const json& obj, const char* key);

// svc.spec, or an empty object when it is missing or not an object.
const json& spec(const json& svc);
// svc.spec for writing, created when missing; nullptr when it holds a non-object.
json* mutableSpec(json& svc);
// The port objects of svc.spec.ports (non-objects are skipped).
std::vector<const json*> ports(const json& svc);
std::vector<json*> mutablePorts(json& svc);

std::string type(const json& svc);
std::string externalTrafficPolicy(const json& svc);
std::vector<std::string> clusterIPs(const json& svc);
std::vector<std::string> ipFamilies(const json& svc);
std::string ipFamilyPolicy(const json& svc);  // "" when unset
bool hasSelector(const json& svc);            // a non-empty selector map
long long nodePortOf(const json& port);       // 0 when unset
long long healthCheckNodePort(const json& svc);

// Kube's predicates (pkg/api/service and the service registry).
bool needsClusterIP(const json& svc);        // every type but ExternalName
bool needsNodePorts(const json& svc);        // NodePort, LoadBalancer
bool isHeadless(const json& svc);            // clusterIPs == ["None"]
bool externallyAccessible(const json& svc);  // LoadBalancer, NodePort, ClusterIP with externalIPs
bool needsHealthCheck(const json& svc);      // LoadBalancer with externalTrafficPolicy Local
// NodePort: always; LoadBalancer: unless allocateLoadBalancerNodePorts is false.
bool shouldAllocateNodePorts(const json& svc);
std::vector<long long> collectNodePorts(const json& svc);  // non-zero spec.ports[].nodePort

// "IPv4" for a parseable IPv4 address, "IPv6" for IPv6, nullopt otherwise.
std::optional<IpFamily> familyOf(const std::string& ip);

// Go's %#v of the values kube puts in field errors.
std::string goQuote(const std::string& s);                                        // "a"
std::string goStringSlice(const json& svc, const char* specKey);                  // []string{"a", "b"}
std::string goStringSlice(const std::vector<std::string>& values, bool isNil);    // []string(nil)
std::string goIpFamilySlice(const std::vector<std::string>& values, bool isNil);  // []core.IPFamily{"IPv4"}
// A *T rendered by apimachinery: the pointee, or null.
std::string goOptionalString(const json& obj, const char* key);

// A field error whose bad value is already rendered (for the Go renderings above).
api::FieldError invalidRendered(const api::FieldPath& path, std::string rendered, std::string detail);
api::FieldError duplicateRendered(const api::FieldPath& path, std::string rendered);

}  // namespace edgeway::apiserver::svc
