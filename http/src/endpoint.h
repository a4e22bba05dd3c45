#pragma once
// HOST:PORT text <-> TCP endpoints, shared by the server and the client.

#include <boost/asio/ip/tcp.hpp>
#include <string>
#include <string_view>

#include "base/status.h"

namespace edgeway::http::detail {

// "127.0.0.1:6443", "[::1]:0", "0.0.0.0:80". HOST must be an IP literal (IPv6 in brackets):
// a listen address is never resolved through DNS.
Result<boost::asio::ip::tcp::endpoint> parseListenAddress(std::string_view text);

// "1.2.3.4:80" or "[::1]:80".
std::string formatEndpoint(const boost::asio::ip::tcp::endpoint& endpoint);

}  // namespace edgeway::http::detail
