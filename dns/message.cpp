#include "dns/message.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstring>

#include "dns/src/name_compressor.h"
#include "dns/src/wire_name.h"

namespace edgeway::dns {
namespace {

using detail::NameCompressor;
using detail::WireName;

constexpr size_t kHeaderSize = 12;
constexpr size_t kMinQuestionSize = 5;  // root name, type, class
constexpr size_t kMinRecordSize = 11;   // root name, type, class, TTL, RDLENGTH
constexpr size_t kOptSize = 11;         // the OPT record we write: no options
constexpr size_t kMaxMessageSize = 65535;

enum Section { kAnswer, kAuthority, kAdditional };
constexpr const char* kSectionNames[] = {"answer", "authority", "additional"};

// The types whose rdata names RFC 1035 lets us compress (RFC 3597 section 4).
bool compressibleRdata(Type type) {
  return type == Type::kNS || type == Type::kCNAME || type == Type::kPTR || type == Type::kSOA ||
         type == Type::kMX;
}

class Parser {
 public:
  explicit Parser(std::string_view wire)
      : data_(reinterpret_cast<const uint8_t*>(wire.data())), size_(wire.size()) {}

  // nullptr on success, otherwise what was wrong; where() then says where.
  const char* parse(Message& m);
  std::string where() const;

 private:
  const char* question(Question& q);
  const char* record(Section section, Message& m);
  const char* rdata(Record& r, size_t end);
  const char* name(std::string& out, size_t end) {
    const char* err = detail::readName(data_, end, pos_, scratch_);
    if (!err) scratch_.appendText(out);
    return err;
  }

