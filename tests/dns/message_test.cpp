#include "dns/message.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

namespace edgeway::dns {
namespace {

using namespace std::string_literals;

constexpr const char* kSvc = "web.default.svc.cluster.local";
constexpr size_t kSvcWireSize = 31;  // 3+7+3+7+5 label octets, 5 length octets, the root

// Bytes from hex text, spaces ignored: "00 01 c0 0c".
std::string hex(std::string_view text) {
  std::string out;
  int high = -1;
  for (char c : text) {
    if (c == ' ' || c == '\n') continue;
    int v = std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : std::tolower(c) - 'a' + 10;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<char>(high * 16 + v));
      high = -1;
    }
  }
  return out;
}

// Uncompressed wire form of a plain dotted name.
std::string wireName(std::string_view name) {
  std::string out;
  while (!name.empty()) {
    size_t dot = name.find('.');
    std::string_view label = name.substr(0, dot);
    out.push_back(static_cast<char>(label.size()));
    out.append(label);
    name = dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
  }
  out.push_back('\0');
  return out;
}

std::string u16(uint16_t v) { return {static_cast<char>(v >> 8), static_cast<char>(v & 0xff)}; }
std::string u32(uint32_t v) { return u16(static_cast<uint16_t>(v >> 16)) + u16(static_cast<uint16_t>(v)); }

std::string header(uint16_t id, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar) {
  return u16(id) + u16(flags) + u16(qd) + u16(an) + u16(ns) + u16(ar);
}

// A record as wire bytes: owner (already encoded), type, class IN, TTL 5, rdata.
std::string rr(const std::string& owner, Type type, const std::string& rdata, uint16_t rclass = kClassIn) {
  return owner + u16(static_cast<uint16_t>(type)) + u16(rclass) + u32(5) +
         u16(static_cast<uint16_t>(rdata.size())) + rdata;
}

std::string questionWire(std::string_view name, Type type) {
  return wireName(name) + u16(static_cast<uint16_t>(type)) + u16(kClassIn);
}

const std::string kPointerToQuestion = hex("c00c");

Record record(std::string name, Type type, uint32_t ttl, Rdata data) {
  Record r;
  r.name = std::move(name);
  r.type = type;
  r.ttl = ttl;
  r.data = std::move(data);
  return r;
}

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

Message response(std::string qname, Type qtype) {
  Message m;
  m.header.id = 0x1234;
  m.header.qr = true;
  m.header.aa = true;
  m.header.rd = true;
  m.questions.push_back({std::move(qname), qtype, kClassIn});
  return m;
}

// Equality for round trips: every field, with names compared case-insensitively because
// compression reads a suffix back in the case of its first occurrence (name_compressor.h).
Message lowerNames(Message m) {
  for (Question& q : m.questions) q.name = lowerName(q.name);
  for (auto* section : {&m.answers, &m.authority, &m.additional}) {
    for (Record& r : *section) {
      r.name = lowerName(r.name);
      if (auto* d = std::get_if<NameData>(&r.data)) d->name = lowerName(d->name);
      if (auto* d = std::get_if<SoaData>(&r.data)) {
        d->mname = lowerName(d->mname);
        d->rname = lowerName(d->rname);
      }
      if (auto* d = std::get_if<MxData>(&r.data)) d->exchange = lowerName(d->exchange);
      if (auto* d = std::get_if<SrvData>(&r.data)) d->target = lowerName(d->target);
    }
  }
  return m;
}

// A full text dump: recordText renders every rdata field unambiguously (address family,
// typed vs raw, TXT bytes escaped), so equal dumps mean equal messages.
std::string dump(const Message& m) {
  std::ostringstream s;
  const Header& h = m.header;
  s << "id=" << h.id << " qr=" << h.qr << " opcode=" << int{h.opcode} << " aa=" << h.aa << " tc=" << h.tc
    << " rd=" << h.rd << " ra=" << h.ra << " ad=" << h.ad << " cd=" << h.cd
    << " rcode=" << static_cast<int>(h.rcode) << "\n";
  for (const Question& q : m.questions) {
    s << "Q " << q.name << ". " << typeName(q.type) << " class " << q.qclass << "\n";
  }
  const char* names[] = {"AN ", "NS ", "AR "};
  int i = 0;
  for (auto* section : {&m.answers, &m.authority, &m.additional}) {
    for (const Record& r : *section) s << names[i] << recordText(r) << "\n";
    ++i;
  }
  if (m.edns) {
    s << "EDNS payload=" << m.edns->udpPayloadSize << " version=" << int{m.edns->version}
      << " do=" << m.edns->dnssecOk << "\n";
  }
  return s.str();
}

::testing::AssertionResult sameMessage(const Message& a, const Message& b) {
  std::string da = dump(lowerNames(a)), db = dump(lowerNames(b));
  if (da == db) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "messages differ:\n" << da << "---\n" << db;
}

