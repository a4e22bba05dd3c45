#include "api/protobuf.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "api/schema.h"

namespace edgeway::api {
namespace {

using nlohmann::json;

// A test-only protobuf writer. Bodies are written the way Go's generated marshallers write
// them: every non-pointer field is present, even when it holds its zero value.
class Pb {
 public:
  Pb& varint(int field, uint64_t v) {
    key(field, 0);
    raw(v);
    return *this;
  }
  Pb& bytes(int field, std::string_view s) {
    key(field, 2);
    raw(s.size());
    out_.append(s);
    return *this;
  }
  Pb& msg(int field, const Pb& m) { return bytes(field, m.out_); }
  Pb& entry(int field, std::string_view k, std::string_view v) {
    return msg(field, Pb().bytes(1, k).bytes(2, v));
  }
  Pb& fixed64(int field, uint64_t v) {
    key(field, 1);
    for (int i = 0; i < 8; ++i) out_ += static_cast<char>((v >> (8 * i)) & 0xff);
    return *this;
  }
  Pb& append(std::string_view s) {
    out_.append(s);
    return *this;
  }
  const std::string& str() const { return out_; }

  // Unknown{typeMeta{apiVersion, kind}, raw, contentEncoding, contentType} after the magic.
  static std::string envelope(std::string_view apiVersion, std::string_view kind, const Pb& object) {
    Pb unknown;
    unknown.msg(1, Pb().bytes(1, apiVersion).bytes(2, kind)).msg(2, object).bytes(3, "").bytes(4, "");
    return std::string("k8s\0", 4) + unknown.out_;
  }

 private:
  void key(int field, int wire) { raw((static_cast<uint64_t>(field) << 3) | static_cast<uint64_t>(wire)); }
  void raw(uint64_t v) {
    while (v >= 0x80) {
      out_ += static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    out_ += static_cast<char>(v);
  }
  std::string out_;
};

// ObjectMeta as kubectl's generators fill it: a name, labels, everything else zero.
Pb objectMeta(std::string_view name, std::string_view appLabel = "") {
  Pb m;
  m.bytes(1, name).bytes(2, "").bytes(3, "").bytes(4, "").bytes(5, "").bytes(6, "").varint(7, 0);
  m.msg(8, Pb());  // zero creationTimestamp: an empty message
  if (!appLabel.empty()) m.entry(11, "app", appLabel);
  return m;
}

Pb intOrStringInt(int32_t v) { return Pb().varint(1, 0).varint(2, static_cast<uint32_t>(v)).bytes(3, ""); }
Pb intOrStringStr(std::string_view s) { return Pb().varint(1, 1).varint(2, 0).bytes(3, s); }

Pb servicePort(std::string_view name, int port, const Pb& target, int nodePort) {
  return Pb().bytes(1, name).bytes(2, "TCP").varint(3, port).msg(4, target).varint(5, nodePort);
}

Pb serviceSpec(std::string_view type, std::string_view app) {
  // Fields 3, 7, 8, 10, 11, 12, 13 are plain Go fields: always written.
  Pb spec;
  spec.entry(2, "app", app).bytes(3, "").bytes(4, type).bytes(7, "").bytes(8, "").bytes(10, "");
  spec.bytes(11, "").varint(12, 0).varint(13, 0);
  return spec;
}

json decodeOk(const std::string& body) {
  Result<json> r = decodeKubernetesProtobuf(body);
  EXPECT_TRUE(r.isOk()) << r.status().toString();
  return r.isOk() ? r.value() : json();
}

const json kEmptyServiceStatus = json::parse(R"({"loadBalancer":{}})");

TEST(ProtobufTest, ClusterIpServiceMatchesKubectlJson) {
  Pb spec;
  spec.msg(1, servicePort("80-8080", 80, intOrStringInt(8080), 0));
  spec.append(serviceSpec("ClusterIP", "c1").str());
  Pb svc;
  svc.msg(1, objectMeta("c1", "c1")).msg(2, spec).msg(3, Pb().msg(1, Pb()));

  const json want = json::parse(R"({
    "kind":"Service","apiVersion":"v1","metadata":{"name":"c1","labels":{"app":"c1"}},
    "spec":{"ports":[{"name":"80-8080","protocol":"TCP","port":80,"targetPort":8080}],
            "selector":{"app":"c1"},"type":"ClusterIP"}})");
  json got = decodeOk(Pb::envelope("v1", "Service", svc));
  EXPECT_EQ(got["status"], kEmptyServiceStatus);
  got.erase("status");
  EXPECT_EQ(got, want) << got.dump();
}

TEST(ProtobufTest, NodePortServiceKeepsNodePortAndNamedTargetPort) {
  Pb spec;
  spec.msg(1, servicePort("80-8080", 80, intOrStringInt(8080), 30080));
  spec.msg(1, servicePort("metrics", 9090, intOrStringStr("http-metrics"), 0));
  spec.append(serviceSpec("NodePort", "n1").str());
  Pb svc;
  svc.msg(1, objectMeta("n1", "n1")).msg(2, spec).msg(3, Pb().msg(1, Pb()));

  const json got = decodeOk(Pb::envelope("v1", "Service", svc));
  const json want = json::parse(R"({"ports":[
      {"name":"80-8080","protocol":"TCP","port":80,"targetPort":8080,"nodePort":30080},
      {"name":"metrics","protocol":"TCP","port":9090,"targetPort":"http-metrics"}],
    "selector":{"app":"n1"},"type":"NodePort"})");
  EXPECT_EQ(got["spec"], want) << got.dump();
}

