#include "apiserver/src/strategies.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace edgeway::apiserver {
namespace {

using nlohmann::json;

std::vector<std::string> messages(const api::FieldErrors& errs) {
  std::vector<std::string> out;
  for (const auto& e : errs) out.push_back(e.toString());
  return out;
}

// The one error a test expects, with a readable failure when there are others.
std::string only(const api::FieldErrors& errs) {
  EXPECT_EQ(errs.size(), 1u) << ::testing::PrintToString(messages(errs));
  return errs.empty() ? "" : errs[0].toString();
}

bool contains(const api::FieldErrors& errs, const std::string& message) {
  for (const auto& m : messages(errs)) {
    if (m == message) return true;
  }
  return false;
}

json meta(const char* name, const char* ns = "default") {
  json m = {{"name", name}};
  if (ns) m["namespace"] = ns;
  return m;
}

// --- Namespace ---

TEST(NamespaceStrategyTest, CreateSetsActiveFinalizerAndNameLabel) {
  auto s = makeNamespaceStrategy();
  json ns = {{"metadata", meta("team-a", nullptr)}, {"status", {{"phase", "Terminating"}}}};
  s->prepareForCreate(ns);
  EXPECT_EQ(ns["status"], json({{"phase", "Active"}}));
  EXPECT_EQ(ns["spec"]["finalizers"], json({"kubernetes"}));
  EXPECT_TRUE(s->validate(ns).empty()) << ::testing::PrintToString(messages(s->validate(ns)));
  s->canonicalize(ns);
  EXPECT_EQ(ns["metadata"]["labels"]["kubernetes.io/metadata.name"], "team-a");

  json withOther = {{"metadata", meta("b", nullptr)}, {"spec", {{"finalizers", {"example.com/cleanup"}}}}};
  s->prepareForCreate(withOther);
  EXPECT_EQ(withOther["spec"]["finalizers"], json({"example.com/cleanup", "kubernetes"}));
}

TEST(NamespaceStrategyTest, NameMustBeADnsLabel) {
  auto s = makeNamespaceStrategy();
  json ns = {{"metadata", meta("Team.A", nullptr)}};
  s->prepareForCreate(ns);
  std::string msg = only(s->validate(ns));
  EXPECT_EQ(
      msg.rfind("metadata.name: Invalid value: \"Team.A\": a lowercase RFC 1123 label must consist of", 0),
      0u)
      << msg;
}

TEST(NamespaceStrategyTest, FinalizerNames) {
  auto s = makeNamespaceStrategy();
  json ns = {{"metadata", meta("x", nullptr)}, {"spec", {{"finalizers", {"kubernetes", "custom"}}}}};
  EXPECT_EQ(
      only(s->validate(ns)),
      "spec.finalizers: Invalid value: \"custom\": name is neither a standard finalizer name nor is it fully "
      "qualified");
}

TEST(NamespaceStrategyTest, UpdateKeepsStatusAndFinalizers) {
  auto s = makeNamespaceStrategy();
  json old = {{"metadata", meta("x", nullptr)},
              {"spec", {{"finalizers", {"kubernetes"}}}},
              {"status", {{"phase", "Active"}}}};
  json update = {{"metadata", meta("x", nullptr)},
                 {"spec", {{"finalizers", json::array()}}},
                 {"status", {{"phase", "Terminating"}}}};
  s->prepareForUpdate(update, old);
  EXPECT_EQ(update["spec"]["finalizers"], json({"kubernetes"}));
  EXPECT_EQ(update["status"]["phase"], "Active");
  EXPECT_TRUE(s->validateUpdate(update, old).empty());

  json status = old;
  status["status"]["phase"] = "Terminating";
  EXPECT_EQ(
      only(s->validateStatusUpdate(status, old)),
      "status.Phase: Invalid value: \"Terminating\": may only be 'Active' if `deletionTimestamp` is empty");
}

// --- Secret ---

TEST(SecretStrategyTest, DefaultsTypeAndFoldsStringData) {
  auto s = makeSecretStrategy();
  json secret = {{"metadata", meta("creds")},
                 {"data", {{"a", "eA=="}}},
                 {"stringData", {{"password", "hunter2"}, {"a", "ab"}}}};
  s->prepareForCreate(secret);
  EXPECT_EQ(secret["type"], "Opaque");
  EXPECT_FALSE(secret.contains("stringData"));
  EXPECT_EQ(secret["data"], json({{"a", "YWI="}, {"password", "aHVudGVyMg=="}}));  // stringData wins
  EXPECT_TRUE(s->validate(secret).empty());
}

TEST(SecretStrategyTest, KeysMustBeConfigKeys) {
  auto s = makeSecretStrategy();
  json secret = {
      {"metadata", meta("x")}, {"type", "Opaque"}, {"data", {{"bad key", "eA=="}, {"..x", "eA=="}}}};
  api::FieldErrors errs = s->validate(secret);
  EXPECT_TRUE(
      contains(errs,
               "data[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric "
               "characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for "
               "validation is '[-._a-zA-Z0-9]+')"))
      << ::testing::PrintToString(messages(errs));
  EXPECT_TRUE(contains(errs, "data[..x]: Invalid value: \"..x\": must not start with '..'"));
}

TEST(SecretStrategyTest, TotalSizeLimit) {
  auto s = makeSecretStrategy();
  // 786432 bytes each once decoded: together over 1 MiB.
  std::string big(1048576, 'A');
  json secret = {{"metadata", meta("x")}, {"type", "Opaque"}, {"data", {{"a", big}, {"b", big}}}};
  EXPECT_EQ(only(s->validate(secret)), "data: Too long: may not be more than 1048576 bytes");
  secret["data"].erase("b");
  EXPECT_TRUE(s->validate(secret).empty());
}

TEST(SecretStrategyTest, TlsSecretsNeedCertAndKey) {
  auto s = makeSecretStrategy();
  json secret = {{"metadata", meta("tls")}, {"type", "kubernetes.io/tls"}, {"data", {{"tls.crt", "eA=="}}}};
  EXPECT_EQ(only(s->validate(secret)), "data[tls.key]: Required value");
  secret["data"]["tls.key"] = "eA==";
  EXPECT_TRUE(s->validate(secret).empty());
}

TEST(SecretStrategyTest, DataMustBeBase64) {
  auto s = makeSecretStrategy();
  json secret = {{"metadata", meta("x")}, {"type", "Opaque"}, {"data", {{"a", "not base64!"}}}};
  EXPECT_EQ(only(s->validate(secret)),
            "data[a]: Invalid value: \"<secret contents redacted>\": must be base64-encoded bytes");
}

TEST(SecretStrategyTest, TypeAndImmutableDataCannotChange) {
  auto s = makeSecretStrategy();
  json old = {{"metadata", meta("x")}, {"type", "Opaque"}, {"data", {{"a", "eA=="}}}};
  json update = old;
  update["type"] = "kubernetes.io/basic-auth";
  update["data"]["username"] = "dQ==";
  EXPECT_EQ(only(s->validateUpdate(update, old)),
            "type: Invalid value: \"kubernetes.io/basic-auth\": field is immutable");

  old["immutable"] = true;
  update = old;
  update["data"]["a"] = "eQ==";
  EXPECT_EQ(only(s->validateUpdate(update, old)),
            "data: Forbidden: field is immutable when `immutable` is set");
  update = old;
  update["immutable"] = false;
  EXPECT_EQ(only(s->validateUpdate(update, old)),
            "immutable: Forbidden: field is immutable when `immutable` is set");
}

// --- Event ---

TEST(EventStrategyTest, InvolvedObjectNamespaceMustMatch) {
  auto s = makeEventStrategy();
  json ev = {{"metadata", meta("web.1")},
             {"involvedObject", {{"kind", "Service"}, {"name", "web"}, {"namespace", "other"}}},
             {"reason", "Created"}};
  EXPECT_EQ(only(s->validate(ev)),
            "involvedObject.namespace: Invalid value: \"other\": does not match event.namespace");
  ev["involvedObject"]["namespace"] = "default";
  EXPECT_TRUE(s->validate(ev).empty());

  json nodeEvent = {{"metadata", meta("gw-1.1")}, {"involvedObject", {{"kind", "Node"}, {"name", "gw-1"}}}};
  EXPECT_TRUE(s->validate(nodeEvent).empty());  // cluster-scoped objects' events live in default
  nodeEvent["metadata"]["namespace"] = "team-a";
  EXPECT_EQ(only(s->validate(nodeEvent)),
            "involvedObject.namespace: Invalid value: \"\": does not match event.namespace");
}

TEST(EventStrategyTest, NewStyleEventsNeedReporterActionAndReason) {
  auto s = makeEventStrategy();
  json ev = {{"metadata", meta("e")},
             {"eventTime", "2024-05-01T12:00:00.000000Z"},
             {"involvedObject", {{"kind", "Pod"}, {"name", "p"}, {"namespace", "default"}}}};
  api::FieldErrors errs = s->validate(ev);
  for (const char* want : {"reportingComponent: Required value", "reportingInstance: Required value",
                           "action: Required value", "reason: Required value"}) {
    EXPECT_TRUE(contains(errs, want)) << want << " in " << ::testing::PrintToString(messages(errs));
  }
  ev["reportingComponent"] = "edgeway.io/controller";
  ev["reportingInstance"] = "gw-1";
  ev["action"] = "Bind";
  ev["reason"] = std::string(129, 'r');
  EXPECT_EQ(only(s->validate(ev)), "reason: Invalid value: \"\": can have at most 128 characters");
}

TEST(EventStrategyTest, RecordersMayUpdateCountAndTimestamps) {
  auto s = makeEventStrategy();
  json old = {{"metadata", meta("web.1")},
              {"involvedObject", {{"kind", "Service"}, {"name", "web"}, {"namespace", "default"}}},
              {"count", 1}};
  json update = old;
  update["count"] = 2;
  update["lastTimestamp"] = "2024-05-01T12:00:00Z";
  s->prepareForUpdate(update, old);
  EXPECT_EQ(update["count"], 2);
  EXPECT_TRUE(s->validateUpdate(update, old).empty());
}

// --- Endpoints ---

TEST(EndpointsStrategyTest, ValidSubsetPassesWithDefaultProtocol) {
  auto s = makeEndpointsStrategy();
  json ep = {{"metadata", meta("web")},
             {"subsets",
              {{{"addresses", {{{"ip", "10.42.0.5"}, {"nodeName", "gw-1"}}}}, {"ports", {{{"port", 80}}}}}}}};
  s->prepareForCreate(ep);
  EXPECT_EQ(ep["subsets"][0]["ports"][0]["protocol"], "TCP");
  EXPECT_TRUE(s->validate(ep).empty()) << ::testing::PrintToString(messages(s->validate(ep)));
}

TEST(EndpointsStrategyTest, MainRules) {
  auto s = makeEndpointsStrategy();
  json ep = {{"metadata", meta("web")},
             {"subsets",
              {{{"ports", {{{"port", 80}, {"protocol", "TCP"}}}}},
               {{"addresses", {{{"ip", "127.0.0.1"}}, {{"ip", "nope"}}}},
                {"ports",
                 {{{"name", "http"}, {"port", 70000}, {"protocol", "TCP"}},
                  {{"port", 81}, {"protocol", "ICMP"}}}}}}}};
  api::FieldErrors errs = s->validate(ep);
  EXPECT_EQ(
      messages(errs),
      (std::vector<std::string>{
          "subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`",
          "subsets[1].addresses[0].ip: Invalid value: \"127.0.0.1\": may not be in the loopback range "
          "(127.0.0.0/8, ::1/128)",
          "subsets[1].addresses[1].ip: Invalid value: \"nope\": must be a valid IP address, (e.g. 10.9.8.7 "
          "or "
          "2001:db8::ffff)",
          "subsets[1].ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
          "subsets[1].ports[1].name: Required value",
          "subsets[1].ports[1].protocol: Unsupported value: \"ICMP\": supported values: \"SCTP\", \"TCP\", "
          "\"UDP\""}));
}

// --- EndpointSlice ---

json slice() {
  return {{"metadata", meta("web-abc")},
          {"addressType", "IPv4"},
          {"endpoints",
           {{{"addresses", {"10.42.0.5"}}, {"conditions", {{"ready", true}}}, {"nodeName", "gw-1"}}}},
          {"ports", {{{"name", "http"}, {"port", 8080}}}}};
}

TEST(EndpointSliceStrategyTest, DefaultsAndValid) {
  auto s = makeEndpointSliceStrategy();
  json es = slice();
  es["ports"].push_back({{"port", 9090}});
  s->prepareForCreate(es);
  EXPECT_EQ(es["ports"][0]["protocol"], "TCP");
  EXPECT_EQ(es["ports"][1]["name"], "");
  EXPECT_TRUE(s->validate(es).empty()) << ::testing::PrintToString(messages(s->validate(es)));
}

TEST(EndpointSliceStrategyTest, AddressTypeAndAddresses) {
  auto s = makeEndpointSliceStrategy();
  json es = slice();
  s->prepareForCreate(es);
  es["addressType"] = "IP";
  EXPECT_EQ(only(s->validate(es)),
            "addressType: Unsupported value: \"IP\": supported values: \"FQDN\", \"IPv4\", \"IPv6\"");
  es.erase("addressType");
  EXPECT_EQ(only(s->validate(es)), "addressType: Required value");

  es = slice();
  s->prepareForCreate(es);
  es["endpoints"][0]["addresses"] = {"fd00::1", "169.254.1.1"};
  EXPECT_EQ(
      messages(s->validate(es)),
      (std::vector<std::string>{
          "endpoints[0].addresses[0]: Invalid value: \"fd00::1\": must be a valid IPv4 address",
          "endpoints[0].addresses[1]: Invalid value: \"169.254.1.1\": may not be in the link-local range "
          "(169.254.0.0/16, fe80::/10)"}));
  es["endpoints"][0]["addresses"] = json::array();
  EXPECT_EQ(only(s->validate(es)), "endpoints[0].addresses: Required value: must contain at least 1 address");

  es["addressType"] = "FQDN";
  es["endpoints"][0]["addresses"] = {"localhost"};
  EXPECT_EQ(only(s->validate(es)),
            "endpoints[0].addresses[0]: Invalid value: \"localhost\": should be a domain with at least two "
            "segments "
            "separated by dots");
}

TEST(EndpointSliceStrategyTest, Limits) {
  auto s = makeEndpointSliceStrategy();
  json es = slice();
  s->prepareForCreate(es);
  es["endpoints"] = json::array();
  for (int i = 0; i < 1001; ++i) es["endpoints"].push_back({{"addresses", {"10.42.0.5"}}});
  EXPECT_EQ(only(s->validate(es)), "endpoints: Too many: 1001: must have at most 1000 items");

  es = slice();
  s->prepareForCreate(es);
  es["endpoints"][0]["addresses"] = json::array();
  for (int i = 0; i < 101; ++i) es["endpoints"][0]["addresses"].push_back("10.42.0.5");
  EXPECT_EQ(only(s->validate(es)), "endpoints[0].addresses: Too many: 101: must have at most 100 items");
}

TEST(EndpointSliceStrategyTest, PortsAndAddressTypeUpdate) {
  auto s = makeEndpointSliceStrategy();
  json es = slice();
  es["ports"] = {{{"name", "http"}, {"port", 80}},
                 {{"name", "http"}, {"port", 81}},
                 {{"name", "Bad_Name"}, {"port", 82}}};
  s->prepareForCreate(es);
  api::FieldErrors errs = s->validate(es);
  EXPECT_TRUE(contains(errs, "ports[1].name: Duplicate value: \"http\""))
      << ::testing::PrintToString(messages(errs));
  EXPECT_EQ(errs.size(), 2u);

  json old = slice();
  s->prepareForCreate(old);
  json update = old;
  update["addressType"] = "IPv6";
  update["endpoints"][0]["addresses"] = {"fd00::5"};
  EXPECT_EQ(only(s->validateUpdate(update, old)), "addressType: Invalid value: \"IPv6\": field is immutable");
  EXPECT_TRUE(s->specChanged(update, old));
  json labelled = old;
  labelled["metadata"]["labels"]["x"] = "y";
  EXPECT_FALSE(s->specChanged(labelled, old));
}

// --- Pod ---

json pod() {
  return json::parse(R"({"metadata":{"name":"web-1","namespace":"default"},
    "spec":{"containers":[{"name":"web","image":"nginx:1.27","ports":[{"containerPort":80}]}]},
    "status":{"phase":"Running","podIP":"1.2.3.4"}})");
}