Message roundTrip(const Message& m, size_t maxSize = 65535) {
  auto parsed = parse(encode(m, maxSize));
  EXPECT_TRUE(parsed) << parsed.status().toString();
  return parsed ? *parsed : Message{};
}

void expectMalformed(const std::string& wire, const std::string& what) {
  auto m = parse(wire);
  ASSERT_FALSE(m) << "parsed, expected an error about: " << what;
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(m.status().message().find(what), std::string::npos) << m.status().message();
}

// ---- peekId, header ------------------------------------------------------------------

TEST(DnsMessageTest, PeekIdNeedsAWholeHeader) {
  std::string wire = header(0xbeef, 0x0100, 1, 0, 0, 0);
  for (size_t n = 0; n < 12; ++n) EXPECT_FALSE(peekId(std::string_view(wire).substr(0, n))) << n;
  ASSERT_TRUE(peekId(wire));
  EXPECT_EQ(*peekId(wire), 0xbeef);
  EXPECT_EQ(*peekId(wire + "garbage"), 0xbeef);  // the rest is not looked at
}

TEST(DnsMessageTest, ParsesADigQuery) {
  // dig @127.0.0.1 web.default.svc.cluster.local A +cookie=0001020304050607
  std::string wire = header(0x8a1f, 0x0120, 1, 0, 0, 1) + questionWire(kSvc, Type::kA) + "\x00"s + u16(41) +
                     u16(1232) + u32(0) + u16(12) + u16(10) + u16(8) + hex("0001020304050607");
  auto m = parse(wire);
  ASSERT_TRUE(m) << m.status().toString();
  EXPECT_EQ(m->header.id, 0x8a1f);
  EXPECT_FALSE(m->header.qr);
  EXPECT_TRUE(m->header.rd);
  EXPECT_TRUE(m->header.ad);
  EXPECT_FALSE(m->header.cd);
  ASSERT_EQ(m->questions.size(), 1u);
  EXPECT_EQ(m->questions[0].name, kSvc);
  EXPECT_EQ(m->questions[0].type, Type::kA);
  EXPECT_EQ(m->questions[0].qclass, kClassIn);
  EXPECT_TRUE(m->additional.empty());  // the OPT record is kept apart
  ASSERT_TRUE(m->edns);
  EXPECT_EQ(m->edns->udpPayloadSize, 1232);
  EXPECT_FALSE(m->edns->dnssecOk);
}

TEST(DnsMessageTest, HeaderFlagsRoundTrip) {
  for (int bit = 0; bit < 8; ++bit) {
    Message m;
    m.header.id = static_cast<uint16_t>(bit * 1000);
    m.header.qr = bit == 0;
    m.header.aa = bit == 1;
    m.header.tc = bit == 2;
    m.header.rd = bit == 3;
    m.header.ra = bit == 4;
    m.header.ad = bit == 5;
    m.header.cd = bit == 6;
    m.header.opcode = bit == 7 ? 5 : 0;
    m.header.rcode = static_cast<Rcode>(bit);
    EXPECT_TRUE(sameMessage(roundTrip(m), m));
  }
  Message m;
  m.header.rcode = Rcode::kRefused;
  std::string wire = encode(m);
  EXPECT_EQ(wire, header(0, 0x0005, 0, 0, 0, 0));
}

// ---- record types --------------------------------------------------------------------

Message everyType() {
  Message m = response("example.com", Type::kANY);
  m.answers.push_back(record("example.com", Type::kA, 60, ip("192.0.2.1")));
  m.answers.push_back(record("example.com", Type::kAAAA, 60, ip("2001:db8::1")));
  m.answers.push_back(record("example.com", Type::kNS, 3600, NameData{"ns1.example.com"}));
  m.answers.push_back(record("www.example.com", Type::kCNAME, 300, NameData{"example.com"}));
  m.answers.push_back(record("1.2.0.192.in-addr.arpa", Type::kPTR, 300, NameData{"www.example.com"}));
  m.answers.push_back(
      record("example.com", Type::kSOA, 300,
             SoaData{"ns1.example.com", "hostmaster.example.com", 2024010101, 7200, 1800, 1209600, 300}));
  m.answers.push_back(record("example.com", Type::kMX, 300, MxData{10, "mail.example.com"}));
  m.answers.push_back(
      record("example.com", Type::kTXT, 300, TxtData{{"v=spf1 -all", "", std::string("\0\xff\"\\", 4)}}));
  m.answers.push_back(
      record("_sip._udp.example.com", Type::kSRV, 300, SrvData{10, 60, 5060, "sip.example.com"}));
  m.answers.push_back(
      record("example.com", static_cast<Type>(65), 300, RawData{hex("0001 00 0001 0003 026832")}));
  m.answers.push_back(record("example.com", static_cast<Type>(65280), 300, RawData{}));
  Record chaos = record("version.bind", Type::kTXT, 0, TxtData{{"edgeway"}});
  chaos.rclass = 3;
  m.authority.push_back(chaos);
  Record chaosA = record("version.bind", Type::kA, 0, RawData{hex("03666f6f00 0102")});
  chaosA.rclass = 3;  // A is an IN type: in another class its rdata stays raw
  m.authority.push_back(chaosA);
  Record oddClass = record("example.com", static_cast<Type>(99), 0, RawData{"x"});
  oddClass.rclass = 0x1234;  // unknown classes are carried, not refused
  m.additional.push_back(oddClass);
  m.edns = Edns{};
  return m;
}

