// Service validation: each rule with the exact field path and message kube-apiserver prints.

#include <gtest/gtest.h>

#include <functional>

#include "service_test_support.h"

namespace edgeway::apiserver::svctest {
namespace {

const std::string kDns1035 =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
    "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for "
    "validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const std::string kDns1123Label =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
    "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const std::string kDns1123Subdomain =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const std::string kLabelValue =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used "
    "for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const std::string kQualifiedNamePart =
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
    "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

struct Case {
  const char* name;
  std::function<void(json& svc)> mutate;
  std::vector<std::string> want;
};

json port(const char* name, int number, const char* protocol = nullptr) {
  json p = {{"name", name}, {"port", number}};
  if (protocol) p["protocol"] = protocol;
  return p;
}

const std::vector<Case>& cases() {
  static const std::vector<Case> kCases = {
      {"valid ClusterIP", [](json&) {}, {}},
      {"valid NodePort", [](json& s) { s["spec"]["type"] = "NodePort"; }, {}},
      {"valid LoadBalancer", [](json& s) { s["spec"]["type"] = "LoadBalancer"; }, {}},
      {"valid ExternalName with a trailing dot",
       [](json& s) {
         s["spec"] = {{"type", "ExternalName"}, {"externalName", "db.example.com."}};
       },
       {}},
      {"valid headless without selector or ports",
       [](json& s) {
         s["spec"] = {{"clusterIP", "None"}};
       },
       {}},
      {"valid headless with selector and no ports",
       [](json& s) {
         s["spec"] = {{"clusterIP", "None"}, {"selector", {{"app", "web"}}}};
       },
       {}},
      {"valid same port on TCP and UDP",
       [](json& s) {
         s["spec"]["ports"] = {port("dns", 53), port("dns-udp", 53, "UDP")};
       },
       {}},

      {"name must be a DNS-1035 label",
       [](json& s) { s["metadata"]["name"] = "1web"; },
       {"metadata.name: Invalid value: \"1web\": " + kDns1035}},
      {"name or generateName required",
       [](json& s) { s["metadata"].erase("name"); },
       {"metadata.name: Required value: name or generateName is required"}},
      {"ports required", [](json& s) { s["spec"].erase("ports"); }, {"spec.ports: Required value"}},
      {"port out of range (targetPort defaults to it)",
       [](json& s) { s["spec"]["ports"][0]["port"] = 70000; },
       {"spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
        "spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive"}},
      {"port name required with several ports",
       [](json& s) {
         s["spec"]["ports"] = {port("http", 80), {{"port", 81}}};
       },
       {"spec.ports[1].name: Required value"}},
      {"port names unique",
       [](json& s) {
         s["spec"]["ports"] = {port("http", 80), port("http", 81)};
       },
       {"spec.ports[1].name: Duplicate value: \"http\""}},
      {"port name is a DNS-1123 label",
       [](json& s) { s["spec"]["ports"][0]["name"] = "Http"; },
       {"spec.ports[0].name: Invalid value: \"Http\": " + kDns1123Label}},
      {"port and protocol unique",
       [](json& s) {
         s["spec"]["ports"] = {port("a", 80), port("b", 80)};
       },
       {"spec.ports[1]: Duplicate value: core.ServicePort{Name:\"\", Protocol:\"TCP\", "
        "AppProtocol:(*string)(nil), "
        "Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:0}"}},
      {"protocol supported",
       [](json& s) { s["spec"]["ports"][0]["protocol"] = "FOO"; },
       {"spec.ports[0].protocol: Unsupported value: \"FOO\": supported values: \"SCTP\", \"TCP\", \"UDP\""}},
      {"targetPort number in range",
       [](json& s) { s["spec"]["ports"][0]["targetPort"] = 65536; },
       {"spec.ports[0].targetPort: Invalid value: 65536: must be between 1 and 65535, inclusive"}},
      {"targetPort name is an IANA service name",
       [](json& s) { s["spec"]["ports"][0]["targetPort"] = "web--http"; },
       {"spec.ports[0].targetPort: Invalid value: \"web--http\": must not contain consecutive hyphens"}},
      {"appProtocol is a qualified name",
       [](json& s) { s["spec"]["ports"][0]["appProtocol"] = "bad proto"; },
       {"spec.ports[0].appProtocol: Invalid value: \"bad proto\": " + kQualifiedNamePart}},
      {"nodePort forbidden for ClusterIP",
       [](json& s) { s["spec"]["ports"][0]["nodePort"] = 30080; },
       {"spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"}},
      {"nodePort and protocol unique",
       [](json& s) {
         s["spec"]["type"] = "NodePort";
         s["spec"]["ports"] = {port("a", 80), port("b", 81)};
         s["spec"]["ports"][0]["nodePort"] = 30080;
         s["spec"]["ports"][1]["nodePort"] = 30080;
       },
       {"spec.ports[1].nodePort: Duplicate value: 30080"}},
      {"type supported",
       [](json& s) { s["spec"]["type"] = "Foo"; },
       {"spec.type: Unsupported value: \"Foo\": supported values: \"ClusterIP\", \"ExternalName\", "
        "\"LoadBalancer\", \"NodePort\""}},
      {"externalName required",
       [](json& s) {
         s["spec"] = {{"type", "ExternalName"}};
       },
       {"spec.externalName: Required value"}},
      {"externalName is a DNS-1123 subdomain",
       [](json& s) {
         s["spec"] = {{"type", "ExternalName"}, {"externalName", "bad_name"}};
       },
       {"spec.externalName: Invalid value: \"bad_name\": " + kDns1123Subdomain}},
      {"ExternalName takes no cluster IP",
       [](json& s) {
         s["spec"] = {{"type", "ExternalName"}, {"externalName", "a.b"}, {"clusterIP", "10.43.0.5"}};
       },
       {"spec.clusterIPs: Forbidden: may not be set for ExternalName services"}},
      {"ExternalName takes no IP families",
       [](json& s) {
         s["spec"] = {{"type", "ExternalName"},
                      {"externalName", "a.b"},
                      {"ipFamilies", {"IPv4"}},
                      {"ipFamilyPolicy", "SingleStack"}};
       },
       {"spec.ipFamilies: Forbidden: may not be set for ExternalName services",
        "spec.ipFamilyPolicy: Forbidden: may not be set for ExternalName services"}},
      {"clusterIP None is not for NodePort",
       [](json& s) {
         s["spec"]["type"] = "NodePort";
         s["spec"]["clusterIP"] = "None";
       },
       {"spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort services"}},
      {"clusterIP None is not for LoadBalancer",
       [](json& s) {
         s["spec"]["type"] = "LoadBalancer";
         s["spec"]["clusterIP"] = "None";
       },
       {"spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for LoadBalancer services"}},
      {"sessionAffinity supported",
       [](json& s) { s["spec"]["sessionAffinity"] = "Sticky"; },
       {"spec.sessionAffinity: Unsupported value: \"Sticky\": supported values: \"ClientIP\", \"None\""}},
      {"ClientIP timeout must be positive",
       [](json& s) {
         s["spec"]["sessionAffinity"] = "ClientIP";
         s["spec"]["sessionAffinityConfig"] = {{"clientIP", {{"timeoutSeconds", 0}}}};
       },
       {"spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 0: must be greater than 0 and "
        "less "
        "than 86400"}},
      {"ClientIP timeout at most a day",
       [](json& s) {
         s["spec"]["sessionAffinity"] = "ClientIP";
         s["spec"]["sessionAffinityConfig"] = {{"clientIP", {{"timeoutSeconds", 86401}}}};
       },
       {"spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: must be greater than 0 "
        "and "
        "less than 86400"}},
      {"ClientIP timeout of a day is fine",
       [](json& s) {
         s["spec"]["sessionAffinity"] = "ClientIP";
         s["spec"]["sessionAffinityConfig"] = {{"clientIP", {{"timeoutSeconds", 86400}}}};
       },
       {}},
      {"externalIPs must be IPs",
       [](json& s) { s["spec"]["externalIPs"] = {"1.2.3"}; },
       {"spec.externalIPs[0]: Invalid value: \"1.2.3\": must be a valid IP address, (e.g. 10.9.8.7 or "
        "2001:db8::ffff)"}},
      {"externalIPs may not be special",
       [](json& s) {
         s["spec"]["externalIPs"] = {"0.0.0.0", "127.0.0.1", "fe80::1", "224.0.0.1", "192.0.2.10"};
       },
       {"spec.externalIPs[0]: Invalid value: \"0.0.0.0\": may not be unspecified (0.0.0.0)",
        "spec.externalIPs[1]: Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, "
        "::1/128)",
        "spec.externalIPs[2]: Invalid value: \"fe80::1\": may not be in the link-local range "
        "(169.254.0.0/16, "
        "fe80::/10)",
        "spec.externalIPs[3]: Invalid value: \"224.0.0.1\": may not be in the link-local multicast range "
        "(224.0.0.0/24, ff02::/10)"}},
      {"loadBalancerSourceRanges only for LoadBalancer",
       [](json& s) { s["spec"]["loadBalancerSourceRanges"] = {"10.0.0.0/8"}; },
       {"spec.LoadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'"}},
      {"loadBalancerSourceRanges are CIDRs",
       [](json& s) {
         s["spec"]["type"] = "LoadBalancer";
         s["spec"]["loadBalancerSourceRanges"] = {" 10.0.0.0/8 ", "10.0.0.0/33"};
       },
       {"spec.LoadBalancerSourceRanges[1]: Invalid value: \"10.0.0.0/33\": must be a valid CIDR value, (e.g. "
        "10.9.8.0/24 or 2001:db8::/64)"}},
      {"source ranges annotation only for LoadBalancer",
       [](json& s) {
         s["metadata"]["annotations"] = {
             {"service.beta.kubernetes.io/load-balancer-source-ranges", "10.0.0.0/8,x"}};
       },
       {"metadata.annotations[service.beta.kubernetes.io/load-balancer-source-ranges]: Forbidden: may only "
        "be "
        "used when `type` is 'LoadBalancer'",
        "metadata.annotations[service.beta.kubernetes.io/load-balancer-source-ranges]: Invalid value: \"x\": "
        "must "
        "be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"}},
      {"externalTrafficPolicy only when externally accessible",
       [](json& s) { s["spec"]["externalTrafficPolicy"] = "Local"; },
       {"spec.externalTrafficPolicy: Invalid value: \"Local\": may only be set for externally-accessible "
        "services"}},
      {"externalTrafficPolicy Local with externalIPs",
       [](json& s) {
         s["spec"]["externalIPs"] = {"192.0.2.10"};
         s["spec"]["externalTrafficPolicy"] = "Local";
       },
       {}},
      {"externalTrafficPolicy supported",
       [](json& s) {
         s["spec"]["type"] = "NodePort";
         s["spec"]["externalTrafficPolicy"] = "Foo";
       },
       {"spec.externalTrafficPolicy: Unsupported value: \"Foo\": supported values: \"Cluster\", \"Local\""}},
      {"healthCheckNodePort only for LoadBalancer with Local policy",
       [](json& s) { s["spec"]["healthCheckNodePort"] = 30000; },
       {"spec.healthCheckNodePort: Invalid value: 30000: may only be set when `type` is 'LoadBalancer' and "
        "`externalTrafficPolicy` is 'Local'"}},
      {"internalTrafficPolicy supported",
       [](json& s) { s["spec"]["internalTrafficPolicy"] = "Foo"; },
       {"spec.internalTrafficPolicy: Unsupported value: \"Foo\": supported values: \"Cluster\", \"Local\""}},
      {"allocateLoadBalancerNodePorts only for LoadBalancer",
       [](json& s) {
         s["spec"]["type"] = "NodePort";
         s["spec"]["allocateLoadBalancerNodePorts"] = false;
       },
       {"spec.allocateLoadBalancerNodePorts: Forbidden: may only be used when `type` is 'LoadBalancer'"}},
      {"loadBalancerClass only for LoadBalancer",
       [](json& s) { s["spec"]["loadBalancerClass"] = "example.com/lb"; },
       {"spec.loadBalancerClass: Forbidden: may only be used when `type` is 'LoadBalancer'"}},
      {"loadBalancerClass is a qualified name",
       [](json& s) {
         s["spec"]["type"] = "LoadBalancer";
         s["spec"]["loadBalancerClass"] = "bad class";
       },
       {"spec.loadBalancerClass: Invalid value: \"bad class\": " + kQualifiedNamePart}},
      {"trafficDistribution supported",
       [](json& s) { s["spec"]["trafficDistribution"] = "Far"; },
       {"spec.trafficDistribution: Unsupported value: \"Far\": supported values: \"PreferClose\""}},
      {"selector labels valid",
       [](json& s) {
         s["spec"]["selector"] = {{"app", "-x"}};
       },
       {"spec.selector: Invalid value: \"-x\": " + kLabelValue}},
      {"clusterIP must be an IP",
       [](json& s) { s["spec"]["clusterIP"] = "abc"; },
       {"spec.clusterIPs[0]: Invalid value: \"abc\": must be a valid IP address, (e.g. 10.9.8.7 or "
        "2001:db8::ffff)"}},
      {"clusterIPs[0] must match clusterIP",
       [](json& s) {
         s["spec"]["clusterIP"] = "10.43.0.5";
         s["spec"]["clusterIPs"] = {"10.43.0.6"};
       },
       {"spec.clusterIPs: Invalid value: []string{\"10.43.0.6\"}: first value must match `clusterIP`"}},
      {"clusterIPs need clusterIP",
       [](json& s) { s["spec"]["clusterIPs"] = {"10.43.0.6"}; },
       {"spec.clusterIPs: Invalid value: []string{\"10.43.0.6\"}: must be empty when `clusterIP` is not "
        "specified"}},
      {"one cluster IP per family",
       [](json& s) {
         s["spec"]["clusterIP"] = "10.43.0.5";
         s["spec"]["clusterIPs"] = {"10.43.0.5", "10.43.0.6"};
         s["spec"]["ipFamilyPolicy"] = "PreferDualStack";
       },
       {"spec.clusterIPs: Invalid value: []string{\"10.43.0.5\", \"10.43.0.6\"}: may specify no more than "
        "one IP "
        "for each IP family"}},
      {"None must stand alone",
       [](json& s) {
         s["spec"]["clusterIP"] = "None";
         s["spec"]["clusterIPs"] = {"None", "10.43.0.6"};
       },
       {"spec.clusterIPs: Invalid value: []string{\"None\", \"10.43.0.6\"}: 'None' must be the first and "
        "only "
        "value"}},
      {"cluster IP family must be configured",
       [](json& s) { s["spec"]["clusterIP"] = "fd00::5"; },
       {"spec.clusterIPs[0]: Invalid value: []string{\"fd00::5\"}: IPv6 is not configured on this cluster"}},
      {"cluster IP must match its listed family",
       [](json& s) {
         s["spec"]["clusterIP"] = "10.43.0.5";
         s["spec"]["ipFamilies"] = {"IPv6"};
       },
       {"spec.clusterIPs[0]: Invalid value: \"10.43.0.5\": expected an IPv6 value as indicated by "
        "`ipFamilies[0]`"}},
      {"ipFamilies supported",
       [](json& s) { s["spec"]["ipFamilies"] = {"IPv5"}; },
       {"spec.ipFamilies[0]: Unsupported value: \"IPv5\": supported values: \"IPv4\", \"IPv6\""}},
      {"ipFamilies unique",
       [](json& s) {
         s["spec"]["ipFamilies"] = {"IPv4", "IPv4"};
         s["spec"]["ipFamilyPolicy"] = "PreferDualStack";
       },
       {"spec.ipFamilies[1]: Duplicate value: \"IPv4\""}},
      {"ipFamilies must be configured",
       [](json& s) { s["spec"]["ipFamilies"] = {"IPv6"}; },
       {"spec.ipFamilies[0]: Invalid value: \"IPv6\": not configured on this cluster"}},
      {"ipFamilyPolicy supported",
       [](json& s) { s["spec"]["ipFamilyPolicy"] = "Foo"; },
       {"spec.ipFamilyPolicy: Unsupported value: \"Foo\": supported values: \"PreferDualStack\", "
        "\"RequireDualStack\", \"SingleStack\""}},
      {"RequireDualStack needs a dual-stack cluster",
       [](json& s) { s["spec"]["ipFamilyPolicy"] = "RequireDualStack"; },
       {"spec.ipFamilyPolicy: Invalid value: \"RequireDualStack\": this cluster is not configured for "
        "dual-stack "
        "services"}},
      {"SingleStack with two families",
       [](json& s) {
         s["spec"]["ipFamilies"] = {"IPv4", "IPv6"};
         s["spec"]["ipFamilyPolicy"] = "SingleStack";
       },
       {"spec.ipFamilyPolicy: Invalid value: \"SingleStack\": must be 'RequireDualStack' or "
        "'PreferDualStack' when "
        "multiple IP families are specified"}},
      {"PreferDualStack is fine on a single-stack cluster",
       [](json& s) { s["spec"]["ipFamilyPolicy"] = "PreferDualStack"; },
       {}},
      {"wrong JSON types are reported, not thrown",
       [](json& s) {
         s["spec"]["ports"][0]["port"] = "80";
         s["spec"]["selector"] = "app=web";
       },
       {"spec.selector: Invalid value: \"app=web\": must be a map of string keys to string values",
        "spec.ports[0].port: Invalid value: \"80\": must be an integer"}},
      {"spec of the wrong type",
       [](json& s) { s["spec"] = 5; },
       {"spec: Invalid value: 5: must be an object"}},
  };
  return kCases;
}

TEST(ServiceValidationTest, Rules) {
  ServiceHarness h;
  for (const Case& c : cases()) {
    json svc = service();
    c.mutate(svc);
    EXPECT_EQ(h.validateCreate(svc), c.want) << c.name;
  }
}

TEST(ServiceValidationTest, ErrorsCarryFieldAndReason) {
  ServiceHarness h;
  json svc = service();
  svc["spec"]["ports"][0]["protocol"] = "FOO";
  h.strategy->prepareForCreate(svc);
  auto errs = h.strategy->validate(svc);
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].field, "spec.ports[0].protocol");
  EXPECT_STREQ(errs[0].reason(), "FieldValueNotSupported");
  EXPECT_EQ(errs[0].body(), "Unsupported value: \"FOO\": supported values: \"SCTP\", \"TCP\", \"UDP\"");
}

