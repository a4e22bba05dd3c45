#include "api/schema.h"

#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

namespace edgeway::api {
namespace {

const Field& fieldOf(std::string_view type, std::string_view path) {
  // path: "spec.ports" walks objects from the named type.
  const TypeDef* t = findType(type);
  EXPECT_NE(t, nullptr) << type;
  const Field* f = nullptr;
  size_t start = 0;
  while (t != nullptr) {
    const size_t dot = path.find('.', start);
    f = t->field(path.substr(start, dot == std::string_view::npos ? dot : dot - start));
    EXPECT_NE(f, nullptr) << type << " " << path;
    if (f == nullptr || dot == std::string_view::npos) break;
    t = f->object;
    start = dot + 1;
  }
  static const Field kMissing;
  return f != nullptr ? *f : kMissing;
}

void forEachType(const std::function<void(const TypeDef&)>& visit) {
  std::set<const TypeDef*> seen;
  std::function<void(const TypeDef&)> walk = [&](const TypeDef& t) {
    if (!seen.insert(&t).second) return;
    visit(t);
    for (const Field& f : t.fields) {
      if (f.object != nullptr) walk(*f.object);
    }
  };
  for (const TypeDef* k : allKinds()) {
    walk(*k);
    walk(*findKind(k->group, k->version, k->kind + "List"));
  }
  walk(*findKind("", "v1", "Status"));
  walk(*findKind("", "v1", "DeleteOptions"));
}

TEST(SchemaTest, ServedKindsAreFindable) {
  std::set<std::string> kinds;
  for (const TypeDef* k : allKinds()) {
    kinds.insert(k->group + "/" + k->kind);
    EXPECT_EQ(findKind(k->group, k->version, k->kind), k);
    EXPECT_EQ(findType(k->name), k);
    const TypeDef* list = findKind(k->group, k->version, k->kind + "List");
    ASSERT_NE(list, nullptr) << k->kind;
    EXPECT_EQ(list->field("items")->object, k);
    EXPECT_EQ(list->field("items")->protoNumber, 2);
    EXPECT_EQ(k->field("metadata")->protoNumber, 1);
    EXPECT_EQ(k->field("metadata")->object, findType("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"));
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"/Service", "/Namespace", "/Endpoints", "/Pod", "/Node", "/Secret",
                                          "/Event", "discovery.k8s.io/EndpointSlice",
                                          "networking.k8s.io/Ingress", "networking.k8s.io/IngressClass"}));
  EXPECT_EQ(findKind("", "v1", "Deployment"), nullptr);
  EXPECT_EQ(findKind("networking.k8s.io", "v1", "Service"), nullptr);
  EXPECT_EQ(findKind("", "v1", "Ingress"), nullptr);
  EXPECT_NE(findKind("", "v1", "Status"), nullptr);
  EXPECT_EQ(findType("io.k8s.api.core.v1.Nope"), nullptr);
}

TEST(SchemaTest, TablesAreConsistent) {
  forEachType([](const TypeDef& t) {
    EXPECT_EQ(t.name.rfind("io.k8s.", 0), 0u) << t.name;
    EXPECT_FALSE(t.description.empty()) << t.name;
    std::set<std::string> names;
    std::set<std::pair<int, int>> numbers;
    for (const Field& f : t.fields) {
      EXPECT_TRUE(names.insert(f.name).second) << t.name << "." << f.name << " twice";
      if (f.protoNumber != 0) {
        EXPECT_TRUE(numbers.insert({f.protoNumber, f.protoInner}).second) << t.name << "." << f.name;
      }
      EXPECT_FALSE(f.description.empty()) << t.name << "." << f.name;
      const bool needsObject =
          f.type == ValueType::kObject ||
          ((f.type == ValueType::kArray || f.type == ValueType::kMap) && f.elem == ValueType::kObject);
      EXPECT_EQ(needsObject, f.object != nullptr) << t.name << "." << f.name;
      if (f.listType == "map") {
        EXPECT_FALSE(f.listMapKeys.empty()) << t.name << "." << f.name;
      }
      if (!f.patchMergeKey.empty()) {
        EXPECT_EQ(f.patchStrategy.rfind("merge", 0), 0u) << t.name << "." << f.name;
      }
    }
    if (t.isKind()) {
      EXPECT_EQ(t.field("apiVersion")->protoNumber, 0);
      EXPECT_EQ(t.field("kind")->protoNumber, 0);
    }
  });
}