TEST(DnsMessageTest, EveryRdataTypeRoundTrips) {
  Message m = everyType();
  Message back = roundTrip(m);
  EXPECT_TRUE(sameMessage(back, m));
  // Typed data comes back typed, not raw.
  EXPECT_TRUE(std::holds_alternative<IpAddress>(back.answers[0].data));
  EXPECT_TRUE(std::get<IpAddress>(back.answers[1].data).isV6());
  EXPECT_TRUE(std::holds_alternative<NameData>(back.answers[2].data));
  EXPECT_TRUE(std::holds_alternative<SoaData>(back.answers[5].data));
  EXPECT_TRUE(std::holds_alternative<MxData>(back.answers[6].data));
  EXPECT_TRUE(std::holds_alternative<TxtData>(back.answers[7].data));
  EXPECT_EQ(std::get<TxtData>(back.answers[7].data).strings[2], std::string("\0\xff\"\\", 4));
  EXPECT_TRUE(std::holds_alternative<SrvData>(back.answers[8].data));
  EXPECT_TRUE(std::holds_alternative<RawData>(back.answers[9].data));
  EXPECT_TRUE(std::holds_alternative<TxtData>(back.authority[0].data));
  EXPECT_TRUE(std::holds_alternative<RawData>(back.authority[1].data));
  EXPECT_EQ(back.additional[0].rclass, 0x1234);
}

TEST(DnsMessageTest, RecordTextIsAZoneFileLine) {
  Message m = everyType();
  std::vector<std::string> lines;
  for (const Record& r : m.answers) lines.push_back(recordText(r));
  for (const Record& r : m.authority) lines.push_back(recordText(r));
  for (const Record& r : m.additional) lines.push_back(recordText(r));
  std::vector<std::string> want = {
      "example.com. 60 IN A 192.0.2.1",
      "example.com. 60 IN AAAA 2001:db8::1",
      "example.com. 3600 IN NS ns1.example.com.",
      "www.example.com. 300 IN CNAME example.com.",
      "1.2.0.192.in-addr.arpa. 300 IN PTR www.example.com.",
      "example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 1800 1209600 300",
      "example.com. 300 IN MX 10 mail.example.com.",
      R"(example.com. 300 IN TXT "v=spf1 -all" "" "\000\255\"\\")",
      "_sip._udp.example.com. 300 IN SRV 10 60 5060 sip.example.com.",
      "example.com. 300 IN HTTPS \\# 10 00010000010003026832",
      "example.com. 300 IN TYPE65280 \\# 0",
      "version.bind. 0 CH TXT \"edgeway\"",
      "version.bind. 0 CH A \\# 7 03666F6F000102",
      "example.com. 0 CLASS4660 SPF \\# 1 78",
  };
  EXPECT_EQ(lines, want);
}

TEST(DnsMessageTest, RecordTextOfAClusterSrvAndTheRoot) {
  Record srv = record("_http._tcp.web.default.svc.cluster.local", Type::kSRV, 5,
                      SrvData{0, 100, 80, "web.default.svc.cluster.local"});
  EXPECT_EQ(recordText(srv),
            "_http._tcp.web.default.svc.cluster.local. 5 IN SRV 0 100 80 web.default.svc.cluster.local.");
  Record rootNs = record("", Type::kNS, 518400, NameData{"a.root-servers.net"});
  EXPECT_EQ(recordText(rootNs), ". 518400 IN NS a.root-servers.net.");
  Record escaped = record("a\\046b.example", Type::kA, 1, ip("10.0.0.1"));
  EXPECT_EQ(recordText(escaped), "a\\046b.example. 1 IN A 10.0.0.1");
  Record empty = record("example.com", Type::kTXT, 1, TxtData{});
  EXPECT_EQ(recordText(empty), "example.com. 1 IN TXT");
}

TEST(DnsMessageTest, TypeNames) {
  EXPECT_STREQ(typeName(Type::kA), "A");
  EXPECT_STREQ(typeName(Type::kSRV), "SRV");
  EXPECT_STREQ(typeName(Type::kAXFR), "AXFR");
  EXPECT_STREQ(typeName(Type::kOPT), "OPT");
  EXPECT_STREQ(typeName(static_cast<Type>(64)), "SVCB");
  // Unnamed types: RFC 3597 form, and a few of them can be used side by side.
  const char* a = typeName(static_cast<Type>(1234));
  const char* b = typeName(static_cast<Type>(65535));
  EXPECT_STREQ(a, "TYPE1234");
  EXPECT_STREQ(b, "TYPE65535");
}

