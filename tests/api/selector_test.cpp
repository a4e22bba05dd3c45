#include "api/selector.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace edgeway::api {
namespace {

using json = nlohmann::json;

bool matches(const char* selector, const json& labels) {
  auto s = LabelSelector::parse(selector);
  EXPECT_TRUE(s.isOk()) << selector << ": " << s.status().message();
  return s.isOk() && s->matches(labels);
}

std::string parseError(const char* selector) {
  auto s = LabelSelector::parse(selector);
  return s.isOk() ? "" : s.status().message();
}

TEST(LabelSelectorTest, EqualityAndInequality) {
  json labels = {{"app", "web"}, {"tier", "front"}};
  EXPECT_TRUE(matches("app=web", labels));
  EXPECT_TRUE(matches("app==web", labels));
  EXPECT_FALSE(matches("app=db", labels));
  EXPECT_TRUE(matches("app!=db", labels));
  EXPECT_TRUE(matches("missing!=x", labels));  // != also selects objects without the key
  EXPECT_TRUE(matches("app=web,tier=front", labels));
  EXPECT_FALSE(matches("app=web,tier=back", labels));
  EXPECT_TRUE(matches("", labels));
  EXPECT_TRUE(matches(" app = web ", labels));
}

TEST(LabelSelectorTest, SetsAndExistence) {
  json labels = {{"env", "prod"}};
  EXPECT_TRUE(matches("env in (prod, staging)", labels));
  EXPECT_FALSE(matches("env in (dev)", labels));
  EXPECT_TRUE(matches("env notin (dev,qa)", labels));
  EXPECT_FALSE(matches("env notin (prod)", labels));
  EXPECT_TRUE(matches("team notin (a)", labels));
  EXPECT_TRUE(matches("env", labels));
  EXPECT_FALSE(matches("team", labels));
  EXPECT_TRUE(matches("!team", labels));
  EXPECT_FALSE(matches("!env", labels));
  EXPECT_TRUE(matches("in in (in)", {{"in", "in"}}));  // keywords are plain words in value positions
  EXPECT_TRUE(matches("replicas>2", {{"replicas", "3"}}));
  EXPECT_FALSE(matches("replicas<2", {{"replicas", "3"}}));
  EXPECT_FALSE(matches("replicas>2", {{"replicas", "many"}}));
  EXPECT_TRUE(matches("a=", {{"a", ""}}));
  EXPECT_FALSE(matches("app=web", nullptr));
}

TEST(LabelSelectorTest, TextPrecheckNeverRejectsAMatch) {
  const std::string web = R"({"metadata":{"name":"a","labels":{"app":"web","kubernetes.io/service-name":"x"}}})";
  const std::string api = R"({"metadata":{"name":"b","labels":{"app":"api"}},"spec":{"selector":{"tier":"web"}}})";
  for (const char* text : {"app=web", "app in (api, web)", "app", "kubernetes.io/service-name=x", "app!=api",
                           "!tier", "app=web,tier notin (x)", "app in (web)"}) {
    auto sel = LabelSelector::parse(text);
    ASSERT_TRUE(sel.isOk()) << text;
    for (const std::string* obj : {&web, &api}) {
      json labels = json::parse(*obj)["metadata"]["labels"];
      if (sel->matches(labels)) {
        EXPECT_TRUE(sel->mayMatchText(*obj)) << text << " on " << *obj;
      }
    }
  }
  // What it is for: most non-matching objects are rejected without parsing.
  EXPECT_FALSE(LabelSelector::parse("app=web")->mayMatchText(api));
  EXPECT_FALSE(LabelSelector::parse("kubernetes.io/service-name=y")->mayMatchText(web));
  EXPECT_FALSE(LabelSelector::parse("app in (db, cache)")->mayMatchText(web));
  EXPECT_FALSE(LabelSelector::parse("release")->mayMatchText(web));
  // A value elsewhere in the object may pass the pre-check; matches() still decides.
  EXPECT_TRUE(LabelSelector::parse("tier=web")->mayMatchText(api));
  EXPECT_FALSE(LabelSelector::parse("tier=web")->matches(json::parse(api)["metadata"]["labels"]));
}

TEST(LabelSelectorTest, ParseErrorsUseApimachinerysWording) {
  EXPECT_EQ(parseError("app="), "");
  EXPECT_EQ(parseError("=web"), "found '=', expected: !, identifier, or 'end of string'");
  EXPECT_EQ(parseError("app=web,"), "found '', expected: identifier after ','");
  EXPECT_EQ(parseError("app web"), "unable to parse requirement: found 'web', expected: in, notin, =, ==, !=, gt, lt");
  EXPECT_EQ(parseError("env in prod"), "unable to parse requirement: found 'prod' expected: '('");
  EXPECT_EQ(parseError("env in (a b)"), "unable to parse requirement: found 'b', expected: ',' or ')'");
  EXPECT_EQ(parseError("app=(x"), "unable to parse requirement: found '(', expected: identifier");
  EXPECT_EQ(parseError("!app=web"), "found '=', expected: ',' or 'end of string'");
  EXPECT_EQ(parseError("a>x"),
            "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must "
            "be an integer");
  EXPECT_NE(parseError("app=bad value!").find("found"), std::string::npos);
  EXPECT_EQ(parseError("app=-bad").rfind("unable to parse requirement: values[0][app]: Invalid value: \"-bad\": ", 0),
            0u)
      << parseError("app=-bad");
  EXPECT_EQ(parseError("bad key=x"), "unable to parse requirement: found 'key', expected: in, notin, =, ==, !=, gt, lt");
  EXPECT_EQ(parseError("-bad=x").rfind("unable to parse requirement: key: Invalid value: \"-bad\": ", 0), 0u)
      << parseError("-bad=x");
}

TEST(FieldSelectorTest, ParsesTermsAndMatchesObjects) {
  auto s = FieldSelector::parse("metadata.name=web,spec.type!=NodePort");
  ASSERT_TRUE(s.isOk());
  ASSERT_EQ(s->terms().size(), 2u);
  EXPECT_FALSE(s->onlyNameAndNamespace());
  json svc = {{"metadata", {{"name", "web"}}}, {"spec", {{"type", "ClusterIP"}, {"allocate", true}}}};
  EXPECT_TRUE(s->matches(svc));
  svc["spec"]["type"] = "NodePort";
  EXPECT_FALSE(s->matches(svc));
  EXPECT_EQ(fieldValue(svc, "spec.allocate"), "true");
  EXPECT_EQ(fieldValue(svc, "spec.missing"), "");

  auto eq = FieldSelector::parse("metadata.namespace==default");
  ASSERT_TRUE(eq.isOk());
  EXPECT_TRUE(eq->onlyNameAndNamespace());
  auto escaped = FieldSelector::parse("metadata.name=a\\,b");
  ASSERT_TRUE(escaped.isOk());
  EXPECT_EQ(escaped->terms()[0].value, "a,b");
  EXPECT_TRUE(FieldSelector::parse("")->empty());
}

TEST(FieldSelectorTest, RejectsTermsWithoutOperators) {
  auto s = FieldSelector::parse("metadata.name");
  ASSERT_FALSE(s.isOk());
  EXPECT_EQ(s.status().message(), "invalid selector: 'metadata.name'; can't understand 'metadata.name'");
  EXPECT_FALSE(FieldSelector::parse("a=b=c").isOk());
}

}  // namespace
}  // namespace edgeway::api