TEST(PodStrategyTest, CreateDefaultsAndPendingStatus) {
  auto s = makePodStrategy();
  json p = pod();
  s->prepareForCreate(p);
  EXPECT_EQ(p["status"], json({{"phase", "Pending"}, {"qosClass", "BestEffort"}}));
  EXPECT_EQ(p["spec"]["restartPolicy"], "Always");
  EXPECT_EQ(p["spec"]["dnsPolicy"], "ClusterFirst");
  EXPECT_EQ(p["spec"]["schedulerName"], "default-scheduler");
  EXPECT_EQ(p["spec"]["terminationGracePeriodSeconds"], 30);
  EXPECT_EQ(p["spec"]["containers"][0]["imagePullPolicy"], "IfNotPresent");
  EXPECT_EQ(p["spec"]["containers"][0]["ports"][0]["protocol"], "TCP");
  EXPECT_TRUE(s->validate(p).empty()) << ::testing::PrintToString(messages(s->validate(p)));

  json latest = pod();
  latest["spec"]["containers"][0]["image"] = "registry:5000/team/nginx";
  latest["spec"]["containers"][0]["resources"] = {{"limits", {{"cpu", "1"}, {"memory", "1Gi"}}}};
  s->prepareForCreate(latest);
  EXPECT_EQ(latest["spec"]["containers"][0]["imagePullPolicy"], "Always");
  EXPECT_EQ(latest["spec"]["containers"][0]["resources"]["requests"],
            json({{"cpu", "1"}, {"memory", "1Gi"}}));
  EXPECT_EQ(latest["status"]["qosClass"], "Guaranteed");
}

