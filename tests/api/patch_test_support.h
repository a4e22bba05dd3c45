#pragma once
// Support for the patch and apply tests: small hand-built schemas, so the tests do not depend
// on the served tables (those get one test each of their own), and a generator of random
// JSON for robustness tests. Shapes follow k8s.io/api.

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "api/schema.h"

namespace edgeway::api::testing {

inline Field scalar(std::string name, ValueType type = ValueType::kString) {
  Field f;
  f.name = std::move(name);
  f.type = type;
  return f;
}

inline Field object(std::string name, const TypeDef& type) {
  Field f = scalar(std::move(name), ValueType::kObject);
  f.object = &type;
  return f;
}

inline Field stringMap(std::string name) {
  Field f = scalar(std::move(name), ValueType::kMap);
  f.elem = ValueType::kString;
  return f;
}

// A list of objects; mergeKey non-empty makes it patchStrategy=merge, listType=map.
inline Field objectList(std::string name, const TypeDef& type, std::string mergeKey,
                        std::vector<std::string> mapKeys = {}) {
  Field f = scalar(std::move(name), ValueType::kArray);
  f.elem = ValueType::kObject;
  f.object = &type;
  if (!mergeKey.empty()) {
    f.patchStrategy = "merge";
    f.patchMergeKey = mergeKey;
    f.listType = "map";
    f.listMapKeys = mapKeys.empty() ? std::vector<std::string>{mergeKey} : mapKeys;
  } else {
    f.listType = "atomic";
  }
  return f;
}

inline Field stringList(std::string name, bool mergeAsSet) {
  Field f = scalar(std::move(name), ValueType::kArray);
  f.elem = ValueType::kString;
  if (mergeAsSet) {
    f.patchStrategy = "merge";
    f.listType = "set";
  } else {
    f.listType = "atomic";
  }
  return f;
}

inline TypeDef makeType(std::string name, std::vector<Field> fields) {
  TypeDef t;
  t.name = std::move(name);
  t.fields = std::move(fields);
  return t;
}

// A miniature core/v1 + apps/v1 world: Service, and a Deployment with a pod template.
struct TestSchema {
  TestSchema() = default;
  TestSchema(const TestSchema&) = delete;  // fields point at sibling members
  TestSchema& operator=(const TestSchema&) = delete;

  TypeDef ownerReference = makeType("OwnerReference", {scalar("uid"), scalar("name"), scalar("kind")});
  TypeDef meta = makeType("ObjectMeta", {
                                            scalar("name"),
                                            scalar("namespace"),
                                            scalar("uid"),
                                            scalar("resourceVersion"),
                                            scalar("generation", ValueType::kInt64),
                                            scalar("creationTimestamp", ValueType::kTime),
                                            stringMap("labels"),
                                            stringMap("annotations"),
                                            stringList("finalizers", true),
                                            objectList("ownerReferences", ownerReference, "uid"),
                                            objectList("managedFields", ownerReference, ""),
                                        });
  TypeDef servicePort = makeType("ServicePort", {
                                                    scalar("name"),
                                                    scalar("protocol"),
                                                    scalar("port", ValueType::kInt32),
                                                    scalar("targetPort", ValueType::kIntOrString),
                                                    scalar("nodePort", ValueType::kInt32),
                                                });
  TypeDef serviceSpec =
      makeType("ServiceSpec", {
                                  objectList("ports", servicePort, "port", {"port", "protocol"}),
                                  atomicMap(stringMap("selector")),
                                  scalar("type"),
                                  scalar("clusterIP"),
                                  stringList("clusterIPs", false),
                                  scalar("sessionAffinity"),
                              });
  TypeDef serviceStatus = makeType("ServiceStatus", {scalar("phase")});
  TypeDef service = kind("Service", {object("spec", serviceSpec), object("status", serviceStatus)});

