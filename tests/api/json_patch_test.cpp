#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "api/patch.h"

namespace edgeway::api {
namespace {

using json = nlohmann::json;

const json kService = json::parse(R"({
  "metadata": {"name": "web", "labels": {"app": "web", "a/b": "slash", "m~n": "tilde"}},
  "spec": {"ports": [{"port": 80}, {"port": 443}], "selector": {"app": "web"}}
})");

json patched(const json& doc, const std::string& patch) {
  auto r = applyJsonPatch(doc, json::parse(patch));
  EXPECT_TRUE(r.isOk()) << r.status().message();
  return r.isOk() ? *r : json();
}

std::string error(const json& doc, const std::string& patch) {
  auto r = applyJsonPatch(doc, json::parse(patch));
  EXPECT_FALSE(r.isOk());
  return r.isOk() ? "" : r.status().message();
}

TEST(JsonPatch, ReplaceAsKubectlSendsIt) {
  json out = patched(kService, R"([{"op":"replace","path":"/spec/ports/0/port","value":8081}])");
  EXPECT_EQ(out["spec"]["ports"][0]["port"], 8081);
  EXPECT_EQ(out["spec"]["ports"][1]["port"], 443);
}

TEST(JsonPatch, AddInsertsAppendsAndSetsMembers) {
  json out = patched(kService, R"([
    {"op":"add","path":"/spec/ports/1","value":{"port":8080}},
    {"op":"add","path":"/spec/ports/-","value":{"port":9090}},
    {"op":"add","path":"/spec/ports/0","value":{"port":1}},
    {"op":"add","path":"/metadata/labels/tier","value":"front"}])");
  EXPECT_EQ(out["spec"]["ports"],
            json::parse(R"([{"port":1},{"port":80},{"port":8080},{"port":443},{"port":9090}])"));
  EXPECT_EQ(out["metadata"]["labels"]["tier"], "front");
  // Appending at index == size is allowed; beyond is not.
  json appended = patched(kService, R"([{"op":"add","path":"/spec/ports/2","value":{"port":1}}])");
  EXPECT_EQ(appended["spec"]["ports"].size(), 3u);
  EXPECT_NE(error(kService, R"([{"op":"add","path":"/spec/ports/3","value":{}}])").find("out of range"),
            std::string::npos);
}

TEST(JsonPatch, PointerEscapes) {
  json out = patched(kService, R"([
    {"op":"replace","path":"/metadata/labels/a~1b","value":"x"},
    {"op":"remove","path":"/metadata/labels/m~0n"}])");
  EXPECT_EQ(out["metadata"]["labels"]["a/b"], "x");
  EXPECT_FALSE(out["metadata"]["labels"].contains("m~n"));
  EXPECT_NE(error(kService, R"([{"op":"remove","path":"/metadata/labels/a~2b"}])").find("~"),
            std::string::npos);
  EXPECT_NE(error(kService, R"([{"op":"remove","path":"metadata"}])").find("must be empty or start"),
            std::string::npos);
}

TEST(JsonPatch, RemoveAndMissingPaths) {
  json out = patched(kService, R"([{"op":"remove","path":"/spec/ports/0"}])");
  EXPECT_EQ(out["spec"]["ports"], json::parse(R"([{"port":443}])"));
  EXPECT_EQ(error(kService, R"([{"op":"remove","path":"/spec/ports/3"}])"),
            R"(remove operation does not apply: doc is missing path: "/spec/ports/3")");
  EXPECT_EQ(error(kService, R"([{"op":"replace","path":"/spec/nope","value":1}])"),
            R"(replace operation does not apply: doc is missing path: "/spec/nope")");
  EXPECT_EQ(error(kService, R"([{"op":"add","path":"/spec/a/b","value":1}])"),
            R"(add operation does not apply: doc is missing path: "/spec/a/b")");
  // Leading zeros and "-" are not indexes for remove.
  error(kService, R"([{"op":"remove","path":"/spec/ports/01"}])");
  error(kService, R"([{"op":"remove","path":"/spec/ports/-"}])");
}