TEST(PodStrategyTest, ContainerRules) {
  auto s = makePodStrategy();
  json p = pod();
  p["spec"]["containers"] = json::array();
  s->prepareForCreate(p);
  EXPECT_EQ(only(s->validate(p)), "spec.containers: Required value");

  p = pod();
  p["spec"]["containers"] = {{{"name", "web"}, {"image", "nginx"}}, {{"name", "web"}}, {{"image", "x"}}};
  s->prepareForCreate(p);
  EXPECT_EQ(messages(s->validate(p)),
            (std::vector<std::string>{"spec.containers[1].name: Duplicate value: \"web\"",
                                      "spec.containers[1].image: Required value",
                                      "spec.containers[2].name: Required value"}));

  p = pod();
  p["spec"]["containers"][0]["ports"] = {{{"containerPort", 0}},
                                         {{"containerPort", 8080}, {"protocol", "HTTP"}}};
  p["spec"]["restartPolicy"] = "Sometimes";
  s->prepareForCreate(p);
  EXPECT_EQ(
      messages(s->validate(p)),
      (std::vector<std::string>{
          "spec.containers[0].ports[0].containerPort: Required value",
          "spec.containers[0].ports[1].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", "
          "\"TCP\", \"UDP\"",
          "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", "
          "\"OnFailure\", "
          "\"Never\""}));
}

