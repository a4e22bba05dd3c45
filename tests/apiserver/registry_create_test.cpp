// POST through the handler: the object kubectl gets back, system metadata, allocation,
// decoding and the errors kubectl prints.

#include <regex>

#include "tests/apiserver/api_test_support.h"

namespace edgeway::apiserver::testing {
namespace {

TEST(RegistryCreateTest, CreatesWithSystemMetadataAndAllocatesAClusterIp) {
  ApiHarness h;
  Reply r = h.post(std::string(kServices) + "?fieldManager=kubectl-create&fieldValidation=Strict", service("web"));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  json svc = r.obj();
  EXPECT_EQ(svc["kind"], "Service");
  EXPECT_EQ(svc["apiVersion"], "v1");
  const json& meta = svc["metadata"];
  EXPECT_EQ(meta["name"], "web");
  EXPECT_EQ(meta["namespace"], "default");
  EXPECT_TRUE(std::regex_match(meta["uid"].get<std::string>(),
                               std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
  EXPECT_TRUE(std::regex_match(meta["creationTimestamp"].get<std::string>(),
                               std::regex("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ")));
  EXPECT_EQ(meta["generation"], 1);
  EXPECT_EQ(meta["resourceVersion"], std::to_string(h.store().currentRevision()));
  ASSERT_TRUE(meta["managedFields"].is_array());
  EXPECT_EQ(meta["managedFields"][0]["manager"], "kubectl-create");
  EXPECT_EQ(meta["managedFields"][0]["operation"], "Update");
  std::string ip = svc["spec"]["clusterIP"];
  EXPECT_EQ(ip.rfind("10.43.", 0), 0u) << ip;
  EXPECT_NE(ip, "10.43.0.1");  // the kubernetes Service holds that one

  // GET serves exactly what was stored.
  Reply got = h.get(std::string(kServices) + "/web");
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.body, r.body);
}

TEST(RegistryCreateTest, AlreadyExistsIs409WithKubesMessage) {
  ApiHarness h;
  ASSERT_EQ(h.post(kServices, service("web")).status, 201);
  Reply r = h.post(kServices, service("web"));
  ASSERT_EQ(r.status, 409);
  json st = r.obj();
  EXPECT_EQ(st["kind"], "Status");
  EXPECT_EQ(st["reason"], "AlreadyExists");
  EXPECT_EQ(st["message"], "services \"web\" already exists");
  EXPECT_EQ(st["details"]["name"], "web");
  EXPECT_EQ(st["details"]["kind"], "services");
}

TEST(RegistryCreateTest, GenerateNameAddsFiveCharacters) {
  ApiHarness h;
  json svc = service("");
  svc["metadata"].erase("name");
  svc["metadata"]["generateName"] = "web-";
  Reply r = h.post(kServices, svc);
  ASSERT_EQ(r.status, 201) << r.body;
  std::string name = r.obj()["metadata"]["name"];
  EXPECT_TRUE(std::regex_match(name, std::regex("web-[bcdfghjklmnpqrstvwxz2456789]{5}"))) << name;
  EXPECT_EQ(h.get(std::string(kServices) + "/" + name).status, 200);
}

TEST(RegistryCreateTest, DryRunLeavesNoTrace) {
  ApiHarness h;
  json svc = service("dry");
  svc["spec"]["clusterIP"] = "10.43.7.7";
  auto before = h.store().currentRevision();
  Reply r = h.post(std::string(kServices) + "?dryRun=All", svc);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.obj()["spec"]["clusterIP"], "10.43.7.7");
  EXPECT_EQ(h.store().currentRevision(), before);
  EXPECT_EQ(h.get(std::string(kServices) + "/dry").status, 404);
  // The address was not kept: a real create may take it.
  json other = service("real");
  other["spec"]["clusterIP"] = "10.43.7.7";
  EXPECT_EQ(h.post(kServices, other).status, 201);
}

TEST(RegistryCreateTest, DryRunValueIsValidated) {
  ApiHarness h;
  Reply r = h.post(std::string(kServices) + "?dryRun=Some", service("x"));
  ASSERT_EQ(r.status, 422);
  EXPECT_EQ(r.obj()["message"],
            "CreateOptions.meta.k8s.io \"\" is invalid: dryRun: Unsupported value: \"Some\": supported values: \"All\"");
}

TEST(RegistryCreateTest, StrictFieldValidationRejectsUnknownFields) {
  ApiHarness h;
  json svc = service("web");
  svc["spec"]["foo"] = 1;
  Reply r = h.post(std::string(kServices) + "?fieldValidation=Strict", svc);
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(r.obj()["reason"], "BadRequest");
  EXPECT_EQ(r.obj()["message"],
            "Service in version \"v1\" cannot be handled as a Service: strict decoding error: unknown field \"spec.foo\"");
  EXPECT_EQ(h.get(std::string(kServices) + "/web").status, 404);
}

TEST(RegistryCreateTest, WarnFieldValidationDropsUnknownFieldsWithAWarning) {
  ApiHarness h;
  json svc = service("web");
  svc["spec"]["ports"][0]["bogus"] = true;
  Reply r = h.post(std::string(kServices) + "?fieldValidation=Warn", svc);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.all("Warning"), std::vector<std::string>{"299 - \"unknown field \\\"spec.ports[0].bogus\\\"\""});
  EXPECT_FALSE(r.obj()["spec"]["ports"][0].contains("bogus"));
  // Warn is the default.
  json other = service("other");
  other["spec"]["bogus"] = 1;
  EXPECT_EQ(h.post(kServices, other).all("Warning").size(), 1u);
  // Ignore drops silently.
  json quiet = service("quiet");
  quiet["spec"]["bogus"] = 1;
  Reply q = h.post(std::string(kServices) + "?fieldValidation=Ignore", quiet);
  EXPECT_EQ(q.status, 201);
  EXPECT_TRUE(q.all("Warning").empty());
}

TEST(RegistryCreateTest, DuplicateFieldsAreReportedWithTheirPath) {
  ApiHarness h;
  std::string body =
      R"({"apiVersion":"v1","kind":"Service","metadata":{"name":"dup","name":"dup"},)"
      R"("spec":{"ports":[{"port":80,"port":81}]}})";
  Reply r = h.call("POST", std::string(kServices) + "?fieldValidation=Strict", body);
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(r.obj()["message"],
            "Service in version \"v1\" cannot be handled as a Service: strict decoding error: duplicate field "
            "\"metadata.name\", duplicate field \"spec.ports[0].port\"");
  Reply warn = h.call("POST", kServices, body);
  ASSERT_EQ(warn.status, 201) << warn.body;
  EXPECT_EQ(warn.obj()["spec"]["ports"][0]["port"], 81);  // the last one wins
  EXPECT_EQ(warn.all("Warning").size(), 2u);
}

TEST(RegistryCreateTest, MalformedAndMistypedBodiesAreBadRequests) {
  ApiHarness h;
  Reply r = h.call("POST", kServices, "{\"metadata\":");
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(r.obj()["reason"], "BadRequest");
  EXPECT_NE(r.obj()["message"].get<std::string>().find("cannot be handled as a Service"), std::string::npos);

  json svc = service("typed");
  svc["spec"]["ports"][0]["port"] = "eighty";
  Reply t = h.post(kServices, svc);
  ASSERT_EQ(t.status, 400);
  EXPECT_NE(t.obj()["message"].get<std::string>().find("json: cannot unmarshal string into Go struct field"),
            std::string::npos)
      << t.body;

  Reply arr = h.call("POST", kServices, "[1,2]");
  EXPECT_EQ(arr.status, 400);
}

TEST(RegistryCreateTest, KindAndVersionMustMatchTheEndpoint) {
  ApiHarness h;
  json wrongVersion = service("v");
  wrongVersion["apiVersion"] = "v2";
  Reply r = h.post(kServices, wrongVersion);
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(r.obj()["message"], "the API version in the data (v2) does not match the expected API version (v1)");

  json wrongKind = service("k");
  wrongKind["kind"] = "Pod";
  EXPECT_EQ(h.post(kServices, wrongKind).status, 400);

  // Absent kind and apiVersion default to the endpoint's.
  json bare = service("bare");
  bare.erase("kind");
  bare.erase("apiVersion");
  Reply ok = h.post(kServices, bare);
  ASSERT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(ok.obj()["kind"], "Service");
}

TEST(RegistryCreateTest, NamespaceInBodyMustMatchThePath) {
  ApiHarness h;
  json svc = service("web");
  svc["metadata"]["namespace"] = "kube-system";
  Reply r = h.post(kServices, svc);
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(r.obj()["message"], "the namespace of the provided object does not match the namespace sent on the request");
}

TEST(RegistryCreateTest, InvalidObjectsAre422WithCauses) {
  ApiHarness h;
  json svc = service("bad");
  svc["spec"]["ports"][0]["port"] = 70000;
  Reply r = h.post(kServices, svc);
  ASSERT_EQ(r.status, 422) << r.body;
  json st = r.obj();
  EXPECT_EQ(st["reason"], "Invalid");
  EXPECT_EQ(st["details"]["kind"], "Service");
  EXPECT_EQ(st["details"]["name"], "bad");
  ASSERT_TRUE(st["details"]["causes"].is_array());
  EXPECT_EQ(st["details"]["causes"][0]["field"], "spec.ports[0].port");
  EXPECT_EQ(st["details"]["causes"][0]["reason"], "FieldValueInvalid");
}

TEST(RegistryCreateTest, ResourceVersionOnCreateIsRefused) {
  ApiHarness h;
  json svc = service("rv");
  svc["metadata"]["resourceVersion"] = "5";
  Reply r = h.post(kServices, svc);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.obj()["message"], "resourceVersion should not be set on objects to be created");
}

