#pragma once
// The DNS wire codec (RFC 1035, 2181, 3596, 2782, 6891): messages parsed from and encoded
// to wire bytes, with name compression on output and EDNS0's OPT record kept apart from
// the sections. Parsing is defensive: any malformed input is an error (the server then
// answers FORMERR or stays silent), never a read outside the buffer or a crash.
//
// Names are held in presentation form without the trailing dot ("web.default.svc.cluster.local",
// the root is ""), in the case they arrived in; a label byte that is '.', '\\' or not
// printable ASCII is escaped as \DDD (RFC 4343), so every wire name round-trips.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/ip.h"
#include "base/status.h"

namespace edgeway::dns {

enum class Type : uint16_t {
  kA = 1,
  kNS = 2,
  kCNAME = 5,
  kSOA = 6,
  kPTR = 12,
  kMX = 15,
  kTXT = 16,
  kAAAA = 28,
  kSRV = 33,
  kOPT = 41,
  kIXFR = 251,
  kAXFR = 252,
  kANY = 255,
};

enum class Rcode : uint8_t {
  kNoError = 0,
  kFormErr = 1,
  kServFail = 2,
  kNxDomain = 3,
  kNotImp = 4,
  kRefused = 5,
};

enum class Opcode : uint8_t { kQuery = 0 };

constexpr uint16_t kClassIn = 1;
constexpr size_t kMaxNameLength = 255;        // wire octets, RFC 1035 2.3.4
constexpr size_t kMaxLabelLength = 63;
constexpr size_t kClassicUdpSize = 512;       // without EDNS0
constexpr uint16_t kDefaultEdnsUdpSize = 1232;  // DNS flag day 2020

struct Header {
  uint16_t id = 0;
  bool qr = false;  // response
  uint8_t opcode = 0;
  bool aa = false;  // authoritative answer
  bool tc = false;  // truncated
  bool rd = false;  // recursion desired
  bool ra = false;  // recursion available
  bool ad = false;
  bool cd = false;
  Rcode rcode = Rcode::kNoError;  // the low 4 bits; EDNS extended bits are not used
};

struct Question {
  std::string name;
  Type type = Type::kA;
  uint16_t qclass = kClassIn;
};

// EDNS0 (RFC 6891): present when the message carried an OPT record.
struct Edns {
  uint16_t udpPayloadSize = kDefaultEdnsUdpSize;  // values below 512 are read as 512
  uint8_t version = 0;
  bool dnssecOk = false;
  // Options are not interpreted; they are dropped on re-encoding.
};

// Typed record data. Names inside are compressed on output where RFC 3597 allows it
// (CNAME, PTR, NS, SOA, MX) and never inside SRV (RFC 2782).
struct NameData {  // CNAME, PTR, NS
  std::string name;
};
struct SoaData {
  std::string mname;
  std::string rname;
  uint32_t serial = 0;
  uint32_t refresh = 0;
  uint32_t retry = 0;
  uint32_t expire = 0;
  uint32_t minimum = 0;  // the negative-caching TTL (RFC 2308)
};
struct SrvData {
  uint16_t priority = 0;
  uint16_t weight = 0;
  uint16_t port = 0;
  std::string target;
};
struct MxData {
  uint16_t preference = 0;
  std::string exchange;
};
struct TxtData {
  std::vector<std::string> strings;  // each at most 255 bytes
};
struct RawData {  // any other type, as the wire bytes of its RDATA
  std::string bytes;
};
// A and AAAA carry an IpAddress of the matching family.
using Rdata = std::variant<IpAddress, NameData, SoaData, SrvData, MxData, TxtData, RawData>;

struct Record {
  std::string name;
  Type type = Type::kA;
  uint16_t rclass = kClassIn;
  uint32_t ttl = 0;
  Rdata data;
};

struct Message {
  Header header;
  std::vector<Question> questions;
  std::vector<Record> answers;
  std::vector<Record> authority;
  std::vector<Record> additional;  // without the OPT record, which is `edns`
  std::optional<Edns> edns;
};

// The start of a response to `query`: its ID, opcode, RD and CD bits and question, QR set,
// and `rcode`; no records, no EDNS (the caller decides both).
Message replyTo(const Message& query, Rcode rcode);

// The message's ID, if the buffer holds at least a header: what a FORMERR reply echoes.
std::optional<uint16_t> peekId(std::string_view wire);

// Parses a whole message. Fails (kInvalidArgument, with what was wrong) on truncated
// input, a name longer than 255 octets or with a label over 63, a compression pointer
// that does not point strictly backwards, rdata that does not match its declared length
// or type, more than one OPT record, an OPT record not in the additional section, or bytes
// left over after the last record.
Result<Message> parse(std::string_view wire);

// Encodes `message` with name compression. When the result would exceed `maxSize` bytes
// (the client's UDP payload size, or 65535 over TCP) the answer, authority and additional
// records are all dropped and TC is set, keeping the header, the question and the OPT
// record, so the client retries over TCP (RFC 2181 9, RFC 6891 7).
std::string encode(const Message& message, size_t maxSize = 65535);

// Converts presentation-form text ("a.b.", "a.b", "\\046") to the canonical form used
// here (no trailing dot). Fails on empty labels, over-long names or bad escapes.
Result<std::string> canonicalName(std::string_view text);

// Lower-cases ASCII letters only (DNS names compare case-insensitively, RFC 4343).
std::string lowerName(std::string_view name);

const char* typeName(Type type);  // "A", "SRV", ... or "TYPE<n>"

// One record as a zone-file line: "web.default.svc.cluster.local. 5 IN A 10.43.0.10"
// (names absolute, TXT strings quoted, unknown types in RFC 3597 \# form). For logs,
// debug output and the table-driven tests, which write expected answers this way.
std::string recordText(const Record& record);

}  // namespace edgeway::dns
