// kubectl auth can-i: SelfSubjectAccessReview and SelfSubjectRulesReview.
#include <gtest/gtest.h>

#include "tests/apiserver/api_test_support.h"
#include "tests/api/kubectl_captures.h"

namespace edgeway::apiserver {
namespace {

using testing::ApiHarness;
using testing::json;

const char* kAccessReviews = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
const char* kRulesReviews = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews";

using namespace ::edgeway::testing::kubectl_captures;  // NOLINT: test fixtures

const std::vector<http::Header> kProtobuf = {
    {"Content-Type", "application/vnd.kubernetes.protobuf"},
    {"Accept", "application/vnd.kubernetes.protobuf,application/json"}};

json review(json attributes, bool resource = true) {
  return {{"apiVersion", "authorization.k8s.io/v1"},
          {"kind", "SelfSubjectAccessReview"},
          {"spec", {{resource ? "resourceAttributes" : "nonResourceAttributes", std::move(attributes)}}}};
}

class AccessReviewTest : public ::testing::Test {
 protected:
  void as(const std::string& user, std::vector<std::string> groups) {
    h_.setPeer(ApiHarness::certificate(user, std::move(groups)));
  }
  json ask(const json& body) {
    auto r = h_.post(kAccessReviews, body);
    EXPECT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(r.header("Content-Type"), "application/json");
    return r.status == 201 ? r.obj() : json();
  }
  json askProtobuf(std::string_view hex) {
    auto r = h_.call("POST", kAccessReviews, unhex(hex), kProtobuf);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? r.obj() : json();
  }

  ApiHarness h_;
};

TEST_F(AccessReviewTest, AnswersResourceQuestionsForTheCaller) {
  as("bob", {"edgeway:view"});
  json created = ask(review({{"namespace", "default"}, {"verb", "create"}, {"resource", "services"}}));
  EXPECT_EQ(created["kind"], "SelfSubjectAccessReview");
  EXPECT_EQ(created["apiVersion"], "authorization.k8s.io/v1");
  EXPECT_EQ(created["spec"]["resourceAttributes"]["verb"], "create");
  // Denied: no reason, so kubectl prints a bare "no".
  EXPECT_EQ(created["status"], json({{"allowed", false}}));

  json listed = ask(review({{"namespace", "default"}, {"verb", "list"}, {"resource", "services"}}));
  EXPECT_EQ(listed["status"],
            json({{"allowed", true},
                  {"reason", "allowed by role \"edgeway:view\" granted to group \"edgeway:view\""}}));

  EXPECT_FALSE(ask(review({{"verb", "get"}, {"resource", "secrets"}, {"name", "db"}}))["status"]["allowed"]);
  EXPECT_TRUE(ask(review(
      {{"verb", "watch"}, {"group", "networking.k8s.io"}, {"resource", "ingresses"}}))["status"]["allowed"]);
  EXPECT_FALSE(ask(review({{"verb", "*"}, {"group", "*"}, {"resource", "*"}}))["status"]["allowed"]);
  EXPECT_TRUE(ask(review({{"verb", "create"},
                          {"group", "authorization.k8s.io"},
                          {"resource", "selfsubjectaccessreviews"}}))["status"]["allowed"]);
}

TEST_F(AccessReviewTest, AnswersPathQuestions) {
  as("bob", {"edgeway:view"});
  EXPECT_FALSE(ask(review({{"path", "/metrics"}, {"verb", "get"}}, false))["status"]["allowed"]);
  EXPECT_TRUE(
      ask(review({{"path", "/apis/networking.k8s.io/v1"}, {"verb", "get"}}, false))["status"]["allowed"]);
  as("root", {"system:masters"});
  EXPECT_TRUE(ask(review({{"path", "/metrics"}, {"verb", "get"}}, false))["status"]["allowed"]);
  EXPECT_TRUE(ask(review({{"verb", "*"}, {"group", "*"}, {"resource", "*"}}))["status"]["allowed"]);
}

TEST_F(AccessReviewTest, DecodesKubectlsProtobufBodies) {
  as("bob", {"edgeway:view"});
  json answer = askProtobuf(kCanIUpdateServiceStatus);
  EXPECT_EQ(answer["spec"]["resourceAttributes"]["subresource"], "status");
  EXPECT_EQ(answer["status"]["allowed"], false);
  EXPECT_EQ(askProtobuf(kCanIGetSecret)["status"]["allowed"], false);
  EXPECT_EQ(askProtobuf(kCanIGetMetrics)["status"]["allowed"], false);

  as("agent-1", {"edgeway:agent"});
  EXPECT_EQ(askProtobuf(kCanIUpdateServiceStatus)["status"]["allowed"], true);
  EXPECT_EQ(askProtobuf(kCanIGetSecret)["status"]["allowed"], true);
  as("admin", {"system:masters"});
  EXPECT_EQ(askProtobuf(kCanIGetMetrics)["status"]["allowed"], true);
}

TEST_F(AccessReviewTest, ExactlyOneQuestion) {
  json neither = review(json::object());
  neither["spec"] = json::object();
  auto r = h_.post(kAccessReviews, neither);
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.obj()["reason"], "Invalid");
  EXPECT_EQ(
      r.obj()["message"],
      "SelfSubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.resourceAttributes: Invalid value: "
      "\"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified");