TEST(ProtobufTest, LoadBalancerAndExternalNameServices) {
  Pb lbSpec;
  lbSpec.msg(1, servicePort("443-8443", 443, intOrStringInt(8443), 0));
  lbSpec.append(serviceSpec("LoadBalancer", "lb").str());
  Pb lb;
  lb.msg(1, objectMeta("lb", "lb")).msg(2, lbSpec).msg(3, Pb().msg(1, Pb()));
  EXPECT_EQ(decodeOk(Pb::envelope("v1", "Service", lb))["spec"]["type"], "LoadBalancer");

  Pb enSpec = serviceSpec("ExternalName", "e1");
  enSpec.bytes(10, "example.com");  // a later occurrence replaces the empty one
  Pb en;
  en.msg(1, objectMeta("e1", "e1")).msg(2, enSpec).msg(3, Pb().msg(1, Pb()));
  const json got = decodeOk(Pb::envelope("v1", "Service", en));
  EXPECT_EQ(got["spec"],
            json::parse(R"({"selector":{"app":"e1"},"type":"ExternalName","externalName":"example.com"})"));
}

TEST(ProtobufTest, PointerFieldsKeepZeroValues) {
  // allocateLoadBalancerNodePorts is a *bool: false on the wire means "explicitly false".
  Pb spec = serviceSpec("LoadBalancer", "x");
  spec.varint(20, 0);
  Pb svc;
  svc.msg(1, objectMeta("x")).msg(2, spec);
  const json got = decodeOk(Pb::envelope("v1", "Service", svc));
  ASSERT_TRUE(got["spec"].contains("allocateLoadBalancerNodePorts"));
  EXPECT_EQ(got["spec"]["allocateLoadBalancerNodePorts"], false);
  EXPECT_FALSE(got["spec"].contains("publishNotReadyAddresses"));  // plain bool, omitempty
}

TEST(ProtobufTest, Namespace) {
  Pb ns;
  ns.msg(1, objectMeta("foo")).msg(2, Pb()).msg(3, Pb().bytes(1, ""));
  EXPECT_EQ(decodeOk(Pb::envelope("v1", "Namespace", ns)),
            json::parse(
                R"({"kind":"Namespace","apiVersion":"v1","metadata":{"name":"foo"},"spec":{},"status":{}})"));
}

TEST(ProtobufTest, SecretBytesBecomeBase64) {
  Pb secret;
  secret.msg(1, objectMeta("creds"));
  secret.entry(2, "password", std::string("s3cr\0t\xff", 7));
  secret.entry(2, "empty", "");
  secret.bytes(3, "");
  const json got = decodeOk(Pb::envelope("v1", "Secret", secret));
  EXPECT_EQ(got, json::parse(R"({"kind":"Secret","apiVersion":"v1","metadata":{"name":"creds"},
                                 "data":{"password":"czNjcgB0/w==","empty":""}})"))
      << got.dump();

  Pb tls;
  tls.msg(1, objectMeta("tls"))
      .entry(2, "tls.crt", "CRT")
      .entry(2, "tls.key", "KEY")
      .bytes(3, "kubernetes.io/tls");
  const json gotTls = decodeOk(Pb::envelope("v1", "Secret", tls));
  EXPECT_EQ(gotTls["type"], "kubernetes.io/tls");
  EXPECT_EQ(gotTls["data"], json::parse(R"({"tls.crt":"Q1JU","tls.key":"S0VZ"})"));
}