TEST(SchemaTest, ProtobufFieldNumbers) {
  struct Case {
    const char* type;
    const char* path;
    int number;
  };
  const std::vector<Case> cases = {
      {"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "name", 1},
      {"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "uid", 5},
      {"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "labels", 11},
      {"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "finalizers", 14},
      {"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "managedFields", 17},
      {"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "ownerReferences.apiVersion", 5},
      {"io.k8s.api.core.v1.Service", "spec.clusterIPs", 18},
      {"io.k8s.api.core.v1.Service", "spec.ipFamilyPolicy", 17},
      {"io.k8s.api.core.v1.Service", "spec.trafficDistribution", 23},
      {"io.k8s.api.core.v1.Service", "spec.ports.targetPort", 4},
      {"io.k8s.api.core.v1.Service", "spec.ports.appProtocol", 6},
      {"io.k8s.api.core.v1.Service", "status.loadBalancer.ingress.ipMode", 3},
      {"io.k8s.api.core.v1.Service", "status.loadBalancer.ingress.ports", 4},
      {"io.k8s.api.core.v1.Secret", "stringData", 4},
      {"io.k8s.api.core.v1.Secret", "immutable", 5},
      {"io.k8s.api.core.v1.Pod", "status.hostIPs", 16},
      {"io.k8s.api.core.v1.Pod", "spec.containers.ports.containerPort", 3},
      {"io.k8s.api.core.v1.Node", "spec.podCIDRs", 7},
      {"io.k8s.api.core.v1.Event", "reportingInstance", 15},
      {"io.k8s.api.discovery.v1.EndpointSlice", "addressType", 4},
      {"io.k8s.api.discovery.v1.EndpointSlice", "endpoints.zone", 7},
      {"io.k8s.api.networking.v1.Ingress", "spec.ingressClassName", 4},
      {"io.k8s.api.networking.v1.Ingress", "spec.rules.http.paths.pathType", 3},
      {"io.k8s.api.networking.v1.Ingress", "spec.rules.http.paths.backend.service", 4},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(fieldOf(c.type, c.path).protoNumber, c.number) << c.type << " " << c.path;
  }
  // IngressRule.http is inline in JSON but nested in protobuf: ingressRuleValue=2 { http=1 }.
  const Field& http = fieldOf("io.k8s.api.networking.v1.Ingress", "spec.rules.http");
  EXPECT_EQ(http.protoNumber, 2);
  EXPECT_EQ(http.protoInner, 1);
}

TEST(SchemaTest, StrategicMergeMetadata) {
  const Field& ports = fieldOf("io.k8s.api.core.v1.Service", "spec.ports");
  EXPECT_EQ(ports.patchStrategy, "merge");
  EXPECT_EQ(ports.patchMergeKey, "port");
  EXPECT_EQ(ports.listType, "map");
  EXPECT_EQ(ports.listMapKeys, (std::vector<std::string>{"port", "protocol"}));

  const Field& owners = fieldOf("io.k8s.api.core.v1.Service", "metadata.ownerReferences");
  EXPECT_EQ(owners.patchMergeKey, "uid");
  EXPECT_EQ(fieldOf("io.k8s.api.core.v1.Service", "metadata.finalizers").listType, "set");
  EXPECT_EQ(fieldOf("io.k8s.api.core.v1.Service", "spec.clusterIPs").listType, "atomic");
  EXPECT_EQ(fieldOf("io.k8s.api.core.v1.Service", "spec.selector").mapType, "atomic");
  EXPECT_EQ(fieldOf("io.k8s.api.core.v1.Service", "status.conditions").patchMergeKey, "type");
  EXPECT_EQ(fieldOf("io.k8s.api.core.v1.Pod", "spec.containers").patchMergeKey, "name");
  EXPECT_EQ(fieldOf("io.k8s.api.core.v1.Pod", "spec.volumes").patchStrategy, "merge,retainKeys");
  EXPECT_EQ(fieldOf("io.k8s.api.core.v1.Pod", "spec.containers.env").patchMergeKey, "name");
  EXPECT_EQ(fieldOf("io.k8s.api.core.v1.Pod", "spec.containers.ports").listMapKeys,
            (std::vector<std::string>{"containerPort", "protocol"}));
  EXPECT_EQ(fieldOf("io.k8s.api.core.v1.Node", "status.addresses").patchMergeKey, "type");
  EXPECT_EQ(fieldOf("io.k8s.api.networking.v1.Ingress", "spec.rules").listType, "atomic");
  EXPECT_EQ(fieldOf("io.k8s.api.discovery.v1.EndpointSlice", "endpoints").listType, "atomic");
  EXPECT_EQ(fieldOf("io.k8s.api.core.v1.Endpoints", "subsets").listType, "atomic");
}

TEST(SchemaTest, TypesAndPresence) {
  EXPECT_EQ(fieldOf("io.k8s.api.core.v1.Secret", "data").elem, ValueType::kBytes);
  EXPECT_EQ(fieldOf("io.k8s.api.core.v1.Node", "status.capacity").elem, ValueType::kQuantity);
  EXPECT_EQ(fieldOf("io.k8s.api.core.v1.Event", "eventTime").type, ValueType::kMicroTime);
  EXPECT_EQ(fieldOf("io.k8s.api.core.v1.Pod", "spec.containers.resources").type, ValueType::kAny);
  EXPECT_EQ(fieldOf("io.k8s.api.core.v1.Service", "metadata.managedFields.fieldsV1").type, ValueType::kAny);
  // Pointer fields keep zero values; omitempty ones drop them.
  EXPECT_TRUE(fieldOf("io.k8s.api.core.v1.Service", "spec.allocateLoadBalancerNodePorts").keepZero);
  EXPECT_FALSE(fieldOf("io.k8s.api.core.v1.Service", "spec.ports.nodePort").keepZero);
  EXPECT_TRUE(fieldOf("io.k8s.api.core.v1.Service", "spec.ports.port").required);
  EXPECT_TRUE(fieldOf("io.k8s.api.discovery.v1.EndpointSlice", "endpoints.conditions.ready").keepZero);
}

}  // namespace
}  // namespace edgeway::api
