#include "base/ip.h"

#include <cassert>
#include <charconv>
#include <cstdio>
#include <vector>

namespace edgeway {
namespace {

// 128-bit arithmetic in two halves: __int128 is not available on 32-bit ARM targets.
struct U128 {
  uint64_t hi = 0;
  uint64_t lo = 0;
};

U128 toU128(const std::array<uint8_t, 16>& b) {
  U128 v;
  for (int i = 0; i < 8; ++i) v.hi = (v.hi << 8) | b[i];
  for (int i = 8; i < 16; ++i) v.lo = (v.lo << 8) | b[i];
  return v;
}

std::array<uint8_t, 16> fromU128(U128 v) {
  std::array<uint8_t, 16> b{};
  for (int i = 7; i >= 0; --i, v.hi >>= 8) b[i] = static_cast<uint8_t>(v.hi & 0xff);
  for (int i = 15; i >= 8; --i, v.lo >>= 8) b[i] = static_cast<uint8_t>(v.lo & 0xff);
  return b;
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Dotted quad into 4 bytes. `sloppy` accepts leading zeros (read as decimal).
bool parseV4(std::string_view s, bool sloppy, uint8_t out[4]) {
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (s.empty() || s.front() != '.') return false;
      s.remove_prefix(1);
    }
    size_t n = 0;
    unsigned value = 0;
    while (n < s.size() && isDigit(s[n])) {
      value = value * 10 + static_cast<unsigned>(s[n] - '0');
      if (value > 255) return false;
      ++n;
    }
    if (n == 0) return false;
    if (!sloppy && n > 1 && s[0] == '0') return false;
    out[part] = static_cast<uint8_t>(value);
    s.remove_prefix(n);
  }
  return s.empty();
}

// RFC 4291 text: hex groups, at most one "::", optionally ending in a dotted quad.
bool parseV6(std::string_view s, bool sloppy, std::array<uint8_t, 16>& out) {
  std::vector<uint16_t> head, tail;
  std::vector<uint16_t>* groups = &head;
  bool ellipsis = false;
  bool trailingV4 = false;
  uint8_t v4[4] = {0, 0, 0, 0};

  if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
    ellipsis = true;
    groups = &tail;
    s.remove_prefix(2);
  } else if (!s.empty() && s[0] == ':') {
    return false;
  }
  while (!s.empty()) {
    size_t n = 0;
    while (n < s.size() && hexValue(s[n]) >= 0) ++n;
    if (n < s.size() && s[n] == '.') {
      // The rest must be a dotted quad taking the last two groups.
      if (!parseV4(s, sloppy, v4)) return false;
      trailingV4 = true;
      s = {};
      break;
    }
    if (n == 0 || n > 4) return false;
    unsigned value = 0;
    for (size_t i = 0; i < n; ++i) value = value * 16 + static_cast<unsigned>(hexValue(s[i]));
    groups->push_back(static_cast<uint16_t>(value));
    s.remove_prefix(n);
    if (s.empty()) break;
    if (s[0] != ':') return false;
    s.remove_prefix(1);
    if (!s.empty() && s[0] == ':') {
      if (ellipsis) return false;  // a second "::"
      ellipsis = true;
      groups = &tail;
      s.remove_prefix(1);
    } else if (s.empty()) {
      return false;  // a single trailing ':'
    }
  }
  size_t count = head.size() + tail.size() + (trailingV4 ? 2 : 0);
  if (ellipsis ? count > 7 : count != 8) return false;

  std::vector<uint16_t> all = head;
  if (ellipsis) all.resize(8 - tail.size() - (trailingV4 ? 2 : 0), 0);
  all.insert(all.end(), tail.begin(), tail.end());
  for (size_t i = 0; i < all.size(); ++i) {
    out[2 * i] = static_cast<uint8_t>(all[i] >> 8);
    out[2 * i + 1] = static_cast<uint8_t>(all[i] & 0xff);
  }
  if (trailingV4) {
    for (int i = 0; i < 4; ++i) out[12 + i] = v4[i];
  }
  return true;
}