TEST(ProtobufTest, IngressWithNestedRules) {
  Pb backend;
  backend.msg(4, Pb().bytes(1, "svc1").msg(2, Pb().bytes(1, "").varint(2, 8080)));
  Pb path;
  path.bytes(1, "/bar").msg(2, backend).bytes(3, "Exact");
  Pb rule;
  rule.bytes(1, "foo.com").msg(2, Pb().msg(1, Pb().msg(1, path)));  // ingressRuleValue{http{paths}}
  Pb spec;
  spec.msg(3, rule).bytes(4, "nginx");
  Pb ing;
  ing.msg(1, objectMeta("web")).msg(2, spec).msg(3, Pb().msg(1, Pb()));

  const json got = decodeOk(Pb::envelope("networking.k8s.io/v1", "Ingress", ing));
  EXPECT_EQ(got["apiVersion"], "networking.k8s.io/v1");
  EXPECT_EQ(got["spec"],
            json::parse(R"({"ingressClassName":"nginx","rules":[{"host":"foo.com","http":{"paths":[
      {"path":"/bar","pathType":"Exact","backend":{"service":{"name":"svc1","port":{"number":8080}}}}]}}]})"))
      << got.dump();
  EXPECT_EQ(got["status"], json::parse(R"({"loadBalancer":{}})"));
}

TEST(ProtobufTest, TimesAndNegativeNumbers) {
  Pb ev;
  ev.msg(1, objectMeta("e"))
      .msg(2, Pb().bytes(1, "Pod").bytes(3, "web"))
      .msg(6, Pb().varint(1, 1704164645))                               // 2024-01-02T03:04:05Z
      .msg(10, Pb().varint(1, 1704164645).varint(2, 123456789))         // micro time drops nanos
      .varint(8, static_cast<uint64_t>(int64_t{-3}))                    // ten-byte negative int32
      .bytes(14, "")                                                    // reportingComponent keeps ""
      .msg(7, Pb().varint(1, static_cast<uint64_t>(int64_t{-86400})));  // before the epoch
  const json got = decodeOk(Pb::envelope("v1", "Event", ev));
  EXPECT_EQ(got["firstTimestamp"], "2024-01-02T03:04:05Z");
  EXPECT_EQ(got["eventTime"], "2024-01-02T03:04:05.123456Z");
  EXPECT_EQ(got["lastTimestamp"], "1969-12-31T00:00:00Z");
  EXPECT_EQ(got["count"], -3);
  EXPECT_EQ(got["reportingComponent"], "");
  EXPECT_EQ(got["involvedObject"], json::parse(R"({"kind":"Pod","name":"web"})"));
  EXPECT_FALSE(got["metadata"].contains("creationTimestamp"));
}

TEST(ProtobufTest, UnknownFieldsAreSkipped) {
  Pb svc;
  svc.msg(1, objectMeta("a"))
      .varint(99, 7)
      .fixed64(98, 1)
      .bytes(97, "future")
      .msg(2, serviceSpec("ClusterIP", "a"));
  const json got = decodeOk(Pb::envelope("v1", "Service", svc));
  EXPECT_EQ(got["metadata"]["name"], "a");
  EXPECT_EQ(got["spec"]["type"], "ClusterIP");
}

TEST(ProtobufTest, RepeatedScalarsPackedAndUnpacked) {
  TypeDef t;
  t.name = "test.Numbers";
  Field f;
  f.name = "values";
  f.type = ValueType::kArray;
  f.elem = ValueType::kInt32;
  f.protoNumber = 1;
  t.fields.push_back(f);
  Pb packed;
  packed.bytes(1, Pb().varint(1, 5).str().substr(1) + Pb().varint(1, 300).str().substr(1));  // bare varints
  packed.varint(1, static_cast<uint64_t>(int64_t{-1}));
  Result<json> got = decodeProtobufMessage(packed.str(), t);
  ASSERT_TRUE(got.isOk()) << got.status().toString();
  EXPECT_EQ(got.value(), json::parse(R"({"values":[5,300,-1]})"));
}