  uint16_t u16() {  // callers check the bounds first
    uint16_t v = static_cast<uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
    pos_ += 2;
    return v;
  }
  uint32_t u32() {
    uint32_t v = (uint32_t{data_[pos_]} << 24) | (uint32_t{data_[pos_ + 1]} << 16) |
                 (uint32_t{data_[pos_ + 2]} << 8) | data_[pos_ + 3];
    pos_ += 4;
    return v;
  }
  size_t left() const { return size_ - pos_; }

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  WireName scratch_;  // the name being read: one buffer, not one per name
  // For error messages: the item being read.
  const char* itemKind_ = "header";
  size_t itemIndex_ = 0;
  size_t itemOffset_ = 0;
};

const char* Parser::parse(Message& m) {
  if (size_ < kHeaderSize) return "shorter than the 12-octet header";
  Header& h = m.header;
  h.id = u16();
  uint16_t flags = u16();
  h.qr = flags & 0x8000;
  h.opcode = static_cast<uint8_t>((flags >> 11) & 0xf);
  h.aa = flags & 0x0400;
  h.tc = flags & 0x0200;
  h.rd = flags & 0x0100;
  h.ra = flags & 0x0080;
  h.ad = flags & 0x0020;
  h.cd = flags & 0x0010;
  h.rcode = static_cast<Rcode>(flags & 0xf);
  size_t counts[4];
  for (size_t& c : counts) c = u16();

  // The counts are untrusted: reserve no more than the remaining bytes could hold.
  m.questions.reserve(std::min(counts[0], left() / kMinQuestionSize));
  for (size_t i = 0; i < counts[0]; ++i) {
    itemKind_ = "question";
    itemIndex_ = i;
    itemOffset_ = pos_;
    if (const char* err = question(m.questions.emplace_back())) return err;
  }
  std::vector<Record>* vectors[] = {&m.answers, &m.authority, &m.additional};
  for (int s = kAnswer; s <= kAdditional; ++s) {
    vectors[s]->reserve(std::min(counts[s + 1], left() / kMinRecordSize));
    for (size_t i = 0; i < counts[s + 1]; ++i) {
      itemKind_ = kSectionNames[s];
      itemIndex_ = i;
      itemOffset_ = pos_;
      if (const char* err = record(static_cast<Section>(s), m)) return err;
    }
  }
  if (pos_ != size_) {
    itemKind_ = "end";
    itemOffset_ = pos_;
    return "bytes left over after the last record";
  }
  return nullptr;
}

std::string Parser::where() const {
  std::string s = itemKind_;
  if (s == "question") {
    s += " " + std::to_string(itemIndex_ + 1);
  } else if (s != "header" && s != "end") {
    s += " record " + std::to_string(itemIndex_ + 1);
  }
  return s + " at offset " + std::to_string(itemOffset_);
}

const char* Parser::question(Question& q) {
  if (const char* err = name(q.name, size_)) return err;
  if (left() < 4) return "question truncated after its name";
  q.type = static_cast<Type>(u16());
  q.qclass = u16();
  return nullptr;
}

const char* Parser::record(Section section, Message& m) {
  if (const char* err = detail::readName(data_, size_, pos_, scratch_)) return err;
  if (left() < 10) return "record truncated after its name";
  auto type = static_cast<Type>(u16());
  uint16_t rclass = u16();
  uint32_t ttl = u32();
  size_t rdlength = u16();
  if (rdlength > left()) return "rdata runs past the end of the message";
  size_t end = pos_ + rdlength;

  if (type == Type::kOPT) {
    if (section != kAdditional) return "OPT record outside the additional section";
    if (m.edns) return "more than one OPT record";
    if (scratch_.labelCount != 0) return "OPT record's owner name is not the root";
    // Options are dropped, but must still be well-formed (RFC 6891 6.1.2).
    while (pos_ < end) {
      if (end - pos_ < 4) return "OPT option truncated";
      pos_ += 2;
      size_t length = u16();
      if (length > end - pos_) return "OPT option runs past its rdata";
      pos_ += length;
    }
    Edns& e = m.edns.emplace();
    e.udpPayloadSize = std::max<uint16_t>(rclass, kClassicUdpSize);  // RFC 6891 6.2.3
    e.version = static_cast<uint8_t>(ttl >> 16);
    e.dnssecOk = ttl & 0x8000;
    return nullptr;
  }

  std::vector<Record>& records = section == kAnswer      ? m.answers
                                 : section == kAuthority ? m.authority
                                                         : m.additional;
  Record& r = records.emplace_back();
  scratch_.appendText(r.name);
  r.type = type;
  r.rclass = rclass;
  r.ttl = ttl;
  return rdata(r, end);
}

const char* Parser::rdata(Record& r, size_t end) {
  size_t length = end - pos_;
  // A, AAAA and SRV are defined for class IN only (RFC 1035 3.4, RFC 3596, RFC 2782);
  // in other classes they are kept as raw bytes like any unknown type.
  bool in = r.rclass == kClassIn;
  switch (r.type) {
    case Type::kA:
      if (!in) break;
      if (length != 4) return "A rdata is not 4 octets";
      r.data = IpAddress::v4(u32());
      return nullptr;
    case Type::kAAAA: {
      if (!in) break;
      if (length != 16) return "AAAA rdata is not 16 octets";
      std::array<uint8_t, 16> bytes;
      std::memcpy(bytes.data(), data_ + pos_, 16);
      pos_ = end;
      r.data = IpAddress::v6(bytes);
      return nullptr;
    }
    case Type::kNS:
    case Type::kCNAME:
    case Type::kPTR: {
      auto& d = r.data.emplace<NameData>();
      if (const char* err = name(d.name, end)) return err;
      break;
    }
    case Type::kSOA: {
      auto& d = r.data.emplace<SoaData>();
      if (const char* err = name(d.mname, end)) return err;
      if (const char* err = name(d.rname, end)) return err;
      if (end - pos_ < 20) return "SOA rdata truncated";
      d.serial = u32();
      d.refresh = u32();
      d.retry = u32();
      d.expire = u32();
      d.minimum = u32();
      break;
    }
    case Type::kMX: {
      auto& d = r.data.emplace<MxData>();
      if (length < 2) return "MX rdata truncated";
      d.preference = u16();
      if (const char* err = name(d.exchange, end)) return err;
      break;
    }
    case Type::kSRV: {
      if (!in) break;
      auto& d = r.data.emplace<SrvData>();
      if (length < 6) return "SRV rdata truncated";
      d.priority = u16();
      d.weight = u16();
      d.port = u16();
      // RFC 2782 forbids compressing the target; reading one anyway is harmless.
      if (const char* err = name(d.target, end)) return err;
      break;
    }
    case Type::kTXT: {
      auto& d = r.data.emplace<TxtData>();
      while (pos_ < end) {
        size_t n = data_[pos_];
        if (n + 1 > end - pos_) return "TXT string runs past its rdata";
        d.strings.emplace_back(reinterpret_cast<const char*>(data_ + pos_ + 1), n);
        pos_ += 1 + n;
      }
      break;
    }
    default:
      break;
  }
  if (r.data.index() == 0) {  // not decoded above: keep the bytes
    r.data.emplace<RawData>().bytes.assign(reinterpret_cast<const char*>(data_ + pos_), length);
    pos_ = end;
  }
  if (pos_ != end) return "rdata longer than its contents";
  return nullptr;
}

void store16(char* p, uint16_t v) {
  p[0] = static_cast<char>(v >> 8);
  p[1] = static_cast<char>(v);
}
void store32(char* p, uint32_t v) {
  store16(p, static_cast<uint16_t>(v >> 16));
  store16(p + 2, static_cast<uint16_t>(v));
}

class Encoder {
 public:
  explicit Encoder(size_t reserve) { out_.reserve(reserve); }