TEST(PodStrategyTest, UpdatesMayChangeImagesOnly) {
  auto s = makePodStrategy();
  json old = pod();
  s->prepareForCreate(old);
  json update = old;
  update["spec"]["containers"][0]["image"] = "nginx:1.28";
  update["status"] = {{"phase", "Failed"}};
  s->prepareForUpdate(update, old);
  EXPECT_EQ(update["status"], old["status"]);  // status only through /status
  EXPECT_TRUE(s->validateUpdate(update, old).empty())
      << ::testing::PrintToString(messages(s->validateUpdate(update, old)));

  update["spec"]["nodeName"] = "gw-2";
  std::string msg = only(s->validateUpdate(update, old));
  EXPECT_EQ(
      msg.rfind(
          "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
          "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions "
          "to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it "
          "was previously negative)\n",
          0),
      0u)
      << msg;
  EXPECT_NE(msg.find("nodeName"), std::string::npos);
}

TEST(PodStrategyTest, StatusUpdateKeepsSpecAndMirrorsPodIp) {
  auto s = makePodStrategy();
  json old = pod();
  s->prepareForCreate(old);
  json status = old;
  status["spec"]["nodeName"] = "sneaky";
  status["status"] = {{"phase", "Running"}, {"podIP", "10.42.0.9"}};
  s->prepareForStatusUpdate(status, old);
  EXPECT_FALSE(status["spec"].contains("nodeName"));
  EXPECT_EQ(status["status"]["podIPs"], json::parse(R"([{"ip":"10.42.0.9"}])"));
  EXPECT_TRUE(s->validateStatusUpdate(status, old).empty());
  status["status"]["podIPs"] = json::parse(R"([{"ip":"10.42.0.999"}])");
  EXPECT_EQ(only(s->validateStatusUpdate(status, old)),
            "status.podIPs[0]: Invalid value: \"10.42.0.999\": must be a valid IP address, (e.g. 10.9.8.7 or "
            "2001:db8::ffff)");
}