  TypeDef containerPort = makeType("ContainerPort", {
                                                        scalar("name"),
                                                        scalar("containerPort", ValueType::kInt32),
                                                        scalar("protocol"),
                                                    });
  TypeDef envVar = makeType("EnvVar", {scalar("name"), scalar("value")});
  TypeDef container = makeType(
      "Container", {
                       scalar("name"),
                       scalar("image"),
                       stringList("command", false),
                       objectList("ports", containerPort, "containerPort", {"containerPort", "protocol"}),
                       objectList("env", envVar, "name"),
                   });
  TypeDef rollingUpdate = makeType("RollingUpdate", {scalar("maxSurge", ValueType::kIntOrString)});
  TypeDef strategy = makeType("DeploymentStrategy", {scalar("type"), object("rollingUpdate", rollingUpdate)});
  TypeDef podSpec = makeType("PodSpec", {objectList("containers", container, "name")});
  TypeDef podTemplate = makeType("PodTemplateSpec", {object("metadata", meta), object("spec", podSpec)});
  TypeDef deploymentSpec =
      makeType("DeploymentSpec", {
                                     scalar("replicas", ValueType::kInt32),
                                     withStrategy(object("strategy", strategy), "retainKeys"),
                                     object("template", podTemplate),
                                     anyField("extra"),
                                 });
  TypeDef deployment = kind("Deployment", {object("spec", deploymentSpec)});

 private:
  static Field atomicMap(Field f) {
    f.mapType = "atomic";
    return f;
  }
  static Field withStrategy(Field f, std::string strategy) {
    f.patchStrategy = std::move(strategy);
    return f;
  }
  static Field anyField(std::string name) { return scalar(std::move(name), ValueType::kAny); }
  TypeDef kind(std::string k, std::vector<Field> fields) {
    std::vector<Field> all = {scalar("apiVersion"), scalar("kind"), object("metadata", meta)};
    for (auto& f : fields) all.push_back(std::move(f));
    TypeDef t = makeType(k, std::move(all));
    t.version = "v1";
    t.kind = std::move(k);
    return t;
  }
};

// Random JSON that looks enough like objects and patches to reach the interesting code:
// keys are schema field names and patch directives, values nest a few levels.
inline nlohmann::json randomJson(std::mt19937& rng, int depth) {
  static const char* const kKeys[] = {"metadata",
                                      "spec",
                                      "status",
                                      "labels",
                                      "finalizers",
                                      "ports",
                                      "port",
                                      "protocol",
                                      "name",
                                      "containers",
                                      "env",
                                      "selector",
                                      "strategy",
                                      "extra",
                                      "$patch",
                                      "$retainKeys",
                                      "$setElementOrder/ports",
                                      "$setElementOrder/finalizers",
                                      "$deleteFromPrimitiveList/finalizers",
                                      "managedFields",
                                      "replicas",
                                      "template",
                                      "targetPort",
                                      "x"};
  static const char* const kStrings[] = {"delete", "replace", "merge", "TCP", "a", "", "80"};
  std::uniform_int_distribution<int> pick(0, depth <= 0 ? 4 : 7);
  switch (pick(rng)) {
    case 0:
      return nullptr;
    case 1:
      return std::uniform_int_distribution<int>(0, 3)(rng) == 0;
    case 2:
      return std::uniform_int_distribution<int>(79, 82)(rng);
    case 3:
    case 4:
      return kStrings[std::uniform_int_distribution<size_t>(0, std::size(kStrings) - 1)(rng)];
    case 5:
    case 6: {
      nlohmann::json o = nlohmann::json::object();
      const int n = std::uniform_int_distribution<int>(0, 4)(rng);
      for (int i = 0; i < n; ++i) {
        o[kKeys[std::uniform_int_distribution<size_t>(0, std::size(kKeys) - 1)(rng)]] =
            randomJson(rng, depth - 1);
      }
      return o;
    }
    default: {
      nlohmann::json a = nlohmann::json::array();
      const int n = std::uniform_int_distribution<int>(0, 4)(rng);
      for (int i = 0; i < n; ++i) a.push_back(randomJson(rng, depth - 1));
      return a;
    }
  }
}

}  // namespace edgeway::api::testing