// ---- compression and case ------------------------------------------------------------

TEST(DnsMessageTest, CompressesOwnerNamesAgainstTheQuestion) {
  Message m = response(kSvc, Type::kA);
  for (const char* addr : {"10.42.0.1", "10.42.0.2", "10.42.0.3"}) {
    m.answers.push_back(record(kSvc, Type::kA, 5, ip(addr)));
  }
  std::string wire = encode(m);
  // Header, question, and three answers whose owner is a two-octet pointer to offset 12.
  EXPECT_EQ(wire.size(), 12 + kSvcWireSize + 4 + 3 * (2 + 10 + 4));
  size_t answers = 12 + kSvcWireSize + 4;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(wire.substr(answers + i * 16, 2), kPointerToQuestion);
  EXPECT_TRUE(sameMessage(*parse(wire), m));
}

TEST(DnsMessageTest, CompressesPartialSuffixesAndRdataNames) {
  Message m = response("www.example.com", Type::kA);
  m.answers.push_back(record("www.example.com", Type::kCNAME, 60, NameData{"edge.example.com"}));
  m.answers.push_back(record("edge.example.com", Type::kA, 60, ip("192.0.2.1")));
  m.authority.push_back(
      record("example.com", Type::kSOA, 60, SoaData{"ns.example.com", "admin.example.com", 1, 2, 3, 4, 5}));
  m.authority.push_back(record("example.com", Type::kMX, 60, MxData{5, "mx.example.com"}));
  std::string wire = encode(m);
  size_t q = 12 + 17 + 4;  // "www.example.com" is 17 octets
  // CNAME: owner is a pointer; the target "edge" + pointer to "example.com" at offset 16.
  EXPECT_EQ(wire.substr(q, 2), kPointerToQuestion);
  EXPECT_EQ(wire.substr(q + 12, 7), "\4edge"s + hex("c010"));
  // The A record's owner points at the CNAME's target.
  EXPECT_EQ(wire.substr(q + 19, 2), hex("c0") + std::string(1, static_cast<char>(q + 12)));
  // Header, question, CNAME (pointer owner, "edge" + pointer), A (pointer owner), SOA
  // (pointer owner, "ns" + pointer, "admin" + pointer, 20 octets), MX (pointer, "mx" + pointer).
  EXPECT_EQ(wire.size(), 12u + (17 + 4) + (12 + 7) + (12 + 4) + (12 + 5 + 8 + 20) + (12 + 2 + 5));
  EXPECT_TRUE(sameMessage(*parse(wire), m));
}

TEST(DnsMessageTest, NeverCompressesSrvTargets) {
  Message m = response("_http._tcp.web.default.svc.cluster.local", Type::kSRV);
  m.answers.push_back(record("_http._tcp.web.default.svc.cluster.local", Type::kSRV, 5,
                             SrvData{0, 100, 80, "web-0.web.default.svc.cluster.local"}));
  m.additional.push_back(record("web-0.web.default.svc.cluster.local", Type::kA, 5, ip("10.42.0.7")));
  std::string wire = encode(m);
  std::string target = wireName("web-0.web.default.svc.cluster.local");
  size_t at = wire.find(target);
  ASSERT_NE(at, std::string::npos) << "the SRV target is written in full";
  // The additional A record does not point into the SRV rdata: it compresses against the
  // question's "web.default..." suffix instead ("web-0" + pointer to offset 12 + 11).
  std::string tail = wire.substr(at + target.size());
  EXPECT_EQ(tail.substr(0, 8), "\x05web-0" + hex("c017"));
  EXPECT_TRUE(sameMessage(*parse(wire), m));
}

TEST(DnsMessageTest, PreservesCase) {
  std::string wire = header(7, 0x0100, 1, 0, 0, 0) + questionWire("WeB.DeFaUlT.sVc.ClUsTeR.lOcAl", Type::kA);
  auto q = parse(wire);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->questions[0].name, "WeB.DeFaUlT.sVc.ClUsTeR.lOcAl");
  EXPECT_EQ(encode(*q), wire);  // byte for byte, as dig's 0x20 check needs

  // Literal labels are written in the case given; a compressed suffix matches regardless
  // of case and reads back in the case of its first occurrence.
  Message m = response("Example.COM", Type::kA);
  m.answers.push_back(record("WWW.example.com", Type::kA, 1, ip("192.0.2.1")));
  std::string out = encode(m);
  EXPECT_NE(out.find("\x03WWW" + kPointerToQuestion), std::string::npos);
  auto back = parse(out);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->answers[0].name, "WWW.Example.COM");
  EXPECT_EQ(lowerName("WWW.Example.COM"), "www.example.com");
  EXPECT_EQ(lowerName("A\\065Z-_9"), "a\\065z-_9");
}