  json both = review({{"verb", "get"}, {"resource", "services"}});
  both["spec"]["nonResourceAttributes"] = {{"path", "/api"}, {"verb", "get"}};
  r = h_.post(kAccessReviews, both);
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.obj()["details"]["causes"][0]["field"], "spec.nonResourceAttributes");
}

TEST_F(AccessReviewTest, DecodingErrorsAndFieldValidation) {
  auto r = h_.call("POST", kAccessReviews, "{not json");
  EXPECT_EQ(r.status, 400);
  r = h_.post(std::string(kAccessReviews) + "?fieldValidation=Strict",
              json{{"spec", {{"resourceAttributes", {{"verb", "get"}}}, {"bogus", 1}}}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.obj()["message"].get<std::string>().find("unknown field \"spec.bogus\""), std::string::npos);
  r = h_.post(kAccessReviews, json{{"spec", {{"resourceAttributes", {{"verb", "get"}}}, {"bogus", 1}}}});
  EXPECT_EQ(r.status, 201);  // apiVersion and kind default to the endpoint's
  EXPECT_EQ(r.obj()["kind"], "SelfSubjectAccessReview");
  EXPECT_EQ(r.header("Warning"), "299 - \"unknown field \\\"spec.bogus\\\"\"");
  r = h_.post(kAccessReviews, json{{"apiVersion", "v1"}, {"kind", "Service"}});
  EXPECT_EQ(r.status, 400);
}

TEST_F(AccessReviewTest, CreateOnlyAndClusterScoped) {
  EXPECT_EQ(h_.get(kAccessReviews).status, 405);
  EXPECT_EQ(h_.del(kAccessReviews).status, 405);
  EXPECT_EQ(
      h_.post("/apis/authorization.k8s.io/v1/namespaces/default/selfsubjectaccessreviews", json::object())
          .status,
      404);
  EXPECT_EQ(h_.post(std::string(kAccessReviews) + "/x", json::object()).status, 404);
  EXPECT_EQ(h_.post("/apis/authorization.k8s.io/v1/subjectaccessreviews", json::object()).status, 404);
}

TEST_F(AccessReviewTest, RulesReviewListsTheCallersRoles) {
  as("agent-1", {"edgeway:agent"});
  auto r = h_.call("POST", kRulesReviews, unhex(kCanIList), kProtobuf);
  ASSERT_EQ(r.status, 201) << r.body;
  json status = r.obj()["status"];
  EXPECT_EQ(status["incomplete"], false);
  const json& rules = status["resourceRules"];
  auto has = [&](const json& rule) { return std::find(rules.begin(), rules.end(), rule) != rules.end(); };
  EXPECT_TRUE(has(json::parse(R"({"verbs":["update","patch"],"apiGroups":["networking.k8s.io"],
                                  "resources":["ingresses/status"]})")));
  EXPECT_TRUE(has(json::parse(R"({"verbs":["create"],"apiGroups":["authorization.k8s.io"],
                                  "resources":["selfsubjectaccessreviews","selfsubjectrulesreviews"]})")));
  EXPECT_FALSE(has(json::parse(R"({"verbs":["*"],"apiGroups":["*"],"resources":["*"]})")));
  bool discovery = false;
  for (const auto& rule : status["nonResourceRules"]) {
    for (const auto& url : rule["nonResourceURLs"]) discovery |= url == "/apis/*";
  }
  EXPECT_TRUE(discovery);

  as("admin", {"system:masters"});
  r = h_.post(kRulesReviews, json{{"spec", {{"namespace", "default"}}}});
  ASSERT_EQ(r.status, 201);
  json admin = r.obj()["status"]["resourceRules"];
  EXPECT_NE(std::find(admin.begin(), admin.end(),
                      json::parse(R"({"verbs":["*"],"apiGroups":["*"],"resources":["*"]})")),
            admin.end());

  r = h_.post(kRulesReviews, json{{"spec", json::object()}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.obj()["message"], "no namespace on request");
}

}  // namespace
}  // namespace edgeway::apiserver