void expectInvalid(const std::string& body, const std::string& fragment) {
  Result<json> r = decodeKubernetesProtobuf(body);
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find(fragment), std::string::npos) << r.status().message();
}

TEST(ProtobufTest, MalformedBodiesAreRejected) {
  Pb good;
  good.msg(1, objectMeta("a")).msg(2, serviceSpec("ClusterIP", "a"));
  const std::string body = Pb::envelope("v1", "Service", good);

  expectInvalid("", "k8s");
  expectInvalid("{\"kind\":\"Service\"}", "k8s");
  expectInvalid(std::string("k8t\0", 4) + body.substr(4), "k8s");
  expectInvalid(body.substr(0, body.size() - 3), "");                  // truncated
  expectInvalid(std::string("k8s\0\x0a\x80", 6), "");                  // truncated length varint
  expectInvalid(std::string("k8s\0\x0a\x7f\x0a", 7), "past the end");  // length beyond the end
  expectInvalid(Pb::envelope("v1", "Deployment", good), "Deployment");
  expectInvalid(Pb::envelope("apps/v1", "Service", good), "apps/v1");
  expectInvalid(Pb::envelope("", "", good), "apiVersion");

  Pb badVarint;  // spec.ports[0].port (field 3, varint) cut off mid-value
  badVarint.msg(2, Pb().msg(1, Pb().append(std::string("\x18\xff\xff", 3))));
  expectInvalid(Pb::envelope("v1", "Service", badVarint), "ServicePort.port: truncated varint");

  Pb wrongWire;
  wrongWire.varint(1, 5);  // metadata must be a message
  expectInvalid(Pb::envelope("v1", "Service", wrongWire), "Service.metadata: expected a message");

  Pb badUtf8;
  badUtf8.msg(1, Pb().bytes(1, "\xc3\x28"));
  expectInvalid(Pb::envelope("v1", "Service", badUtf8), "UTF-8");

  Pb freeForm;  // Pod container resources are free-form: not decodable from protobuf
  freeForm.msg(2, Pb().msg(2, Pb().bytes(1, "c").msg(8, Pb())));
  expectInvalid(Pb::envelope("v1", "Pod", freeForm), "application/json");

  Pb group;
  group.append(std::string("\x0b", 1));  // field 1, wire type 3 (start group)
  expectInvalid(Pb::envelope("v1", "Service", group), "");

  Pb encoded;
  encoded.msg(1, Pb().bytes(1, "v1").bytes(2, "Service")).msg(2, good).bytes(3, "gzip");
  expectInvalid(std::string("k8s\0", 4) + encoded.str(), "gzip");
}

TEST(ProtobufTest, MutatedBodiesNeverCrash) {
  Pb spec;
  spec.msg(1, servicePort("p", 80, intOrStringStr("web"), 30000)).append(serviceSpec("NodePort", "x").str());
  Pb svc;
  svc.msg(1, objectMeta("x", "x")).msg(2, spec).msg(3, Pb().msg(1, Pb()));
  const std::string body = Pb::envelope("v1", "Service", svc);

  std::mt19937 rng(42);
  int decoded = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string mutated = body;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t at = 4 + rng() % (mutated.size() - 4);
      switch (rng() % 3) {
        case 0:
          mutated[at] = static_cast<char>(rng());
          break;
        case 1:
          mutated.erase(at, 1 + rng() % 8);
          break;
        default:
          mutated.insert(at, 1, static_cast<char>(rng()));
          break;
      }
      if (mutated.size() <= 4) break;
    }
    Result<json> r = decodeKubernetesProtobuf(mutated);
    if (r.isOk()) {
      ++decoded;
      (void)r.value().dump();  // whatever decodes must serialize (valid UTF-8 everywhere)
    } else {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    }
  }
  EXPECT_GT(decoded, 0);  // some mutations only touch values
}

}  // namespace
}  // namespace edgeway::api