TEST(DnsMessageTest, ManyDistinctNamesAndPointersBeyondTheirRange) {
  // More names than the compression table holds, and a message past 16 KiB where
  // pointers (14 bits) can no longer reach new names.
  Message m = response("pods.example.com", Type::kA);
  for (int i = 0; i < 1200; ++i) {
    m.answers.push_back(record("pod-" + std::to_string(i) + ".pods.example.com", Type::kA, 5,
                               IpAddress::v4(0x0a000000u + static_cast<uint32_t>(i))));
  }
  m.answers.push_back(record("pod-1199.pods.example.com", Type::kTXT, 5, TxtData{{"last"}}));
  std::string wire = encode(m);
  EXPECT_GT(wire.size(), 0x4000u);
  EXPECT_FALSE(parse(wire)->header.tc);
  EXPECT_TRUE(sameMessage(*parse(wire), m));
}

// ---- names and escapes ---------------------------------------------------------------

TEST(DnsMessageTest, CanonicalNames) {
  auto canon = [](std::string_view text) {
    auto n = canonicalName(text);
    return n ? *n : "error: " + n.status().message();
  };
  EXPECT_EQ(canon("web.default.svc.cluster.local."), kSvc);
  EXPECT_EQ(canon(kSvc), kSvc);
  EXPECT_EQ(canon(""), "");
  EXPECT_EQ(canon("."), "");
  EXPECT_EQ(canon("Mixed.Case"), "Mixed.Case");
  EXPECT_EQ(canon("a\\.b.c"), "a\\046b.c");
  EXPECT_EQ(canon("a\\046b.c"), "a\\046b.c");
  EXPECT_EQ(canon("\\065\\066"), "AB");  // printable octets lose their escape
  EXPECT_EQ(canon("\\a\\-"), "a-");
  EXPECT_EQ(canon("back\\\\slash"), "back\\092slash");
  EXPECT_EQ(canon("sp\\ ace"), "sp\\032ace");
  EXPECT_EQ(canon("\\000\\255"), "\\000\\255");
  EXPECT_EQ(canon(std::string(63, 'x')), std::string(63, 'x'));
  for (const char* bad : {"a..b", ".a", "..", "a\\", "\\25", "\\25x", "\\256", "a.\\"}) {
    auto n = canonicalName(bad);
    EXPECT_FALSE(n) << bad;
    if (!n) {
      EXPECT_EQ(n.status().code(), StatusCode::kInvalidArgument);
    }
  }
  EXPECT_FALSE(canonicalName(std::string(64, 'x')));
  // 255 wire octets is the most: three 63-octet labels and one of 61.
  std::string longest = std::string(63, 'x') + "." + std::string(63, 'x') + "." + std::string(63, 'x') + "." +
                        std::string(61, 'y');
  EXPECT_TRUE(canonicalName(longest));
  EXPECT_TRUE(canonicalName(longest + "."));
  EXPECT_FALSE(canonicalName(longest + "y"));
  EXPECT_FALSE(canonicalName(longest + ".z"));
  // An escaped octet counts once: "\\120" is one 'x'.
  EXPECT_TRUE(canonicalName("\\120" + longest.substr(1)));
}

TEST(DnsMessageTest, EscapedLabelsRoundTripThroughTheWire) {
  Message m = response("a\\046b.sp\\032ace.\\000\\255.back\\092.example", Type::kA);
  std::string wire = encode(m);
  std::string wantName = "\3a.b\6sp ace\2"s + "\0\xff"s + "\5back\\\7example\0"s;
  EXPECT_EQ(wire.substr(12, wantName.size()), wantName);
  auto back = parse(wire);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->questions[0].name, "a\\046b.sp\\032ace.\\000\\255.back\\092.example");
  // A name given with \. and \X escapes encodes the same as its canonical form.
  Message alt = response("a\\.b.sp\\ ace.\\000\\255.back\\\\.ex\\ample.", Type::kA);
  EXPECT_EQ(encode(alt), wire);
}

// ---- malformed input -----------------------------------------------------------------

TEST(DnsMessageTest, RejectsTruncatedInput) {
  std::string query = header(1, 0x0100, 1, 0, 0, 0) + questionWire(kSvc, Type::kA);
  ASSERT_TRUE(parse(query));
  expectMalformed("", "shorter than the 12-octet header");
  expectMalformed(query.substr(0, 11), "shorter than the 12-octet header");
  expectMalformed(query.substr(0, 12), "name runs past");  // qdcount 1, no question
  expectMalformed(query.substr(0, 20), "name runs past");
  expectMalformed(query.substr(0, query.size() - 1), "question truncated");
  expectMalformed(query.substr(0, query.size() - 4), "question truncated");
  // Every prefix fails; none reads past its end (the sanitizer build checks that).
  for (size_t n = 0; n < query.size(); ++n) EXPECT_FALSE(parse(query.substr(0, n))) << n;

  std::string resp = header(1, 0x8180, 1, 1, 0, 0) + questionWire(kSvc, Type::kA) +
                     rr(kPointerToQuestion, Type::kA, hex("0a2b000a"));
  ASSERT_TRUE(parse(resp));
  for (size_t n = 0; n < resp.size(); ++n) EXPECT_FALSE(parse(resp.substr(0, n))) << n;
  expectMalformed(resp.substr(0, resp.size() - 14), "record truncated after its name");
  expectMalformed(resp.substr(0, resp.size() - 1), "rdata runs past the end");
}

