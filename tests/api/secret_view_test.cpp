#include "api/secret_view.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace edgeway::api {
namespace {

using json = nlohmann::json;

TEST(SecretViewTest, DecodesOnlyTheTlsPair) {
  // "cert\n" and "key" in base64, with a line break inside as some encoders write them.
  auto view = SecretView::parse(R"({"kind": "Secret", "apiVersion": "v1",
    "metadata": {"name": "shop-tls", "namespace": "shop"}, "type": "kubernetes.io/tls",
    "data": {"tls.crt": "Y2Vy\ndAo=", "tls.key": "a2V5", "other": "not base64 but never read!"}})");
  ASSERT_TRUE(view.isOk()) << view.status().message();
  EXPECT_EQ(view->ns, "shop");
  EXPECT_EQ(view->name, "shop-tls");
  EXPECT_EQ(view->type, "kubernetes.io/tls");
  EXPECT_EQ(view->tlsCert, "cert\n");
  EXPECT_EQ(view->tlsKey, "key");
  EXPECT_TRUE(view->hasTlsPair());
}

TEST(SecretViewTest, OpaqueByDefaultAndWithoutData) {
  auto view = SecretView::parse(R"({"metadata": {"name": "s", "namespace": "shop"}})");
  ASSERT_TRUE(view.isOk()) << view.status().message();
  EXPECT_EQ(view->type, "Opaque");
  EXPECT_FALSE(view->hasTlsPair());
}

TEST(SecretViewTest, DecodesEveryPaddingLength) {
  for (const auto& [encoded, plain] : std::vector<std::pair<std::string, std::string>>{
           {"", ""}, {"YQ==", "a"}, {"YWI=", "ab"}, {"YWJj", "abc"}, {"AP8=", std::string("\0\xff", 2)}}) {
    json object = {{"metadata", {{"name", "s"}, {"namespace", "n"}}}, {"data", {{"tls.key", encoded}}}};
    auto view = SecretView::fromJson(object);
    ASSERT_TRUE(view.isOk()) << encoded << ": " << view.status().message();
    EXPECT_EQ(view->tlsKey, plain) << encoded;
  }
}

TEST(SecretViewTest, RejectsTlsDataThatIsNotBase64) {
  for (const char* bad : {"YQ", "YQ=", "Y===", "YQ==YQ==", "a*bc", "YWJjZ"}) {
    json object = {{"metadata", {{"name", "s"}, {"namespace", "n"}}}, {"data", {{"tls.crt", bad}}}};
    auto view = SecretView::fromJson(object);
    ASSERT_FALSE(view.isOk()) << bad;
    EXPECT_NE(view.status().message().find("data.tls.crt: must be base64-encoded bytes"), std::string::npos)
        << view.status().message();
  }
}

}  // namespace
}  // namespace edgeway::api