TEST(RegistryCreateTest, UnsupportedContentTypeIs415AndUnacceptableAcceptIs406) {
  ApiHarness h;
  Reply r = h.call("POST", kServices, service("x").dump(), {{"Content-Type", "text/plain"}});
  ASSERT_EQ(r.status, 415);
  EXPECT_EQ(r.obj()["reason"], "UnsupportedMediaType");
  Reply a = h.call("GET", kServices, "", {{"Accept", "application/vnd.kubernetes.protobuf"}});
  EXPECT_EQ(a.status, 406);
  // Protobuf preferred but JSON allowed: JSON it is.
  Reply both = h.call("GET", kServices, "", {{"Accept", "application/vnd.kubernetes.protobuf,application/json"}});
  EXPECT_EQ(both.status, 200);
  EXPECT_EQ(both.header("Content-Type"), "application/json");
}

// "k8s\0" + runtime.Unknown{typeMeta{apiVersion, kind}, raw=Namespace{metadata{name}}}.
std::string protobufNamespace(const std::string& name) {
  auto field = [](int number, const std::string& bytes) {
    std::string out;
    out += char((number << 3) | 2);
    out += char(bytes.size());  // all short here
    out += bytes;
    return out;
  };
  std::string typeMeta = field(1, "v1") + field(2, "Namespace");
  std::string raw = field(1, field(1, name));
  std::string body("k8s\0", 4);
  body += field(1, typeMeta) + field(2, raw) + field(4, "application/vnd.kubernetes.protobuf");
  return body;
}