TEST(DnsMessageTest, RejectsCountsLargerThanTheData) {
  // 65535 questions claimed by a 12-octet message: an error, not a huge reservation.
  expectMalformed(header(1, 0, 0xffff, 0xffff, 0xffff, 0xffff), "name runs past");
  std::string resp = header(1, 0x8180, 1, 2, 0, 0) + questionWire(kSvc, Type::kA) +
                     rr(kPointerToQuestion, Type::kA, hex("0a2b000a"));
  expectMalformed(resp, "answer record 2");
}

TEST(DnsMessageTest, RejectsBadCompressionPointers) {
  std::string h = header(1, 0x0100, 1, 0, 0, 0);
  std::string qtail = u16(1) + u16(1);
  expectMalformed(h + hex("0161 c00c") + qtail, "does not point backwards");  // a loop
  expectMalformed(h + hex("c00c") + qtail, "does not point backwards");       // itself
  expectMalformed(h + hex("c00e 00") + qtail, "does not point backwards");    // forwards
  expectMalformed(h + hex("c002") + qtail, "into the header");
  expectMalformed(h + hex("c0"), "name runs past");
  // Two names pointing at each other: the second may point back, the first not forward.
  std::string two = header(1, 0x0100, 2, 0, 0, 0) + hex("0161 c012") + qtail + hex("0162 c00c") + qtail;
  expectMalformed(two, "does not point backwards");
  // A chain of pointers, each further back, is fine.
  std::string chain = header(1, 0x0100, 3, 0, 0, 0) + questionWire("example.com", Type::kA) +
                      hex("0377 7777 c00c") + qtail + hex("c01d") + qtail;
  auto m = parse(chain);
  ASSERT_TRUE(m) << m.status().toString();
  EXPECT_EQ(m->questions[1].name, "www.example.com");
  EXPECT_EQ(m->questions[2].name, "www.example.com");
  // A pointer inside rdata is held to the same rule.
  std::string resp = header(1, 0x8180, 1, 1, 0, 0) + questionWire(kSvc, Type::kA);
  expectMalformed(resp + rr(kPointerToQuestion, Type::kCNAME, hex("c0ff")), "does not point backwards");
}

TEST(DnsMessageTest, RejectsLongLabelsAndNames) {
  std::string h = header(1, 0x0100, 1, 0, 0, 0);
  std::string qtail = u16(1) + u16(1);
  expectMalformed(h + "\x40" + std::string(64, 'x') + '\0' + qtail, "label longer than 63");
  expectMalformed(h + "\x80" + qtail, "label longer than 63");  // reserved label type
  std::string n255 = wireName(std::string(63, 'x') + "." + std::string(63, 'x') + "." + std::string(63, 'x') +
                              "." + std::string(61, 'y'));
  ASSERT_EQ(n255.size(), 255u);
  EXPECT_TRUE(parse(h + n255 + qtail));
  std::string n256 = wireName(std::string(63, 'x') + "." + std::string(63, 'x') + "." + std::string(63, 'x') +
                              "." + std::string(62, 'y'));
  expectMalformed(h + n256 + qtail, "name longer than 255");
  // Over-long through compression: a long name, then a label in front of a pointer to it.
  std::string viaPointer = header(1, 0x0100, 2, 0, 0, 0) + n255 + qtail + hex("0161 c00c") + qtail;
  expectMalformed(viaPointer, "name longer than 255");
}

TEST(DnsMessageTest, RejectsRdataThatDoesNotMatchItsLength) {
  std::string resp = header(1, 0x8180, 1, 1, 0, 0) + questionWire(kSvc, Type::kA);
  const std::string& p = kPointerToQuestion;
  expectMalformed(resp + rr(p, Type::kA, hex("0a2b000a00")), "A rdata is not 4 octets");
  expectMalformed(resp + rr(p, Type::kA, hex("0a2b00")), "A rdata is not 4 octets");
  expectMalformed(resp + rr(p, Type::kAAAA, hex("0a2b000a")), "AAAA rdata is not 16 octets");
  expectMalformed(resp + rr(p, Type::kCNAME, wireName("x.example") + '\0'), "rdata longer than its contents");
  std::string shortCname = p + u16(5) + u16(1) + u32(5) + u16(3) + wireName("x.example");
  expectMalformed(resp + shortCname, "name runs past the end of its data");
  expectMalformed(resp + rr(p, Type::kTXT,
                            "\x05"
                            "abc"),
                  "TXT string runs past");
  expectMalformed(resp + rr(p, Type::kSOA, hex("0000") + std::string(12, '\0')), "SOA rdata truncated");
  expectMalformed(resp + rr(p, Type::kMX, hex("00")), "MX rdata truncated");
  expectMalformed(resp + rr(p, Type::kSRV, hex("00010002")), "SRV rdata truncated");
  expectMalformed(resp + rr(p, Type::kA, hex("0a2b000a")) + "\x00"s, "bytes left over");
  // A TXT record with no strings and an unknown type with no rdata are fine.
  auto m = parse(resp + rr(p, Type::kTXT, ""));
  ASSERT_TRUE(m) << m.status().toString();
  EXPECT_TRUE(std::get<TxtData>(m->answers[0].data).strings.empty());
}

