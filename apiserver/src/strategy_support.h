#pragma once
// Pieces shared by the per-kind strategies: a base for kinds without a status subresource and
// the validation checks kube applies to several kinds, with kube's messages.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "api/field_error.h"
#include "api/validation.h"
#include "apiserver/strategy.h"

namespace edgeway::apiserver::support {

// A kind without a status subresource (Secret, Event, Endpoints, EndpointSlice, IngressClass):
// everything the client sends is written, on create and on update.
class StatuslessStrategy : public Strategy {
 public:
  void prepareForCreate(nlohmann::json&) const override {}
  void prepareForUpdate(nlohmann::json&, const nlohmann::json&) const override {}
};

// metadata of an object, or null.
const nlohmann::json& metadataOf(const nlohmann::json& obj);

void append(api::FieldErrors& to, api::FieldErrors from);
// One Invalid error per detail message (the shape of most kube checks).
void appendInvalid(api::FieldErrors& to, const api::FieldPath& path, const nlohmann::json& value,
                   const std::vector<std::string>& details);

// A string list as kube prints it in an Invalid value (Go's %#v): []string{"a", "b"}.
std::string goStringSlice(const nlohmann::json& list);

// apimachinery's RegexError: "<msg> (e.g. 'a',  or 'b', regex used for validation is '<re>')".
std::string regexError(const std::string& msg, const std::string& regex,
                       const std::vector<std::string>& examples);

bool isIpv4(std::string_view value);
bool isIpv6(std::string_view value);
bool isIp(std::string_view value);

// "field is immutable" on `path` when `value` differs from `old`.
void checkImmutable(api::FieldErrors& to, const api::FieldPath& path, const nlohmann::json& value,
                    const nlohmann::json& old);

// Endpoint addresses may not be unspecified, loopback, link-local or link-local multicast.
api::FieldErrors validateEndpointIp(const std::string& ip, const api::FieldPath& path);
api::FieldErrors validateCidr(const std::string& value, const api::FieldPath& path);
api::FieldErrors validateFullyQualifiedDomainName(const std::string& value, const api::FieldPath& path);
api::FieldErrors validateDomainPrefixedPath(const std::string& value, const api::FieldPath& path);
// Required when empty, else one of TCP, UDP, SCTP.
api::FieldErrors validateProtocol(const nlohmann::json& port, const api::FieldPath& path);

// {apiGroup, kind, name} naming another object, as Ingress backends and IngressClass
// parameters do.
api::FieldErrors validateTypedLocalObjectReference(const nlohmann::json& ref, const api::FieldPath& path);

std::vector<std::string> isWildcardDns1123Subdomain(std::string_view value);
std::vector<std::string> isConfigMapKey(std::string_view value);
// A name usable as one URL path segment: not "." or "..", no '/' or '%'.
std::vector<std::string> isValidPathSegmentName(std::string_view value);

}  // namespace edgeway::apiserver::support