Result<IpAddress> parseIp(std::string_view text, bool sloppy) {
  if (text.find(':') == std::string_view::npos) {
    uint8_t b[4];
    if (parseV4(text, sloppy, b)) {
      return IpAddress::v4((uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3]);
    }
  } else {
    std::array<uint8_t, 16> b{};
    if (parseV6(text, sloppy, b)) return IpAddress::v6(b);
  }
  return invalidArgument("invalid IP address: \"" + std::string(text) + "\"");
}

}  // namespace

const char* ipFamilyName(IpFamily family) { return family == IpFamily::kIPv4 ? "IPv4" : "IPv6"; }

Result<IpAddress> IpAddress::parse(std::string_view text) { return parseIp(text, false); }
Result<IpAddress> IpAddress::parseSloppy(std::string_view text) { return parseIp(text, true); }

IpAddress IpAddress::v4(uint32_t value) {
  IpAddress ip;
  ip.family_ = IpFamily::kIPv4;
  for (int i = 15; i >= 12; --i, value >>= 8) ip.bytes_[i] = static_cast<uint8_t>(value & 0xff);
  return ip;
}

IpAddress IpAddress::v6(const std::array<uint8_t, 16>& bytes) {
  IpAddress ip;
  ip.family_ = IpFamily::kIPv6;
  ip.bytes_ = bytes;
  return ip;
}

uint32_t IpAddress::v4Value() const {
  return (uint32_t{bytes_[12]} << 24) | (uint32_t{bytes_[13]} << 16) | (uint32_t{bytes_[14]} << 8) |
         bytes_[15];
}

