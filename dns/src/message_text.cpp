// The text side of message.h: names in presentation form, type names and zone-file lines.

#include <cstdio>

#include "dns/message.h"
#include "dns/src/wire_name.h"

namespace edgeway::dns {
namespace {

using detail::WireName;

// "name." for a name in the form message.h describes; a name that does not parse (only
// possible for a hand-built Record) is printed as given, so a log line still says something.
void appendAbsolute(std::string& out, const std::string& name) {
  WireName wire;
  if (WireName::fromText(name, wire) != nullptr) {
    out += name;
    return;
  }
  wire.appendText(out);
  out += '.';
}

void appendClass(std::string& out, uint16_t rclass) {
  switch (rclass) {
    case kClassIn:
      out += "IN";
      return;
    case 3:
      out += "CH";
      return;
    case 4:
      out += "HS";
      return;
    default:
      out += "CLASS" + std::to_string(rclass);
      return;
  }
}

// A <character-string> in zone-file form (RFC 1035 5.1): quoted, with '"' and '\\'
// backslash-escaped and non-printable bytes as \DDD.
void appendQuoted(std::string& out, const std::string& s) {
  out += '"';
  for (char c : s) {
    auto b = static_cast<uint8_t>(c);
    if (b == '"' || b == '\\') {
      out += '\\';
      out += c;
    } else if (b < 0x20 || b > 0x7e) {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\%03u", b);
      out += buf;
    } else {
      out += c;
    }
  }
  out += '"';
}

struct RdataText {
  std::string& out;

  void operator()(const IpAddress& ip) { out += ip.toString(); }
  void operator()(const NameData& d) { appendAbsolute(out, d.name); }
  void operator()(const SoaData& d) {
    appendAbsolute(out, d.mname);
    out += ' ';
    appendAbsolute(out, d.rname);
    for (uint32_t v : {d.serial, d.refresh, d.retry, d.expire, d.minimum}) out += ' ' + std::to_string(v);
  }
  void operator()(const SrvData& d) {
    out += std::to_string(d.priority) + ' ' + std::to_string(d.weight) + ' ' + std::to_string(d.port) + ' ';
    appendAbsolute(out, d.target);
  }
  void operator()(const MxData& d) {
    out += std::to_string(d.preference) + ' ';
    appendAbsolute(out, d.exchange);
  }
  void operator()(const TxtData& d) {
    for (size_t i = 0; i < d.strings.size(); ++i) {
      if (i > 0) out += ' ';
      appendQuoted(out, d.strings[i]);
    }
  }
  void operator()(const RawData& d) {  // RFC 3597 section 5
    out += "\\# " + std::to_string(d.bytes.size());
    if (d.bytes.empty()) return;
    out += ' ';
    static const char kHex[] = "0123456789ABCDEF";
    for (char c : d.bytes) {
      out += kHex[static_cast<uint8_t>(c) >> 4];
      out += kHex[static_cast<uint8_t>(c) & 0xf];
    }
  }
};

}  // namespace

Result<std::string> canonicalName(std::string_view text) {
  WireName wire;
  if (const char* err = WireName::fromText(text, wire)) {
    return invalidArgument("invalid domain name \"" + std::string(text) + "\": " + err);
  }
  return wire.text();
}

std::string lowerName(std::string_view name) {
  std::string s(name);
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
  }
  return s;
}

const char* typeName(Type type) {
  switch (static_cast<uint16_t>(type)) {
    case 1:
      return "A";
    case 2:
      return "NS";
    case 5:
      return "CNAME";
    case 6:
      return "SOA";
    case 12:
      return "PTR";
    case 13:
      return "HINFO";
    case 15:
      return "MX";
    case 16:
      return "TXT";
    case 17:
      return "RP";
    case 18:
      return "AFSDB";
    case 28:
      return "AAAA";
    case 29:
      return "LOC";
    case 33:
      return "SRV";
    case 35:
      return "NAPTR";
    case 39:
      return "DNAME";
    case 41:
      return "OPT";
    case 43:
      return "DS";
    case 44:
      return "SSHFP";
    case 46:
      return "RRSIG";
    case 47:
      return "NSEC";
    case 48:
      return "DNSKEY";
    case 50:
      return "NSEC3";
    case 51:
      return "NSEC3PARAM";
    case 52:
      return "TLSA";
    case 64:
      return "SVCB";
    case 65:
      return "HTTPS";
    case 99:
      return "SPF";
    case 250:
      return "TSIG";
    case 251:
      return "IXFR";
    case 252:
      return "AXFR";
    case 255:
      return "ANY";
    case 256:
      return "URI";
    case 257:
      return "CAA";
  }
  // Other types have no static name: format "TYPE<n>" (RFC 3597) into a small per-thread
  // ring, so a few results can be used in one expression without allocating or racing.
  thread_local char ring[8][12];
  thread_local unsigned next = 0;
  char* buf = ring[next++ % 8];
  std::snprintf(buf, sizeof ring[0], "TYPE%u", static_cast<unsigned>(type));
  return buf;
}

std::string recordText(const Record& record) {
  std::string out;
  out.reserve(96);
  appendAbsolute(out, record.name);
  out += ' ' + std::to_string(record.ttl) + ' ';
  appendClass(out, record.rclass);
  out += ' ';
  out += typeName(record.type);
  size_t before = out.size();
  out += ' ';
  std::visit(RdataText{out}, record.data);
  if (out.size() == before + 1) out.pop_back();  // no rdata text (a TXT without strings)
  return out;
}

}  // namespace edgeway::dns
