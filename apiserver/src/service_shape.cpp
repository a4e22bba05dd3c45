// validateServiceShape: the JSON types of the Service fields this server reads.

#include <initializer_list>

#include "apiserver/src/service_fields.h"
#include "apiserver/src/service_validation.h"

namespace edgeway::apiserver::svc {
namespace {

using api::FieldErrors;
using api::FieldPath;

enum class Kind { kString, kInteger, kBool, kObject, kArray, kStringArray, kStringMap, kIntOrString };

struct Rule {
  const char* key;
  Kind kind;
};

const char* describe(Kind kind) {
  switch (kind) {
    case Kind::kString:
      return "must be a string";
    case Kind::kInteger:
      return "must be an integer";
    case Kind::kBool:
      return "must be a boolean";
    case Kind::kObject:
      return "must be an object";
    case Kind::kArray:
      return "must be a list";
    case Kind::kStringArray:
      return "must be a list of strings";
    case Kind::kStringMap:
      return "must be a map of string keys to string values";
    case Kind::kIntOrString:
      return "must be an integer or a string";
  }
  return "has the wrong type";
}

bool matches(const json& v, Kind kind) {
  switch (kind) {
    case Kind::kString:
      return v.is_string();
    case Kind::kInteger:
      return v.is_number_integer();
    case Kind::kBool:
      return v.is_boolean();
    case Kind::kObject:
      return v.is_object();
    case Kind::kArray:
      return v.is_array();
    case Kind::kIntOrString:
      return v.is_number_integer() || v.is_string();
    case Kind::kStringArray:
      if (!v.is_array()) return false;
      for (const auto& e : v) {
        if (!e.is_string()) return false;
      }
      return true;
    case Kind::kStringMap:
      if (!v.is_object()) return false;
      for (const auto& e : v) {
        if (!e.is_string()) return false;
      }
      return true;
  }
  return false;
}

// Checks obj's members against `rules`; returns false when obj itself is not an object.
void check(const json& obj, const FieldPath& path, std::initializer_list<Rule> rules, FieldErrors& errs) {
  for (const Rule& r : rules) {
    const json* v = member(obj, r.key);
    if (v && !matches(*v, r.kind)) errs.push_back(api::invalid(path.child(r.key), *v, describe(r.kind)));
  }
}

void checkSpec(const json& spec, const FieldPath& path, FieldErrors& errs) {
  check(spec, path,
        {{"type", Kind::kString},
         {"sessionAffinity", Kind::kString},
         {"externalName", Kind::kString},
         {"clusterIP", Kind::kString},
         {"externalTrafficPolicy", Kind::kString},
         {"internalTrafficPolicy", Kind::kString},
         {"ipFamilyPolicy", Kind::kString},
         {"loadBalancerIP", Kind::kString},
         {"loadBalancerClass", Kind::kString},
         {"trafficDistribution", Kind::kString},
         {"healthCheckNodePort", Kind::kInteger},
         {"allocateLoadBalancerNodePorts", Kind::kBool},
         {"publishNotReadyAddresses", Kind::kBool},
         {"clusterIPs", Kind::kStringArray},
         {"externalIPs", Kind::kStringArray},
         {"ipFamilies", Kind::kStringArray},
         {"loadBalancerSourceRanges", Kind::kStringArray},
         {"selector", Kind::kStringMap},
         {"sessionAffinityConfig", Kind::kObject},
         {"ports", Kind::kArray}},
        errs);

  if (const json* config = member(spec, "sessionAffinityConfig"); config && config->is_object()) {
    FieldPath configPath = path.child("sessionAffinityConfig");
    check(*config, configPath, {{"clientIP", Kind::kObject}}, errs);
    if (const json* clientIP = member(*config, "clientIP"); clientIP && clientIP->is_object()) {
      check(*clientIP, configPath.child("clientIP"), {{"timeoutSeconds", Kind::kInteger}}, errs);
    }
  }
  if (const json* list = member(spec, "ports"); list && list->is_array()) {
    for (size_t i = 0; i < list->size(); ++i) {
      const json& port = (*list)[i];
      FieldPath portPath = path.child("ports").index(i);
      if (!port.is_object()) {
        errs.push_back(api::invalid(portPath, port, describe(Kind::kObject)));
        continue;
      }
      check(port, portPath,
            {{"name", Kind::kString},
             {"protocol", Kind::kString},
             {"appProtocol", Kind::kString},
             {"port", Kind::kInteger},
             {"nodePort", Kind::kInteger},
             {"targetPort", Kind::kIntOrString}},
            errs);
    }
  }
}

}  // namespace

FieldErrors validateServiceShape(const json& svc) {
  FieldErrors errs;
  if (const json* s = member(svc, "spec")) {
    if (!s->is_object()) {
      errs.push_back(api::invalid(FieldPath("spec"), *s, describe(Kind::kObject)));
    } else {
      checkSpec(*s, FieldPath("spec"), errs);
    }
  }
  if (const json* status = member(svc, "status"); status && !status->is_object()) {
    errs.push_back(api::invalid(FieldPath("status"), *status, describe(Kind::kObject)));
  }
  return errs;
}

}  // namespace edgeway::apiserver::svc