TEST(ServiceValidationTest, DualStackClusterAcceptsBothFamilies) {
  ServiceHarness h(ServiceNetworkOptions{{"10.43.0.0/16", "fd00:43::/112"}, "30000-32767"});
  json svc = service();
  svc["spec"]["ipFamilyPolicy"] = "RequireDualStack";
  EXPECT_TRUE(h.validateCreate(svc).empty());
  json v6 = service();
  v6["spec"]["clusterIP"] = "fd00:43::10";
  EXPECT_TRUE(h.validateCreate(v6).empty());
}

TEST(ServiceValidationTest, UpdateKeepsClusterIPs) {
  ServiceHarness h;
  json old = h.create(service());
  std::string ip = old["spec"]["clusterIP"];

  // A client that only changes spec.clusterIP (clusterIPs follows it) is refused, with
  // kube's 1.32 message.
  json changed = service();
  changed["spec"]["clusterIP"] = ip == "10.43.0.5" ? "10.43.0.6" : "10.43.0.5";
  std::string newIp = changed["spec"]["clusterIP"];
  auto attempt = h.tryUpdate(changed, old);
  EXPECT_EQ(attempt.validationErrors,
            std::vector<std::string>{"spec.clusterIPs[0]: Invalid value: []string{\"" + newIp +
                                     "\"}: may not change once set"});

  // Re-sending the original manifest (no clusterIP) keeps the allocated one.
  auto same = h.tryUpdate(service(), old);
  EXPECT_TRUE(same.ok()) << ServiceHarness::describe(same);
  EXPECT_EQ(same.obj["spec"]["clusterIP"], ip);
}

