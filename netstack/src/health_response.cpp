#include "netstack/src/health_response.h"

#include <cstdio>
#include <ctime>

namespace edgeway::netstack::detail {
namespace {

// JSON string contents. Namespaces and names are DNS labels, so this only matters for a
// caller passing something else.
std::string jsonEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string response(int code, const char* reason, std::string_view date, std::string_view contentType,
                     const std::string& body, bool withBody, bool nosniff) {
  std::string r = "HTTP/1.1 " + std::to_string(code) + " " + reason + "\r\n";
  r += "Content-Type: ";
  r += contentType;
  r += "\r\n";
  if (nosniff) r += "X-Content-Type-Options: nosniff\r\n";
  r += "Date: ";
  r += date;
  r += "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  if (withBody) r += body;
  return r;
}

}  // namespace

std::string healthBody(const HealthReport& report) {
  return "{\n\t\"service\": {\n\t\t\"namespace\": \"" + jsonEscape(report.ns) + "\",\n\t\t\"name\": \"" +
         jsonEscape(report.name) +
         "\"\n\t},\n\t\"localEndpoints\": " + std::to_string(report.localEndpoints) +
         ",\n\t\"serviceProxyHealthy\": " + (report.proxyHealthy ? "true" : "false") + "\n}";
}

std::string healthResponse(std::string_view head, const HealthReport& report, std::string_view date) {
  // Request line: METHOD SP TARGET SP HTTP/1.x CRLF
  size_t eol = head.find("\r\n");
  std::string_view line = head.substr(0, eol);
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  bool valid = sp1 != std::string_view::npos && sp1 > 0 && sp2 != std::string_view::npos && sp2 > sp1 + 1 &&
               line.substr(sp2 + 1).substr(0, 7) == "HTTP/1." && line.size() == sp2 + 9;
  if (!valid)
    return response(400, "Bad Request", date, "text/plain; charset=utf-8", "400 Bad Request", true, false);
  bool head_only = line.substr(0, sp1) == "HEAD";
  bool ok = report.localEndpoints > 0 && report.proxyHealthy;
  return response(ok ? 200 : 503, ok ? "OK" : "Service Unavailable", date, "application/json",
                  healthBody(report), !head_only, true);
}

std::string httpDateNow() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

}  // namespace edgeway::netstack::detail