TEST(DnsMessageTest, RejectsMisplacedOrRepeatedOpt) {
  std::string q = questionWire(kSvc, Type::kA);
  std::string opt = "\x00"s + u16(41) + u16(1232) + u32(0) + u16(0);
  EXPECT_TRUE(parse(header(1, 0, 1, 0, 0, 1) + q + opt));
  expectMalformed(header(1, 0, 1, 0, 0, 2) + q + opt + opt, "more than one OPT record");
  expectMalformed(header(1, 0, 1, 1, 0, 0) + q + opt, "OPT record outside the additional section");
  expectMalformed(header(1, 0, 1, 0, 1, 0) + q + opt, "OPT record outside the additional section");
  expectMalformed(header(1, 0, 1, 0, 0, 1) + q + kPointerToQuestion + opt.substr(1),
                  "owner name is not the root");
  std::string badOption = "\x00"s + u16(41) + u16(1232) + u32(0) + u16(6) + u16(10) + u16(8) + "ab";
  expectMalformed(header(1, 0, 1, 0, 0, 1) + q + badOption, "OPT option runs past");
  std::string shortOption = "\x00"s + u16(41) + u16(1232) + u32(0) + u16(2) + u16(10);
  expectMalformed(header(1, 0, 1, 0, 0, 1) + q + shortOption, "OPT option truncated");
}

// ---- EDNS ----------------------------------------------------------------------------

TEST(DnsMessageTest, ReadsEdnsFields) {
  std::string q = questionWire(kSvc, Type::kA);
  auto withOpt = [&](uint16_t payload, uint32_t ttl) {
    return parse(header(1, 0, 1, 0, 0, 1) + q + "\x00"s + u16(41) + u16(payload) + u32(ttl) + u16(0));
  };
  auto small = withOpt(100, 0);
  ASSERT_TRUE(small);
  EXPECT_EQ(small->edns->udpPayloadSize, 512);  // RFC 6891 6.2.3
  EXPECT_EQ(withOpt(0, 0)->edns->udpPayloadSize, 512);
  EXPECT_EQ(withOpt(4096, 0)->edns->udpPayloadSize, 4096);
  auto dnssec = withOpt(1232, 0x00008000);
  EXPECT_TRUE(dnssec->edns->dnssecOk);
  EXPECT_EQ(dnssec->edns->version, 0);
  auto v1 = withOpt(1232, 0x00010000);
  EXPECT_FALSE(v1->edns->dnssecOk);
  EXPECT_EQ(v1->edns->version, 1);
  EXPECT_FALSE(parse(header(1, 0, 1, 0, 0, 0) + q)->edns);
}

TEST(DnsMessageTest, WritesTheOptRecordLast) {
  Message m = response(kSvc, Type::kA);
  m.answers.push_back(record(kSvc, Type::kA, 5, ip("10.43.0.10")));
  m.additional.push_back(record("extra.example", Type::kA, 5, ip("10.43.0.11")));
  m.edns = Edns{4096, 0, true};
  std::string wire = encode(m);
  EXPECT_EQ(wire.substr(10, 2), u16(2));  // ARCOUNT counts the OPT record
  EXPECT_EQ(wire.substr(wire.size() - 11), "\x00"s + u16(41) + u16(4096) + u32(0x8000) + u16(0));
  EXPECT_TRUE(sameMessage(*parse(wire), m));

  // Options are dropped when the message is re-encoded.
  std::string in = header(1, 0, 1, 0, 0, 1) + questionWire(kSvc, Type::kA) + "\x00"s + u16(41) + u16(1232) +
                   u32(0) + u16(12) + u16(10) + u16(8) + hex("0001020304050607");
  EXPECT_EQ(encode(*parse(in)), in.substr(0, in.size() - 14) + u16(0));
}

// ---- truncation ----------------------------------------------------------------------

Message bigAnswer(bool edns) {
  Message m = response("big.example.com", Type::kA);
  for (int i = 0; i < 100; ++i) {
    m.answers.push_back(record("big.example.com", Type::kA, 60, IpAddress::v4(0xc6336400u + i)));
  }
  m.authority.push_back(record("example.com", Type::kNS, 60, NameData{"ns.example.com"}));
  m.additional.push_back(record("ns.example.com", Type::kA, 60, ip("192.0.2.53")));
  if (edns) m.edns = Edns{512, 0, true};
  return m;
}