// --- Node ---

TEST(NodeStrategyTest, CreateKeepsReportedStatus) {
  auto s = makeNodeStrategy();
  json node = {{"metadata", meta("gw-1", nullptr)},
               {"spec", {{"podCIDR", "10.42.0.0/24"}}},
               {"status", {{"addresses", {{{"type", "InternalIP"}, {"address", "192.168.1.10"}}}}}}};
  s->prepareForCreate(node);
  EXPECT_TRUE(node.contains("status"));
  EXPECT_EQ(node["spec"]["podCIDRs"], json({"10.42.0.0/24"}));
  EXPECT_TRUE(s->validate(node).empty()) << ::testing::PrintToString(messages(s->validate(node)));
}

TEST(NodeStrategyTest, PodCidrRules) {
  auto s = makeNodeStrategy();
  json node = {{"metadata", meta("gw-1", nullptr)}, {"spec", {{"podCIDRs", {"10.42.0.0/33"}}}}};
  s->prepareForCreate(node);
  EXPECT_EQ(
      only(s->validate(node)),
      "spec.podCIDRs[0]: Invalid value: \"10.42.0.0/33\": must be a valid CIDR value, (e.g. 10.9.8.0/24 or "
      "2001:db8::/64)");
  node["spec"]["podCIDRs"] = {"10.42.0.0/24", "10.43.0.0/24"};
  EXPECT_EQ(only(s->validate(node)),
            "spec.podCIDRs: Invalid value: []string{\"10.42.0.0/24\", \"10.43.0.0/24\"}: may specify no more "
            "than one CIDR "
            "for each IP family");
  node["spec"]["podCIDRs"] = {"10.42.0.0/24", "fd00:42::/64"};
  EXPECT_TRUE(s->validate(node).empty());

  json old = {{"metadata", meta("gw-1", nullptr)}, {"spec", {{"podCIDRs", {"10.42.0.0/24"}}}}};
  json update = {{"metadata", meta("gw-1", nullptr)}, {"spec", {{"podCIDRs", {"10.42.1.0/24"}}}}};
  s->prepareForUpdate(update, old);
  EXPECT_EQ(only(s->validateUpdate(update, old)),
            "spec.podCIDRs: Forbidden: node updates may not change podCIDR except from \"\" to valid");
  json unassigned = {{"metadata", meta("gw-1", nullptr)}};
  EXPECT_TRUE(s->validateUpdate(update, unassigned).empty());
}

