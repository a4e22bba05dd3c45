#pragma once
// A small blocking HTTP/1.1 client over TCP or TLS: for tests, benchmarks and (later) list +
// watch against a remote API server. One connection, reused across requests (keep-alive)
// and re-opened when the server has closed it. Not thread-safe: one Client per thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "http/message.h"

namespace edgeway::http {

class TlsContext;  // see http/tls_context.h

struct ClientOptions {
  int timeoutSeconds = 30;                      // connect, each request + response, a stream's head; 0 = none
  int streamIdleTimeoutSeconds = 0;             // longest wait for more of a stream; 0 = forever (watches)
  size_t maxResponseBytes = 256 * 1024 * 1024;  // a request()'s body, or a stream's longest line
  // HTTPS when set (a TlsContext::client): the server's certificate is verified against the
  // context's CA and the host connected to (or the context's serverName), and the context's
  // client certificate, if any, is presented. Plain HTTP when null.
  std::shared_ptr<const TlsContext> tls;
};

class Client {
 public:
  // Resolves host (a name or an IP literal, IPv6 without brackets), connects and, for HTTPS,
  // completes the TLS handshake. Failures are Unavailable (a refused handshake says why,
  // e.g. an untrusted certificate), or InvalidArgument for a server TlsContext.
  static Result<Client> connect(std::string host, uint16_t port, ClientOptions options = {});

  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  ~Client();

  // Sends `request` (Host and Content-Length are filled in) and reads the whole response.
  // Any HTTP status is a successful Result; errors are transport failures (Unavailable),
  // timeouts (Unavailable) and oversized responses (ResourceExhausted). A GET, HEAD, PUT,
  // DELETE or OPTIONS that fails on a reused connection before any response byte arrives is
  // retried once on a fresh connection.
  Result<Response> request(const Request& request);

  // Sends `request` and, for a 2xx answer, passes its body to onLine one line at a time
  // (without "\n" or "\r\n"; a final unterminated line is passed too) until the body ends or
  // onLine returns false, which closes the connection. Returns the status and headers; a
  // non-2xx answer is not streamed but returned whole in Response::body (e.g. 410 Gone for
  // a watch). A stream cut before its end is an error.
  Result<Response> stream(const Request& request, const std::function<bool(std::string_view line)>& onLine);

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace edgeway::http
