#include "api/validation.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace edgeway::api {
namespace {

using json = nlohmann::json;

std::vector<std::string> render(const FieldErrors& errs) {
  std::vector<std::string> out;
  for (const auto& e : errs) out.push_back(e.toString());
  return out;
}

const char* const kDns1035Error =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
    "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for "
    "validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const char* const kDns1123LabelError =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
    "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const char* const kDns1123SubdomainError =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const char* const kQualifiedNameRegex =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
    "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
    "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const char* const kLabelValueError =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used "
    "for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

TEST(ValidationTest, Dns1035Label) {
  EXPECT_TRUE(isDns1035Label("web").empty());
  EXPECT_TRUE(isDns1035Label("a-1").empty());
  EXPECT_EQ(isDns1035Label("1abc"), std::vector<std::string>{kDns1035Error});
  EXPECT_EQ(isDns1035Label("Web"), std::vector<std::string>{kDns1035Error});
  EXPECT_EQ(isDns1035Label("web-"), std::vector<std::string>{kDns1035Error});
  EXPECT_EQ(isDns1035Label(""), std::vector<std::string>{kDns1035Error});
  std::string longName(64, 'a');
  EXPECT_EQ(isDns1035Label(longName), std::vector<std::string>{"must be no more than 63 characters"});
  EXPECT_TRUE(isDns1035Label(std::string(63, 'a')).empty());
}

TEST(ValidationTest, Dns1123Label) {
  EXPECT_TRUE(isDns1123Label("1abc").empty());
  EXPECT_EQ(isDns1123Label("a_b"), std::vector<std::string>{kDns1123LabelError});
  // A valid subdomain fails as a label only because of its dots, and is told so.
  EXPECT_EQ(isDns1123Label("a.b"), std::vector<std::string>{"must not contain dots"});
  EXPECT_EQ(isDns1123Label(std::string(64, 'a')),
            std::vector<std::string>{"must be no more than 63 characters"});
}

TEST(ValidationTest, Dns1123Subdomain) {
  EXPECT_TRUE(isDns1123Subdomain("example.com").empty());
  EXPECT_TRUE(isDns1123Subdomain("a").empty());
  EXPECT_EQ(isDns1123Subdomain("a..b"), std::vector<std::string>{kDns1123SubdomainError});
  EXPECT_EQ(isDns1123Subdomain(".a"), std::vector<std::string>{kDns1123SubdomainError});
  EXPECT_EQ(isDns1123Subdomain("A.com"), std::vector<std::string>{kDns1123SubdomainError});
  std::string longName(254, 'a');
  EXPECT_EQ(isDns1123Subdomain(longName)[0], "must be no more than 253 characters");
}

TEST(ValidationTest, QualifiedName) {
  EXPECT_TRUE(isQualifiedName("app").empty());
  EXPECT_TRUE(isQualifiedName("example.com/My_Name.1").empty());
  EXPECT_EQ(isQualifiedName("-app"),
            std::vector<std::string>{std::string("name part ") + kQualifiedNameRegex});
  EXPECT_EQ(isQualifiedName("/app"), std::vector<std::string>{"prefix part must be non-empty"});
  EXPECT_EQ(isQualifiedName("Example.com/app"),
            std::vector<std::string>{std::string("prefix part ") + kDns1123SubdomainError});
  EXPECT_EQ(isQualifiedName("example.com/"),
            (std::vector<std::string>{"name part must be non-empty",
                                      std::string("name part ") + kQualifiedNameRegex}));
  EXPECT_EQ(isQualifiedName(std::string(64, 'a')),
            std::vector<std::string>{"name part must be no more than 63 characters"});
  EXPECT_EQ(
      isQualifiedName("a/b/c"),
      std::vector<std::string>{std::string("a qualified name ") + kQualifiedNameRegex +
                               " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"});
}

TEST(ValidationTest, LabelValue) {
  EXPECT_TRUE(isValidLabelValue("").empty());
  EXPECT_TRUE(isValidLabelValue("v1.2_x").empty());
  EXPECT_EQ(isValidLabelValue("bad value"), std::vector<std::string>{kLabelValueError});
  EXPECT_EQ(isValidLabelValue(std::string(64, 'a')),
            std::vector<std::string>{"must be no more than 63 characters"});
}

TEST(ValidationTest, PortNameIsIanaServiceName) {
  EXPECT_TRUE(isValidPortName("http").empty());
  EXPECT_TRUE(isValidPortName("h2c-8080").empty());
  EXPECT_EQ(isValidPortName("8080"), std::vector<std::string>{"must contain at least one letter (a-z)"});
  EXPECT_EQ(
      isValidPortName("HTTP"),
      (std::vector<std::string>{"must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
                                "must contain at least one letter (a-z)"}));
  EXPECT_EQ(isValidPortName("a--b"), std::vector<std::string>{"must not contain consecutive hyphens"});
  EXPECT_EQ(isValidPortName("-ab"), std::vector<std::string>{"must not begin or end with a hyphen"});
  EXPECT_EQ(isValidPortName("abcdefghijklmnop"),
            std::vector<std::string>{"must be no more than 15 characters"});
}

TEST(ValidationTest, IpAndRanges) {
  EXPECT_TRUE(isValidIp("10.0.0.1").empty());
  EXPECT_TRUE(isValidIp("fd00::1").empty());
  EXPECT_TRUE(isValidIp("010.0.0.1").empty());  // tolerated, as kube does
  EXPECT_EQ(isValidIp("10.0.0"),
            std::vector<std::string>{"must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"});
  EXPECT_TRUE(isValidPortNum(1).empty());
  EXPECT_TRUE(isValidPortNum(65535).empty());
  EXPECT_EQ(isValidPortNum(0), std::vector<std::string>{"must be between 1 and 65535, inclusive"});
  EXPECT_EQ(isValidPortNum(70000), std::vector<std::string>{"must be between 1 and 65535, inclusive"});
  EXPECT_EQ(isInRange(5, 10, 20), std::vector<std::string>{"must be between 10 and 20, inclusive"});
}

TEST(ValidationTest, ObjectMetaNameRules) {
  EXPECT_TRUE(
      validateObjectMeta({{"name", "web"}, {"namespace", "default"}}, true, NameRule::kDns1035Label).empty());
  EXPECT_EQ(render(validateObjectMeta({{"namespace", "default"}}, true, NameRule::kDns1035Label)),
            std::vector<std::string>{"metadata.name: Required value: name or generateName is required"});
  // generateName stands in for the name; its trailing dash is fine, random characters follow.
  EXPECT_TRUE(
      validateObjectMeta({{"generateName", "web-"}, {"namespace", "default"}}, true, NameRule::kDns1035Label)
          .empty());
  EXPECT_EQ(render(validateObjectMeta({{"generateName", "1web-"}, {"namespace", "default"}}, true,
                                      NameRule::kDns1035Label)),
            std::vector<std::string>{std::string("metadata.generateName: Invalid value: \"1web-\": ") +
                                     kDns1035Error});
  EXPECT_EQ(
      render(validateObjectMeta({{"name", "Web"}, {"namespace", "default"}}, true, NameRule::kDns1035Label)),
      std::vector<std::string>{std::string("metadata.name: Invalid value: \"Web\": ") + kDns1035Error});
  EXPECT_TRUE(validateObjectMeta({{"name", "a.b"}}, false, NameRule::kDns1123Subdomain).empty());
}

TEST(ValidationTest, ObjectMetaNamespaceRules) {
  EXPECT_EQ(render(validateObjectMeta({{"name", "web"}}, true, NameRule::kDns1035Label)),
            std::vector<std::string>{"metadata.namespace: Required value"});
  EXPECT_EQ(
      render(validateObjectMeta({{"name", "web"}, {"namespace", "Bad"}}, true, NameRule::kDns1035Label)),
      std::vector<std::string>{std::string("metadata.namespace: Invalid value: \"Bad\": ") +
                               kDns1123LabelError});
  EXPECT_EQ(render(validateObjectMeta({{"name", "node1"}, {"namespace", "default"}}, false,
                                      NameRule::kDns1123Subdomain)),
            std::vector<std::string>{"metadata.namespace: Forbidden: not allowed on this type"});
}

TEST(ValidationTest, ObjectMetaLabelsAndAnnotations) {
  json meta = {{"name", "web"},
               {"namespace", "default"},
               {"labels", {{"app", "web"}, {"-bad", "ok"}, {"tier", "no spaces"}}},
               {"annotations", {{"Example.com/Note", "x"}, {"bad key", "y"}}}};
  EXPECT_EQ(
      render(validateObjectMeta(meta, true, NameRule::kDns1035Label)),
      (std::vector<std::string>{
          std::string("metadata.labels: Invalid value: \"-bad\": name part ") + kQualifiedNameRegex,
          std::string("metadata.labels: Invalid value: \"no spaces\": ") + kLabelValueError,
          std::string("metadata.annotations: Invalid value: \"bad key\": name part ") + kQualifiedNameRegex,
      }));
}

TEST(ValidationTest, AnnotationsAreLimitedTo256KiBInTotal) {
  json meta = {
      {"name", "web"}, {"namespace", "default"}, {"annotations", {{"a", std::string(256 * 1024, 'x')}}}};
  EXPECT_EQ(render(validateObjectMeta(meta, true, NameRule::kDns1035Label)),
            std::vector<std::string>{"metadata.annotations: Too long: may not be more than 262144 bytes"});
  meta["annotations"]["a"] = std::string(256 * 1024 - 1, 'x');
  EXPECT_TRUE(validateObjectMeta(meta, true, NameRule::kDns1035Label).empty());
}

TEST(ValidationTest, ObjectMetaWrongTypesAreReportedNotThrown) {
  json meta = {{"name", 5}, {"namespace", "default"}, {"labels", {{"a", 1}}}, {"annotations", "x"}};
  auto errs = render(validateObjectMeta(meta, true, NameRule::kDns1035Label));
  EXPECT_EQ(errs,
            (std::vector<std::string>{
                "metadata.name: Invalid value: 5: must be a string",
                "metadata.name: Required value: name or generateName is required",
                "metadata.labels[a]: Invalid value: 1: must be a string",
                "metadata.annotations: Invalid value: \"x\": must be a map of string keys to string values",
            }));
  EXPECT_FALSE(validateObjectMeta(json("text"), true, NameRule::kDns1035Label).empty());
}

TEST(ValidationTest, ObjectMetaUpdateKeepsIdentityImmutable) {
  json old = {{"name", "web"},
              {"namespace", "default"},
              {"uid", "u1"},
              {"creationTimestamp", "2024-01-01T00:00:00Z"},
              {"generation", 3}};
  EXPECT_TRUE(validateObjectMetaUpdate(old, old).empty());
  json changed = old;
  changed["name"] = "web2";
  changed["uid"] = "u2";
  changed.erase("namespace");
  changed["generation"] = 2;
  EXPECT_EQ(render(validateObjectMetaUpdate(changed, old)),
            (std::vector<std::string>{
                "metadata.name: Invalid value: \"web2\": field is immutable",
                "metadata.namespace: Invalid value: \"\": field is immutable",
                "metadata.uid: Invalid value: \"u2\": field is immutable",
                "metadata.generation: Invalid value: 2: must not be decremented",
            }));
  json labelled = old;
  labelled["labels"] = {{"a", "b c"}};
  EXPECT_EQ(
      render(validateObjectMetaUpdate(labelled, old)),
      std::vector<std::string>{std::string("metadata.labels: Invalid value: \"b c\": ") + kLabelValueError});
}

TEST(ValidationTest, Labels) {
  EXPECT_TRUE(validateLabels({{"app", "web"}, {"k8s.io/x", ""}}, FieldPath("spec.selector")).empty());
  EXPECT_EQ(
      render(validateLabels({{"app", "-x"}}, FieldPath("spec.selector"))),
      std::vector<std::string>{std::string("spec.selector: Invalid value: \"-x\": ") + kLabelValueError});
}

}  // namespace
}  // namespace edgeway::api
