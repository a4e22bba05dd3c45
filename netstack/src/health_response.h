#pragma once
// The service health check as a pure function: request head in, response bytes out. What
// kube-proxy's service health server (pkg/proxy/healthcheck) sends: any method, any path,
// Content-Type application/json, X-Content-Type-Options nosniff, 200 when the Service has
// local endpoints and the proxy is healthy, else 503, and this tab-indented body (no final
// newline):
//
//   {
//   	"service": {
//   		"namespace": "NS",
//   		"name": "NAME"
//   	},
//   	"localEndpoints": N,
//   	"serviceProxyHealthy": true
//   }

#include <string>
#include <string_view>

namespace edgeway::netstack::detail {

struct HealthReport {
  std::string ns;
  std::string name;
  int localEndpoints = 0;
  bool proxyHealthy = true;
};

std::string healthBody(const HealthReport& report);

// The full HTTP/1.1 response to `requestHead` (request line and headers, up to and
// including the blank line). A head that is not an HTTP/1.x request line gets 400; HEAD
// gets the headers only. Every response closes the connection. `date` is the Date header
// value (IMF-fixdate).
std::string healthResponse(std::string_view requestHead, const HealthReport& report, std::string_view date);

// The current time as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT").
std::string httpDateNow();

}  // namespace edgeway::netstack::detail
