#include "api/ingress_view.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/ingress_class_view.h"

namespace edgeway::api {
namespace {

using json = nlohmann::json;

json ingress() {
  return json::parse(R"({
    "kind": "Ingress", "apiVersion": "networking.k8s.io/v1",
    "metadata": {"name": "shop", "namespace": "shop"},
    "spec": {
      "ingressClassName": "edgeway",
      "defaultBackend": {"service": {"name": "fallback", "port": {"number": 80}}},
      "rules": [
        {"host": "shop.example.com", "http": {"paths": [
          {"path": "/api", "pathType": "Prefix", "backend": {"service": {"name": "api", "port": {"name": "http"}}}},
          {"path": "/login", "pathType": "Exact", "backend": {"service": {"name": "auth", "port": {"number": 8443}}}},
          {"path": "/static", "pathType": "ImplementationSpecific",
           "backend": {"resource": {"apiGroup": "k8s.example.com", "kind": "Bucket", "name": "assets"}}}
        ]}},
        {"host": "*.example.com"}
      ],
      "tls": [{"hosts": ["shop.example.com"], "secretName": "shop-tls"}]
    }
  })");
}

TEST(IngressViewTest, ReadsRulesBackendsAndTls) {
  auto view = IngressView::fromJson(ingress());
  ASSERT_TRUE(view.isOk()) << view.status().message();
  EXPECT_EQ(view->ns, "shop");
  EXPECT_EQ(view->className, "edgeway");
  ASSERT_TRUE(view->defaultBackend.has_value());
  EXPECT_EQ(view->defaultBackend->serviceName, "fallback");
  EXPECT_EQ(view->defaultBackend->servicePortNumber, 80);
  ASSERT_EQ(view->rules.size(), 2u);
  EXPECT_EQ(view->rules[0].host, "shop.example.com");
  ASSERT_EQ(view->rules[0].paths.size(), 3u);
  const IngressPath& api = view->rules[0].paths[0];
  EXPECT_EQ(api.path, "/api");
  EXPECT_EQ(api.pathType, PathType::kPrefix);
  EXPECT_EQ(api.backend.serviceName, "api");
  EXPECT_EQ(api.backend.servicePortName, "http");
  EXPECT_EQ(api.backend.servicePortNumber, 0);
  EXPECT_EQ(view->rules[0].paths[1].pathType, PathType::kExact);
  EXPECT_EQ(view->rules[0].paths[1].backend.servicePortNumber, 8443);
  const IngressPath& bucket = view->rules[0].paths[2];
  EXPECT_EQ(bucket.pathType, PathType::kImplementationSpecific);
  ASSERT_TRUE(bucket.backend.resource.has_value());
  EXPECT_EQ(bucket.backend.resource->kind, "Bucket");
  EXPECT_EQ(bucket.backend.serviceName, "");
  EXPECT_EQ(view->rules[1].host, "*.example.com");
  EXPECT_TRUE(view->rules[1].paths.empty());
  ASSERT_EQ(view->tls.size(), 1u);
  EXPECT_EQ(view->tls[0].hosts, std::vector<std::string>{"shop.example.com"});
  EXPECT_EQ(view->tls[0].secretName, "shop-tls");
}

TEST(IngressViewTest, FallsBackToTheLegacyClassAnnotation) {
  json object = ingress();
  object["spec"].erase("ingressClassName");
  object["metadata"]["annotations"] = {{"kubernetes.io/ingress.class", "legacy"}};
  auto view = IngressView::fromJson(object);
  ASSERT_TRUE(view.isOk()) << view.status().message();
  EXPECT_EQ(view->className, "legacy");

  object["metadata"].erase("annotations");
  EXPECT_EQ(IngressView::fromJson(object)->className, "");
}

TEST(IngressViewTest, RejectsBackendsWithoutTargetsAndUnknownPathTypes) {
  json noPort = ingress();
  noPort["spec"]["defaultBackend"]["service"]["port"] = json::object();
  auto a = IngressView::fromJson(noPort);
  ASSERT_FALSE(a.isOk());
  EXPECT_NE(a.status().message().find("spec.defaultBackend.service.port"), std::string::npos);

  json empty = ingress();
  empty["spec"]["rules"][0]["http"]["paths"][0]["backend"] = json::object();
  EXPECT_FALSE(IngressView::fromJson(empty).isOk());

  json badType = ingress();
  badType["spec"]["rules"][0]["http"]["paths"][0]["pathType"] = "Regex";
  auto c = IngressView::fromJson(badType);
  ASSERT_FALSE(c.isOk());
  EXPECT_NE(c.status().message().find("spec.rules[0].http.paths[0].pathType"), std::string::npos);
}

TEST(IngressClassViewTest, ReadsControllerAndDefaultAnnotation) {
  auto view = IngressClassView::parse(R"({"metadata": {"name": "edgeway",
      "annotations": {"ingressclass.kubernetes.io/is-default-class": "true"}},
      "spec": {"controller": "edgeway.io/ingress"}})");
  ASSERT_TRUE(view.isOk()) << view.status().message();
  EXPECT_EQ(view->name, "edgeway");
  EXPECT_EQ(view->controller, "edgeway.io/ingress");
  EXPECT_TRUE(view->isDefault);

  auto other = IngressClassView::parse(R"({"metadata": {"name": "nginx",
      "annotations": {"ingressclass.kubernetes.io/is-default-class": "True"}},
      "spec": {"controller": "k8s.io/ingress-nginx"}})");
  ASSERT_TRUE(other.isOk());
  EXPECT_FALSE(other->isDefault) << "only the exact value \"true\" marks the default";

  EXPECT_FALSE(IngressClassView::parse(R"({"metadata": {}, "spec": {}})").isOk());
}

}  // namespace
}  // namespace edgeway::api
