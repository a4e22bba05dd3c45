#include "http/src/response_head.h"

#include <algorithm>
#include <boost/beast/http/status.hpp>
#include <cstring>

#include "base/log.h"

namespace edgeway::http::detail {
namespace {

bool isTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

bool isValidHeader(const Header& h) {
  if (h.name.empty() || !std::all_of(h.name.begin(), h.name.end(), isTokenChar)) return false;
  return h.value.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos;
}

bool isFramingHeader(const std::string& name) {
  return headerNameEquals(name, "Content-Length") || headerNameEquals(name, "Transfer-Encoding") ||
         headerNameEquals(name, "Connection");
}

void appendHeader(std::string& out, const Header& h) {
  out += h.name;
  out += ": ";
  out += h.value;
  out += "\r\n";
}

}  // namespace

std::string serializeResponseHead(int status, const std::vector<Header>& headers,
                                  const std::vector<Header>& framing) {
  if (status < 100 || status > 999) {
    log::error("http: handler produced invalid status ", status, "; sending 500");
    status = 500;
  }
  std::string out = "HTTP/1.1 " + std::to_string(status) + " ";
  auto reason = boost::beast::http::obsolete_reason(boost::beast::http::int_to_status(status));
  out.append(reason.data(), reason.size());
  out += "\r\n";
  for (const Header& h : headers) {
    if (isFramingHeader(h.name)) continue;
    if (!isValidHeader(h)) {
      log::warn("http: dropping invalid response header \"", h.name, "\"");
      continue;
    }
    appendHeader(out, h);
  }
  for (const Header& h : framing) appendHeader(out, h);
  out += "\r\n";
  return out;
}

}  // namespace edgeway::http::detail
