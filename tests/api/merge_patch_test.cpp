#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/patch.h"

namespace edgeway::api {
namespace {

using json = nlohmann::json;

json merged(const char* doc, const char* patch) {
  auto r = applyMergePatch(json::parse(doc), json::parse(patch));
  EXPECT_TRUE(r.isOk()) << r.status().message();
  return r.isOk() ? *r : json();
}

TEST(MergePatch, LabelAddAndRemoveAsKubectlLabelSendsThem) {
  const char* svc = R"({"metadata":{"name":"web","labels":{"app":"web","env":"dev"}}})";
  EXPECT_EQ(merged(svc, R"({"metadata":{"labels":{"env":"prod"}}})"),
            json::parse(R"({"metadata":{"name":"web","labels":{"app":"web","env":"prod"}}})"));
  EXPECT_EQ(merged(svc, R"({"metadata":{"labels":{"env":null}}})"),
            json::parse(R"({"metadata":{"name":"web","labels":{"app":"web"}}})"));
}

TEST(MergePatch, ListsAreReplacedWhole) {
  EXPECT_EQ(merged(R"({"spec":{"ports":[{"port":80},{"port":443}]}})", R"({"spec":{"ports":[{"port":81}]}})"),
            json::parse(R"({"spec":{"ports":[{"port":81}]}})"));
}

TEST(MergePatch, Rfc7386Examples) {
  EXPECT_EQ(merged(R"({"a":"b","c":{"d":"e","f":"g"}})", R"({"a":"z","c":{"f":null}})"),
            json::parse(R"({"a":"z","c":{"d":"e"}})"));
  EXPECT_EQ(merged(R"({"a":"foo"})", R"({"a":{"bb":{"ccc":null}}})"), json::parse(R"({"a":{"bb":{}}})"));
  EXPECT_EQ(merged(R"({"a":[{"b":"c"}]})", R"({"a":[1]})"), json::parse(R"({"a":[1]})"));
  EXPECT_EQ(merged(R"({"e":null})", R"({"a":1})"), json::parse(R"({"e":null,"a":1})"));
  EXPECT_EQ(merged(R"([1,2])", R"({"a":"b","c":null})"), json::parse(R"({"a":"b"})"));
  EXPECT_EQ(merged(R"({})", R"({"a":{"bb":{"ccc":null}}})"), json::parse(R"({"a":{"bb":{}}})"));
}

TEST(MergePatch, RejectsNonObjectsAndDeepInput) {
  auto r = applyMergePatch(json::object(), json::array({1}));
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(applyMergePatch(json::object(), json()).isOk());

  json deep = json::object();
  for (int i = 0; i < 10000; ++i) deep = json{{"a", std::move(deep)}};
  EXPECT_FALSE(applyMergePatch(json::object(), deep).isOk());
  EXPECT_FALSE(applyMergePatch(deep, json::object()).isOk());
}

}  // namespace
}  // namespace edgeway::api