  std::string& out() { return out_; }

  void name(std::string_view text, bool compress) {
    WireName wire;
    const char* err = WireName::fromText(text, wire);
    // Names come from parse() or from our own validated objects; a bad one is a bug.
    assert(err == nullptr && "a name in a dns::Message is not valid presentation text");
    if (err) WireName::fromText("", wire);
    names_.write(out_, wire, compress);
  }
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u16(uint16_t v) {
    char b[2];
    store16(b, v);
    out_.append(b, 2);
  }
  void u32(uint32_t v) {
    char b[4];
    store32(b, v);
    out_.append(b, 4);
  }
  void put16(size_t at, uint16_t v) { store16(&out_[at], v); }

  void record(const Record& r) {
    name(r.name, true);
    char fixed[10];  // one append for TYPE, CLASS, TTL and RDLENGTH (filled in below)
    store16(fixed, static_cast<uint16_t>(r.type));
    store16(fixed + 2, r.rclass);
    store32(fixed + 4, r.ttl);
    store16(fixed + 8, 0);
    out_.append(fixed, sizeof fixed);
    size_t lengthAt = out_.size() - 2;
    bool compress = compressibleRdata(r.type);
    std::visit([&](const auto& d) { rdata(d, compress); }, r.data);
    // An rdata over 65535 octets makes the message too big for any maxSize, so encode()
    // drops it before the wrapped length matters.
    put16(lengthAt, static_cast<uint16_t>(out_.size() - lengthAt - 2));
  }

 private:
  void rdata(const IpAddress& ip, bool) {
    const auto& b = ip.bytes();
    if (ip.isV4()) {
      out_.append(reinterpret_cast<const char*>(b.data()) + 12, 4);
    } else {
      out_.append(reinterpret_cast<const char*>(b.data()), 16);
    }
  }
  void rdata(const NameData& d, bool compress) { name(d.name, compress); }
  void rdata(const SoaData& d, bool compress) {
    name(d.mname, compress);
    name(d.rname, compress);
    u32(d.serial);
    u32(d.refresh);
    u32(d.retry);
    u32(d.expire);
    u32(d.minimum);
  }
  void rdata(const SrvData& d, bool) {
    u16(d.priority);
    u16(d.weight);
    u16(d.port);
    name(d.target, false);  // RFC 2782: never compressed
  }
  void rdata(const MxData& d, bool compress) {
    u16(d.preference);
    name(d.exchange, compress);
  }
  void rdata(const TxtData& d, bool) {
    for (const std::string& s : d.strings) {
      assert(s.size() <= 255 && "a TXT string is longer than 255 octets");
      size_t n = std::min<size_t>(s.size(), 255);
      u8(static_cast<uint8_t>(n));
      out_.append(s.data(), n);
    }
  }
  void rdata(const RawData& d, bool) { out_.append(d.bytes); }