TEST(NodeStrategyTest, UpdateKeepsStatusAndChecksTaints) {
  auto s = makeNodeStrategy();
  json old = {{"metadata", meta("gw-1", nullptr)}, {"status", {{"phase", "Running"}}}};
  json update = {
      {"metadata", meta("gw-1", nullptr)},
      {"spec", {{"unschedulable", true}, {"taints", {{{"key", "dedicated"}, {"effect", "Sometimes"}}}}}}};
  s->prepareForUpdate(update, old);
  EXPECT_EQ(update["status"], old["status"]);
  EXPECT_EQ(only(s->validateUpdate(update, old)),
            "spec.taints[0].effect: Unsupported value: \"Sometimes\": supported values: \"NoSchedule\", "
            "\"PreferNoSchedule\", \"NoExecute\"");
}

// --- Ingress ---

json ingress() {
  return json::parse(R"({"metadata":{"name":"web","namespace":"default"},
    "spec":{"ingressClassName":"edgeway","rules":[{"host":"web.example.com","http":{"paths":[
      {"path":"/","pathType":"Prefix","backend":{"service":{"name":"web","port":{"number":80}}}}]}}],
      "tls":[{"hosts":["web.example.com"],"secretName":"web-tls"}]}})");
}

TEST(IngressStrategyTest, ValidIngressAndEmptyStatusOnCreate) {
  auto s = makeIngressStrategy();
  json ing = ingress();
  ing["status"] = {{"loadBalancer", {{"ingress", {{{"ip", "1.2.3.4"}}}}}}};
  s->prepareForCreate(ing);
  EXPECT_EQ(ing["status"], json({{"loadBalancer", json::object()}}));
  EXPECT_TRUE(s->validate(ing).empty()) << ::testing::PrintToString(messages(s->validate(ing)));
}

