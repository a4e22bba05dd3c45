#include "dns/resolv_conf.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

namespace edgeway::dns {

std::string SocketAddress::toString() const {
  if (ip.isV6()) return "[" + ip.toString() + "]:" + std::to_string(port);
  return ip.toString() + ":" + std::to_string(port);
}

namespace {

Result<uint16_t> parsePort(std::string_view text, std::string_view whole) {
  unsigned value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value > 65535) {
    return invalidArgument("invalid port in \"" + std::string(whole) + "\"");
  }
  return static_cast<uint16_t>(value);
}

}  // namespace

Result<SocketAddress> parseSocketAddress(std::string_view text, uint16_t defaultPort) {
  std::string_view host = text;
  std::string_view port;
  bool hasPort = false;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) {
      return invalidArgument("missing ']' in \"" + std::string(text) + "\"");
    }
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':')
        return invalidArgument("expected ':PORT' after ']' in \"" + std::string(text) + "\"");
      port = rest.substr(1);
      hasPort = true;
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    const size_t colon = text.find(':');
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    hasPort = true;
  }  // else: an IPv4 address or a bare IPv6 address, without a port

  auto ip = IpAddress::parse(host);
  if (!ip) return invalidArgument("invalid address \"" + std::string(text) + "\": " + ip.status().message());
  SocketAddress out{*ip, defaultPort};
  if (hasPort) {
    auto p = parsePort(port, text);
    if (!p) return p.status();
    out.port = *p;
  } else if (defaultPort == 0) {
    return invalidArgument("missing port in \"" + std::string(text) + "\" (want HOST:PORT)");
  }
  return out;
}

std::vector<SocketAddress> parseResolvConf(std::string_view text) {
  std::vector<SocketAddress> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    const size_t comment = line.find_first_of("#;");
    if (comment != std::string_view::npos) line = line.substr(0, comment);

    std::istringstream words{std::string(line)};
    std::string keyword, address;
    if (!(words >> keyword) || keyword != "nameserver" || !(words >> address)) continue;
    if (address.find('%') != std::string::npos) continue;  // scoped: needs its interface
    auto ip = IpAddress::parse(address);
    if (!ip) continue;
    out.push_back(SocketAddress{*ip, kDnsPort});
  }
  return out;
}

Result<std::vector<SocketAddress>> readResolvConf(const std::string& path) {
  std::ifstream in(path);
  if (!in) return unavailable("dns: cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return parseResolvConf(text.str());
}

std::vector<SocketAddress> withoutOwnAddresses(const std::vector<SocketAddress>& upstreams,
                                               const std::vector<SocketAddress>& listen) {
  std::vector<SocketAddress> out;
  for (const SocketAddress& upstream : upstreams) {
    const bool own = std::any_of(listen.begin(), listen.end(), [&](const SocketAddress& l) {
      if (l.port != upstream.port) return false;
      if (l.ip == upstream.ip) return true;
      return l.ip.isUnspecified() && l.ip.family() == upstream.ip.family() && upstream.ip.isLoopback();
    });
    if (!own) out.push_back(upstream);
  }
  return out;
}

}  // namespace edgeway::dns
