#include "dns/resolver.h"

#include <gtest/gtest.h>

#include <cctype>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "cache/snapshot_builder.h"
#include "dns/zone_text.h"

namespace edgeway::dns {
namespace {

using testing::sameRecords;

IpAddress ip(const std::string& text) {
  auto parsed = IpAddress::parse(text);
  EXPECT_TRUE(parsed.isOk()) << text;
  return parsed.isOk() ? *parsed : IpAddress();
}

// ---- Cluster objects, built as views directly (what the cache would hold). ----

api::ServicePort port(const std::string& name, int number, api::Protocol protocol = api::Protocol::kTCP) {
  api::ServicePort p;
  p.name = name;
  p.port = number;
  p.protocol = protocol;
  p.targetPort.number = number;
  return p;
}

cache::ServicePtr clusterIpService(const std::string& ns, const std::string& name,
                                   std::vector<std::string> ips, std::vector<api::ServicePort> ports) {
  api::ServiceView s;
  s.ns = ns;
  s.name = name;
  for (const auto& text : ips) {
    s.clusterIps.push_back(ip(text));
    s.ipFamilies.push_back(s.clusterIps.back().family());
  }
  s.ports = std::move(ports);
  return std::make_shared<const api::ServiceView>(std::move(s));
}

cache::ServicePtr headlessService(const std::string& ns, const std::string& name,
                                  std::vector<api::ServicePort> ports, bool publishNotReady = false) {
  api::ServiceView s;
  s.ns = ns;
  s.name = name;
  s.headless = true;
  s.ports = std::move(ports);
  s.publishNotReadyAddresses = publishNotReady;
  return std::make_shared<const api::ServiceView>(std::move(s));
}

cache::ServicePtr externalNameService(const std::string& ns, const std::string& name,
                                      const std::string& target) {
  api::ServiceView s;
  s.ns = ns;
  s.name = name;
  s.type = api::ServiceType::kExternalName;
  s.externalName = target;
  return std::make_shared<const api::ServiceView>(std::move(s));
}

struct Ep {
  std::string address;
  std::string hostname;
  bool ready = true;
  bool serving = true;
  bool terminating = false;
};

cache::EndpointSlicePtr slice(const std::string& ns, const std::string& name, const std::string& service,
                              IpFamily family, const std::vector<Ep>& endpoints,
                              std::vector<api::EndpointPort> ports) {
  api::EndpointSliceView v;
  v.ns = ns;
  v.name = name;
  v.serviceName = service;
  v.addressType = family;
  for (const auto& e : endpoints) {
    api::Endpoint endpoint;
    endpoint.addresses.push_back(ip(e.address));
    endpoint.hostname = e.hostname;
    endpoint.ready = e.ready;
    endpoint.serving = e.serving;
    endpoint.terminating = e.terminating;
    v.endpoints.push_back(std::move(endpoint));
  }
  v.ports = std::move(ports);
  return std::make_shared<const api::EndpointSliceView>(std::move(v));
}

api::EndpointPort endpointPort(const std::string& name, int number,
                               api::Protocol protocol = api::Protocol::kTCP) {
  api::EndpointPort p;
  p.name = name;
  p.port = number;
  p.protocol = protocol;
  return p;
}

cache::PodPtr pod(const std::string& ns, const std::string& name, std::vector<std::string> ips,
                  const std::string& phase = "Running") {
  api::PodView p;
  p.ns = ns;
  p.name = name;
  for (const auto& text : ips) p.podIps.push_back(ip(text));
  p.phase = phase;
  p.ready = true;
  return std::make_shared<const api::PodView>(std::move(p));
}

// The cluster every table case below is asked against.
std::shared_ptr<const cache::Snapshot> clusterSnapshot(bool synced = true) {
  using api::Protocol;
  cache::SnapshotBuilder b{cache::Snapshot()};
  b.put(clusterIpService("default", "web", {"10.43.0.10"},
                         {port("http", 80), port("", 8443), port("dns", 53, Protocol::kUDP)}));
  b.put(clusterIpService("default", "dual", {"10.43.0.20", "fd00:43::20"}, {port("https", 443)}));
  b.put(clusterIpService("default", "v6only", {"fd00:43::30"}, {port("http", 80)}));
  b.put(clusterIpService("default", "unnamed", {"10.43.0.40"}, {port("", 80)}));
  b.put(clusterIpService("default", "pending", {}, {port("http", 80)}));  // no IP allocated yet
  b.put(clusterIpService("shop", "cart", {"10.43.1.1"}, {port("grpc", 9090)}));

  // A StatefulSet's headless Service: named Pods, one without a hostname, one not ready,
  // one terminating (serving but not ready), dual-stack slices.
  b.put(headlessService("default", "db", {port("mysql", 3306)}));
  b.put(slice("default", "db-v4", "db", IpFamily::kIPv4,
              {{"10.42.0.5", "db-0"},
               {"10.42.0.6", "db-1"},
               {"10.42.0.7", ""},
               {"10.42.0.8", "db-3", /*ready=*/false, /*serving=*/false},
               {"10.42.0.9", "db-4", /*ready=*/false, /*serving=*/true, /*terminating=*/true}},
              {endpointPort("mysql", 3306)}));
  b.put(slice("default", "db-v6", "db", IpFamily::kIPv6, {{"fd00:42::5", "db-0"}},
              {endpointPort("mysql", 3306)}));

  // publishNotReadyAddresses: every endpoint, ready or not, terminating or not.
  b.put(headlessService("default", "peers", {port("gossip", 7946)}, /*publishNotReady=*/true));
  b.put(slice("default", "peers-1", "peers", IpFamily::kIPv4,
              {{"10.42.1.1", "peer-0"},
               {"10.42.1.2", "peer-1", false, false},
               {"10.42.1.3", "peer-2", false, true, true}},
              {endpointPort("gossip", 7946)}));

  b.put(headlessService("default", "lonely", {port("http", 80)}));  // no slices at all
  b.put(headlessService("default", "starting", {port("http", 80)}));
  b.put(slice("default", "starting-1", "starting", IpFamily::kIPv4, {{"10.42.3.1", "", false, false}},
              {endpointPort("http", 80)}));
  // Headless with slices but no ports: addresses, no SRV.
  b.put(headlessService("default", "portless", {}));
  b.put(slice("default", "portless-1", "portless", IpFamily::kIPv4, {{"10.42.4.1", ""}}, {}));

  b.put(externalNameService("default", "ext", "www.example.com"));
  b.put(externalNameService("default", "ext-dot", "api.example.org."));
  b.put(externalNameService("default", "alias", "web.default.svc.cluster.local"));
  b.put(externalNameService("default", "alias-headless", "DB.default.svc.cluster.local"));
  b.put(externalNameService("default", "alias-missing", "gone.default.svc.cluster.local"));
  b.put(externalNameService("default", "ext-ip", "192.0.2.1"));

  b.put(pod("default", "web-abc", {"10.42.0.50"}));
  b.put(pod("quiet", "job-1", {"10.42.5.5"}));  // a namespace with a Pod and no Service
  b.put(pod("shop", "cart-1", {"10.42.2.7", "fd00:42::2:7"}));
  b.put(pod("shop", "done", {"10.42.2.8"}, "Succeeded"));
  return b.build(42, synced);
}

Message query(const std::string& name, Type type, uint16_t qclass = kClassIn) {
  Message m;
  m.header.id = 0x1234;
  m.header.rd = true;
  m.questions.push_back(Question{name, type, qclass});
  return m;
}

const char* kSoa =
    "cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 42 7200 1800 86400 5";

// ---- The table. ----

struct Case {
  const char* label;
  std::string name;
  Type type;
  Rcode rcode;
  std::vector<std::string> answers;
  std::vector<std::string> authority = {};
  std::vector<std::string> additional = {};
};

void PrintTo(const Case& c, std::ostream* out) {
  *out << c.label << " (" << c.name << " " << typeName(c.type) << ")";
}

// Test names from the labels: "Headless/ResolverTableTest.Answers/ready_endpoints_only".
std::string caseName(const ::testing::TestParamInfo<Case>& info) {
  std::string out;
  for (const char* p = info.param.label; *p; ++p)
    out += std::isalnum(static_cast<unsigned char>(*p)) ? *p : '_';
  return out;
}

class ResolverTableTest : public ::testing::TestWithParam<Case> {
 protected:
  static void SetUpTestSuite() {
    snapshot_ = clusterSnapshot();
    ClusterZoneOptions options;
    options.podRecords = true;
    zone_ = ClusterZone::build(*snapshot_, options);
  }
  static void TearDownTestSuite() {
    zone_.reset();
    snapshot_.reset();
  }
  static std::shared_ptr<const cache::Snapshot> snapshot_;
  static std::shared_ptr<const ClusterZone> zone_;
};
std::shared_ptr<const cache::Snapshot> ResolverTableTest::snapshot_;
std::shared_ptr<const ClusterZone> ResolverTableTest::zone_;

TEST_P(ResolverTableTest, Answers) {
  const Case& c = GetParam();
  auto r = resolve(query(c.name, c.type), *zone_);
  ASSERT_TRUE(r.has_value()) << c.name << " was not answered";
  EXPECT_EQ(static_cast<int>(r->header.rcode), static_cast<int>(c.rcode));
  EXPECT_TRUE(r->header.qr);
  EXPECT_TRUE(r->header.aa) << "zone answers are authoritative";
  EXPECT_EQ(r->header.id, 0x1234);
  EXPECT_TRUE(r->header.rd);
  ASSERT_EQ(r->questions.size(), 1u);
  EXPECT_EQ(r->questions[0].name, c.name);
  EXPECT_EQ(r->questions[0].type, c.type);
  EXPECT_TRUE(sameRecords(r->answers, c.answers)) << "answer section";
  EXPECT_TRUE(sameRecords(r->authority, c.authority)) << "authority section";
  EXPECT_TRUE(sameRecords(r->additional, c.additional)) << "additional section";
  EXPECT_FALSE(r->edns.has_value());
}

const Rcode kOk = Rcode::kNoError;
const Rcode kNx = Rcode::kNxDomain;

INSTANTIATE_TEST_SUITE_P(
    SchemaVersion, ResolverTableTest,
    ::testing::Values(Case{"txt",
                           "dns-version.cluster.local",
                           Type::kTXT,
                           kOk,
                           {R"(dns-version.cluster.local. 5 IN TXT "1.1.0")"}},
                      Case{"a is nodata", "dns-version.cluster.local", Type::kA, kOk, {}, {kSoa}}),
    caseName);

INSTANTIATE_TEST_SUITE_P(
    Apex, ResolverTableTest,
    ::testing::Values(
        Case{"soa", "cluster.local", Type::kSOA, kOk, {kSoa}},
        Case{"ns", "cluster.local", Type::kNS, kOk, {"cluster.local. 5 IN NS ns.dns.cluster.local."}},
        Case{"a is nodata", "cluster.local", Type::kA, kOk, {}, {kSoa}},
        Case{"unknown child", "nope.cluster.local", Type::kA, kNx, {}, {kSoa}},
        Case{"svc is an empty non-terminal", "svc.cluster.local", Type::kA, kOk, {}, {kSoa}},
        Case{"pod is an empty non-terminal", "pod.cluster.local", Type::kA, kOk, {}, {kSoa}}),
    caseName);

INSTANTIATE_TEST_SUITE_P(
    ClusterIp, ResolverTableTest,
    ::testing::Values(
        Case{"a",
             "web.default.svc.cluster.local",
             Type::kA,
             kOk,
             {"web.default.svc.cluster.local. 5 IN A 10.43.0.10"}},
        Case{"aaaa of an IPv4 service is nodata",
             "web.default.svc.cluster.local",
             Type::kAAAA,
             kOk,
             {},
             {kSoa}},
        Case{"txt is nodata", "web.default.svc.cluster.local", Type::kTXT, kOk, {}, {kSoa}},
        Case{"other namespace",
             "cart.shop.svc.cluster.local",
             Type::kA,
             kOk,
             {"cart.shop.svc.cluster.local. 5 IN A 10.43.1.1"}},
        Case{"dual-stack a",
             "dual.default.svc.cluster.local",
             Type::kA,
             kOk,
             {"dual.default.svc.cluster.local. 5 IN A 10.43.0.20"}},
        Case{"dual-stack aaaa",
             "dual.default.svc.cluster.local",
             Type::kAAAA,
             kOk,
             {"dual.default.svc.cluster.local. 5 IN AAAA fd00:43::20"}},
        Case{"ipv6-only aaaa",
             "v6only.default.svc.cluster.local",
             Type::kAAAA,
             kOk,
             {"v6only.default.svc.cluster.local. 5 IN AAAA fd00:43::30"}},
        Case{"ipv6-only a is nodata", "v6only.default.svc.cluster.local", Type::kA, kOk, {}, {kSoa}},
        Case{"any",
             "dual.default.svc.cluster.local",
             Type::kANY,
             kOk,
             {"dual.default.svc.cluster.local. 5 IN A 10.43.0.20",
              "dual.default.svc.cluster.local. 5 IN AAAA fd00:43::20",
              "dual.default.svc.cluster.local. 5 IN SRV 0 100 443 dual.default.svc.cluster.local."}},
        Case{"unknown service", "nope.default.svc.cluster.local", Type::kA, kNx, {}, {kSoa}},
        Case{"service in the wrong namespace", "web.shop.svc.cluster.local", Type::kA, kNx, {}, {kSoa}},
        Case{"unallocated cluster IP", "pending.default.svc.cluster.local", Type::kA, kNx, {}, {kSoa}},
        Case{"namespace is an empty non-terminal", "default.svc.cluster.local", Type::kA, kOk, {}, {kSoa}},
        Case{"namespace with only Pods exists", "quiet.svc.cluster.local", Type::kA, kOk, {}, {kSoa}},
        Case{"unknown namespace", "nope.svc.cluster.local", Type::kA, kNx, {}, {kSoa}},
        Case{"too deep", "x.web.default.svc.cluster.local", Type::kA, kNx, {}, {kSoa}},
        Case{"service label without svc", "web.default.cluster.local", Type::kA, kNx, {}, {kSoa}}),
    caseName);

INSTANTIATE_TEST_SUITE_P(
    ClusterIpSrv, ResolverTableTest,
    ::testing::Values(
        Case{"named port",
             "_http._tcp.web.default.svc.cluster.local",
             Type::kSRV,
             kOk,
             {"_http._tcp.web.default.svc.cluster.local. 5 IN SRV 0 100 80 web.default.svc.cluster.local."},
             {},
             {"web.default.svc.cluster.local. 5 IN A 10.43.0.10"}},
        Case{"udp port",
             "_dns._udp.web.default.svc.cluster.local",
             Type::kSRV,
             kOk,
             {"_dns._udp.web.default.svc.cluster.local. 5 IN SRV 0 100 53 web.default.svc.cluster.local."},
             {},
             {"web.default.svc.cluster.local. 5 IN A 10.43.0.10"}},
        Case{"dual-stack target has both families",
             "_https._tcp.dual.default.svc.cluster.local",
             Type::kSRV,
             kOk,
             {"_https._tcp.dual.default.svc.cluster.local. 5 IN SRV 0 100 443 "
              "dual.default.svc.cluster.local."},
             {},
             {"dual.default.svc.cluster.local. 5 IN A 10.43.0.20",
              "dual.default.svc.cluster.local. 5 IN AAAA fd00:43::20"}},
        Case{"srv name asked for A is nodata",
             "_http._tcp.web.default.svc.cluster.local",
             Type::kA,
             kOk,
             {},
             {kSoa}},
        Case{"wrong protocol", "_http._udp.web.default.svc.cluster.local", Type::kSRV, kNx, {}, {kSoa}},
        Case{"unknown port name", "_nope._tcp.web.default.svc.cluster.local", Type::kSRV, kNx, {}, {kSoa}},
        Case{"protocol label is an empty non-terminal",
             "_tcp.web.default.svc.cluster.local",
             Type::kSRV,
             kOk,
             {},
             {kSoa}},
        Case{"unnamed ports have no _port name",
             "_tcp.unnamed.default.svc.cluster.local",
             Type::kSRV,
             kNx,
             {},
             {kSoa}},
        // CoreDNS's extension: SRV at the Service name lists every port, named or not.
        Case{"srv at the service name",
             "web.default.svc.cluster.local",
             Type::kSRV,
             kOk,
             {"web.default.svc.cluster.local. 5 IN SRV 0 33 53 web.default.svc.cluster.local.",
              "web.default.svc.cluster.local. 5 IN SRV 0 33 80 web.default.svc.cluster.local.",
              "web.default.svc.cluster.local. 5 IN SRV 0 33 8443 web.default.svc.cluster.local."},
             {},
             {"web.default.svc.cluster.local. 5 IN A 10.43.0.10"}}),
    caseName);

INSTANTIATE_TEST_SUITE_P(
    Headless, ResolverTableTest,
    ::testing::Values(
        Case{"ready endpoints only",
             "db.default.svc.cluster.local",
             Type::kA,
             kOk,
             {"db.default.svc.cluster.local. 5 IN A 10.42.0.5",
              "db.default.svc.cluster.local. 5 IN A 10.42.0.6",
              "db.default.svc.cluster.local. 5 IN A 10.42.0.7"}},
        Case{"ipv6 slice",
             "db.default.svc.cluster.local",
             Type::kAAAA,
             kOk,
             {"db.default.svc.cluster.local. 5 IN AAAA fd00:42::5"}},
        Case{"hostname, both families",
             "db-0.db.default.svc.cluster.local",
             Type::kA,
             kOk,
             {"db-0.db.default.svc.cluster.local. 5 IN A 10.42.0.5"}},
        Case{"hostname aaaa",
             "db-0.db.default.svc.cluster.local",
             Type::kAAAA,
             kOk,
             {"db-0.db.default.svc.cluster.local. 5 IN AAAA fd00:42::5"}},
        Case{"hostname of an IPv4-only endpoint: aaaa is nodata",
             "db-1.db.default.svc.cluster.local",
             Type::kAAAA,
             kOk,
             {},
             {kSoa}},
        Case{"dashed label for an endpoint without hostname",
             "10-42-0-7.db.default.svc.cluster.local",
             Type::kA,
             kOk,
             {"10-42-0-7.db.default.svc.cluster.local. 5 IN A 10.42.0.7"}},
        Case{"no dashed label when a hostname is set",
             "10-42-0-5.db.default.svc.cluster.local",
             Type::kA,
             kNx,
             {},
             {kSoa}},
        Case{"not-ready endpoint's hostname", "db-3.db.default.svc.cluster.local", Type::kA, kNx, {}, {kSoa}},
        Case{"terminating endpoint's hostname",
             "db-4.db.default.svc.cluster.local",
             Type::kA,
             kNx,
             {},
             {kSoa}},
        Case{"no slices: nxdomain, as the spec says",
             "lonely.default.svc.cluster.local",
             Type::kA,
             kNx,
             {},
             {kSoa}},
        Case{"no ready endpoints: nxdomain", "starting.default.svc.cluster.local", Type::kA, kNx, {}, {kSoa}},
        Case{"no ports: addresses only",
             "portless.default.svc.cluster.local",
             Type::kA,
             kOk,
             {"portless.default.svc.cluster.local. 5 IN A 10.42.4.1"}},
        Case{"no ports: srv is nodata", "portless.default.svc.cluster.local", Type::kSRV, kOk, {}, {kSoa}},
        Case{"publishNotReadyAddresses: all endpoints",
             "peers.default.svc.cluster.local",
             Type::kA,
             kOk,
             {"peers.default.svc.cluster.local. 5 IN A 10.42.1.1",
              "peers.default.svc.cluster.local. 5 IN A 10.42.1.2",
              "peers.default.svc.cluster.local. 5 IN A 10.42.1.3"}},
        Case{"publishNotReadyAddresses: not-ready hostname",
             "peer-1.peers.default.svc.cluster.local",
             Type::kA,
             kOk,
             {"peer-1.peers.default.svc.cluster.local. 5 IN A 10.42.1.2"}},
        Case{"publishNotReadyAddresses: terminating hostname",
             "peer-2.peers.default.svc.cluster.local",
             Type::kA,
             kOk,
             {"peer-2.peers.default.svc.cluster.local. 5 IN A 10.42.1.3"}}),
    caseName);

INSTANTIATE_TEST_SUITE_P(HeadlessSrv, ResolverTableTest,
                         ::testing::Values(Case{"one per ready endpoint address",
                                                "_mysql._tcp.db.default.svc.cluster.local",
                                                Type::kSRV,
                                                kOk,
                                                {"_mysql._tcp.db.default.svc.cluster.local. 5 IN SRV 0 33 "
                                                 "3306 db-0.db.default.svc.cluster.local.",
                                                 "_mysql._tcp.db.default.svc.cluster.local. 5 IN SRV 0 33 "
                                                 "3306 db-1.db.default.svc.cluster.local.",
                                                 "_mysql._tcp.db.default.svc.cluster.local. 5 IN SRV 0 33 "
                                                 "3306 10-42-0-7.db.default.svc.cluster.local."},
                                                {},
                                                {"db-0.db.default.svc.cluster.local. 5 IN A 10.42.0.5",
                                                 "db-0.db.default.svc.cluster.local. 5 IN AAAA fd00:42::5",
                                                 "db-1.db.default.svc.cluster.local. 5 IN A 10.42.0.6",
                                                 "10-42-0-7.db.default.svc.cluster.local. 5 IN A 10.42.0.7"}},
                                           Case{"publishNotReadyAddresses",
                                                "_gossip._tcp.peers.default.svc.cluster.local",
                                                Type::kSRV,
                                                kOk,
                                                {"_gossip._tcp.peers.default.svc.cluster.local. 5 IN SRV 0 "
                                                 "33 7946 peer-0.peers.default.svc.cluster.local.",
                                                 "_gossip._tcp.peers.default.svc.cluster.local. 5 IN SRV 0 "
                                                 "33 7946 peer-1.peers.default.svc.cluster.local.",
                                                 "_gossip._tcp.peers.default.svc.cluster.local. 5 IN SRV 0 "
                                                 "33 7946 peer-2.peers.default.svc.cluster.local."},
                                                {},
                                                {"peer-0.peers.default.svc.cluster.local. 5 IN A 10.42.1.1",
                                                 "peer-1.peers.default.svc.cluster.local. 5 IN A 10.42.1.2",
                                                 "peer-2.peers.default.svc.cluster.local. 5 IN A 10.42.1.3"}},
                                           Case{"no ready endpoints: the srv name does not exist",
                                                "_http._tcp.starting.default.svc.cluster.local",
                                                Type::kSRV,
                                                kNx,
                                                {},
                                                {kSoa}}),
                         caseName);

INSTANTIATE_TEST_SUITE_P(
    ExternalName, ResolverTableTest,
    ::testing::Values(
        Case{"cname for a",
             "ext.default.svc.cluster.local",
             Type::kA,
             kOk,
             {"ext.default.svc.cluster.local. 5 IN CNAME www.example.com."}},
        Case{"cname for aaaa",
             "ext.default.svc.cluster.local",
             Type::kAAAA,
             kOk,
             {"ext.default.svc.cluster.local. 5 IN CNAME www.example.com."}},
        Case{"cname for srv",
             "ext.default.svc.cluster.local",
             Type::kSRV,
             kOk,
             {"ext.default.svc.cluster.local. 5 IN CNAME www.example.com."}},
        Case{"cname for cname",
             "ext.default.svc.cluster.local",
             Type::kCNAME,
             kOk,
             {"ext.default.svc.cluster.local. 5 IN CNAME www.example.com."}},
        Case{"trailing dot in externalName",
             "ext-dot.default.svc.cluster.local",
             Type::kA,
             kOk,
             {"ext-dot.default.svc.cluster.local. 5 IN CNAME api.example.org."}},
        Case{"in-zone target is followed",
             "alias.default.svc.cluster.local",
             Type::kA,
             kOk,
             {"alias.default.svc.cluster.local. 5 IN CNAME web.default.svc.cluster.local.",
              "web.default.svc.cluster.local. 5 IN A 10.43.0.10"}},
        Case{"in-zone target keeps its spelling",
             "alias-headless.default.svc.cluster.local",
             Type::kAAAA,
             kOk,
             {"alias-headless.default.svc.cluster.local. 5 IN CNAME DB.default.svc.cluster.local.",
              "DB.default.svc.cluster.local. 5 IN AAAA fd00:42::5"}},
        Case{"in-zone target without the type",
             "alias.default.svc.cluster.local",
             Type::kAAAA,
             kOk,
             {"alias.default.svc.cluster.local. 5 IN CNAME web.default.svc.cluster.local."},
             {kSoa}},
        Case{"in-zone target missing",
             "alias-missing.default.svc.cluster.local",
             Type::kA,
             kNx,
             {"alias-missing.default.svc.cluster.local. 5 IN CNAME gone.default.svc.cluster.local."},
             {kSoa}},
        Case{"an IP as externalName gives no record",
             "ext-ip.default.svc.cluster.local",
             Type::kA,
             kNx,
             {},
             {kSoa}},
        Case{"no srv names below", "_http._tcp.ext.default.svc.cluster.local", Type::kSRV, kNx, {}, {kSoa}}),
    caseName);

INSTANTIATE_TEST_SUITE_P(
    Pods, ResolverTableTest,
    ::testing::Values(
        Case{"ipv4",
             "10-42-0-50.default.pod.cluster.local",
             Type::kA,
             kOk,
             {"10-42-0-50.default.pod.cluster.local. 5 IN A 10.42.0.50"}},
        Case{"ipv6 dashed",
             "fd00-42--2-7.shop.pod.cluster.local",
             Type::kAAAA,
             kOk,
             {"fd00-42--2-7.shop.pod.cluster.local. 5 IN AAAA fd00:42::2:7"}},
        Case{"ipv6 spelled out",
             "fd00-42-0-0-0-0-2-7.shop.pod.cluster.local",
             Type::kAAAA,
             kOk,
             {"fd00-42-0-0-0-0-2-7.shop.pod.cluster.local. 5 IN AAAA fd00:42::2:7"}},
        Case{"ipv6 pod name asked for A is nodata",
             "fd00-42--2-7.shop.pod.cluster.local",
             Type::kA,
             kOk,
             {},
             {kSoa}},
        Case{"an IP no Pod has", "10-42-0-51.default.pod.cluster.local", Type::kA, kNx, {}, {kSoa}},
        Case{"a Pod IP in another namespace", "10-42-0-50.shop.pod.cluster.local", Type::kA, kNx, {}, {kSoa}},
        Case{"a finished Pod", "10-42-2-8.shop.pod.cluster.local", Type::kA, kNx, {}, {kSoa}},
        Case{"not an address", "web.default.pod.cluster.local", Type::kA, kNx, {}, {kSoa}},
        Case{"namespace under pod", "default.pod.cluster.local", Type::kA, kOk, {}, {kSoa}}),
    caseName);

INSTANTIATE_TEST_SUITE_P(
    Reverse, ResolverTableTest,
    ::testing::Values(
        Case{"cluster IP",
             "10.0.43.10.in-addr.arpa",
             Type::kPTR,
             kOk,
             {"10.0.43.10.in-addr.arpa. 5 IN PTR web.default.svc.cluster.local."}},
        Case{"dual-stack IPv4",
             "20.0.43.10.in-addr.arpa",
             Type::kPTR,
             kOk,
             {"20.0.43.10.in-addr.arpa. 5 IN PTR dual.default.svc.cluster.local."}},
        Case{"dual-stack IPv6 nibbles",
             "0.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.3.4.0.0.0.0.d.f.ip6.arpa",
             Type::kPTR,
             kOk,
             {"0.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.3.4.0.0.0.0.d.f.ip6.arpa. 5 IN PTR "
              "dual.default.svc.cluster.local."}},
        Case{"headless endpoint",
             "5.0.42.10.in-addr.arpa",
             Type::kPTR,
             kOk,
             {"5.0.42.10.in-addr.arpa. 5 IN PTR db-0.db.default.svc.cluster.local."}},
        Case{"headless endpoint without hostname",
             "7.0.42.10.in-addr.arpa",
             Type::kPTR,
             kOk,
             {"7.0.42.10.in-addr.arpa. 5 IN PTR 10-42-0-7.db.default.svc.cluster.local."}},
        Case{"headless IPv6 endpoint",
             "5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.4.0.0.0.0.d.f.ip6.arpa",
             Type::kPTR,
             kOk,
             {"5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.4.0.0.0.0.d.f.ip6.arpa. 5 IN PTR "
              "db-0.db.default.svc.cluster.local."}},
        Case{"pod IP (podRecords)",
             "50.0.42.10.in-addr.arpa",
             Type::kPTR,
             kOk,
             {"50.0.42.10.in-addr.arpa. 5 IN PTR 10-42-0-50.default.pod.cluster.local."}},
        Case{"upper-case nibbles",
             "0.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.3.4.0.0.0.0.D.F.IP6.ARPA",
             Type::kPTR,
             kOk,
             {"0.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.3.4.0.0.0.0.D.F.IP6.ARPA. 5 IN PTR "
              "dual.default.svc.cluster.local."}}),
    caseName);

INSTANTIATE_TEST_SUITE_P(
    Case, ResolverTableTest,
    ::testing::Values(
        Case{"owner keeps the question's case",
             "Web.DEFAULT.svc.Cluster.Local",
             Type::kA,
             kOk,
             {"Web.DEFAULT.svc.Cluster.Local. 5 IN A 10.43.0.10"}},
        Case{"srv owner keeps the question's case",
             "_HTTP._Tcp.web.default.SVC.cluster.local",
             Type::kSRV,
             kOk,
             {"_HTTP._Tcp.web.default.SVC.cluster.local. 5 IN SRV 0 100 80 web.default.svc.cluster.local."},
             {},
             {"web.default.svc.cluster.local. 5 IN A 10.43.0.10"}},
        Case{"nxdomain in upper case", "NOPE.default.svc.cluster.local", Type::kA, kNx, {}, {kSoa}},
        Case{"pod name in upper case",
             "FD00-42--2-7.Shop.Pod.Cluster.Local",
             Type::kAAAA,
             kOk,
             {"FD00-42--2-7.Shop.Pod.Cluster.Local. 5 IN AAAA fd00:42::2:7"}}),
    caseName);

// ---- Cases outside the table: header handling, classes, sync, names that are not ours. ----

class ResolverTest : public ::testing::Test {
 protected:
  ResolverTest() : snapshot_(clusterSnapshot()), zone_(ClusterZone::build(*snapshot_, {})) {}
  std::shared_ptr<const cache::Snapshot> snapshot_;
  std::shared_ptr<const ClusterZone> zone_;
};

TEST_F(ResolverTest, NamesOutsideTheZoneAreForwarded) {
  EXPECT_FALSE(resolve(query("www.example.com", Type::kA), *zone_).has_value());
  EXPECT_FALSE(resolve(query("local", Type::kA), *zone_).has_value());
  EXPECT_FALSE(resolve(query("xcluster.local", Type::kA), *zone_).has_value()) << "a suffix, not a subdomain";
  EXPECT_FALSE(resolve(query("", Type::kNS), *zone_).has_value()) << "the root";
}

TEST_F(ResolverTest, UnknownReverseNamesAreForwarded) {
  EXPECT_FALSE(resolve(query("1.1.168.192.in-addr.arpa", Type::kPTR), *zone_).has_value());
  EXPECT_FALSE(resolve(query("43.10.in-addr.arpa", Type::kPTR), *zone_).has_value());
  EXPECT_FALSE(resolve(query("in-addr.arpa", Type::kSOA), *zone_).has_value());
  // A known address asked for another type: the reverse zones are not ours.
  EXPECT_FALSE(resolve(query("10.0.43.10.in-addr.arpa", Type::kA), *zone_).has_value());
}

TEST_F(ResolverTest, PodRecordsOffByDefault) {
  auto r = resolve(query("10-42-0-50.default.pod.cluster.local", Type::kA), *zone_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header.rcode, Rcode::kNxDomain);
  EXPECT_TRUE(sameRecords(r->authority, {kSoa}));
  // No Pod PTRs either: the address is unknown, so forwarded.
  EXPECT_FALSE(resolve(query("50.0.42.10.in-addr.arpa", Type::kPTR), *zone_).has_value());
  // The `pod` label itself is still NODATA, as CoreDNS answers it.
  r = resolve(query("pod.cluster.local", Type::kA), *zone_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header.rcode, Rcode::kNoError);
  r = resolve(query("default.pod.cluster.local", Type::kA), *zone_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header.rcode, Rcode::kNxDomain);
}

TEST_F(ResolverTest, ServFailForZoneNamesUntilSynced) {
  auto partial = clusterSnapshot(/*synced=*/false);
  auto zone = ClusterZone::build(*partial, {});
  EXPECT_FALSE(zone->synced());
  for (const char* name : {"web.default.svc.cluster.local", "nope.default.svc.cluster.local", "cluster.local",
                           "dns-version.cluster.local"}) {
    auto r = resolve(query(name, Type::kA), *zone);
    ASSERT_TRUE(r) << name;
    EXPECT_EQ(r->header.rcode, Rcode::kServFail) << name;
    EXPECT_FALSE(r->header.aa) << name;
    EXPECT_TRUE(r->answers.empty() && r->authority.empty()) << name;
  }
  // Reverse names cannot be claimed yet: forwarded.
  EXPECT_FALSE(resolve(query("10.0.43.10.in-addr.arpa", Type::kPTR), *zone).has_value());
  // Other names are forwarded as always.
  EXPECT_FALSE(resolve(query("example.com", Type::kA), *zone).has_value());
}

TEST_F(ResolverTest, ZoneTransfersAreRefused) {
  for (Type type : {Type::kAXFR, Type::kIXFR}) {
    auto r = resolve(query("cluster.local", type), *zone_);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->header.rcode, Rcode::kRefused);
    EXPECT_FALSE(r->header.aa);
    EXPECT_TRUE(r->answers.empty());
  }
}

TEST_F(ResolverTest, OtherOpcodesAreNotImplemented) {
  auto q = query("web.default.svc.cluster.local", Type::kA);
  q.header.opcode = 2;  // STATUS
  auto r = resolve(q, *zone_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header.rcode, Rcode::kNotImp);
  EXPECT_EQ(r->header.opcode, 2);
  EXPECT_TRUE(r->header.qr);
  EXPECT_TRUE(r->answers.empty());
  q = query("www.example.com", Type::kA);
  q.header.opcode = 5;  // UPDATE, for a name that is not ours either
  r = resolve(q, *zone_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header.rcode, Rcode::kNotImp);
}

TEST_F(ResolverTest, ZeroOrSeveralQuestionsAreFormErr) {
  Message none;
  none.header.id = 7;
  auto r = resolve(none, *zone_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header.rcode, Rcode::kFormErr);
  EXPECT_EQ(r->header.id, 7);
  EXPECT_TRUE(r->header.qr);

  auto two = query("web.default.svc.cluster.local", Type::kA);
  two.questions.push_back(two.questions.front());
  r = resolve(two, *zone_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header.rcode, Rcode::kFormErr);
  EXPECT_TRUE(r->answers.empty());
}

TEST_F(ResolverTest, ClassesOtherThanInAreRefusedForZoneNames) {
  auto r = resolve(query("web.default.svc.cluster.local", Type::kA, /*CH*/ 3), *zone_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header.rcode, Rcode::kRefused);
  EXPECT_TRUE(r->answers.empty());
  // Class ANY is answered, with IN records.
  r = resolve(query("web.default.svc.cluster.local", Type::kA, 255), *zone_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header.rcode, Rcode::kNoError);
  EXPECT_TRUE(sameRecords(r->answers, {"web.default.svc.cluster.local. 5 IN A 10.43.0.10"}));
  // Not our names: the class is the forwarder's business.
  EXPECT_FALSE(resolve(query("version.bind", Type::kTXT, 3), *zone_).has_value());
}

TEST_F(ResolverTest, HeaderFlags) {
  auto q = query("web.default.svc.cluster.local", Type::kA);
  q.header.id = 0xbeef;
  q.header.rd = false;
  q.header.cd = true;
  auto r = resolve(q, *zone_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header.id, 0xbeef);
  EXPECT_TRUE(r->header.qr);
  EXPECT_TRUE(r->header.aa);
  EXPECT_FALSE(r->header.rd);
  EXPECT_FALSE(r->header.tc);
  EXPECT_EQ(r->header.opcode, 0);
  EXPECT_FALSE(r->edns.has_value()) << "the server adds OPT";
}

TEST_F(ResolverTest, CustomDomainAndTtl) {
  ClusterZoneOptions options;
  options.domain = "Edge.Internal.";
  options.ttl = 30;
  auto zone = ClusterZone::build(*snapshot_, options);
  EXPECT_EQ(zone->domain(), "edge.internal");
  auto r = resolve(query("web.default.svc.edge.internal", Type::kA), *zone);
  ASSERT_TRUE(r);
  EXPECT_TRUE(sameRecords(r->answers, {"web.default.svc.edge.internal. 30 IN A 10.43.0.10"}));
  r = resolve(query("nope.edge.internal", Type::kA), *zone);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header.rcode, Rcode::kNxDomain);
  EXPECT_TRUE(sameRecords(
      r->authority,
      {"edge.internal. 30 IN SOA ns.dns.edge.internal. hostmaster.edge.internal. 42 7200 1800 86400 30"}));
  EXPECT_FALSE(resolve(query("web.default.svc.cluster.local", Type::kA), *zone).has_value());
}