TEST(RegistryCreateTest, ProtobufBodiesAreDecodedAndAnsweredInJson) {
  ApiHarness h;
  Reply r = h.call("POST", "/api/v1/namespaces?fieldManager=kubectl-create", protobufNamespace("pb"),
                   {{"Content-Type", "application/vnd.kubernetes.protobuf"},
                    {"Accept", "application/vnd.kubernetes.protobuf,application/json"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(r.obj()["metadata"]["name"], "pb");
  EXPECT_EQ(r.obj()["status"]["phase"], "Active");

  Reply junk = h.call("POST", "/api/v1/namespaces", std::string("k8s\0\x0a\xff", 6),
                      {{"Content-Type", "application/vnd.kubernetes.protobuf"}});
  EXPECT_EQ(junk.status, 400);
}

TEST(RegistryCreateTest, FieldManagerDefaultsToTheUserAgentProduct) {
  ApiHarness h;
  Reply r = h.call("POST", kServices, service("ua").dump(),
                   {{"User-Agent", "kubectl/v1.32.4 (linux/amd64) kubernetes/4cb5f07"}});
  ASSERT_EQ(r.status, 201);
  EXPECT_EQ(r.obj()["metadata"]["managedFields"][0]["manager"], "kubectl");
}

}  // namespace
}  // namespace edgeway::apiserver::testing
