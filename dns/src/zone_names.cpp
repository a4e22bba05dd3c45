#include "dns/src/zone_names.h"

#include <algorithm>

namespace edgeway::dns::zone_detail {

std::string reverseName(const IpAddress& ip) {
  const auto& b = ip.bytes();
  std::string out;
  if (ip.isV4()) {
    out.reserve(29);
    for (int i = 15; i >= 12; --i) {
      out += std::to_string(b[i]);
      out += '.';
    }
    out += "in-addr.arpa";
    return out;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(72);
  for (int i = 15; i >= 0; --i) {
    out += kHex[b[i] & 0xf];
    out += '.';
    out += kHex[b[i] >> 4];
    out += '.';
  }
  out += "ip6.arpa";
  return out;
}

std::string dashedLabel(const IpAddress& ip) {
  std::string text = ip.toString();
  std::replace(text.begin(), text.end(), ip.isV4() ? '.' : ':', '-');
  return text;
}

std::optional<IpAddress> parseDashedLabel(std::string_view label) {
  if (label.empty() || label.size() > 63) return std::nullopt;
  std::string text(label);
  // Four dash-separated parts can only be IPv4 (IPv6 text needs at least three colons
  // and then reads "a-b-c-d" as four groups, which is not a valid IPv6 spelling).
  if (std::count(text.begin(), text.end(), '-') == 3 && text.find("--") == std::string::npos) {
    std::string v4 = text;
    std::replace(v4.begin(), v4.end(), '-', '.');
    auto parsed = IpAddress::parse(v4);
    if (parsed.isOk() && parsed->isV4()) return *parsed;
  }
  std::replace(text.begin(), text.end(), '-', ':');
  auto parsed = IpAddress::parse(text);
  // "::ffff:1.2.3.4"-style text never comes out of dashes (dots are label separators),
  // so what parses here is a plain IPv6 address.
  if (parsed.isOk() && parsed->isV6()) return *parsed;
  return std::nullopt;
}

void lowerInto(std::string_view name, std::string& out) {
  out.resize(name.size());
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    out[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
  }
}

}  // namespace edgeway::dns::zone_detail