TEST(IngressStrategyTest, NeedsRulesOrDefaultBackend) {
  auto s = makeIngressStrategy();
  json ing = {{"metadata", meta("x")}, {"spec", json::object()}};
  EXPECT_EQ(only(s->validate(ing)),
            "spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be "
            "specified");
}

TEST(IngressStrategyTest, PathRules) {
  auto s = makeIngressStrategy();
  json ing = ingress();
  json& paths = ing["spec"]["rules"][0]["http"]["paths"];
  paths[0].erase("pathType");
  EXPECT_EQ(only(s->validate(ing)),
            "spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified");
  paths[0]["pathType"] = "Regex";
  EXPECT_EQ(
      only(s->validate(ing)),
      "spec.rules[0].http.paths[0].pathType: Unsupported value: \"Regex\": supported values: \"Exact\", "
      "\"ImplementationSpecific\", \"Prefix\"");
  paths[0]["pathType"] = "Exact";
  paths[0]["path"] = "api";
  EXPECT_EQ(only(s->validate(ing)),
            "spec.rules[0].http.paths[0].path: Invalid value: \"api\": must be an absolute path");
  paths[0]["path"] = "/a//b";
  EXPECT_EQ(only(s->validate(ing)),
            "spec.rules[0].http.paths[0].path: Invalid value: \"/a//b\": must not contain '//'");
  paths[0]["pathType"] = "ImplementationSpecific";
  paths[0]["path"] = "";
  EXPECT_TRUE(s->validate(ing).empty());
}

TEST(IngressStrategyTest, BackendRules) {
  auto s = makeIngressStrategy();
  json ing = ingress();
  json& backend = ing["spec"]["rules"][0]["http"]["paths"][0]["backend"];
  backend["resource"] = {{"kind", "Bucket"}, {"name", "assets"}};
  EXPECT_EQ(only(s->validate(ing)),
            "spec.rules[0].http.paths[0].backend: Invalid value: \"\": cannot set both resource and service "
            "backends");
  backend.erase("service");
  EXPECT_TRUE(s->validate(ing).empty());
  backend = json::object();
  EXPECT_EQ(
      only(s->validate(ing)),
      "spec.rules[0].http.paths[0].backend: Invalid value: \"\": resource or service backend is required");
  backend = {{"service", {{"name", "web"}, {"port", {{"name", "http"}, {"number", 80}}}}}};
  EXPECT_EQ(
      only(s->validate(ing)),
      "spec.rules[0].http.paths[0].backend: Invalid value: \"\": cannot set both port name & port number");
  backend = {{"service", {{"name", "web"}, {"port", json::object()}}}};
  EXPECT_EQ(only(s->validate(ing)),
            "spec.rules[0].http.paths[0].backend: Required value: port name or number is required");
  backend = {{"service", {{"name", "9web"}, {"port", {{"number", 70000}}}}}};
  EXPECT_EQ(
      messages(s->validate(ing)),
      (std::vector<std::string>{
          "spec.rules[0].http.paths[0].backend.service.name: Invalid value: \"9web\": a DNS-1035 label must "
          "consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end "
          "with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is "
          "'[a-z]([-a-z0-9]*[a-z0-9])?')",
          "spec.rules[0].http.paths[0].backend.service.port.number: Invalid value: 70000: must be between 1 "
          "and "
          "65535, inclusive"}));
}