TEST(JsonPatch, MoveAndCopy) {
  json out = patched(kService, R"([
    {"op":"copy","from":"/spec/selector","path":"/metadata/annotations"},
    {"op":"move","from":"/spec/ports/1","path":"/spec/ports/0"}])");
  EXPECT_EQ(out["metadata"]["annotations"], json::parse(R"({"app":"web"})"));
  EXPECT_EQ(out["spec"]["ports"], json::parse(R"([{"port":443},{"port":80}])"));
  EXPECT_NE(error(kService, R"([{"op":"move","from":"/spec","path":"/spec/inner"}])").find("inside"),
            std::string::npos);
  EXPECT_NE(error(kService, R"([{"op":"copy","from":"/nope","path":"/x"}])").find("missing path: \"/nope\""),
            std::string::npos);
}

TEST(JsonPatch, TestOperationGuardsTheRest) {
  json out = patched(kService, R"([
    {"op":"test","path":"/spec/ports/0/port","value":80.0},
    {"op":"replace","path":"/spec/ports/0/port","value":81}])");
  EXPECT_EQ(out["spec"]["ports"][0]["port"], 81);
  std::string msg = error(kService, R"([
    {"op":"test","path":"/spec/ports/0/port","value":99},
    {"op":"replace","path":"/spec/ports/0/port","value":81}])");
  EXPECT_EQ(msg, R"(operation 0: testing value "/spec/ports/0/port" failed)");
}

TEST(JsonPatch, WholeDocument) {
  json out = patched(kService, R"([{"op":"replace","path":"","value":{"a":1}}])");
  EXPECT_EQ(out, json::parse(R"({"a":1})"));
  error(kService, R"([{"op":"remove","path":""}])");
}

TEST(JsonPatch, MalformedPatches) {
  EXPECT_NE(error(kService, R"({"op":"add"})").find("JSON array"), std::string::npos);
  EXPECT_NE(error(kService, R"([1])").find("JSON object"), std::string::npos);
  EXPECT_NE(error(kService, R"([{"path":"/a"}])").find("\"op\""), std::string::npos);
  EXPECT_NE(error(kService, R"([{"op":"frob","path":"/a"}])").find("unexpected op \"frob\""),
            std::string::npos);
  EXPECT_NE(error(kService, R"([{"op":"add","path":"/a"}])").find("missing \"value\""), std::string::npos);
  EXPECT_NE(error(kService, R"([{"op":"move","path":"/a"}])").find("missing \"from\""), std::string::npos);
  EXPECT_NE(error(kService, R"([{"op":"add","path":5,"value":1}])").find("must be a string"),
            std::string::npos);
  // An explicit null value is a value.
  EXPECT_TRUE(patched(kService, R"([{"op":"add","path":"/x","value":null}])")["x"].is_null());
}

TEST(JsonPatch, Limits) {
  json many = json::array();
  for (size_t i = 0; i <= kMaxJsonPatchOperations; ++i)
    many.push_back({{"op", "test"}, {"path", ""}, {"value", 1}});
  auto r = applyJsonPatch(kService, many);
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);

  // Copying a document into itself doubles it each time; the copy budget stops that.
  json doubling = json::array();
  doubling.push_back({{"op", "add"}, {"path", "/a"}, {"value", json::array({1, 2, 3, 4, 5, 6, 7, 8})}});
  for (int i = 0; i < 40; ++i) doubling.push_back({{"op", "copy"}, {"from", "/a"}, {"path", "/a/-"}});
  auto grown = applyJsonPatch(json::object(), doubling);
  ASSERT_FALSE(grown.isOk());
  EXPECT_EQ(grown.status().code(), StatusCode::kResourceExhausted);

  // Moving values ever deeper does not copy; the result check catches the depth.
  json deep = json::object();
  json moves = json::array();
  std::string path;
  for (int i = 0; i < kMaxPatchDepth + 5; ++i) {
    moves.push_back({{"op", "add"}, {"path", path + "/n"}, {"value", json::object()}});
    path += "/n";
  }
  auto tooDeep = applyJsonPatch(deep, moves);
  ASSERT_FALSE(tooDeep.isOk());
  EXPECT_NE(tooDeep.status().message().find("deeper than"), std::string::npos);

  json nested = 1;
  for (int i = 0; i < 5000; ++i) nested = json::array({std::move(nested)});
  EXPECT_FALSE(applyJsonPatch(nested, json::array()).isOk());
}

}  // namespace
}  // namespace edgeway::api
