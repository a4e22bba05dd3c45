// kubectl 1.32 sends its access reviews as protobuf (`auth can-i`, `auth can-i --list`).
// The bodies below were captured from kubectl v1.32.4 pointed at a logging server.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "api/protobuf.h"
#include "api/schema.h"

namespace edgeway::api {
namespace {

using nlohmann::json;

std::string unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  return out;
}

// kubectl auth can-i update services --subresource=status -n kube-system
constexpr std::string_view kCanIUpdateServiceStatus =
    "6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f7631121753656c665375626a6563744163636573735265"
    "76"
    "696577124d0a100a0012001a0022002a00320038004200122f0a2d0a0b6b7562652d73797374656d12067570646174651a002200"
    "2a"
    "08736572766963657332067374617475733a001a08080012001a0020001a002200";
// kubectl auth can-i get /metrics
constexpr std::string_view kCanIGetMetrics =
    "6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f7631121753656c665375626a6563744163636573735265"
    "76"
    "696577122f0a100a0012001a0022002a003200380042001211120f0a082f6d65747269637312036765741a08080012001a002000"
    "1a"
    "002200";
// kubectl auth can-i --list
constexpr std::string_view kCanIList =
    "6b3873000a310a17617574686f72697a6174696f6e2e6b38732e696f2f7631121653656c665375626a65637452756c6573526576"
    "69"
    "657712230a100a0012001a0022002a0032003800420012090a0764656661756c741a04180022001a002200";

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