TEST(IngressStrategyTest, Hosts) {
  auto s = makeIngressStrategy();
  json ing = ingress();
  ing["spec"]["rules"][0]["host"] = "*.example.com";
  ing["spec"]["tls"][0]["hosts"] = {"*.example.com"};
  EXPECT_TRUE(s->validate(ing).empty());

  ing["spec"]["rules"][0]["host"] = "10.0.0.1";
  EXPECT_EQ(only(s->validate(ing)),
            "spec.rules[0].host: Invalid value: \"10.0.0.1\": must be a DNS name, not an IP address");

  ing["spec"]["rules"][0]["host"] = "a.*.example.com";
  EXPECT_EQ(
      only(s->validate(ing)),
      "spec.rules[0].host: Invalid value: \"a.*.example.com\": a wildcard DNS-1123 subdomain must start with "
      "'*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, "
      "'-' "
      "or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is "
      "'\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");

  ing["spec"]["rules"][0]["host"] = "web.example.com";
  ing["spec"]["tls"][0]["hosts"] = {"Web.Example.com"};
  std::string msg = only(s->validate(ing));
  EXPECT_EQ(
      msg.rfind("spec.tls[0].hosts[0]: Invalid value: \"Web.Example.com\": a lowercase RFC 1123 subdomain",
                0),
      0u)
      << msg;
}

TEST(IngressStrategyTest, ClassAnnotationMustAgree) {
  auto s = makeIngressStrategy();
  json ing = ingress();
  ing["metadata"]["annotations"]["kubernetes.io/ingress.class"] = "nginx";
  EXPECT_EQ(
      only(s->validate(ing)),
      "annotations.kubernetes.io/ingress.class: Invalid value: \"nginx\": must match `ingressClassName` when "
      "both are specified");
}

TEST(IngressStrategyTest, StatusUpdateChecksAddresses) {
  auto s = makeIngressStrategy();
  json old = ingress();
  s->prepareForCreate(old);
  json status = old;
  status["status"]["loadBalancer"]["ingress"] = {{{"ip", "192.168.1.10"}}, {{"hostname", "192.168.1.11"}}};
  EXPECT_EQ(only(s->validateStatusUpdate(status, old)),
            "status.loadBalancer.ingress[1].hostname: Invalid value: \"192.168.1.11\": must be a DNS name, "
            "not an IP "
            "address");
  json update = old;
  update["status"] = status["status"];
  s->prepareForUpdate(update, old);
  EXPECT_EQ(update["status"], old["status"]);
}

// --- IngressClass ---

TEST(IngressClassStrategyTest, ControllerIsARequiredDomainPrefixedPath) {
  auto s = makeIngressClassStrategy();
  json cls = {{"metadata", meta("edgeway", nullptr)}, {"spec", {{"controller", "edgeway.io/ingress"}}}};
  EXPECT_TRUE(s->validate(cls).empty()) << ::testing::PrintToString(messages(s->validate(cls)));
  cls["spec"]["controller"] = "";
  EXPECT_EQ(only(s->validate(cls)), "spec.controller: Required value");
  cls["spec"]["controller"] = "edgeway";
  EXPECT_EQ(only(s->validate(cls)),
            "spec.controller: Invalid value: \"edgeway\": must be a domain-prefixed path (such as "
            "\"acme.io/foo\")");
  cls["spec"]["controller"] = "edgeway.io/a b";
  EXPECT_EQ(only(s->validate(cls)),
            "spec.controller: Invalid value: \"a b\": must be a valid path (regex used for validation is "
            "'[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')");
}

TEST(IngressClassStrategyTest, ParametersAndImmutableController) {
  auto s = makeIngressClassStrategy();
  json cls = {
      {"metadata", meta("edgeway", nullptr)},
      {"spec", {{"controller", "edgeway.io/ingress"}, {"parameters", {{"kind", "Params"}, {"name", "p"}}}}}};
  s->prepareForCreate(cls);
  EXPECT_EQ(cls["spec"]["parameters"]["scope"], "Cluster");
  EXPECT_TRUE(s->validate(cls).empty());
  cls["spec"]["parameters"]["scope"] = "Namespace";
  EXPECT_EQ(only(s->validate(cls)),
            "spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'");
  cls["spec"]["parameters"]["namespace"] = "default";
  cls["spec"]["parameters"].erase("kind");
  EXPECT_EQ(only(s->validate(cls)), "spec.parameters.kind: Required value: kind is required");

  json old = {{"metadata", meta("edgeway", nullptr)}, {"spec", {{"controller", "edgeway.io/ingress"}}}};
  json update = {{"metadata", meta("edgeway", nullptr)}, {"spec", {{"controller", "example.com/other"}}}};
  EXPECT_EQ(only(s->validateUpdate(update, old)),
            "spec.controller: Invalid value: \"example.com/other\": field is immutable");
}

}  // namespace
}  // namespace edgeway::apiserver