TEST(ServiceValidationTest, UpdateMayChangeClusterIPsToAndFromExternalName) {
  ServiceHarness h;
  json old = h.create(service());
  json external = service();
  external["spec"] = {{"type", "ExternalName"}, {"externalName", "db.example.com"}};
  json now = h.update(external, old);
  EXPECT_FALSE(now["spec"].contains("clusterIP"));
  EXPECT_FALSE(now["spec"].contains("clusterIPs"));

  json back = service();
  back["spec"]["clusterIP"] = "10.43.0.77";
  json again = h.update(back, now);
  EXPECT_EQ(again["spec"]["clusterIPs"], json({"10.43.0.77"}));
}

TEST(ServiceValidationTest, UpdateRules) {
  ServiceHarness h;
  json lb = service();
  lb["spec"]["type"] = "LoadBalancer";
  lb["spec"]["externalTrafficPolicy"] = "Local";
  lb["spec"]["loadBalancerClass"] = "example.com/a";
  json old = h.create(lb);
  ASSERT_NE(old["spec"].value("healthCheckNodePort", 0), 0);

  json changed = old;
  changed["metadata"]["name"] = "other";
  changed["spec"]["loadBalancerClass"] = "example.com/b";
  long long hc = old["spec"]["healthCheckNodePort"];
  changed["spec"]["healthCheckNodePort"] = hc == 30000 ? 30001 : 30000;
  EXPECT_EQ(h.tryUpdate(changed, old).validationErrors,
            (std::vector<std::string>{
                "metadata.name: Invalid value: \"other\": field is immutable",
                "spec.loadBalancerClass: Invalid value: \"example.com/b\": may not change once set",
                "spec.healthCheckNodePort: Forbidden: field is immutable",
            }));
}