  std::string out_;
  NameCompressor names_;
};

}  // namespace

Message replyTo(const Message& query, Rcode rcode) {
  Message r;
  r.header.id = query.header.id;
  r.header.qr = true;
  r.header.opcode = query.header.opcode;
  r.header.rd = query.header.rd;
  r.header.cd = query.header.cd;
  r.header.rcode = rcode;
  r.questions = query.questions;
  return r;
}

std::optional<uint16_t> peekId(std::string_view wire) {
  if (wire.size() < kHeaderSize) return std::nullopt;
  return static_cast<uint16_t>((static_cast<uint8_t>(wire[0]) << 8) | static_cast<uint8_t>(wire[1]));
}

Result<Message> parse(std::string_view wire) {
  Parser parser(wire);
  Message m;
  if (const char* err = parser.parse(m)) {
    return invalidArgument(std::string("malformed DNS message: ") + err + " (" + parser.where() + ")");
  }
  return m;
}

std::string encode(const Message& message, size_t maxSize) {
  maxSize = std::min(maxSize, kMaxMessageSize);
  // Most answers fit in a classic UDP datagram: one allocation for them.
  Encoder e(std::min(maxSize, kClassicUdpSize) + kOptSize);
  std::string& out = e.out();
  out.append(kHeaderSize, '\0');  // filled in at the end, when the counts are known
  assert(message.questions.size() <= 0xffff);
  for (const Question& q : message.questions) {
    e.name(q.name, true);
    e.u16(static_cast<uint16_t>(q.type));
    e.u16(q.qclass);
  }
  const size_t questionsEnd = out.size();

  // Records go in while they fit with room left for the OPT record; the first one that
  // does not means the client must retry over TCP, and it gets no partial sections.
  const size_t optRoom = message.edns ? kOptSize : 0;
  const std::vector<Record>* sections[] = {&message.answers, &message.authority, &message.additional};
  uint16_t counts[3] = {0, 0, 0};
  bool truncated = false;
  for (int s = kAnswer; s <= kAdditional && !truncated; ++s) {
    for (const Record& r : *sections[s]) {
      if (r.type == Type::kOPT) continue;  // the OPT record is message.edns, written below
      e.record(r);
      if (out.size() + optRoom > maxSize) {
        truncated = true;
        break;
      }
      ++counts[s];
    }
  }
  if (truncated) {
    out.resize(questionsEnd);
    counts[0] = counts[1] = counts[2] = 0;
  }
  if (message.edns) {
    const Edns& edns = *message.edns;
    e.u8(0);  // root owner name
    e.u16(static_cast<uint16_t>(Type::kOPT));
    e.u16(edns.udpPayloadSize);
    e.u32((uint32_t{edns.version} << 16) | (edns.dnssecOk ? 0x8000u : 0u));
    e.u16(0);  // no options
    ++counts[2];
  }

  const Header& h = message.header;
  uint16_t flags = static_cast<uint16_t>((h.qr ? 0x8000 : 0) | ((h.opcode & 0xf) << 11) |
                                         (h.aa ? 0x0400 : 0) | (h.tc || truncated ? 0x0200 : 0) |
                                         (h.rd ? 0x0100 : 0) | (h.ra ? 0x0080 : 0) | (h.ad ? 0x0020 : 0) |
                                         (h.cd ? 0x0010 : 0) | (static_cast<uint8_t>(h.rcode) & 0xf));
  e.put16(0, h.id);
  e.put16(2, flags);
  e.put16(4, static_cast<uint16_t>(message.questions.size()));
  e.put16(6, counts[0]);
  e.put16(8, counts[1]);
  e.put16(10, counts[2]);
  return std::move(out);
}

}  // namespace edgeway::dns
