#include "http/src/endpoint.h"

#include <charconv>

namespace edgeway::http::detail {

namespace asio = boost::asio;

Result<asio::ip::tcp::endpoint> parseListenAddress(std::string_view text) {
  auto bad = [&](const char* why) {
    return invalidArgument("listen address \"" + std::string(text) + "\": " + why +
                           " (want HOST:PORT, e.g. 0.0.0.0:6443 or [::]:6443)");
  };
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad("missing port");
  std::string_view host = text.substr(0, colon);
  std::string_view portText = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return bad("IPv6 addresses must be in brackets");
  }
  unsigned port = 0;
  auto [end, err] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
  if (portText.empty() || err != std::errc() || end != portText.data() + portText.size() || port > 65535) {
    return bad("invalid port");
  }
  boost::system::error_code ec;
  asio::ip::address address = asio::ip::make_address(std::string(host), ec);
  if (ec) return bad("host is not an IP address");
  return asio::ip::tcp::endpoint(address, static_cast<unsigned short>(port));
}

std::string formatEndpoint(const asio::ip::tcp::endpoint& endpoint) {
  asio::ip::address a = endpoint.address();
  // A dual-stack listener sees IPv4 peers as ::ffff:a.b.c.d; report them as IPv4.
  if (a.is_v6() && a.to_v6().is_v4_mapped()) a = asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  std::string host = a.is_v6() ? "[" + a.to_string() + "]" : a.to_string();
  return host + ":" + std::to_string(endpoint.port());
}

}  // namespace edgeway::http::detail