TEST(ServiceValidationTest, UpdateReportsLabelErrorsOnce) {
  ServiceHarness h;
  json old = h.create(service());
  json changed = old;
  changed["metadata"]["labels"] = {{"app", "bad value"}};
  EXPECT_EQ(h.tryUpdate(changed, old).validationErrors,
            std::vector<std::string>{"metadata.labels: Invalid value: \"bad value\": " + kLabelValue});
}

TEST(ServiceValidationTest, ReleasingTheSecondaryIPNeedsSingleStack) {
  ServiceHarness h(ServiceNetworkOptions{{"10.43.0.0/16", "fd00:43::/112"}, "30000-32767"});
  json svc = service();
  svc["spec"]["ipFamilyPolicy"] = "PreferDualStack";
  json old = h.create(svc);
  ASSERT_EQ(old["spec"]["clusterIPs"].size(), 2u);

  json down = old;
  down["spec"]["clusterIPs"] = {old["spec"]["clusterIPs"][0]};
  EXPECT_EQ(
      h.tryUpdate(down, old).validationErrors,
      std::vector<std::string>{
          "spec.ipFamilyPolicy: Invalid value: \"PreferDualStack\": must be 'SingleStack' to release the "
          "secondary cluster IP"});
}

TEST(ServiceValidationTest, StatusUpdate) {
  ServiceHarness h;
  json lb = service();
  lb["spec"]["type"] = "LoadBalancer";
  json old = h.create(lb);
  json withStatus = old;
  withStatus["status"] = {
      {"loadBalancer", {{"ingress", {{{"ip", "192.0.2.1"}}, {{"hostname", "10.0.0.1"}}}}}}};
  h.strategy->prepareForStatusUpdate(withStatus, old);
  EXPECT_EQ(withStatus["status"]["loadBalancer"]["ingress"][0]["ipMode"], "VIP");
  EXPECT_EQ(render(h.strategy->validateStatusUpdate(withStatus, old)),
            std::vector<std::string>{"status.loadBalancer.ingress[1].hostname: Invalid value: \"10.0.0.1\": "
                                     "must be a DNS name, not an IP "
                                     "address"});

  json clusterIP = h.create(service("plain"));
  json bad = clusterIP;
  bad["status"] = {{"loadBalancer", {{"ingress", {{{"ip", "192.0.2.1"}}}}}}};
  h.strategy->prepareForStatusUpdate(bad, clusterIP);
  EXPECT_EQ(
      render(h.strategy->validateStatusUpdate(bad, clusterIP)),
      std::vector<std::string>{
          "status.loadBalancer.ingress: Forbidden: may only be used when `spec.type` is 'LoadBalancer'"});
}

}  // namespace
}  // namespace edgeway::apiserver::svctest