std::string IpAddress::toString() const {
  char buf[64];
  if (isV4()) {
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", bytes_[12], bytes_[13], bytes_[14], bytes_[15]);
    return buf;
  }
  uint16_t g[8];
  for (int i = 0; i < 8; ++i) g[i] = static_cast<uint16_t>((bytes_[2 * i] << 8) | bytes_[2 * i + 1]);

  // RFC 5952 section 5: IPv4-mapped addresses keep their dotted quad.
  bool mapped = g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 && g[5] == 0xffff;
  int groups = mapped ? 6 : 8;

  // The longest run of two or more zero groups becomes "::" (the first one on a tie).
  int bestStart = -1, bestLen = 1;
  for (int i = 0; i < groups;) {
    if (g[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < groups && g[j] == 0) ++j;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  std::string out;
  for (int i = 0; i < groups; ++i) {
    if (i == bestStart) {
      out += "::";
      i += bestLen - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(buf, sizeof buf, "%x", g[i]);
    out += buf;
  }
  if (mapped) {
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", bytes_[12], bytes_[13], bytes_[14], bytes_[15]);
    out += buf;
  }
  return out;
}

bool IpAddress::isUnspecified() const {
  for (uint8_t b : bytes_) {
    if (b != 0) return false;
  }
  return true;
}

bool IpAddress::isLoopback() const {
  if (isV4()) return bytes_[12] == 127;
  for (int i = 0; i < 15; ++i) {
    if (bytes_[i] != 0) return false;
  }
  return bytes_[15] == 1;
}

bool IpAddress::isLinkLocalUnicast() const {
  if (isV4()) return bytes_[12] == 169 && bytes_[13] == 254;
  return bytes_[0] == 0xfe && (bytes_[1] & 0xc0) == 0x80;
}

bool IpAddress::isLinkLocalMulticast() const {
  if (isV4()) return bytes_[12] == 224 && bytes_[13] == 0 && bytes_[14] == 0;
  return bytes_[0] == 0xff && (bytes_[1] & 0x0f) == 0x02;
}

Cidr::Cidr(const IpAddress& address, int prefixLength) : prefix_(prefixLength) {
  assert(prefixLength >= 0 && prefixLength <= address.bitLength());
  std::array<uint8_t, 16> b = address.bytes();
  // Bit positions are counted over the 16-byte array, where IPv4 starts at bit 96.
  int firstHostBit = (address.isV4() ? 96 : 0) + prefixLength;
  for (int bit = firstHostBit; bit < 128; ++bit) b[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
  if (address.isV4()) {
    network_ =
        IpAddress::v4((uint32_t{b[12]} << 24) | (uint32_t{b[13]} << 16) | (uint32_t{b[14]} << 8) | b[15]);
  } else {
    network_ = IpAddress::v6(b);
  }
}

Result<Cidr> Cidr::parse(std::string_view text) {
  auto bad = [&] { return invalidArgument("invalid CIDR address: \"" + std::string(text) + "\""); };
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return bad();
  auto ip = IpAddress::parseSloppy(text.substr(0, slash));
  if (!ip) return bad();
  std::string_view len = text.substr(slash + 1);
  if (len.empty() || len.size() > 3) return bad();
  int prefix = 0;
  auto [end, ec] = std::from_chars(len.data(), len.data() + len.size(), prefix);
  if (ec != std::errc() || end != len.data() + len.size() || prefix < 0 || prefix > ip->bitLength()) {
    return bad();
  }
  return Cidr(*ip, prefix);
}

bool Cidr::contains(const IpAddress& ip) const {
  if (ip.family() != family()) return false;
  return Cidr(ip, prefix_).network_ == network_;
}

uint64_t Cidr::size() const {
  int bits = hostBits();
  return bits >= 63 ? (uint64_t{1} << 63) : (uint64_t{1} << bits);
}

std::optional<IpAddress> Cidr::addressAt(uint64_t offset) const {
  if (hostBits() < 64 && offset >= (uint64_t{1} << hostBits())) return std::nullopt;
  U128 v = toU128(network_.bytes());
  uint64_t lo = v.lo + offset;
  if (lo < v.lo) ++v.hi;  // carry
  v.lo = lo;
  std::array<uint8_t, 16> b = fromU128(v);
  if (network_.isV4()) {
    return IpAddress::v4((uint32_t{b[12]} << 24) | (uint32_t{b[13]} << 16) | (uint32_t{b[14]} << 8) | b[15]);
  }
  return IpAddress::v6(b);
}

std::optional<uint64_t> Cidr::offsetOf(const IpAddress& ip) const {
  if (!contains(ip)) return std::nullopt;
  U128 a = toU128(ip.bytes()), n = toU128(network_.bytes());
  uint64_t lo = a.lo - n.lo;
  uint64_t hi = a.hi - n.hi - (a.lo < n.lo ? 1 : 0);
  if (hi != 0 || lo > (uint64_t{1} << 63)) return std::nullopt;
  return lo;
}

std::string Cidr::toString() const { return network_.toString() + "/" + std::to_string(prefix_); }

Result<PortRange> PortRange::parse(std::string_view text) {
  auto bad = [&] {
    return invalidArgument("invalid port range \"" + std::string(text) +
                           "\": expected LOW-HIGH (or LOW+OFFSET) with ports in 1-65535");
  };
  auto number = [](std::string_view s, int& out) {
    if (s.empty() || s.size() > 5) return false;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size();
  };
  PortRange r;
  size_t sep = text.find_first_of("-+");
  if (sep == std::string_view::npos) {
    if (!number(text, r.low)) return bad();
    r.high = r.low;
  } else {
    int second = 0;
    if (!number(text.substr(0, sep), r.low) || !number(text.substr(sep + 1), second)) return bad();
    r.high = text[sep] == '-' ? second : r.low + second;
  }
  if (r.low < 1 || r.high > 65535 || r.high < r.low) return bad();
  return r;
}

std::string PortRange::toString() const { return std::to_string(low) + "-" + std::to_string(high); }

}  // namespace edgeway