TEST_F(ResolverTest, DuplicateEndpointsAcrossSlicesAnswerOnce) {
  cache::SnapshotBuilder b(*snapshot_);
  // The same Pod in a second slice, as during a slice hand-over.
  b.put(slice("default", "db-v4-b", "db", IpFamily::kIPv4, {{"10.42.0.5", "db-0"}},
              {endpointPort("mysql", 3306)}));
  auto zone = ClusterZone::build(*b.build(43, true), {});
  auto r = resolve(query("db-0.db.default.svc.cluster.local", Type::kA), *zone);
  ASSERT_TRUE(r);
  EXPECT_TRUE(sameRecords(r->answers, {"db-0.db.default.svc.cluster.local. 5 IN A 10.42.0.5"}));
  r = resolve(query("5.0.42.10.in-addr.arpa", Type::kPTR), *zone);
  ASSERT_TRUE(r);
  EXPECT_TRUE(
      sameRecords(r->answers, {"5.0.42.10.in-addr.arpa. 5 IN PTR db-0.db.default.svc.cluster.local."}));
}

TEST_F(ResolverTest, AnEndpointBehindTwoHeadlessServicesHasTwoPtrs) {
  cache::SnapshotBuilder b(*snapshot_);
  b.put(headlessService("default", "db-read", {port("mysql", 3306)}));
  b.put(slice("default", "db-read-1", "db-read", IpFamily::kIPv4, {{"10.42.0.6", "db-1"}},
              {endpointPort("mysql", 3306)}));
  auto zone = ClusterZone::build(*b.build(43, true), {});
  auto r = resolve(query("6.0.42.10.in-addr.arpa", Type::kPTR), *zone);
  ASSERT_TRUE(r);
  EXPECT_TRUE(
      sameRecords(r->answers, {"6.0.42.10.in-addr.arpa. 5 IN PTR db-1.db.default.svc.cluster.local.",
                               "6.0.42.10.in-addr.arpa. 5 IN PTR db-1.db-read.default.svc.cluster.local."}));
}

TEST_F(ResolverTest, CnameLoopsEnd) {
  cache::SnapshotBuilder b(*snapshot_);
  b.put(externalNameService("default", "ping", "pong.default.svc.cluster.local"));
  b.put(externalNameService("default", "pong", "ping.default.svc.cluster.local"));
  auto zone = ClusterZone::build(*b.build(43, true), {});
  auto r = resolve(query("ping.default.svc.cluster.local", Type::kA), *zone);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header.rcode, Rcode::kNoError);
  EXPECT_GE(r->answers.size(), 2u);
  EXPECT_LE(r->answers.size(), 8u);
}

}  // namespace
}  // namespace edgeway::dns