TEST(DnsMessageTest, TruncatesToMaxSizeKeepingQuestionAndOpt) {
  for (bool edns : {false, true}) {
    Message m = bigAnswer(edns);
    std::string wire = encode(m, 512);
    EXPECT_LE(wire.size(), 512u);
    auto back = parse(wire);
    ASSERT_TRUE(back) << back.status().toString();
    EXPECT_TRUE(back->header.tc);
    EXPECT_EQ(back->header.id, m.header.id);
    EXPECT_TRUE(back->header.aa);
    ASSERT_EQ(back->questions.size(), 1u);
    EXPECT_EQ(back->questions[0].name, "big.example.com");
    EXPECT_TRUE(back->answers.empty());
    EXPECT_TRUE(back->authority.empty());
    EXPECT_TRUE(back->additional.empty());
    EXPECT_EQ(back->edns.has_value(), edns);
    if (edns) {
      EXPECT_TRUE(back->edns->dnssecOk);
    }
    // Without a limit, everything is there and TC is clear.
    auto full = parse(encode(m));
    ASSERT_TRUE(full);
    EXPECT_FALSE(full->header.tc);
    EXPECT_TRUE(sameMessage(*full, m));
  }
}

TEST(DnsMessageTest, TruncatesOnlyWhenTheMessageDoesNotFit) {
  Message m = bigAnswer(true);
  std::string full = encode(m);
  EXPECT_EQ(encode(m, full.size()), full);
  std::string cut = encode(m, full.size() - 1);
  EXPECT_LT(cut.size(), full.size());
  EXPECT_TRUE(parse(cut)->header.tc);
  // The additional record alone not fitting is enough to truncate everything.
  Message noAdditional = m;
  noAdditional.additional.clear();
  EXPECT_TRUE(parse(encode(m, encode(noAdditional).size()))->header.tc);
  // A TC bit already set is kept.
  Message tc = response("example.com", Type::kA);
  tc.header.tc = true;
  EXPECT_TRUE(parse(encode(tc))->header.tc);
  // Over TCP the limit is 65535 whatever is asked.
  Message huge = response("example.com", Type::kTXT);
  for (int i = 0; i < 300; ++i) {
    huge.answers.push_back(record("example.com", Type::kTXT, 1, TxtData{{std::string(255, 'x')}}));
  }
  std::string hugeWire = encode(huge, SIZE_MAX);
  EXPECT_LE(hugeWire.size(), 65535u);
  EXPECT_TRUE(parse(hugeWire)->header.tc);
}

// ---- the seed corpus -----------------------------------------------------------------

std::filesystem::path corpusDir() {
  return std::filesystem::path(__FILE__).parent_path() / "corpus" / "message";
}

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(DnsMessageTest, CorpusRoundTrips) {
  ASSERT_TRUE(std::filesystem::is_directory(corpusDir())) << corpusDir();
  int parsed = 0, rejected = 0;
  for (const auto& entry : std::filesystem::directory_iterator(corpusDir())) {
    std::string name = entry.path().filename().string();
    std::string wire = readFile(entry.path());
    auto m = parse(wire);
    bool expectBad = name.rfind("bad_", 0) == 0;
    EXPECT_EQ(!m, expectBad) << name << ": " << m.status().toString();
    if (!m) {
      ++rejected;
      continue;
    }
    ++parsed;
    std::string again = encode(*m);
    auto back = parse(again);
    ASSERT_TRUE(back) << name << ": " << back.status().toString();
    EXPECT_TRUE(sameMessage(*back, *m)) << name;
    EXPECT_EQ(encode(*back), again) << name << ": encoding is not stable";
    EXPECT_LE(again.size(), wire.size() + 11) << name << ": compression got worse";
    auto small = parse(encode(*m, 512));
    ASSERT_TRUE(small) << name;
    EXPECT_LE(encode(*m, 512).size(), std::max<size_t>(512, 12 + 4 + 255 + 11)) << name;
  }
  EXPECT_GE(parsed, 20);
  EXPECT_GE(rejected, 20);
}

TEST(DnsMessageTest, ReplyToEchoesWhatAResponseMust) {
  Message q;
  q.header.id = 0xbeef;
  q.header.rd = true;
  q.header.cd = true;
  q.questions.push_back(Question{"web.default.svc.cluster.local", Type::kAAAA, kClassIn});
  Edns edns;
  q.edns = edns;
  Message r = replyTo(q, Rcode::kRefused);
  EXPECT_EQ(r.header.id, 0xbeef);
  EXPECT_TRUE(r.header.qr);
  EXPECT_TRUE(r.header.rd);
  EXPECT_TRUE(r.header.cd);
  EXPECT_FALSE(r.header.ra);
  EXPECT_EQ(r.header.rcode, Rcode::kRefused);
  ASSERT_EQ(r.questions.size(), 1u);
  EXPECT_EQ(r.questions[0].name, "web.default.svc.cluster.local");
  EXPECT_FALSE(r.edns.has_value());
  EXPECT_TRUE(r.answers.empty());
}

}  // namespace
}  // namespace edgeway::dns
