// kubectl 1.32 sends its access reviews as protobuf (`auth can-i`, `auth can-i --list`).
// The bodies below were captured from kubectl v1.32.4 pointed at a logging server.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "api/protobuf.h"
#include "api/schema.h"
#include "tests/api/kubectl_captures.h"

namespace edgeway::api {
namespace {

using nlohmann::json;

using namespace ::edgeway::testing::kubectl_captures;  // NOLINT: test fixtures

TEST(AuthorizationProtobufTest, DecodesKubectlsResourceAccessReview) {
  auto decoded = decodeKubernetesProtobuf(unhex(kCanIUpdateServiceStatus));
  ASSERT_TRUE(decoded.isOk()) << decoded.status().message();
  EXPECT_EQ(*decoded, json::parse(R"({
      "apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","metadata":{},
      "spec":{"resourceAttributes":{"namespace":"kube-system","verb":"update","resource":"services",
                                    "subresource":"status"}},
      "status":{"allowed":false}})"));
}

TEST(AuthorizationProtobufTest, DecodesKubectlsPathAccessReview) {
  auto decoded = decodeKubernetesProtobuf(unhex(kCanIGetMetrics));
  ASSERT_TRUE(decoded.isOk()) << decoded.status().message();
  EXPECT_EQ((*decoded)["spec"], json::parse(R"({"nonResourceAttributes":{"path":"/metrics","verb":"get"}})"));
}

TEST(AuthorizationProtobufTest, DecodesKubectlsRulesReview) {
  auto decoded = decodeKubernetesProtobuf(unhex(kCanIList));
  ASSERT_TRUE(decoded.isOk()) << decoded.status().message();
  EXPECT_EQ((*decoded)["kind"], "SelfSubjectRulesReview");
  EXPECT_EQ((*decoded)["spec"], json::parse(R"({"namespace":"default"})"));
}

TEST(AuthorizationProtobufTest, ReviewsAreFindableButNotServedKinds) {
  const TypeDef* ssar = findKind("authorization.k8s.io", "v1", "SelfSubjectAccessReview");
  ASSERT_NE(ssar, nullptr);
  EXPECT_EQ(findType("io.k8s.api.authorization.v1.SelfSubjectAccessReview"), ssar);
  const TypeDef* attrs = findType("io.k8s.api.authorization.v1.ResourceAttributes");
  ASSERT_NE(attrs, nullptr);
  EXPECT_EQ(attrs->field("fieldSelector")->protoNumber, 8);
  EXPECT_EQ(attrs->field("labelSelector")->protoNumber, 9);
  EXPECT_NE(findKind("authorization.k8s.io", "v1", "SelfSubjectRulesReview"), nullptr);
  EXPECT_EQ(findKind("authorization.k8s.io", "v1", "SelfSubjectAccessReviewList"), nullptr);
  for (const TypeDef* k : allKinds()) EXPECT_NE(k->group, "authorization.k8s.io");
}

}  // namespace
}  // namespace edgeway::api
